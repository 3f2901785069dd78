package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The housekeeping sweeps: what the caches keep of an exited process, of a pid namespace whose init exited and of a
 * removed cgroup is dropped by the next sweep, and nothing that is still alive is. On v1, v2 and hybrid hosts.
 */
class SweepTest {

  private static final String CONTAINER_NS = "pid:[4026532999]";
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(Layout.class)
  void exitedTasksGoneNamespacesAndRemovedCgroupsAreDropped(Layout layout) throws Exception {
    // cpu and cpuacct as two v1 hierarchies (on v2, both are the cpu controller of one group).
    Layout.Host host = layout.host(tmp, "cpu", "cpuacct");
    Layout.Group b = null;
    for (String ctr : new String[] {"/a", "/b"}) {
      b = host.group(ctr).noCpuQuota().cpuUsage(500_000_000L, 500_000_000L);
    }
    host.process(400, 100, "/", 1, FixtureTree.HOST_NS);
    // Container a: init 500 and a worker 501; container b: init 600 only.
    host.process(500, 90_000, "/a", 400, CONTAINER_NS, 500, 1);
    host.process(501, 95_000, "/a", 500, CONTAINER_NS, 501, 7);
    host.process(600, 95_000, "/b", 400, "pid:[4026533000]", 600, 1);
    // A staleness bound long enough that nothing expires by itself during the test.
    TestHost h = new TestHost(host.tree(), new TestHost.ManualClock(1000.0), true, true, Duration.ofHours(1),
        new TestHost.ManualTicker());
    UptimeFile uptime = h.uptime();
    for (int pid : new int[] {500, 501, 600}) {
      TestHost.read(uptime, pid);
    }
    // One cgroup per container per hierarchy that serves a controller: v1's cpu and cpuacct of a and b, v2's a and b.
    int perContainer = host.controllerHierarchies();
    assertEquals(layout == Layout.V2 ? 1 : 2, perContainer);
    // And on a hybrid host each container's cgroup2 group, kept for its cpu.pressure (/proc/stat's steal); on v2
    // that is the container's one group.
    int kept = perContainer + (layout == Layout.HYBRID ? 1 : 0);
    assertEquals(3, h.callers.size());
    assertEquals(2, h.inits.size());
    assertEquals(2 * kept, h.cgroups.size(), "cpu and cpuacct of a and b (and their cgroup2 groups on hybrid)");
    assertEquals(2, h.cpuTimes.size(), "one CPU view per container");
    assertEquals(0, h.callers.sweep() + h.inits.sweep() + h.cgroups.sweep() + h.cpuTimes.sweep(),
        "all alive: nothing dropped");

    host.tree().removeProcess(501); // a worker exits: its container stays
    assertEquals(1, h.callers.sweep());
    assertEquals(0, h.inits.sweep());

    host.tree().removeProcess(600); // container b ends: its init exits, its cgroups are removed
    b.remove();
    assertEquals(1, h.callers.sweep());
    assertEquals(1, h.inits.sweep());
    assertEquals(1, h.cpuTimes.sweep(), "the view of b's pid namespace, whose init the inits' sweep found exited");
    assertEquals(1, h.cpuTimes.size());
    int dropped = 0;
    for (int i = 1; i < Cgroups.SWEEP_EVERY; i++) {
      dropped += h.cgroups.sweepPart();
    }
    assertEquals(0, dropped, "the housekeeping's calls sweep every SWEEP_EVERY calls");
    dropped = h.cgroups.sweepPart();
    // v1's cpu group is read for its quota only and keeps no file open: it pins nothing, and is left to idle expiry
    // by the housekeeping's sweeps (the full sweep looks at it).
    int holdingFiles = layout == Layout.V2 ? kept : kept - 1;
    assertEquals(holdingFiles, dropped, "the housekeeping's sweep looks at each cgroup that keeps files");
    assertEquals(kept - holdingFiles, h.cgroups.sweep());
    assertEquals(1, h.callers.size());
    assertEquals(1, h.inits.size());
    assertEquals(kept, h.cgroups.size());
    // What is left still serves its caller.
    assertEquals(TestHost.read(uptime, 500), TestHost.read(uptime, 500));
  }
}
