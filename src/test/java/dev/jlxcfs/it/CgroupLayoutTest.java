package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The integration tests' cgroup helpers (CgroupLayout, TestCgroup) on fixture trees of the layouts they must handle:
 * this machine's hybrid one, pure v1, pure v2, and v2 hosts whose root has not enabled the controllers. A fixture
 * directory is a plain directory: it has only the files the helper or the test writes, where a real cgroupfs makes
 * the interface files itself. No process joins anything here.
 */
class CgroupLayoutTest {

  private static final long MIB = 1024 * 1024;

  @TempDir Path tmp;
  private Path cg;
  private final List<String> mounts = new ArrayList<>();

  @BeforeEach
  void tree() throws IOException {
    cg = Files.createDirectories(tmp.resolve("sys/fs/cgroup"));
    mounts.add("31 23 0:28 / " + cg + " rw,relatime - tmpfs tmpfs rw,mode=755");
  }

  /** A v1 hierarchy at cgroup/NAME with these controllers, as in its super options. */
  private Path v1(String name, String controllers) throws IOException {
    Path mp = Files.createDirectories(cg.resolve(name));
    mounts.add((32 + mounts.size()) + " 31 0:" + (29 + mounts.size()) + " / " + mp + " rw,relatime - cgroup cgroup rw,"
        + controllers);
    return mp;
  }

  /** cgroup2 at cgroup/NAME ("" for the root itself), its cgroup.controllers and cgroup.subtree_control. */
  private Path v2(String name, String controllers, String subtreeControl) throws IOException {
    Path mp = name.isEmpty() ? cg : Files.createDirectories(cg.resolve(name));
    if (name.isEmpty()) {
      mounts.set(0, "31 23 0:28 / " + cg + " rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw");
    } else {
      mounts.add((32 + mounts.size()) + " 31 0:" + (29 + mounts.size()) + " / " + mp
          + " rw,relatime - cgroup2 cgroup2 rw");
    }
    Files.writeString(mp.resolve("cgroup.controllers"), controllers + "\n");
    Files.writeString(mp.resolve("cgroup.subtree_control"), subtreeControl + "\n");
    return mp;
  }

  private CgroupLayout layout() throws IOException {
    Path mountinfo = tmp.resolve("proc/self/mountinfo");
    Files.createDirectories(mountinfo.getParent());
    Files.writeString(mountinfo, String.join("\n", mounts) + "\n");
    return CgroupLayout.load(mountinfo);
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file).trim();
  }

  /**
   * Closes a test cgroup made in a fixture tree and checks its directories are gone. A real cgroupfs removes a
   * cgroup with its interface files; in a fixture they are ordinary files, so they go first.
   */
  private static void closeAndCheck(TestCgroup t, Path... bases) throws IOException {
    for (Path base : bases) {
      try (Stream<Path> s = Files.walk(base)) {
        for (Path p : s.filter(Files::isRegularFile).toList()) {
          Files.delete(p);
        }
      }
    }
    t.close();
    for (Path base : bases) {
      assertFalse(Files.exists(base), base + " removed");
    }
  }

  /** This machine: v1 controllers, one per hierarchy, and a cgroup2 mount with none. */
  private CgroupLayout hybrid() throws IOException {
    for (String c : List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")) {
      v1(c, c);
    }
    v1("systemd", "name=systemd");
    v2("unified", "", "");
    Files.writeString(cg.resolve("cpuset/cpuset.cpus"), "0-3\n");
    Files.writeString(cg.resolve("cpuset/cpuset.mems"), "0\n");
    return layout();
  }

  @Test
  void hybridHostUsesTheV1HierarchiesAndLeavesCgroup2Alone() throws IOException {
    CgroupLayout l = hybrid();
    assertNull(l.missing());
    for (String c : CgroupLayout.CONTROLLERS) {
      assertEquals(cg.resolve(c), l.root(c), c);
      assertFalse(l.isV2(c), c);
    }
    assertEquals(List.of(), l.v2SubtreeControllers());
    TestCgroup t = new TestCgroup(l, "base");
    t.limitMemory("", 300 * MIB);
    t.limitCpu("", 50000, 100000);
    t.setCpus("", "1");
    assertEquals("314572800", read(cg.resolve("memory/base/memory.limit_in_bytes")));
    assertEquals("100000", read(cg.resolve("cpu/base/cpu.cfs_period_us")));
    assertEquals("50000", read(cg.resolve("cpu/base/cpu.cfs_quota_us")));
    assertEquals("1", read(cg.resolve("cpuset/base/cpuset.cpus")));
    assertEquals("0", read(cg.resolve("cpuset/base/cpuset.mems")), "a new v1 cpuset inherits its parent's mems");
    Path[] dirs = {t.dir("memory", ""), t.dir("cpu", ""), t.dir("cpuacct", ""), t.dir("cpuset", "")};
    assertEquals(List.of(cg.resolve("memory/base/cgroup.procs"), cg.resolve("cpu/base/cgroup.procs"),
        cg.resolve("cpuacct/base/cgroup.procs"), cg.resolve("cpuset/base/cgroup.procs")), t.procsFiles(dirs));
    assertEquals("", read(cg.resolve("unified/cgroup.subtree_control")));
    assertFalse(Files.exists(cg.resolve("unified/base")));
    closeAndCheck(t, dirs);
  }

  @Test
  void v1ChildrenAreJoinedDirectlyEvenWithChildrenOfTheirOwn() throws IOException {
    CgroupLayout l = hybrid();
    TestCgroup t = new TestCgroup(l, "base");
    t.limitMemory("", 200 * MIB);
    t.limitMemory("inner", 300 * MIB);
    assertEquals("314572800", read(cg.resolve("memory/base/inner/memory.limit_in_bytes")));
    assertEquals(List.of(cg.resolve("memory/base/cgroup.procs")), t.procsFiles(t.dir("memory", "")));
    closeAndCheck(t, cg.resolve("memory/base"));
  }

  @Test
  void pureV1WithCpuAndCpuacctMountedTogether() throws IOException {
    Path cpu = v1("cpu,cpuacct", "cpu,cpuacct");
    v1("memory", "memory");
    Path cpuset = v1("cpuset", "cpuset");
    Files.writeString(cpuset.resolve("cpuset.cpus"), "0-1\n");
    Files.writeString(cpuset.resolve("cpuset.mems"), "0\n");
    CgroupLayout l = layout();
    assertNull(l.missing());
    assertEquals(cpu, l.root("cpu"));
    assertEquals(cpu, l.root("cpuacct"));
    TestCgroup t = new TestCgroup(l, "base");
    t.limitCpu("", 100000, 100000);
    assertEquals("100000", read(cpu.resolve("base/cpu.cfs_quota_us")));
    assertEquals(List.of(cpu.resolve("base/cgroup.procs"), cg.resolve("memory/base/cgroup.procs")),
        t.procsFiles(t.dir("cpu", ""), t.dir("cpuacct", ""), t.dir("memory", "")), "one hierarchy joined once");
    closeAndCheck(t, cpu.resolve("base"), cg.resolve("memory/base"));
  }

  @Test
  void pureV2HostPutsEveryControllerInOneDirectoryWithV2FileNames() throws IOException {
    v2("", "cpuset cpu io memory hugetlb pids rdma misc", "cpuset cpu io memory pids");
    CgroupLayout l = layout();
    assertNull(l.missing());
    for (String c : CgroupLayout.CONTROLLERS) {
      assertEquals(cg, l.root(c), c);
      assertTrue(l.isV2(c), c);
    }
    TestCgroup t = new TestCgroup(l, "base");
    Path base = cg.resolve("base");
    t.limitMemory("", 300 * MIB);
    t.limitCpu("", 50000, 100000);
    t.setCpus("", "1");
    assertEquals("314572800", read(base.resolve("memory.max")));
    assertEquals("50000 100000", read(base.resolve("cpu.max")));
    assertEquals("1", read(base.resolve("cpuset.cpus")));
    assertFalse(Files.exists(base.resolve("memory.limit_in_bytes")));
    assertFalse(Files.exists(base.resolve("cpuset.mems")), "an empty v2 cpuset uses its parent's");
    assertEquals("cpuset cpu io memory pids", read(cg.resolve("cgroup.subtree_control")),
        "the root already enables all three: nothing to write");
    Path[] dirs = {t.dir("memory", ""), t.dir("cpu", ""), t.dir("cpuacct", ""), t.dir("cpuset", "")};
    assertEquals(List.of(base.resolve("cgroup.procs")), t.procsFiles(dirs));
    assertFalse(Files.exists(base.resolve("cgroup.subtree_control")), "a leaf enables nothing, so it may hold us");
    closeAndCheck(t, base);
  }

  @Test
  void aV2ChildNeedsItsParentToEnableTheControllersAndTheParentIsJoinedThroughALeaf() throws IOException {
    v2("", "cpuset cpu io memory hugetlb pids rdma misc", "cpuset cpu io memory pids");
    TestCgroup t = new TestCgroup(layout(), "base");
    Path base = cg.resolve("base");
    t.limitMemory("", 200 * MIB);
    t.limitMemory("child", 300 * MIB);
    assertEquals("+memory +cpu +cpuset", read(base.resolve("cgroup.subtree_control")));
    assertEquals("314572800", read(base.resolve("child/memory.max")));
    assertEquals(List.of(base.resolve("child/cgroup.procs")), t.procsFiles(t.dir("memory", "child")));
    // base has a child with controllers: v2 lets no process in, so one joining base goes to base/leaf.
    assertEquals(List.of(base.resolve("leaf/cgroup.procs")), t.procsFiles(t.dir("memory", "")));
    assertTrue(Files.isDirectory(base.resolve("leaf")));
    assertFalse(Files.exists(base.resolve("leaf/memory.max")), "the leaf is limited through base");
    closeAndCheck(t, base);
  }

  @Test
  void theV2RootIsJoinedItselfThoughItHasChildren() throws IOException {
    // The root cgroup is exempt from v2's "no internal processes" rule: a test that puts a process in the root (to
    // read as a process without a cgroup of its own) must not be moved to a leaf below it.
    v2("", "cpuset cpu io memory hugetlb pids rdma misc", "cpuset cpu io memory pids");
    TestCgroup t = new TestCgroup(layout(), "base");
    t.limitMemory("", 200 * MIB);
    assertTrue(Files.isDirectory(cg.resolve("base")), "the root has a child");
    assertEquals(List.of(cg.resolve("cgroup.procs")), t.procsFiles(layout().root("cpu")));
    assertFalse(Files.exists(cg.resolve(TestCgroup.LEAF)));
    closeAndCheck(t, cg.resolve("base"));
  }

  @Test
  void aV2RootWithoutTheControllersEnabledGetsThem() throws IOException {
    v2("", "cpuset cpu io memory pids", "memory pids");
    TestCgroup t = new TestCgroup(layout(), "base");
    t.limitCpu("", 50000, 100000);
    assertEquals("+cpu +cpuset", read(cg.resolve("cgroup.subtree_control")), "only those not yet enabled");
    assertEquals("50000 100000", read(cg.resolve("base/cpu.max")));
    closeAndCheck(t, cg.resolve("base"));
  }

  @Test
  void aV2HostWithoutCpusetIsReportedAndTheRestStillWorks() throws IOException {
    v2("", "cpu io memory pids", "");
    CgroupLayout l = layout();
    assertTrue(l.missing().endsWith("serves cpuset"), l.missing());
    assertThrows(IllegalStateException.class, () -> l.root("cpuset"));
    TestCgroup t = new TestCgroup(l, "base");
    t.limitMemory("", 100 * MIB);
    assertEquals("+memory +cpu", read(cg.resolve("cgroup.subtree_control")), "never a controller it lacks");
    closeAndCheck(t, cg.resolve("base"));
  }

  @Test
  void hybridWithMemoryOnCgroup2MixesBothPerController() throws IOException {
    for (String c : List.of("cpu", "cpuacct", "cpuset")) {
      v1(c, c);
    }
    Files.writeString(cg.resolve("cpuset/cpuset.cpus"), "0-3\n");
    Files.writeString(cg.resolve("cpuset/cpuset.mems"), "0\n");
    Path unified = v2("unified", "memory pids", "");
    CgroupLayout l = layout();
    assertNull(l.missing());
    assertTrue(l.isV2("memory"));
    assertFalse(l.isV2("cpu"));
    assertFalse(l.isV2("cpuacct"), "v1's cpuacct comes first");
    assertEquals(List.of("memory"), l.v2SubtreeControllers());
    TestCgroup t = new TestCgroup(l, "base");
    t.limitMemory("", 256 * MIB);
    t.limitCpu("", 100000, 100000);
    assertEquals("268435456", read(unified.resolve("base/memory.max")));
    assertEquals("+memory", read(unified.resolve("cgroup.subtree_control")));
    assertEquals("100000", read(cg.resolve("cpu/base/cpu.cfs_quota_us")));
    assertEquals(List.of(unified.resolve("base/cgroup.procs"), cg.resolve("cpu/base/cgroup.procs")),
        t.procsFiles(t.dir("memory", ""), t.dir("cpu", "")));
    closeAndCheck(t, unified.resolve("base"), cg.resolve("cpu/base"));
  }

  @Test
  void noCgroupsMountedIsReportedWithEveryMissingController() throws IOException {
    assertEquals("no mounted cgroup hierarchy (v1, or cgroup2 with the controller in its cgroup.controllers) serves "
        + "memory, cpu, cpuacct, cpuset", layout().missing());
  }

  @Test
  void namesWithSpacesAndColonsAreUsedLiterally() throws IOException {
    CgroupLayout l = hybrid();
    TestCgroup t = new TestCgroup(l, "odd: name");
    t.limitMemory("a b", 128 * MIB);
    assertEquals("134217728", read(cg.resolve("memory/odd: name/a b/memory.limit_in_bytes")));
    closeAndCheck(t, cg.resolve("memory/odd: name"));
  }
}
