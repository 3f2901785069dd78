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
  void rejectsDuplicatesAndRelativePaths() {
    assertThrows(IllegalArgumentException.class, () -> new FileTree(List.of(file("/a"), file("/a"))));
    assertThrows(IllegalArgumentException.class, () -> new FileTree(List.of(file("a"))));
  }
}
