package dev.jlxcfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which mounts a heal pass takes for stale binds, on mountinfo texts as containers show them. */
class HealerTest {

  private static final String FS = Healer.fsName(Path.of("/var/lib/jlxcfs"));

  /** A container's mountinfo: its own /proc, binds of a dead mount (0:61) and of the live one (0:70). */
  private static final String CONTAINER = String.join("\n",
      "612 611 0:62 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w",
      "613 612 0:63 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
      "620 613 0:61 /proc/meminfo /proc/meminfo ro,nosuid,nodev,relatime - fuse.jlxcfs " + FS
          + " ro,user_id=0,group_id=0,default_permissions,allow_other",
      "621 613 0:61 /proc/uptime /proc/uptime ro,relatime - fuse.jlxcfs " + FS + " ro,user_id=0,group_id=0",
      "622 612 0:61 /sys/devices/system/cpu /sys/devices/system/cpu ro,relatime - fuse.jlxcfs " + FS + " ro",
      "623 613 0:70 /proc/stat /proc/stat ro,relatime - fuse.jlxcfs " + FS + " ro",
      // another daemon's mount point, and lxcfs: never ours to heal
      "624 613 0:55 /proc/cpuinfo /proc/cpuinfo ro,relatime - fuse.jlxcfs jlxcfs:/other ro",
      "625 613 0:56 /proc/diskstats /proc/diskstats ro,relatime - fuse.lxcfs lxcfs ro",
      // a mount point with a space, escaped as the kernel does
      "626 612 0:61 / /mnt/with\\040space ro,relatime - fuse.jlxcfs " + FS + " ro",
      "");

  @Test
  void takesOnlyThisMountPointsBindsOfAnotherDevice() {
    assertEquals(List.of(
            new Healer.StaleBind("/proc/meminfo", "/proc/meminfo", false),
            new Healer.StaleBind("/proc/uptime", "/proc/uptime", false),
            new Healer.StaleBind("/sys/devices/system/cpu", "/sys/devices/system/cpu", false),
            new Healer.StaleBind("/mnt/with space", "/", false)),
        Healer.staleBinds(CONTAINER, FS, "0:70"));
  }

  @Test
  void withTheOtherDeviceLiveOnlyItsBindIsStale() {
    assertEquals(List.of(new Healer.StaleBind("/proc/stat", "/proc/stat", false)), Healer.staleBinds(CONTAINER, FS, "0:61"));
  }

  @Test
  void onlyTheTopmostMountAtAPathIsTaken() {
    String stacked = String.join("\n",
        "620 613 0:61 /proc/meminfo /proc/meminfo ro - fuse.jlxcfs " + FS + " ro",
        "630 620 0:99 / /proc/meminfo ro - tmpfs tmpfs ro", // a runtime's mask over it: not ours to take off
        "640 613 0:61 /proc/stat /proc/stat ro - fuse.jlxcfs " + FS + " ro");
    assertEquals(List.of(new Healer.StaleBind("/proc/stat", "/proc/stat", false)),
        Healer.staleBinds(stacked, FS, "0:70"));
  }

  @Test
  void bindsOfADaemonFromBeforeTheMountPointWasNamedAreMarkedLegacy() {
    String old = "620 613 0:61 /proc/meminfo /proc/meminfo ro - fuse.jlxcfs jlxcfs ro\n";
    assertEquals(List.of(new Healer.StaleBind("/proc/meminfo", "/proc/meminfo", true)),
        Healer.staleBinds(old, FS, "0:70"));
  }

  @Test
  void malformedLinesAreIgnored() {
    assertEquals(List.of(), Healer.staleBinds("garbage\n1 2\n - fuse.jlxcfs\n\n", FS, "0:1"));
  }

  @Test
  void theLiveDeviceIsTheLastMountAtThePath() {
    String host = String.join("\n",
        "30 1 0:61 / /var/lib/jlxcfs rw - fuse.jlxcfs " + FS + " rw",
        "31 1 0:70 / /var/lib/jlxcfs rw - fuse.jlxcfs " + FS + " rw");
    assertEquals("0:70", Healer.deviceAt(host, "/var/lib/jlxcfs"));
    assertNull(Healer.deviceAt(host, "/elsewhere"));
  }

  @Test
  void theSourceNameCarriesTheMountPointAndEscapesLibfuseOptionCommas() {
    assertEquals("jlxcfs:/var/lib/jlxcfs", FS);
    String options = Daemon.mountOptions(Path.of("/odd,dir"));
    assertTrue(options.contains("fsname=jlxcfs:/odd\\,dir,"), options);
  }
}
