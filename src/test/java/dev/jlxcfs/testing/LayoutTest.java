package dev.jlxcfs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.proc.Caller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The layout fixture itself: each layout's hosts resolve as that layout (so a test run on V2 really reads v2's
 * files), in the kernel's /proc/PID/cgroup and file names.
 */
class LayoutTest {

  @TempDir Path tmp;

  private static Caller resolve(Layout.Host h, int pid) throws Exception {
    return new TestHost(h.tree()).context(pid).caller();
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void everyControllerIsServedByTheLayoutsVersionInTheGroupsDirectory(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    Layout.Group g = h.group("/a/b c");
    h.process(10, 1, "/a/b c", 1, FixtureTree.HOST_NS);
    Caller c = resolve(h, 10);
    Map<String, Cgroup> groups = Map.of("memory", c.memory(), "cpu", c.cpu(), "cpuset", c.cpuset(),
        "cpuacct", c.cpuUsage(), "blkio", c.io());
    for (Map.Entry<String, Cgroup> e : groups.entrySet()) {
      assertNotNull(e.getValue(), e.getKey());
      assertEquals(layout.version(e.getKey()), e.getValue().version(), e.getKey());
      assertEquals(g.dir(e.getKey()), e.getValue().dir().dir(), e.getKey());
      assertFalse(e.getValue().isHierarchyRoot(), e.getKey());
    }
    assertEquals(layout.hasUnified() ? g.unifiedDir() : null, c.unified());
    assertEquals(layout == Layout.V2 ? 1 : 4, h.controllerHierarchies());
    h.process(11, 1, "/", 1, FixtureTree.HOST_NS);
    Caller root = resolve(h, 11);
    for (Cgroup cg : List.of(root.memory(), root.cpu(), root.cpuset(), root.cpuUsage(), root.io())) {
      assertEquals(true, cg.isHierarchyRoot(), cg.toString());
    }
    assertNull(root.unified(), "the root group is the host's");
  }

  @Test
  void cgroupTextsAsTheKernelWritesThem() {
    assertEquals("5:blkio:/a\n4:cpuset:/a\n3:cpu,cpuacct:/a\n2:memory:/a\n1:name=systemd:/a\n",
        Layout.V1.host(tmp.resolve("v1")).cgroupText("/a"));
    assertEquals("0::/a\n", Layout.V2.host(tmp.resolve("v2")).cgroupText("/a"));
    Layout.Host hybrid = Layout.HYBRID.host(tmp.resolve("hybrid"));
    assertEquals("5:blkio:/a\n4:cpuset:/a\n3:cpu,cpuacct:/a\n2:memory:/a\n1:name=systemd:/a\n0::/a\n",
        hybrid.cgroupText("/a"));
    assertEquals("5:blkio:/a\n4:cpuset:/a\n3:cpu,cpuacct:/\n2:memory:/a\n1:name=systemd:/a\n0::/a\n",
        hybrid.cgroupText("/a", Map.of("cpuacct", "/")));
    assertThrows(IllegalArgumentException.class,
        () -> Layout.V2.host(tmp.resolve("v2b")).cgroupText("/a", Map.of("cpu", "/")));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aControllerNoHierarchyServesIsNobodys(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp, "memory");
    h.process(10, 1, "/a", 1, FixtureTree.HOST_NS);
    h.group("/a");
    Caller c = resolve(h, 10);
    assertNotNull(c.memory());
    assertNull(c.cpu());
    assertNull(c.cpuset());
    assertNull(c.cpuUsage());
    assertNull(c.io());
    assertThrows(IllegalStateException.class, () -> h.group("/a").cpuQuota(1, 1));
  }

  @Test
  void v2EffectiveCpusFollowTheNearestGroupThatNamesAny() throws Exception {
    Layout.Host h = Layout.V2.host(tmp);
    Layout.Group child = h.group("/a/b");
    assertEquals("0-3\n", Files.readString(child.dir("cpuset").resolve("cpuset.cpus.effective")));
    h.group("/a").cpuset("1-2");
    assertEquals("1-2\n", Files.readString(child.dir("cpuset").resolve("cpuset.cpus.effective")));
    assertEquals("\n", Files.readString(child.dir("cpuset").resolve("cpuset.cpus")));
    child.cpuset("2");
    assertEquals("2\n", Files.readString(child.dir("cpuset").resolve("cpuset.cpus.effective")));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void eachFigureInItsLayoutsFiles(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    Layout.Group g = h.group("/a").memoryLimit(1 << 20).memoryUsage(4096).swap(8192, 512)
        .cpuQuota(50_000, 100_000).cpuUsage(3_000_000_000L, 1_000_000_000L).io(8, 0, 1, 2, 512, 1024).threads(5, 6);
    if (layout == Layout.V2) {
      Path d = g.unifiedDir();
      assertEquals("1048576\n", Files.readString(d.resolve("memory.max")));
      assertEquals("4096\n", Files.readString(d.resolve("memory.current")));
      assertEquals("8192\n", Files.readString(d.resolve("memory.swap.max")));
      assertEquals("512\n", Files.readString(d.resolve("memory.swap.current")));
      assertEquals("50000 100000\n", Files.readString(d.resolve("cpu.max")));
      assertEquals("usage_usec 4000000\nuser_usec 3000000\nsystem_usec 1000000\n",
          Files.readString(d.resolve("cpu.stat")).substring(0, 57));
      assertEquals("8:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n",
          Files.readString(d.resolve("io.stat")));
      assertEquals("5\n6\n", Files.readString(d.resolve("cgroup.threads")));
    } else {
      Path mem = g.dir("memory");
      assertEquals("1048576\n", Files.readString(mem.resolve("memory.limit_in_bytes")));
      assertEquals("4096\n", Files.readString(mem.resolve("memory.usage_in_bytes")));
      assertEquals(((1 << 20) + 8192) + "\n", Files.readString(mem.resolve("memory.memsw.limit_in_bytes")));
      assertEquals((4096 + 512) + "\n", Files.readString(mem.resolve("memory.memsw.usage_in_bytes")));
      Path cpu = g.dir("cpu");
      assertEquals(cpu, g.dir("cpuacct"), "cpu,cpuacct: one hierarchy");
      assertEquals("50000\n", Files.readString(cpu.resolve("cpu.cfs_quota_us")));
      assertEquals("100000\n", Files.readString(cpu.resolve("cpu.cfs_period_us")));
      assertEquals("4000000000\n", Files.readString(cpu.resolve("cpuacct.usage")));
      assertEquals("user 300\nsystem 100\n", Files.readString(cpu.resolve("cpuacct.stat")));
      assertEquals("8:0 Read 1\n8:0 Write 2\n8:0 Sync 3\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 3\nTotal 3\n",
          Files.readString(g.dir("blkio").resolve("blkio.throttle.io_serviced_recursive")));
      assertEquals("5\n6\n", Files.readString(cpu.resolve("tasks")));
    }
  }
}
