package dev.jlxcfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountPointTest {

  @TempDir Path tmp;

  @Test
  void canonicalResolvesLinksAsTheMountTableWillShowThem() throws Exception {
    Path real = Files.createDirectory(tmp.resolve("real"));
    Files.createSymbolicLink(tmp.resolve("link"), real);
    Path base = tmp.toRealPath();
    assertEquals(base.resolve("real/mnt"), MountPoint.canonical(tmp.resolve("link/mnt")), "a linked parent");
    assertEquals(base.resolve("real"), MountPoint.canonical(tmp.resolve("link")), "the mount point itself a link");
    assertEquals(base.resolve("new/deeper/mnt"), MountPoint.canonical(tmp.resolve("new/deeper/mnt")));
    assertEquals(true, Files.isDirectory(tmp.resolve("new/deeper")), "missing parents are created");
  }
}
