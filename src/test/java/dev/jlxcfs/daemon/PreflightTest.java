package dev.jlxcfs.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.config.Config;
import dev.jlxcfs.config.Option;
import dev.jlxcfs.testing.FixtureTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one list of startup checks: the daemon's start and {@code jlxcfs check} run the same items, worded once. */
class PreflightTest {

  @TempDir
  Path tmp;

  static final List<String> NAMES = List.of("root", "/dev/fuse", "libfuse2", "cgroups", "pid ns",
      "cgroup ns", "kernel", "file names", "mount point");

  private Config config(FixtureTree t, Path mountPoint) throws Exception {
    return Config.builder().set(Option.PROC_ROOT, t.proc().toString(), "test")
        .set(Option.SYS_ROOT, t.sys().toString(), "test")
        .set(Option.MOUNTPOINT, mountPoint.toString(), "test").build();
  }

  /** What the start reported before it stopped (or all of it), and the line it stopped with (null: it did not). */
  private record Start(List<Preflight.Item> reported, String stoppedWith) {}

  private static Start start(Preflight p) {
    List<Preflight.Item> reported = new ArrayList<>();
    try {
      p.start(reported::add);
      return new Start(reported, null);
    } catch (StartupException e) {
      return new Start(reported, e.getMessage());
    }
  }

  /**
   * Whatever this machine lacks (not root, no libfuse2 ...), the start runs check's items in check's order, stops at
   * the first one that stops a start, and says exactly that item's line.
   */
  private static void assertTheStartRunsCheckItems(Preflight p) {
    List<Preflight.Item> all = p.items();
    assertEquals(NAMES, all.stream().map(Preflight.Item::name).toList(), "check's items");
    Start start = start(p);
    int fatal = 0;
    while (fatal < all.size() && !all.get(fatal).verdict().stopsStart()) {
      fatal++;
    }
    assertEquals(all.subList(0, fatal), start.reported(), "the start reports the items before the first fatal one");
    assertEquals(fatal < all.size() ? all.get(fatal).line() : null, start.stoppedWith());
  }

  @Test
  void theStartRunsTheItemsCheckPrintsOnAFreeMountPoint() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    t.v1("cpu,cpuacct");
    t.v1("cpuset");
    Path mnt = tmp.resolve("mnt");
    Preflight p = new Preflight(config(t, mnt));
    assertTheStartRunsCheckItems(p);
    Preflight.Item mountPoint = p.items().get(NAMES.indexOf("mount point"));
    assertEquals(Preflight.Verdict.OK, mountPoint.verdict());
    assertEquals(tmp.toRealPath().resolve("mnt") + ": free", mountPoint.detail());
    Preflight.Item cgroups = p.items().get(NAMES.indexOf("cgroups"));
    assertEquals(Preflight.Verdict.OK, cgroups.verdict(), cgroups.toString());
    assertTrue(cgroups.detail().startsWith("cgroup v1: memory v1 at "), cgroups.detail());
  }

  @Test
  void aLiveJlxcfsMountIsTakenOverUnlessTakeoverIsOffThenItIsBusyAndStopsTheStart() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    Path mnt = Files.createDirectory(tmp.resolve("mnt")).toRealPath();
    // A live FUSE mount there, as the mount table says (statfs of the directory answers).
    t.mountLine("90 25 0:90 / " + mnt + " ro,nosuid - fuse.jlxcfs jlxcfs:" + mnt + " ro,user_id=0,group_id=0");
    Preflight.Item taken = new Preflight(config(t, mnt)).items().get(NAMES.indexOf("mount point"));
    assertEquals(Preflight.Verdict.OK, taken.verdict());
    assertEquals(mnt + ": served by a live jlxcfs daemon: a start here takes over from it (handover)",
        taken.detail());

    Preflight p = new Preflight(Config.builder().set(Option.PROC_ROOT, t.proc().toString(), "test")
        .set(Option.SYS_ROOT, t.sys().toString(), "test").set(Option.MOUNTPOINT, mnt.toString(), "test")
        .set(Option.TAKEOVER, "false", "test").build());
    assertTheStartRunsCheckItems(p);
    Preflight.Item item = p.items().get(NAMES.indexOf("mount point"));
    assertEquals(Preflight.Verdict.BUSY, item.verdict());
    assertTrue(item.verdict().stopsStart());
    assertEquals(mnt + ": served by a live jlxcfs daemon: already mounted, and --takeover is off, so no second "
        + "daemon can start here (stop that one, choose another mount point, or start with --takeover to hand over "
        + "without a failed read)", item.detail());
    assertEquals("busy  mount point    " + item.detail(), item.toString());
  }

  @Test
  void aLiveFuseMountOfAnotherKindIsBusyWhateverTheTakeover() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    Path mnt = Files.createDirectory(tmp.resolve("mnt")).toRealPath();
    t.mountLine("90 25 0:90 / " + mnt + " ro,nosuid - fuse.lxcfs lxcfs " + mnt + " ro,user_id=0,group_id=0");
    Preflight.Item item = new Preflight(config(t, mnt)).items().get(NAMES.indexOf("mount point"));
    assertEquals(Preflight.Verdict.BUSY, item.verdict());
    assertEquals(mnt + ": served by a live fuse.lxcfs, which is not jlxcfs: already mounted, so no second daemon "
        + "can start here (stop that one, or choose another mount point)", item.detail());
  }

  @Test
  void anotherFilesystemAtTheMountPointIsMountedOver() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    Path mnt = Files.createDirectory(tmp.resolve("mnt")).toRealPath();
    t.mountLine("91 25 0:91 / " + mnt + " rw - tmpfs tmpfs rw");
    Preflight.Item item = new Preflight(config(t, mnt)).items().get(NAMES.indexOf("mount point"));
    assertEquals(Preflight.Verdict.OK, item.verdict());
    assertEquals(mnt + ": a tmpfs filesystem is mounted there (jlxcfs mounts over it)", item.detail());
  }

  @Test
  void aMissingControllerIsAWarningAsTheDaemonServesAroundIt() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("cpu,cpuacct");
    Preflight p = new Preflight(config(t, tmp.resolve("mnt")));
    Preflight.Item cgroups = p.items().get(NAMES.indexOf("cgroups"));
    assertEquals(Preflight.Verdict.WARN, cgroups.verdict());
    assertTrue(cgroups.detail().endsWith("; no hierarchy serves memory, cpuset (files that need it show the host's "
        + "values)"), cgroups.detail());
    assertTheStartRunsCheckItems(p);
  }

  @Test
  void anUnreadableMountTableStopsTheStart() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Files.delete(t.proc().resolve("self/mountinfo"));
    Preflight p = new Preflight(config(t, tmp.resolve("mnt")));
    Preflight.Item cgroups = p.items().get(NAMES.indexOf("cgroups"));
    assertEquals(Preflight.Verdict.FAIL, cgroups.verdict());
    assertTrue(cgroups.detail().startsWith("cannot read the mount table " + t.proc().resolve("self/mountinfo")),
        cgroups.detail());
    assertTheStartRunsCheckItems(p);
  }

  @Test
  void theKernelAndTheFileNamesAreWarningsOnly() {
    assertEquals(Preflight.Verdict.OK, Preflight.kernel("6.1.0-28-amd64").verdict());
    assertEquals(Preflight.Verdict.OK, Preflight.kernel("5.12.0").verdict());
    Preflight.Item old = Preflight.kernel("5.10.0-8-amd64");
    assertEquals(Preflight.Verdict.WARN, old.verdict());
    assertTrue(old.detail().startsWith("5.10.0-8-amd64: before 5.12, a restart leaves running containers with dead "
        + "mounts"), old.detail());
    assertEquals("cannot read the release 'x'", Preflight.kernel("x").detail());
    assertEquals(Preflight.Verdict.OK, Preflight.fileNames("UTF-8", "C.UTF-8").verdict());
    Preflight.Item ascii = Preflight.fileNames("ANSI_X3.4-1968", "unset");
    assertEquals(Preflight.Verdict.WARN, ascii.verdict());
    assertEquals("file names: decoded as ANSI_X3.4-1968 (locale unset): cgroups with non-ASCII names cannot be "
        + "resolved; run with LANG=C.UTF-8", ascii.line());
    assertFalse(Preflight.Verdict.WARN.stopsStart());
  }

  @Test
  void aMissingLibfuseSaysHowToInstallItOnEveryDistribution() {
    String why = Preflight.libfuseMissing(new UnsatisfiedLinkError("no libfuse.so.2"));
    assertEquals("libfuse.so.2 does not load (UnsatisfiedLinkError): install it with 'apt-get install libfuse2' "
        + "(Debian, Ubuntu; libfuse2t64 on Ubuntu 24.04) or 'dnf install fuse-libs' (Fedora, RHEL)", why);
  }
}
