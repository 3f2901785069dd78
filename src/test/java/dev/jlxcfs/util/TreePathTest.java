package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreePathTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] cString) {
    int n = 0;
    while (cString[n] != 0) {
      n++;
    }
    return new String(cString, 0, n, StandardCharsets.UTF_8);
  }

  @Test
  void aPathUnderADescriptorsMagicLinkIsSplitAtTheDescriptor() {
    TreePath p = TreePath.of(b("/proc/self/fd/17/kubepods/pod1"));
    assertEquals(17, p.dirFd());
    assertArrayEquals(b("kubepods/pod1"), p.below());
    assertEquals("kubepods/pod1/tasks", s(TreePath.child(p.below(), b("tasks"), new byte[4])));
    TreePath top = TreePath.of(b("/proc/self/fd/9"));
    assertEquals(9, top.dirFd());
    assertEquals(0, top.below().length);
    assertEquals("tasks", s(TreePath.child(top.below(), b("tasks"), new byte[64])), "the tree's own top group");
    assertEquals(".", s(top.cString(new byte[1])));
    assertEquals(9, TreePath.of(b("/proc/self/fd/9//")).dirFd());
    TreePath fromPath = TreePath.of(Path.of("/proc/self/fd/17/kubepods/pod1"));
    assertEquals(17, fromPath.dirFd());
    assertArrayEquals(b("kubepods/pod1"), fromPath.below());
    assertEquals("/", s(TreePath.of(Path.of("/")).cString(new byte[1])));
  }

  @Test
  void anyOtherPathIsUsedWholeFromTheWorkingDirectory() {
    for (String other : new String[] {"/sys/fs/cgroup/cpu/a", "/proc/self/fd", "/proc/self/fd/", "/proc/self/fdx/3/a",
        "/proc/self/fd/3x/a", "/proc/self/fd/99999999999/a", "/proc/1/fd/3/a"}) {
      TreePath p = TreePath.of(b(other));
      assertEquals(Native.AT_FDCWD, p.dirFd(), other);
      assertEquals(other, s(p.cString(new byte[8])), other);
    }
  }

  @Test
  void aDirectoryIsToldThroughEitherForm(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("g/h"));
    Files.writeString(tmp.resolve("g/file"), "x");
    byte[] statx = new byte[256];
    TreePath whole = TreePath.of(dir);
    assertTrue(Native.isDirectory(whole.dirFd(), whole.cString(new byte[8]), statx));
    int fd = Native.openTrustedDirectory(TreePath.of(tmp).cString(new byte[8]));
    assertTrue(fd >= 0);
    try {
      TreePath below = TreePath.of(b("/proc/self/fd/" + fd + "/g/h"));
      assertEquals(fd, below.dirFd());
      assertTrue(Native.isDirectory(below.dirFd(), below.cString(new byte[8]), statx));
      assertTrue(Native.isDirectory(fd, b(".\0"), statx));
      assertFalse(Native.isDirectory(fd, b("g/file\0"), statx), "a file");
      assertFalse(Native.isDirectory(fd, b("g/gone\0"), statx), "no such path");
    } finally {
      Native.closeFd(fd);
    }
  }
}
