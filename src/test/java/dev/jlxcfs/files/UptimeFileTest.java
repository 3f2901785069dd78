package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * /proc/uptime from fake stat/status files and a hand-driven clock, on v1, v2 and hybrid hosts (every test runs on
 * each: where the figures come from differs, what the file shows does not).
 */
class UptimeFileTest {

  private static final String CONTAINER_NS = "pid:[4026532999]";
  private static final long S = 1_000_000_000L;
  @TempDir Path tmp;
  private Layout.Host h;
  private Layout.Group ctr;
  private TestHost.ManualClock clock;
  private TestHost src;
  private UptimeFile uptime;

  /** A container /ctr on 2 of the host's 4 CPUs, no quota, 30 s of CPU used (2:1 user:system). */
  private void host(Layout layout) throws Exception {
    h = layout.host(tmp);
    h.group("/").cpuset("0-3");
    ctr = h.group("/ctr").cpuset("0-1").noCpuQuota().cpuUsage(20 * S, 10 * S); // 30 s busy
    // The runtime (host ns) started init (pid 500 on the host, 1 inside) at tick 90000 = 900 s after boot.
    h.process(400, 100, "/", 1, FixtureTree.HOST_NS);
    h.process(500, 90_000, "/ctr", 400, CONTAINER_NS, 500, 1);
    h.process(501, 95_000, "/ctr", 500, CONTAINER_NS, 501, 7);
    // "docker exec": entered the namespace later; its parent is a host process.
    h.process(600, 99_000, "/ctr", 400, CONTAINER_NS, 600, 30);
    clock = new TestHost.ManualClock(1000.0);
    src = new TestHost(h.tree(), clock, true, true);
    uptime = src.uptime();
  }

  private String read(int pid) throws Exception {
    return TestHost.read(uptime, pid);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void containerUptimeIsTheAgeOfItsInit(Layout layout) throws Exception {
    host(layout);
    // 100 s since init; 2 CPUs offered 200 CPU-seconds, 30 used.
    assertEquals("100.00 170.00\n", read(501));
    assertEquals("100.00 170.00\n", read(500));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aProcessThatEnteredLaterGetsTheSameAnswer(Layout layout) throws Exception {
    host(layout);
    assertEquals("100.00 170.00\n", read(600));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void advancesWithTheClock(Layout layout) throws Exception {
    host(layout);
    clock.set(1010.5);
    assertEquals("110.50 191.00\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void hostCallersSeeTheHostFile(Layout layout) throws Exception {
    host(layout);
    assertEquals("1000.00 1800.00\n", read(400));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void quotaBoundsTheIdleCapacity(Layout layout) throws Exception {
    host(layout);
    ctr.cpuQuota(50_000, 100_000);
    // 0.5 CPU offered 50 CPU-seconds in 100 s; 30 used.
    assertEquals("100.00 20.00\n", read(501));
  }

  /** Idle leaves out the time the container waited for CPUs others held (stat's steal), as its stat's idle does. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void idleLeavesOutStealAsStatsIdleDoes(Layout layout) throws Exception {
    host(layout);
    ctr.cpuWait(1_000_000);
    assertEquals("100.00 170.00\n", read(501));
    // 10 s on 2 CPUs: 20 CPU-seconds offered, 5 used, 4 waited for (steal): idle +11.
    ctr.cpuUsage(24 * S, 11 * S).cpuWait(5_000_000);
    clock.set(1010);
    assertEquals("110.00 181.00\n", read(501));
    String cpu = TestHost.read(src.stat(), 501).lines().findFirst().orElseThrow();
    assertEquals("cpu  2400 0 1100 18100 0 0 0 400 0 0", cpu);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aRecycledNamespaceIdIsNotTrusted(Layout layout) throws Exception {
    host(layout);
    assertEquals("100.00 170.00\n", read(501));
    // The container dies; a new one gets the same namespace inode and a new init (pid 700).
    h.tree().removeProcess(500);
    h.tree().removeProcess(501);
    h.tree().removeProcess(600);
    h.process(700, 99_500, "/ctr", 400, CONTAINER_NS, 700, 1);
    h.process(701, 99_600, "/ctr", 700, CONTAINER_NS, 701, 2);
    // 5 s of life, 10 CPU-seconds offered but 30 used (the cgroup is reused): idle starts at 0.
    assertEquals("5.00 0.00\n", read(701));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aCgroupOlderThanItsContainerStartsIdleAtZeroThenCounts(Layout layout) throws Exception {
    host(layout);
    // The cgroup existed long before the container: 1000 s of CPU in 100 s of container life.
    ctr.cpuUsage(1000 * S, 0);
    assertEquals("100.00 0.00\n", read(501));
    // 10 s later, nothing used: 2 CPUs x 10 s of idle.
    clock.set(1010);
    assertEquals("110.00 20.00\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void idleNeverGoesBackwards(Layout layout) throws Exception {
    host(layout);
    assertEquals("100.00 170.00\n", read(501));
    // The container used 10 s more than 2 CPUs could give in 1 s (a burst, or usage read ahead of the clock).
    ctr.cpuUsage(30 * S, 10 * S);
    clock.set(1001);
    assertEquals("101.00 170.00\n", read(501));
    clock.set(1011);
    assertEquals("111.00 190.00\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aContainerWithoutItsOwnCpuCgroupStartsFromItsShareOfTheHostsTimes(Layout layout) throws Exception {
    host(layout);
    // Init of another container, in the root CPU cgroups: the host's times are used, scaled.
    h.process(800, 90_000, "/", 400, "pid:[4026533000]", 800, 1);
    // Host /proc/stat idle+iowait = 17996659 + 64169 ticks; the container sees all 4 CPUs (scale 1) and has lived
    // 100 of the host's 1000 s: it starts from a tenth of them.
    double idle = Double.parseDouble(read(800).split(" ")[1].trim());
    assertEquals((17996659 + 64169) / 100.0 / 10, idle, 0.05);
  }
}
