package dev.jlxcfs.heal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.heal.MountTableScan.Mount;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the heal pass takes from a mount table, and the record of devices it trusts. */
class HealerTest {

  private static final String FS = Healer.fsName(Path.of("/var/lib/jlxcfs"));

  /** A container's mountinfo: its own /proc, binds of a dead mount (0:61) and of the live one (0:70). */
  private static final String CONTAINER = String.join("\n",
      "612 611 0:62 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w",
      "613 612 0:63 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
      "620 613 0:61 /proc/meminfo /proc/meminfo ro,nosuid,nodev,relatime shared:5 master:1 - fuse.jlxcfs " + FS
          + " ro,user_id=0,group_id=0,default_permissions,allow_other",
      "621 613 0:61 /proc/uptime /proc/uptime ro,relatime - fuse.jlxcfs " + FS + " ro,user_id=0,group_id=0",
      "622 612 0:61 /sys/devices/system/cpu /sys/devices/system/cpu ro,relatime - fuse.jlxcfs " + FS + " ro",
      "623 613 0:70 /proc/stat /proc/stat ro,relatime - fuse.jlxcfs " + FS + " ro",
      // a forgery: our type and source name on a device no daemon recorded
      "624 613 0:55 /proc/cpuinfo /proc/cpuinfo ro,relatime - fuse.jlxcfs " + FS + " ro",
      "625 613 0:61 /proc/diskstats /proc/diskstats ro,relatime - fuse.lxcfs lxcfs ro",
      // a mount point with a space and a newline, escaped as the kernel does
      "626 612 0:61 / /mnt/with\\040space\\012x ro,relatime - fuse.jlxcfs " + FS + " ro",
      "");

  private static MountTableScan.Result scan(String table, Set<String> devices, long maxBytes, int maxLines,
                                            int maxMounts) {
    ByteArrayInputStream in = new ByteArrayInputStream(table.getBytes(StandardCharsets.UTF_8));
    // Small reads, so that lines cross the reads' boundaries.
    return new MountTableScan(maxBytes, maxLines, maxMounts).scan(buf -> {
      int n = in.read(buf, 0, Math.min(buf.length, 7));
      return Math.max(n, 0);
    }, devices, Set.of("0:70"));
  }

  private static List<String> points(MountTableScan.Result r) {
    List<String> out = new ArrayList<>();
    for (Mount m : r.mounts()) {
      out.add(m.id() + " " + m.device() + " " + m.rootText() + " " + m.mountPointText());
    }
    return out;
  }

  @Test
  void keepsOnlyJlxcfsMountsOfTheRecordedDevices() {
    MountTableScan.Result r = scan(CONTAINER, Set.of("0:61"), 1 << 20, 1000, 64);
    assertEquals(List.of(
        "620 0:61 /proc/meminfo /proc/meminfo",
        "621 0:61 /proc/uptime /proc/uptime",
        "622 0:61 /sys/devices/system/cpu /sys/devices/system/cpu",
        "626 0:61 / /mnt/with space\nx"), points(r));
    assertNull(r.cut());
    assertEquals(9, r.lines());
  }

  @Test
  void jlxcfsTypedMountsOfOtherDevicesAreCountedAndTheFirstNamed() {
    MountTableScan.Result r = scan(CONTAINER, Set.of("0:61"), 1 << 20, 1000, 64);
    assertEquals(1, r.others(), "0:55 (0:70 is the live one)");
    assertEquals("/proc/cpuinfo", r.firstOther().mountPointText());
    assertEquals(0, scan(CONTAINER, Set.of("0:61", "0:55"), 1 << 20, 1000, 64).others());
  }

  @Test
  void aForgedSourceNameOnAnUnrecordedDeviceMatchesNothing() {
    assertEquals(List.of(), points(scan(CONTAINER, Set.of("0:99"), 1 << 20, 1000, 64)));
    assertEquals(List.of("623 0:70 /proc/stat /proc/stat"), points(scan(CONTAINER, Set.of("0:70"), 1 << 20, 1000,
        64)));
  }

  @Test
  void onlyTheTopmostMountAtAPathIsTaken() {
    String stacked = String.join("\n",
        "620 613 0:61 /proc/meminfo /proc/meminfo ro - fuse.jlxcfs " + FS + " ro",
        "630 620 0:99 / /proc/meminfo ro - tmpfs tmpfs ro", // a runtime's mask over it: not ours to take off
        "640 613 0:61 /proc/stat /proc/stat ro - fuse.jlxcfs " + FS + " ro",
        "641 640 0:61 /proc/stat /proc/stat ro - fuse.jlxcfs " + FS + " ro", // stale again, on top: this one
        "642 613 0:61 /proc/uptime /proc/uptime ro - fuse.jlxcfs " + FS + " ro",
        "643 613 0:99 / /proc/uptime/x ro - tmpfs tmpfs ro"); // below it, not on it
    assertEquals(List.of("641 0:61 /proc/stat /proc/stat", "642 0:61 /proc/uptime /proc/uptime"),
        points(scan(stacked, Set.of("0:61"), 1 << 20, 1000, 64)));
  }

  @Test
  void coveredMountsDoNotCountAgainstTheCap() {
    StringBuilder t = new StringBuilder("100 1 0:61 /proc/meminfo /x ro - fuse.jlxcfs " + FS + " ro\n");
    for (int i = 101; i < 300; i++) {
      t.append(i).append(' ').append(i - 1).append(" 0:61 /proc/meminfo /x ro - fuse.jlxcfs ").append(FS)
          .append(" ro\n");
    }
    MountTableScan.Result r = scan(t.toString(), Set.of("0:61"), 1 << 20, 1000, 2);
    assertNull(r.cut());
    assertEquals(List.of("299 0:61 /proc/meminfo /x"), points(r));
  }

  @Test
  void aBindBelowAFilesystemATenantServesIsTold() {
    String table = String.join("\n",
        "612 611 0:62 / / rw - overlay overlay rw",
        "700 612 0:90 / /fusemnt rw - fuse.evil evil rw",
        "701 700 0:61 /proc/meminfo /fusemnt/d/meminfo ro - fuse.jlxcfs " + FS + " ro",
        "702 612 0:61 /proc/stat /proc/stat ro - fuse.jlxcfs " + FS + " ro",
        "703 612 0:91 / /net rw - nfs4 srv:/x rw",
        "704 703 0:61 /proc/uptime /net/uptime ro - fuse.jlxcfs " + FS + " ro",
        "705 612 0:92 / /ctl rw - fusectl fusectl rw",
        "706 705 0:61 /proc/swaps /ctl/swaps ro - fuse.jlxcfs " + FS + " ro",
        "707 612 0:70 /sys/devices/system/cpu /sys/devices/system/cpu ro - fuse.jlxcfs " + FS + " ro",
        "708 707 0:61 /proc/cpuinfo /sys/devices/system/cpu/x ro - fuse.jlxcfs " + FS + " ro",
        "709 612 0:93 / /plainfuse rw - fuse fuse rw",
        "710 709 0:61 /proc/loadavg /plainfuse/loadavg ro - fuse.jlxcfs " + FS + " ro");
    MountTableScan.Result r = scan(table, Set.of("0:61"), 1 << 20, 1000, 64);
    List<String> crossing = new ArrayList<>();
    for (Mount m : r.mounts()) {
      if (r.tree().pathCrossesForeign(m)) {
        crossing.add(m.mountPointText());
      }
    }
    // Our own mounts (dead or live) and fusectl are the kernel's or ours: no tenant's server answers there.
    assertEquals(List.of("/fusemnt/d/meminfo", "/net/uptime", "/plainfuse/loadavg"), crossing);
  }

  @Test
  void lookupsAreAllowedByTheDirectorysMountAndDevice() {
    String table = String.join("\n",
        "612 611 0:62 / / rw - overlay overlay rw,lowerdir=/l",
        "613 612 0:63 / /proc rw - proc proc rw",
        "700 612 0:90 / /fusemnt rw - fuse.evil evil rw",
        "701 613 0:61 /proc/meminfo /proc/meminfo ro - fuse.jlxcfs " + FS + " ro");
    MountTableScan.Tree tree = scan(table, Set.of("0:61"), 1 << 20, 1000, 64).tree();
    assertEquals(MountTableScan.Tree.STACKED, tree.kindOf(612, 0, 62), "overlay: from the dentry cache only");
    assertEquals(MountTableScan.Tree.KERNEL, tree.kindOf(613, 0, 63));
    assertEquals(MountTableScan.Tree.KERNEL, tree.kindOf(701, 0, 61), "ours (dead: answers at once)");
    assertEquals(MountTableScan.Tree.TENANT, tree.kindOf(700, 0, 90));
    assertEquals(MountTableScan.Tree.TENANT, tree.kindOf(999, 0, 63), "not in the table: mounted since");
    assertEquals(MountTableScan.Tree.TENANT, tree.kindOf(613, 0, 91), "a reused mount ID on another device");
    tree.addOurs(702, 613, 0, 70);
    assertEquals(MountTableScan.Tree.KERNEL, tree.kindOf(702, 0, 70), "a bind the pass attached itself");
  }

  @Test
  void anyDeviceWhenNoneIsNamed() {
    assertEquals(6, scan(CONTAINER, null, 1 << 20, 1000, 64).mounts().size());
  }

  @Test
  void capsAreReportedAndWhatWasReadIsKept() {
    MountTableScan.Result lines = scan(CONTAINER, Set.of("0:61"), 1 << 20, 4, 64);
    assertEquals(List.of("620 0:61 /proc/meminfo /proc/meminfo", "621 0:61 /proc/uptime /proc/uptime"),
        points(lines));
    assertTrue(lines.cut().contains("more than 4 lines"), lines.cut());
    MountTableScan.Result mounts = scan(CONTAINER, Set.of("0:61"), 1 << 20, 1000, 2);
    assertEquals(2, mounts.mounts().size());
    assertTrue(mounts.cut().contains("more than 2 jlxcfs mounts"), mounts.cut());
    MountTableScan.Result bytes = scan(CONTAINER, Set.of("0:61"), 100, 1000, 64);
    assertTrue(bytes.cut().contains("larger than 100 bytes"), bytes.cut());
    assertTrue(bytes.bytes() < 100 + 7, "reads stop at the cap: " + bytes.bytes());
  }

  @Test
  void aMountFloodIsStreamedNotHeld() {
    StringBuilder flood = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      flood.append(1000 + i).append(" 612 0:80 / /tmp/m").append(i).append(" rw - tmpfs tmpfs rw\n");
    }
    flood.append("9 612 0:61 /proc/meminfo /proc/meminfo ro - fuse.jlxcfs ").append(FS).append(" ro\n");
    ByteArrayInputStream in = new ByteArrayInputStream(flood.toString().getBytes(StandardCharsets.UTF_8));
    MountTableScan.Result r = new MountTableScan(32 << 20, 200_000, 64).scan(buf -> Math.max(in.read(buf, 0,
        buf.length), 0), Set.of("0:61"), Set.of());
    assertEquals(List.of("9 0:61 /proc/meminfo /proc/meminfo"), points(r));
    assertEquals(100_001, r.lines());
    // A source without end: the reads stop at the byte cap, whatever it holds.
    byte[] line = "1 2 0:80 / /tmp/m rw - tmpfs tmpfs rw\n".getBytes(StandardCharsets.UTF_8);
    long[] given = {0};
    MountTableScan.Result endless = new MountTableScan(1 << 20, Integer.MAX_VALUE, 64).scan(buf -> {
      int n = 0;
      while (n + line.length <= buf.length) {
        System.arraycopy(line, 0, buf, n, line.length);
        n += line.length;
      }
      given[0] += n;
      return n;
    }, Set.of("0:61"), Set.of());
    assertTrue(endless.cut().contains("larger than 1048576 bytes"), endless.cut());
    assertTrue(given[0] < (1 << 20) + (64 << 10), "read no further than the cap: " + given[0]);
  }

  @Test
  void malformedAndOverlongLinesArePassedOver() {
    String longLine = "7 1 0:61 / /" + "x".repeat(MountTableScan.MAX_LINE) + " ro - fuse.jlxcfs " + FS + " ro\n";
    String table = "garbage\n1 2\n - fuse.jlxcfs \nx y 0:61 / /a ro - fuse.jlxcfs s ro\n" + longLine
        + "8 1 0:61 /proc/stat /proc/stat ro - fuse.jlxcfs " + FS + " ro";
    assertEquals(List.of("8 0:61 /proc/stat /proc/stat"), points(scan(table, Set.of("0:61"), 1 << 20, 1000, 64)));
  }

  @Test
  void onlyPlainPathsOfTheTreeAreServedPaths() {
    assertTrue(Healer.isServedPath("/"));
    assertTrue(Healer.isServedPath("/proc/meminfo"));
    assertTrue(Healer.isServedPath("/sys/devices/system/cpu/cpu0/online"));
    for (String bad : List.of("", "proc", "/proc/", "//x", "/proc/../etc", "/./x", "/a b", "/a\nb")) {
      assertFalse(Healer.isServedPath(bad), bad);
    }
  }

  @Test
  void theSourceNameCarriesTheMountPoint() {
    assertEquals("jlxcfs:/var/lib/jlxcfs", FS);
  }

  // The record of devices.

  @Test
  void aRecordedDeviceOfThisMountPointAndBootIsAnEarlierOne(@TempDir Path tmp) throws IOException {
    Path state = tmp.resolve("state");
    MountLedger ledger = new MountLedger(state, tmp.resolve("no-fusectl"), "boot-a");
    Path mp = Path.of("/var/lib/jlxcfs");
    ledger.record("0:61", mp);
    ledger.record("0:62", Path.of("/elsewhere"));
    ledger.record("0:70", mp);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("mounts"))));
    List<String> skipped = new ArrayList<>();
    assertEquals(Set.of("0:61"), ledger.earlierDevices(mp, "0:70", skipped));
    assertEquals(Set.of("0:62"), ledger.earlierDevices(Path.of("/elsewhere"), "0:70", skipped));
    // Another boot's devices are not this boot's.
    assertEquals(Set.of(), new MountLedger(state, tmp, "boot-b").earlierDevices(mp, "0:70", skipped));
    assertEquals(List.of(), skipped);
  }

  @Test
  void theRecordKeepsTheNewestEntries(@TempDir Path tmp) throws IOException {
    MountLedger ledger = new MountLedger(tmp.resolve("s"), tmp, "b");
    Path mp = Path.of("/m");
    for (int i = 0; i < MountLedger.MAX_ENTRIES + 10; i++) {
      ledger.record("0:" + i, mp);
    }
    Set<String> earlier = ledger.earlierDevices(mp, "none", new ArrayList<>());
    assertEquals(MountLedger.MAX_ENTRIES, earlier.size());
    assertFalse(earlier.contains("0:0"));
    assertTrue(earlier.contains("0:" + (MountLedger.MAX_ENTRIES + 9)));
  }

  @Test
  void aReusedDeviceNumberIsNotTaken(@TempDir Path tmp) throws IOException {
    Path connections = Files.createDirectories(tmp.resolve("connections"));
    Path conn = Files.createDirectory(connections.resolve("61"));
    Files.setLastModifiedTime(conn, FileTime.fromMillis(1_000_000));
    String[] instance = {"dev41"};
    MountLedger ledger = new MountLedger(tmp.resolve("s"), connections, "b", p -> instance[0]);
    Path mp = Path.of("/m");
    ledger.record("0:61", mp);
    assertEquals(Set.of("0:61"), ledger.earlierDevices(mp, "0:70", new ArrayList<>()));
    // The connection went away and another FUSE mount got the number: a later creation time.
    Files.setLastModifiedTime(conn, FileTime.fromMillis(2_000_000));
    List<String> skipped = new ArrayList<>();
    assertEquals(Set.of(), ledger.earlierDevices(mp, "0:70", skipped));
    assertTrue(skipped.get(0).contains("reused"), skipped.toString());
    // Gone altogether: no bind holds it, nothing to say.
    Files.delete(conn); // (the kernel updates the root's time then: the instance is not told by it)
    skipped.clear();
    assertEquals(Set.of(), ledger.earlierDevices(mp, "0:70", skipped));
    assertEquals(List.of(), skipped);
    // A new instance of the control filesystem (unmounted everywhere, mounted again) stamps every connection with
    // its own time: stamps are not comparable then, and the device is taken as recorded.
    Files.createDirectory(conn);
    Files.setLastModifiedTime(conn, FileTime.fromMillis(3_000_000));
    instance[0] = "dev77";
    assertEquals(Set.of("0:61"), ledger.earlierDevices(mp, "0:70", new ArrayList<>()));
  }

  /** The real control filesystem's instance is its device: the same however its root's time moves. */
  @Test
  void theControlFilesystemsInstanceIsItsDevice(@TempDir Path tmp) throws IOException {
    String before = MountLedger.instanceOf(tmp);
    Files.createDirectory(tmp.resolve("61"));
    Files.setLastModifiedTime(tmp, FileTime.fromMillis(5_000_000));
    assertEquals(before, MountLedger.instanceOf(tmp));
    assertTrue(before.startsWith("dev"), before);
    assertNull(MountLedger.instanceOf(tmp.resolve("missing")));
  }

  @Test
  void aStateDirectoryOthersCanWriteIsNotTrusted(@TempDir Path tmp) throws IOException {
    Path state = tmp.resolve("s");
    MountLedger ledger = new MountLedger(state, tmp, "b");
    ledger.record("0:61", Path.of("/m"));
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class, () -> ledger.earlierDevices(Path.of("/m"), "0:70",
        new ArrayList<>()));
    assertTrue(e.getMessage().contains("not trusted"), e.getMessage());
    assertThrows(IOException.class, () -> ledger.record("0:62", Path.of("/m")));
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(state.resolve("mounts"), PosixFilePermissions.fromString("rw-rw-rw-"));
    assertThrows(IOException.class, () -> ledger.earlierDevices(Path.of("/m"), "0:70", new ArrayList<>()));
  }

  @Test
  void aSymlinkedStateDirectoryOrFileIsNotTrusted(@TempDir Path tmp) throws IOException {
    Path real = Files.createDirectory(tmp.resolve("real"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Files.createSymbolicLink(tmp.resolve("link"), real);
    assertThrows(IOException.class, () -> new MountLedger(tmp.resolve("link"), tmp, "b").record("0:1",
        Path.of("/m")));
    Path state = tmp.resolve("s");
    new MountLedger(state, tmp, "b").record("0:1", Path.of("/m"));
    Files.delete(state.resolve("mounts"));
    Files.createSymbolicLink(state.resolve("mounts"), real.resolve("x"));
    assertThrows(IOException.class, () -> new MountLedger(state, tmp, "b").earlierDevices(Path.of("/m"), "0:2",
        new ArrayList<>()));
  }

  @Test
  void noStateDirectoryMeansNothingRecorded(@TempDir Path tmp) throws IOException {
    assertEquals(Set.of(), new MountLedger(tmp.resolve("none"), tmp, "b").earlierDevices(Path.of("/m"), "0:1",
        new ArrayList<>()));
    assertFalse(Files.exists(tmp.resolve("none")), "reading creates nothing");
  }
}
