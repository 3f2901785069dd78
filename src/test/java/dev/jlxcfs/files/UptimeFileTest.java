package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/uptime from fake stat/status files and a hand-driven clock. */
class UptimeFileTest {

  private static final String CONTAINER_NS = "pid:[4026532999]";
  @TempDir Path tmp;
  private FixtureTree t;
  private TestHost.ManualClock clock;
  private UptimeFile uptime;

  @BeforeEach
  void setUp() throws Exception {
    t = new FixtureTree(tmp);
    Path cpu = t.v1("cpu");
    Path acct = t.v1("cpuacct");
    Path cpuset = t.v1("cpuset");
    t.cgroupFile(cpuset, "/", "cpuset.cpus", "0-3\n");
    t.cgroupFile(cpuset, "/ctr", "cpuset.cpus", "0-1\n");
    t.cgroupFile(cpu, "/ctr", "cpu.cfs_quota_us", "-1\n");
    t.cgroupFile(cpu, "/ctr", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(acct, "/ctr", "cpuacct.usage", "30000000000\n"); // 30 s busy
    t.cgroupFile(acct, "/ctr", "cpuacct.stat", "user 2000\nsystem 1000\n");
    String cg = "3:cpuset:/ctr\n2:cpuacct:/ctr\n1:cpu:/ctr\n0::/\n";
    // The runtime (host ns) started init (pid 500 on the host, 1 inside) at tick 90000 = 900 s after boot.
    t.process(400, 100, "1:cpu:/\n", 1, FixtureTree.HOST_NS);
    t.process(500, 90_000, cg, 400, CONTAINER_NS, 500, 1);
    t.process(501, 95_000, cg, 500, CONTAINER_NS, 501, 7);
    // "docker exec": entered the namespace later; its parent is a host process.
    t.process(600, 99_000, cg, 400, CONTAINER_NS, 600, 30);
    clock = new TestHost.ManualClock(1000.0);
    uptime = new TestHost(t, clock, true, true).uptime();
  }

  private String read(int pid) throws Exception {
    return TestHost.read(uptime, pid);
  }

  @Test
  void containerUptimeIsTheAgeOfItsInit() throws Exception {
    // 100 s since init; 2 CPUs offered 200 CPU-seconds, 30 used.
    assertEquals("100.00 170.00\n", read(501));
    assertEquals("100.00 170.00\n", read(500));
  }

  @Test
  void aProcessThatEnteredLaterGetsTheSameAnswer() throws Exception {
    assertEquals("100.00 170.00\n", read(600));
  }

  @Test
  void advancesWithTheClock() throws Exception {
    clock.set(1010.5);
    assertEquals("110.50 191.00\n", read(501));
  }

  @Test
  void hostCallersSeeTheHostFile() throws Exception {
    assertEquals("1000.00 1800.00\n", read(400));
  }

  @Test
  void quotaBoundsTheIdleCapacity() throws Exception {
    t.cgroupFile(t.root().resolve("cgroup/cpu"), "/ctr", "cpu.cfs_quota_us", "50000\n");
    // 0.5 CPU offered 50 CPU-seconds in 100 s; 30 used.
    assertEquals("100.00 20.00\n", read(501));
  }

  @Test
  void aRecycledNamespaceIdIsNotTrusted() throws Exception {
    assertEquals("100.00 170.00\n", read(501));
    // The container dies; a new one gets the same namespace inode and a new init (pid 700).
    t.removeProcess(500);
    t.removeProcess(501);
    t.removeProcess(600);
    String cg = "3:cpuset:/ctr\n2:cpuacct:/ctr\n1:cpu:/ctr\n0::/\n";
    t.process(700, 99_500, cg, 400, CONTAINER_NS, 700, 1);
    t.process(701, 99_600, cg, 700, CONTAINER_NS, 701, 2);
    // 5 s of life, 10 CPU-seconds offered but 30 used (the cgroup is reused): idle starts at 0.
    assertEquals("5.00 0.00\n", read(701));
  }

  @Test
  void aCgroupOlderThanItsContainerStartsIdleAtZeroThenCounts() throws Exception {
    // The cgroup existed long before the container: 1000 s of CPU in 100 s of container life.
    t.cgroupFile(t.root().resolve("cgroup/cpuacct"), "/ctr", "cpuacct.usage", "1000000000000\n");
    assertEquals("100.00 0.00\n", read(501));
    // 10 s later, nothing used: 2 CPUs x 10 s of idle.
    clock.set(1010);
    assertEquals("110.00 20.00\n", read(501));
  }

  @Test
  void idleNeverGoesBackwards() throws Exception {
    assertEquals("100.00 170.00\n", read(501));
    // The container used 10 s more than 2 CPUs could give in 1 s (a burst, or usage read ahead of the clock).
    t.cgroupFile(t.root().resolve("cgroup/cpuacct"), "/ctr", "cpuacct.usage", "40000000000\n");
    clock.set(1001);
    assertEquals("101.00 170.00\n", read(501));
    clock.set(1011);
    assertEquals("111.00 190.00\n", read(501));
  }

  @Test
  void aContainerWithoutItsOwnCpuCgroupStartsFromItsShareOfTheHostsTimes() throws Exception {
    // Init of another container, in the root CPU cgroups: the host's times are used, scaled.
    t.process(800, 90_000, "3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n", 400, "pid:[4026533000]", 800, 1);
    // Host /proc/stat idle+iowait = 17996659 + 64169 ticks; the container sees all 4 CPUs (scale 1) and has lived
    // 100 of the host's 1000 s: it starts from a tenth of them.
    double idle = Double.parseDouble(read(800).split(" ")[1].trim());
    assertEquals((17996659 + 64169) / 100.0 / 10, idle, 0.05);
  }
}
