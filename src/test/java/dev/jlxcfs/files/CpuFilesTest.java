package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cpuinfo, stat and the sys CPU files through the whole chain, on fixture hosts with 4 CPUs. */
class CpuFilesTest {

  @TempDir Path tmp;

  private static String text(VirtualFile f, int pid) throws Exception {
    return TestHost.read(f, pid);
  }

  private static long count(String text, String regex) {
    return text.lines().filter(l -> l.matches(regex)).count();
  }

  private static long[] cpuLine(String stat, String label) {
    String line = stat.lines().filter(l -> l.startsWith(label + " ")).findFirst().orElseThrow();
    return java.util.Arrays.stream(line.substring(label.length()).trim().split("\\s+"))
        .mapToLong(Long::parseLong).toArray();
  }

  /** Hybrid host: v1 cpu, cpuacct and cpuset hierarchies, an empty cgroup2. */
  private FixtureTree hybrid(String cpuset, String quota) {
    FixtureTree t = new FixtureTree(tmp);
    Path cpu = t.v1("cpu");
    Path acct = t.v1("cpuacct");
    Path cs = t.v1("cpuset");
    t.v2("");
    t.cgroupFile(cs, "/", "cpuset.cpus", "0-3\n");
    t.cgroupFile(cs, "/ctr", "cpuset.cpus", cpuset + "\n");
    t.cgroupFile(cpu, "/", "cpu.cfs_quota_us", "-1\n");
    t.cgroupFile(cpu, "/", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(cpu, "/ctr", "cpu.cfs_quota_us", quota + "\n");
    t.cgroupFile(cpu, "/ctr", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(acct, "/ctr", "cpuacct.usage", "20000000000\n");
    t.cgroupFile(acct, "/ctr", "cpuacct.stat", "user 1500\nsystem 500\n");
    t.process(300, 1000, "3:cpuset:/ctr\n2:cpuacct:/ctr\n1:cpu:/ctr\n0::/\n", 1, FixtureTree.HOST_NS);
    t.process(301, 1000, "3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n", 1, FixtureTree.HOST_NS);
    return t;
  }

  @Test
  void cpusetOfOneCpuShowsOneProcessorNumberedZero() throws Exception {
    FixtureTree t = hybrid("1", "-1");
    TestHost src = new TestHost(t);
    String cpuinfo = text(src.cpuinfo(), 300);
    assertEquals(1, count(cpuinfo, "processor\\s*:.*"));
    assertTrue(cpuinfo.startsWith("processor\t: 0\n"));
    assertTrue(cpuinfo.contains("apicid\t\t: 2\n"), "host CPU 1's block");
    String stat = text(src.stat(), 300);
    assertEquals(List.of("cpu", "cpu0"), stat.lines().filter(l -> l.startsWith("cpu"))
        .map(l -> l.substring(0, l.indexOf(' '))).toList());
    assertEquals("0\n", text(src.range("online"), 300));
    assertEquals("1\n", text(src.online(0), 300));
    assertEquals("0\n", text(src.online(1), 300));
    assertEquals(List.of("cpu0", "online", "possible", "present"), src.cpuDirectory().list(src.context(300)));
  }

  @Test
  void halfACpuQuotaOnFourCpusShowsOne() throws Exception {
    TestHost src = new TestHost(hybrid("0-3", "50000"));
    assertEquals(1, count(text(src.cpuinfo(), 300), "processor\\s*:.*"));
    assertEquals(1, count(text(src.stat(), 300), "cpu\\d+ .*"));
    assertEquals("0\n", text(src.range("present"), 300));
  }

  @Test
  void quotaOfOneAndAHalfShowsTwoAndTheRuleCanBeTurnedOff() throws Exception {
    FixtureTree t = hybrid("0-3", "150000");
    assertEquals("0-1\n", text(new TestHost(t).range("online"), 300));
    TestHost noQuota = new TestHost(t, () -> 0, true, false);
    assertEquals("0-3\n", text(noQuota.range("online"), 300));
    assertEquals(4, count(text(noQuota.cpuinfo(), 300), "processor\\s*:.*"));
  }

  @Test
  void statFiguresComeFromTheCgroupAndIdleFromItsCapacity() throws Exception {
    FixtureTree t = hybrid("0-1", "-1");
    TestHost.ManualClock clock = new TestHost.ManualClock(110); // 100 s after the caller's boot-time start
    TestHost src = new TestHost(t, clock, true, true);
    String stat = text(src.stat(), 300);
    // 20 s used, 3:1 user:system; 2 CPUs x 110 s since boot (a host-namespace caller) = 22000 ticks offered.
    assertArrayEquals(new long[] {1500, 0, 500, 20000, 0, 0, 0, 0, 0, 0}, cpuLine(stat, "cpu"));
    assertArrayEquals(new long[] {750, 0, 250, 10000, 0, 0, 0, 0, 0, 0}, cpuLine(stat, "cpu0"));
    assertTrue(stat.contains("\nbtime 1728880818\n"), "other lines are the host's");
    // Busy for half of the capacity over the next 10 s: 10 CPU-seconds of 20.
    t.cgroupFile(t.root().resolve("cgroup/cpuacct"), "/ctr", "cpuacct.usage", "30000000000\n");
    clock.set(120);
    long[] after = cpuLine(text(src.stat(), 300), "cpu");
    long busy = after[0] + after[2] - 2000;
    long idle = after[3] - 20000;
    assertEquals(0.5, (double) busy / (busy + idle), 0.01);
  }

  @Test
  void countersThatGoBackwardsNeverRewindTheView() throws Exception {
    FixtureTree t = hybrid("0-1", "-1");
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = new TestHost(t, clock, true, true);
    long[] first = cpuLine(text(src.stat(), 300), "cpu");
    t.cgroupFile(t.root().resolve("cgroup/cpuacct"), "/ctr", "cpuacct.usage", "1000000000\n"); // reset
    clock.set(111);
    long[] second = cpuLine(text(src.stat(), 300), "cpu");
    for (int i = 0; i < first.length; i++) {
      assertTrue(second[i] >= first[i], "column " + i + " went from " + first[i] + " to " + second[i]);
    }
    t.cgroupFile(t.root().resolve("cgroup/cpuacct"), "/ctr", "cpuacct.usage", "2000000000\n");
    clock.set(112);
    long[] third = cpuLine(text(src.stat(), 300), "cpu");
    assertEquals(second[0] + 75, third[0], "counts on from the reset: +1 s of usage, 3/4 user");
  }

  @Test
  void jitteryCountersAreNotAccumulatedUpwards() throws Exception {
    // One CPU busy for 2 s read every 10 ms, the usage counter running +/-15 ms ahead of or behind the clock (CFS
    // bursts, update granularity). Shown busy time must end near 2 s, not drift up with the noise.
    FixtureTree t = hybrid("0-1", "-1");
    Path acct = t.root().resolve("cgroup/cpuacct");
    t.cgroupFile(acct, "/ctr", "cpuacct.usage", "0\n");
    t.cgroupFile(acct, "/ctr", "cpuacct.stat", "user 1\nsystem 0\n");
    TestHost.ManualClock clock = new TestHost.ManualClock(100);
    TestHost src = new TestHost(t, clock, true, true);
    long[] first = cpuLine(text(src.stat(), 300), "cpu");
    for (int i = 1; i <= 200; i++) {
      long usage = Math.max(0, i * 10_000_000L + (i % 2 == 0 ? 15_000_000L : -15_000_000L));
      t.cgroupFile(acct, "/ctr", "cpuacct.usage", usage + "\n");
      clock.set(100 + i * 0.01);
      TestHost.read(src.stat(), 300);
    }
    t.cgroupFile(acct, "/ctr", "cpuacct.usage", "2000000000\n");
    long[] last = cpuLine(text(src.stat(), 300), "cpu");
    assertEquals(200, last[0] - first[0], 2, "user ticks over 2 s of one busy CPU");
    assertEquals(200, last[3] - first[3], 2, "idle: the other CPU's 2 s");
  }

  @Test
  void aHostProcessWithoutCgroupsSeesTheHostsStat() throws Exception {
    FixtureTree t = hybrid("0-3", "-1");
    TestHost src = new TestHost(t);
    assertEquals(FixtureTree.resource("stat-4cpu.txt"), text(src.stat(), 301));
    assertEquals(FixtureTree.resource("x86_64-4cpu.txt"), text(src.cpuinfo(), 301));
    assertEquals("0-3\n", text(src.range("online"), 301));
  }

  @Test
  void aCpusetWithoutItsOwnCpuAccountingShowsTheHostsUtilisationScaled() throws Exception {
    FixtureTree t = hybrid("2", "-1");
    t.process(302, 1000, "3:cpuset:/ctr\n2:cpuacct:/\n1:cpu:/\n0::/\n", 1, FixtureTree.HOST_NS);
    String stat = text(new TestHost(t).stat(), 302);
    long[] cpu = cpuLine(stat, "cpu");
    // Host user+nice = 4384724 over 4 CPUs, scaled to 1 CPU.
    assertEquals((4360186 + 24538) / 4, cpu[0]);
    assertEquals(1, count(stat, "cpu\\d+ .*"));
  }

  @Test
  void pureV2() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path u = t.v2("cpuset cpu io memory pids");
    t.cgroupFile(u, "/k8s/pod1", "cpu.max", "150000 100000\n");
    t.cgroupFile(u, "/k8s/pod1", "cpuset.cpus.effective", "0-3\n");
    t.cgroupFile(u, "/k8s/pod1", "cpu.stat", "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n");
    t.process(400, 1000, "0::/k8s/pod1\n", 1, FixtureTree.HOST_NS);
    TestHost src = new TestHost(t, new TestHost.ManualClock(20), true, true);
    String stat = text(src.stat(), 400);
    assertEquals(2, count(stat, "cpu\\d+ .*"));
    // A host-namespace caller counts from boot: 1.5 CPUs x 20 s = 3000 ticks offered, 300 used.
    assertArrayEquals(new long[] {200, 0, 100, 2700, 0, 0, 0, 0, 0, 0}, cpuLine(stat, "cpu"));
    assertEquals("0-1\n", text(src.range("online"), 400));
  }

  /** Fuzz finding: an empty host online list made a view of no CPU (a /proc/stat without CPU lines). */
  @Test
  void anEmptyHostOnlineListIsMalformedSoTheHostFilesAreServed() throws Exception {
    FixtureTree t = hybrid("0-3", "-1");
    FixtureTree.write(t.sys().resolve("devices/system/cpu/online"), "\n");
    TestHost src = new TestHost(t);
    for (VirtualFile f : List.of(src.stat(), src.cpuinfo(), src.range("online"), src.online(0))) {
      org.junit.jupiter.api.Assertions.assertThrows(dev.jlxcfs.util.MalformedException.class, () -> text(f, 300),
          f.path());
    }
  }
}
