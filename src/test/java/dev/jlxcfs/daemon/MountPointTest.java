package dev.jlxcfs.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  private MountPoint unmounted(Path mnt) throws Exception {
    Path mountinfo = Files.writeString(tmp.resolve("mountinfo"), ""); // nothing mounted anywhere
    return new MountPoint(mnt, mountinfo);
  }

  /** What `docker run $(jlxcfs flags)` leaves on the host when nothing is mounted: each source as a directory. */
  private static void dockerSkeleton(Path mnt) throws Exception {
    for (Binds.Bind b : Binds.ALL) {
      Files.createDirectories(mnt.resolve(b.path().substring(1)));
    }
  }

  @Test
  void theEmptyDirectoriesAnEngineMadeAtTheBindsSourcesAreRemovedSoTheDaemonCanMount() throws Exception {
    Path mnt = tmp.resolve("mnt");
    dockerSkeleton(mnt);
    unmounted(mnt).prepare(false); // before: "mount point ... is not empty", at every start, until removed by hand
    try (var left = Files.list(mnt)) {
      assertEquals(0, left.count());
    }
    unmounted(mnt).prepare(false); // and nothing to do on an empty one
  }

  @Test
  void onlyEmptyDirectoriesOnTheBindsPathsGoAnythingElseStaysAndIsRefused() throws Exception {
    Path mnt = tmp.resolve("mnt");
    dockerSkeleton(mnt);
    Files.writeString(mnt.resolve("proc/meminfo/note"), "mine"); // a directory with something in it
    Files.createDirectory(mnt.resolve("sys/devices/other"));       // a directory not on a bind's path
    Files.delete(mnt.resolve("proc/uptime"));
    Files.writeString(mnt.resolve("proc/uptime"), "a file");      // a file where a bind's source is
    StartupException e = assertThrows(StartupException.class, () -> unmounted(mnt).prepare(false));
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    assertTrue(Files.exists(mnt.resolve("proc/meminfo/note")));
    assertTrue(Files.isDirectory(mnt.resolve("sys/devices/other")));
    assertTrue(Files.isRegularFile(mnt.resolve("proc/uptime")));
    assertFalse(Files.exists(mnt.resolve("proc/cpuinfo")), "the engine's empty ones beside them are gone");
    assertFalse(Files.exists(mnt.resolve("sys/devices/system")));
  }

  @Test
  void neverThroughASymlink() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside/meminfo"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Files.createSymbolicLink(mnt.resolve("proc"), outside.getParent());
    assertEquals(java.util.List.of(), MountPoint.removeEngineSkeleton(mnt));
    assertTrue(Files.isDirectory(outside), "an empty directory reached through a link stays");
    assertTrue(Files.isSymbolicLink(mnt.resolve("proc")));
  }
}
