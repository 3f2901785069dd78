package dev.jlxcfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.files.VirtualFile;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileTreeTest {

  private static VirtualFile file(String path) {
    return new OpenFilesTest.Counter() {
      @Override
      public String path() {
        return path;
      }
    };
  }

  @Test
  void directoriesAreImpliedByFilePaths() {
    FileTree t = new FileTree(List.of(file("/proc/meminfo"), file("/proc/uptime"),
        file("/sys/devices/system/cpu/online")));
    assertEquals(List.of("proc", "sys"), t.lookup("/").children());
    assertEquals(List.of("meminfo", "uptime"), t.lookup("/proc").children());
    assertTrue(t.lookup("/sys/devices/system").isDirectory());
    assertEquals("/proc/uptime", t.lookup("/proc/uptime").file().path());
    assertNull(t.lookup("/proc/nope"));
    assertNull(t.lookup("/proc/"));
  }

  @Test
  void linksAreNodesOfTheirOwnInTheirParentsListing() {
    FileTree.Linker link = new FileTree.Linker() {
      @Override
      public String target(dev.jlxcfs.files.ReadContext ctx) {
        return ".d";
      }

      @Override
      public String host() {
        return ".d";
      }
    };
    FileTree t = new FileTree(List.of(file("/c/.d/f")), java.util.Map.of(), java.util.Map.of("/c/d", link), null);
    assertEquals(List.of(".d", "d"), t.lookup("/c").children());
    assertTrue(t.lookup("/c/d").isLink());
    assertTrue(!t.lookup("/c/d").isDirectory() && t.lookup("/c/d").file() == null);
    assertThrows(IllegalArgumentException.class, () -> new FileTree(List.of(file("/c/d")), java.util.Map.of(),
        java.util.Map.of("/c/d", link), null), "a link where a file is");
    assertThrows(IllegalArgumentException.class, () -> new FileTree(List.of(file("/c/d/f")), java.util.Map.of(),
        java.util.Map.of("/c/d", link), null), "a link where a directory is");
  }

  @Test
  void rejectsDuplicatesAndRelativePaths() {
    assertThrows(IllegalArgumentException.class, () -> new FileTree(List.of(file("/a"), file("/a"))));
    assertThrows(IllegalArgumentException.class, () -> new FileTree(List.of(file("a"))));
  }
}
