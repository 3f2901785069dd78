package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The housekeeping sweeps: what the caches keep of an exited process, of a pid namespace whose init exited and of a
 * removed cgroup is dropped by the next sweep, and nothing that is still alive is.
 */
class SweepTest {

  private static final String CONTAINER_NS = "pid:[4026532999]";
  @TempDir Path tmp;

  @Test
  void exitedTasksGoneNamespacesAndRemovedCgroupsAreDropped() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path cpu = t.v1("cpu");
    Path acct = t.v1("cpuacct");
    for (String ctr : new String[] {"/a", "/b"}) {
      t.cgroupFile(cpu, ctr, "cpu.cfs_quota_us", "-1\n");
      t.cgroupFile(cpu, ctr, "cpu.cfs_period_us", "100000\n");
      t.cgroupFile(acct, ctr, "cpuacct.usage", "1000000000\n");
      t.cgroupFile(acct, ctr, "cpuacct.stat", "user 50\nsystem 50\n");
    }
    t.process(400, 100, "2:cpuacct:/\n1:cpu:/\n", 1, FixtureTree.HOST_NS);
    // Container a: init 500 and a worker 501; container b: init 600 only.
    t.process(500, 90_000, "2:cpuacct:/a\n1:cpu:/a\n", 400, CONTAINER_NS, 500, 1);
    t.process(501, 95_000, "2:cpuacct:/a\n1:cpu:/a\n", 500, CONTAINER_NS, 501, 7);
    t.process(600, 95_000, "2:cpuacct:/b\n1:cpu:/b\n", 400, "pid:[4026533000]", 600, 1);
    // A staleness bound long enough that nothing expires by itself during the test.
    TestHost h = new TestHost(t, new TestHost.ManualClock(1000.0), true, true, Duration.ofHours(1),
        new TestHost.ManualTicker());
    UptimeFile uptime = h.uptime();
    for (int pid : new int[] {500, 501, 600}) {
      TestHost.read(uptime, pid);
    }
    assertEquals(3, h.callers.size());
    assertEquals(2, h.inits.size());
    assertEquals(4, h.cgroups.size(), "cpu and cpuacct of a and b");
    assertEquals(0, h.callers.sweep() + h.inits.sweep() + h.cgroups.sweep(), "all alive: nothing dropped");

    t.removeProcess(501); // a worker exits: its container stays
    assertEquals(1, h.callers.sweep());
    assertEquals(0, h.inits.sweep());

    t.removeProcess(600); // container b ends: its init exits, its cgroups are removed
    for (Path root : new Path[] {cpu, acct}) {
      for (String f : new String[] {"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpuacct.usage", "cpuacct.stat"}) {
        Files.deleteIfExists(root.resolve("b").resolve(f));
      }
      Files.delete(root.resolve("b"));
    }
    assertEquals(1, h.callers.sweep());
    assertEquals(1, h.inits.sweep());
    assertEquals(2, h.cgroups.sweep());
    assertEquals(1, h.callers.size());
    assertEquals(1, h.inits.size());
    assertEquals(2, h.cgroups.size());
    // What is left still serves its caller.
    assertEquals(TestHost.read(uptime, 500), TestHost.read(uptime, 500));
  }
}
