package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * cpuinfo, stat and the sys CPU files through the whole chain, on fixture hosts with 4 CPUs: every test on v1, v2
 * and hybrid hosts but one, which needs a process whose cpuset and CPU accounting groups differ (v1 hierarchies).
 */
class CpuFilesTest {

  private static final long S = 1_000_000_000L;
  private static final long NO_QUOTA = -1;
  @TempDir Path tmp;
  private Layout.Host host;
  private Layout.Group ctr;

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

  /**
   * A container /ctr (pid 300) on {@code cpuset} with a quota of {@code quotaUs} per 100 ms ({@link #NO_QUOTA}:
   * none) that has used 20 s of CPU, 3:1 user:system; a host process (pid 301) in the root groups.
   */
  private FixtureTree host(Layout layout, String cpuset, long quotaUs) {
    host = layout.host(tmp);
    host.group("/").cpuset("0-3");
    ctr = host.group("/ctr").cpuset(cpuset).cpuUsage(15 * S, 5 * S);
    if (quotaUs == NO_QUOTA) {
      ctr.noCpuQuota();
    } else {
      ctr.cpuQuota(quotaUs, 100_000);
    }
    host.process(300, 1000, "/ctr", 1, FixtureTree.HOST_NS);
    host.process(301, 1000, "/", 1, FixtureTree.HOST_NS);
    return host.tree();
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void cpusetOfOneCpuShowsThatCpuByItsOwnNumber(Layout layout) throws Exception {
    FixtureTree t = host(layout, "1", NO_QUOTA).cpuTopology();
    TestHost src = new TestHost(t);
    String cpuinfo = text(src.cpuinfo(), 300);
    assertEquals(1, count(cpuinfo, "processor\\s*:.*"));
    assertTrue(cpuinfo.startsWith("processor\t: 1\n"), "the number taskset -c takes");
    assertTrue(cpuinfo.contains("apicid\t\t: 2\n"), "host CPU 1's block");
    assertTrue(cpuinfo.contains("siblings\t: 1\n") && cpuinfo.contains("cpu cores\t: 1\n"), cpuinfo);
    String stat = text(src.stat(), 300);
    assertEquals(List.of("cpu", "cpu1"), stat.lines().filter(l -> l.startsWith("cpu"))
        .map(l -> l.substring(0, l.indexOf(' '))).toList());
    assertEquals("1\n", text(src.range("online"), 300));
    assertEquals("1\n", text(src.range("present"), 300));
    assertEquals("0-1\n", text(src.range("possible"), 300), "_SC_NPROCESSORS_CONF above every CPU it runs on");
    assertEquals("0\n", text(src.range("offline"), 300));
    assertEquals("0\n", text(src.online(0), 300));
    assertEquals("1\n", text(src.online(1), 300));
    assertEquals(List.of("cpu1", "online", "possible", "present"), src.cpuDirectory().list(src.context(300)));
    // Topology and caches cut to CPU 1: a core of one thread, a package of one core.
    assertEquals("1\n", text(src.sysCpu("cpu1/topology/thread_siblings_list"), 300));
    assertEquals("2\n", text(src.sysCpu("cpu1/topology/thread_siblings"), 300));
    assertEquals("1\n", text(src.sysCpu("cpu1/topology/core_siblings_list"), 300));
    assertEquals("2\n", text(src.sysCpu("cpu1/topology/package_cpus"), 300));
    assertEquals("1\n", text(src.sysCpu("cpu1/topology/core_id"), 300), "ids are the host's");
    assertEquals("1\n", text(src.sysCpu("cpu1/cache/index3/shared_cpu_list"), 300));
    assertEquals("2\n", text(src.sysCpu("cpu1/cache/index3/shared_cpu_map"), 300));
    assertEquals("8192K\n", text(src.sysCpu("cpu1/cache/index3/size"), 300));
    assertEquals("Not affected\n", text(src.sysCpu("vulnerabilities/meltdown"), 300));
    // A CPU not shown: its lists hold only the CPUs shown (here none of its core's).
    assertEquals("\n", text(src.sysCpu("cpu0/topology/thread_siblings_list"), 300));
  }

  /**
   * The tree as the daemon builds it: cpuN/topology and cpuN/cache lead to the CPU's files for a caller shown the
   * CPU, to nothing for the others (an offline CPU has neither), and cpuN lists them only then.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void topologyAndCacheOfACpuNotShownLeadNowhere(Layout layout) throws Exception {
    FixtureTree t = host(layout, "1", NO_QUOTA).cpuTopology();
    TestHost src = new TestHost(t);
    List<VirtualFile> cpuFiles = dev.jlxcfs.daemon.ServedTree.cpuDirectory(t.sys(), 4);
    Map<String, dev.jlxcfs.fs.FileTree.Linker> links = dev.jlxcfs.daemon.ServedTree.cpuLinks(cpuFiles);
    String cpu = CpuDirectory.PATH + "/cpu";
    assertEquals(8, links.size(), links.keySet().toString());
    assertEquals(".topology", links.get(cpu + "1/topology").target(src.context(300)));
    assertEquals(".cache", links.get(cpu + "1/cache").target(src.context(300)));
    assertEquals(".topology-offline", links.get(cpu + "0/topology").target(src.context(300)));
    assertEquals(".cache-offline", links.get(cpu + "2/cache").target(src.context(300)));
    assertEquals(".topology", links.get(cpu + "0/topology").target(src.context(301)), "the host's process: all");
    assertEquals(".topology", links.get(cpu + "0/topology").host());
    var tree = new dev.jlxcfs.fs.FileTree(cpuFiles, dev.jlxcfs.daemon.ServedTree.cpuListers(
        new CpuDirectory(List.of("online")), cpuFiles), links, src.callers);
    assertTrue(tree.lookup(cpu + "0/topology").isLink());
    assertTrue(tree.lookup(cpu + "0/.topology/thread_siblings_list").file() instanceof SysCpuFile);
    assertTrue(tree.lookup(cpu + "0/.cache/index3/shared_cpu_map").file() instanceof SysCpuFile);
    assertEquals(List.of("cache", "online", "topology"), tree.lookup(cpu + "1").lister().list(src.context(300)));
    assertEquals(List.of("online"), tree.lookup(cpu + "0").lister().list(src.context(300)));
    dev.jlxcfs.util.ByteSink out = new dev.jlxcfs.util.ByteSink();
    tree.lookup(cpu + "1/.topology/thread_siblings_list").file().render(src.context(300), out);
    assertEquals("1\n", out.toString());
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void cpusetTwoToThreeKeepsItsNumbersEverywhere(Layout layout) throws Exception {
    FixtureTree t = host(layout, "2-3", NO_QUOTA).cpuTopology();
    TestHost src = new TestHost(t);
    String cpuinfo = text(src.cpuinfo(), 300);
    assertEquals(List.of("2", "3"), cpuinfo.lines().filter(l -> l.startsWith("processor"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).toList());
    // CPUs 2 and 3 are one thread each of cores 0 and 1.
    assertEquals(2, count(cpuinfo, "siblings\t: 2"));
    assertEquals(2, count(cpuinfo, "cpu cores\t: 2"));
    assertEquals(List.of("cpu2", "cpu3"), text(src.stat(), 300).lines().filter(l -> l.matches("cpu\\d+ .*"))
        .map(l -> l.substring(0, l.indexOf(' '))).toList());
    assertEquals("2-3\n", text(src.range("online"), 300));
    assertEquals("2-3\n", text(src.range("present"), 300));
    assertEquals("0-3\n", text(src.range("possible"), 300));
    assertEquals("0-1\n", text(src.range("offline"), 300));
    assertEquals(List.of("cpu2", "cpu3", "online", "possible", "present"),
        src.cpuDirectory().list(src.context(300)));
    assertEquals("2\n", text(src.sysCpu("cpu2/topology/thread_siblings_list"), 300));
    assertEquals("2-3\n", text(src.sysCpu("cpu2/topology/package_cpus_list"), 300));
    assertEquals("c\n", text(src.sysCpu("cpu3/topology/die_cpus"), 300));
    assertEquals("3\n", text(src.sysCpu("cpu3/cache/index0/shared_cpu_list"), 300));
    assertEquals("8\n", text(src.sysCpu("cpu3/cache/index0/shared_cpu_map"), 300));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void hostCpusOfflineAreShownByTheRemainingNumbers(Layout layout) throws Exception {
    FixtureTree t = host(layout, "0-3", NO_QUOTA).cpuTopology();
    FixtureTree.write(t.sys().resolve("devices/system/cpu/online"), "1,3\n");
    TestHost src = new TestHost(t);
    assertEquals("1,3\n", text(src.range("online"), 300));
    assertEquals("0-3\n", text(src.range("possible"), 300));
    assertEquals("0,2\n", text(src.range("offline"), 300));
    assertEquals(List.of("1", "3"), text(src.cpuinfo(), 300).lines().filter(l -> l.startsWith("processor"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).toList());
    assertEquals(List.of("cpu1", "cpu3"), text(src.stat(), 300).lines().filter(l -> l.matches("cpu\\d+ .*"))
        .map(l -> l.substring(0, l.indexOf(' '))).toList());
    assertEquals("1,3\n", text(src.sysCpu("cpu1/cache/index3/shared_cpu_list"), 300));
    // A cpuset whose only CPU went offline: the host's online CPUs, rather than none.
    ctr.cpuset("2");
    assertEquals("1,3\n", text(src.range("online"), 300));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void halfACpuQuotaOnFourCpusShowsOne(Layout layout) throws Exception {
    TestHost src = new TestHost(host(layout, "0-3", 50_000));
    assertEquals(1, count(text(src.cpuinfo(), 300), "processor\\s*:.*"));
    assertEquals(1, count(text(src.stat(), 300), "cpu\\d+ .*"));
    assertEquals("0\n", text(src.range("present"), 300));
    assertEquals("0-3\n", text(src.range("possible"), 300), "it may still run on any of 0-3");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void quotaOfOneAndAHalfShowsTwoAndTheRuleCanBeTurnedOff(Layout layout) throws Exception {
    FixtureTree t = host(layout, "0-3", 150_000).cpuTopology();
    TestHost src = new TestHost(t);
    assertEquals("0-1\n", text(src.range("online"), 300));
    assertEquals("0-3\n", text(src.range("possible"), 300));
    assertEquals("2-3\n", text(src.range("offline"), 300));
    assertEquals(List.of("cpu0", "cpu1"), text(src.stat(), 300).lines().filter(l -> l.matches("cpu\\d+ .*"))
        .map(l -> l.substring(0, l.indexOf(' '))).toList());
    assertEquals("0\n", text(src.sysCpu("cpu0/topology/thread_siblings_list"), 300), "CPU 2, its sibling, not shown");
    assertEquals("0-1\n", text(src.sysCpu("cpu0/topology/core_siblings_list"), 300));
    TestHost noQuota = new TestHost(t, () -> 0, true, false);
    assertEquals("0-3\n", text(noQuota.range("online"), 300));
    assertEquals(4, count(text(noQuota.cpuinfo(), 300), "processor\\s*:.*"));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void statFiguresComeFromTheCgroupAndIdleFromItsCapacity(Layout layout) throws Exception {
    FixtureTree t = host(layout, "0-1", NO_QUOTA);
    TestHost.ManualClock clock = new TestHost.ManualClock(110); // 100 s after the caller's boot-time start
    TestHost src = new TestHost(t, clock, true, true);
    String stat = text(src.stat(), 300);
    // 20 s used, 3:1 user:system; 2 CPUs x 110 s since boot (a host-namespace caller) = 22000 ticks offered.
    assertArrayEquals(new long[] {1500, 0, 500, 20000, 0, 0, 0, 0, 0, 0}, cpuLine(stat, "cpu"));
    assertArrayEquals(new long[] {750, 0, 250, 10000, 0, 0, 0, 0, 0, 0}, cpuLine(stat, "cpu0"));
    assertTrue(stat.contains("\nbtime 1728880818\n"), "other lines are the host's");
    // Busy for half of the capacity over the next 10 s: 10 CPU-seconds of 20.
    ctr.cpuUsage(22_500_000_000L, 7_500_000_000L);
    clock.set(120);
    long[] after = cpuLine(text(src.stat(), 300), "cpu");
    long busy = after[0] + after[2] - 2000;
    long idle = after[3] - 20000;
    assertEquals(0.5, (double) busy / (busy + idle), 0.01);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void countersThatGoBackwardsNeverRewindTheView(Layout layout) throws Exception {
    FixtureTree t = host(layout, "0-1", NO_QUOTA);
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = new TestHost(t, clock, true, true);
    long[] first = cpuLine(text(src.stat(), 300), "cpu");
    ctr.cpuUsage(750_000_000L, 250_000_000L); // reset
    clock.set(111);
    long[] second = cpuLine(text(src.stat(), 300), "cpu");
    for (int i = 0; i < first.length; i++) {
      assertTrue(second[i] >= first[i], "column " + i + " went from " + first[i] + " to " + second[i]);
    }
    ctr.cpuUsage(1_500_000_000L, 500_000_000L);
    clock.set(112);
    long[] third = cpuLine(text(src.stat(), 300), "cpu");
    assertEquals(second[0] + 75, third[0], "counts on from the reset: +1 s of usage, 3/4 user");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void jitteryCountersAreNotAccumulatedUpwards(Layout layout) throws Exception {
    // One CPU busy for 2 s read every 10 ms, the usage counter running +/-15 ms ahead of or behind the clock (CFS
    // bursts, update granularity). Shown busy time must end near 2 s, not drift up with the noise.
    FixtureTree t = host(layout, "0-1", NO_QUOTA);
    ctr.cpuUsage(0, 0);
    TestHost.ManualClock clock = new TestHost.ManualClock(100);
    TestHost src = new TestHost(t, clock, true, true);
    long[] first = cpuLine(text(src.stat(), 300), "cpu");
    for (int i = 1; i <= 200; i++) {
      long usage = Math.max(0, i * 10_000_000L + (i % 2 == 0 ? 15_000_000L : -15_000_000L));
      ctr.cpuUsage(usage, 0);
      clock.set(100 + i * 0.01);
      TestHost.read(src.stat(), 300);
    }
    ctr.cpuUsage(2 * S, 0);
    long[] last = cpuLine(text(src.stat(), 300), "cpu");
    assertEquals(200, last[0] - first[0], 2, "user ticks over 2 s of one busy CPU");
    assertEquals(200, last[3] - first[3], 2, "idle: the other CPU's 2 s");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aHostProcessWithoutCgroupsSeesTheHostsStat(Layout layout) throws Exception {
    FixtureTree t = host(layout, "0-3", NO_QUOTA);
    TestHost src = new TestHost(t);
    assertEquals(FixtureTree.resource("stat-4cpu.txt"), text(src.stat(), 301));
    assertEquals(FixtureTree.resource("x86_64-4cpu.txt"), text(src.cpuinfo(), 301));
    assertEquals("0-3\n", text(src.range("online"), 301));
  }

  /**
   * v1 and hybrid only: the caller's cpuset group is its own while its CPU accounting is the root's, which needs
   * the two controllers in separate hierarchies (on v2 a process is in one group for all of them).
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V1", "HYBRID"})
  void aCpusetWithoutItsOwnCpuAccountingShowsTheHostsUtilisationScaled(Layout layout) throws Exception {
    FixtureTree t = host(layout, "2", NO_QUOTA);
    t.process(302, 1000, host.cgroupText("/ctr", Map.of("cpu", "/", "cpuacct", "/")), 1, FixtureTree.HOST_NS);
    String stat = text(new TestHost(t).stat(), 302);
    long[] cpu = cpuLine(stat, "cpu");
    // Host user+nice = 4384724 over 4 CPUs, scaled to 1 CPU.
    assertEquals((4360186 + 24538) / 4, cpu[0]);
    assertEquals(1, count(stat, "cpu\\d+ .*"));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aQuotaOfOneAndAHalfOffersOneAndAHalfCpusOfIdle(Layout layout) throws Exception {
    host = layout.host(tmp);
    host.group("/k8s/pod1").cpuQuota(150_000, 100_000).cpuset("0-3").cpuUsage(2 * S, S);
    host.process(400, 1000, "/k8s/pod1", 1, FixtureTree.HOST_NS);
    TestHost src = new TestHost(host.tree(), new TestHost.ManualClock(20), true, true);
    String stat = text(src.stat(), 400);
    assertEquals(2, count(stat, "cpu\\d+ .*"));
    // A host-namespace caller counts from boot: 1.5 CPUs x 20 s = 3000 ticks offered, 300 used.
    long offered = (long) (1.5 * 20 * 100);
    assertEquals(3000, offered);
    assertArrayEquals(new long[] {200, 0, 100, offered - 300, 0, 0, 0, 0, 0, 0}, cpuLine(stat, "cpu"));
    assertEquals("0-1\n", text(src.range("online"), 400));
  }

  /**
   * Steal: a container /ctr on one CPU (pid 300, a host-namespace caller: its view counts from boot) first read at
   * t = 110 s, when it has used 20 s (3:1 user:system) and its cgroup2 group's cpu.pressure totals are 5 s.
   */
  private TestHost stealHost(Layout layout, String cpuset, long quotaUs, TestHost.ManualClock clock) throws Exception {
    FixtureTree t = host(layout, cpuset, quotaUs);
    if (layout.hasUnified()) {
      ctr.cpuWait(5_000_000);
    }
    TestHost src = new TestHost(t, clock, true, true);
    // 1 CPU x 110 s = 11000 ticks offered, 2000 used; the waits before the view's first read are not told apart.
    assertArrayEquals(new long[] {1500, 0, 500, 9000, 0, 0, 0, 0, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
    return src;
  }

  private static long sum(long[] line) {
    return java.util.Arrays.stream(line).sum();
  }

  /**
   * The case: busy in a loop but given only 22% of its CPU by heavier neighbours. Its group's pressure
   * grows by the time it waited, which is steal, taken from idle: top shows 22% us+sy, 78% st, 0% id.
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void aStarvedGroupShowsItsWaitAsStealTakenFromIdle(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0", NO_QUOTA, clock);
    // 10 s on: it ran 2.2 s (1.65 s user, 0.55 s system) and waited 7.8 s.
    ctr.cpuUsage(16_650_000_000L, 5_550_000_000L).cpuWait(12_800_000);
    clock.set(120);
    String stat = text(src.stat(), 300);
    long[] cpu = cpuLine(stat, "cpu");
    assertArrayEquals(new long[] {1665, 0, 555, 9000, 0, 0, 0, 780, 0, 0}, cpu);
    assertArrayEquals(cpu, cpuLine(stat, "cpu0"), "one CPU: the cpu line is cpu0's");
    assertEquals(12000, sum(cpu), "user + system + idle + steal = 1 CPU x 120 s");
    // Then 10 s mostly idle: 1 s busy, 0.5 s waiting. Steal +50, idle +850.
    ctr.cpuUsage(17_400_000_000L, 5_800_000_000L).cpuWait(13_300_000);
    clock.set(130);
    cpu = cpuLine(text(src.stat(), 300), "cpu");
    assertArrayEquals(new long[] {1740, 0, 580, 9850, 0, 0, 0, 830, 0, 0}, cpu);
    assertEquals(13000, sum(cpu));
  }

  /** Steal is never taken from busy: waits beyond what the interval left idle (several tasks queued) are capped. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void stealIsAtMostWhatTheIntervalLeftIdleAndIsSpreadOverTheCpus(Layout layout) throws Exception {
    host = layout.host(tmp);
    host.group("/").cpuset("0-3");
    ctr = host.group("/ctr").cpuset("0-1").noCpuQuota().cpuUsage(15 * S, 5 * S).cpuWait(0);
    host.process(300, 1000, "/ctr", 1, FixtureTree.HOST_NS);
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = new TestHost(host.tree(), clock, true, true);
    assertArrayEquals(new long[] {1500, 0, 500, 20000, 0, 0, 0, 0, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
    // 10 s on 2 CPUs: 2000 ticks offered, 1501 used; it waited 9 s, but only 499 ticks were left.
    ctr.cpuUsage(26_260_000_000L, 8_750_000_000L).cpuWait(9_000_000);
    clock.set(120);
    String stat = text(src.stat(), 300);
    assertArrayEquals(new long[] {2626, 0, 875, 20000, 0, 0, 0, 499, 0, 0}, cpuLine(stat, "cpu"));
    assertArrayEquals(new long[] {1313, 0, 438, 10000, 0, 0, 0, 250, 0, 0}, cpuLine(stat, "cpu0"));
    assertArrayEquals(new long[] {1313, 0, 437, 10000, 0, 0, 0, 249, 0, 0}, cpuLine(stat, "cpu1"));
  }

  /**
   * Throttling by its own quota is not steal: the group's pressure counts the time its quota held it back, which its
   * throttled time (v1 cpu.stat.local throttled_time, v2 cpu.stat.local throttled_usec) tells apart.
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void aGroupThrottledByItsQuotaShowsNoStealForIt(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0-3", 100_000, clock);
    // 10 s using its whole one-CPU quota, its extra threads throttled for 8 s (which its pressure counts).
    ctr.cpuUsage(22_500_000_000L, 7_500_000_000L).cpuThrottled(8 * S).cpuWait(13_000_000);
    clock.set(120);
    long[] cpu = cpuLine(text(src.stat(), 300), "cpu");
    assertArrayEquals(new long[] {2250, 0, 750, 9000, 0, 0, 0, 0, 0, 0}, cpu, "busy, no idle, no steal");
    // 10 s in bursts: 5 s used, throttled 4 s, waited 4.3 s: 0.3 s of it for CPUs others held.
    ctr.cpuUsage(26_250_000_000L, 8_750_000_000L).cpuThrottled(12 * S).cpuWait(17_300_000);
    clock.set(130);
    cpu = cpuLine(text(src.stat(), 300), "cpu");
    assertArrayEquals(new long[] {2625, 0, 875, 9470, 0, 0, 0, 30, 0, 0}, cpu);
    assertEquals(13000, sum(cpu));
  }

  /** Before Linux 6.7 there is no cpu.stat.local: the group's own quota's throttled time (cpu.stat) counts. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void withoutCpuStatLocalTheThrottledTimeOfCpuStatCounts(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0-3", 100_000, clock);
    ctr.cpuUsage(18_750_000_000L, 6_250_000_000L).cpuThrottled(4 * S).cpuWait(9_300_000);
    java.nio.file.Files.delete(ctr.dir("cpu").resolve("cpu.stat.local"));
    clock.set(120);
    // 5 s used, throttled 4 s, waited 4.3 s: 0.3 s steal.
    assertArrayEquals(new long[] {1875, 0, 625, 9470, 0, 0, 0, 30, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
  }

  /**
   * A task queued behind its own sibling is not waiting for others' work: "some" grows, "full" (none of its tasks
   * running) does not, and there is no steal.
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void waitingBehindItsOwnTasksIsNotSteal(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0", NO_QUOTA, clock);
    // 10 s: two threads took turns for 4 s (one always queued behind the other), then slept; nobody else ran.
    ctr.cpuUsage(18_000_000_000L, 6_000_000_000L).cpuWait(9_000_000, 5_000_000);
    clock.set(120);
    assertArrayEquals(new long[] {1800, 0, 600, 9600, 0, 0, 0, 0, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
  }

  /** Linux before 5.13 kept no "full" line for CPU: no steal, rather than counting waits behind its own tasks. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void aKernelWithoutFullCpuPressureShowsNoSteal(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0", NO_QUOTA, clock);
    ctr.cpuUsage(16_650_000_000L, 5_550_000_000L).pressure("cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 "
        + "total=12800000\n");
    clock.set(120);
    assertArrayEquals(new long[] {1665, 0, 555, 9780, 0, 0, 0, 0, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
  }

  /** A malformed pressure file fails the computation: the reader gets the host's file (and one log line). */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void aMalformedPressureFileIsMalformed(Layout layout) throws Exception {
    host(layout, "0", NO_QUOTA);
    ctr.pressure("cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00\n");
    org.junit.jupiter.api.Assertions.assertThrows(dev.jlxcfs.util.MalformedException.class,
        () -> text(new TestHost(host.tree()).stat(), 300));
  }

  /** A v1-only host keeps no pressure per group: steal stays 0 and the wait shows as idle, as before. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = "V1")
  void aV1OnlyHostShowsNoSteal(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0", 100_000, clock);
    ctr.cpuUsage(16_650_000_000L, 5_550_000_000L).cpuThrottled(S);
    clock.set(120);
    assertArrayEquals(new long[] {1665, 0, 555, 9780, 0, 0, 0, 0, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
  }

  /** A group without pressure files (PSI off for it) shows no steal, not the host's file. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void withoutPressureFilesStealIsZero(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    host(layout, "0", NO_QUOTA);
    ctr.withoutPressure("cpu");
    TestHost src = new TestHost(host.tree(), clock, true, true);
    text(src.stat(), 300);
    ctr.cpuUsage(16_650_000_000L, 5_550_000_000L);
    clock.set(120);
    assertArrayEquals(new long[] {1665, 0, 555, 9780, 0, 0, 0, 0, 0, 0}, cpuLine(text(src.stat(), 300), "cpu"));
  }

  /**
   * A recreated group (its usage and pressure start again from 0) rewinds no column, steal included, and steal
   * counts on from there.
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void stealStaysMonotonicOverResets(Layout layout) throws Exception {
    TestHost.ManualClock clock = new TestHost.ManualClock(110);
    TestHost src = stealHost(layout, "0", NO_QUOTA, clock);
    ctr.cpuUsage(15_300_000_000L, 5_100_000_000L).cpuWait(5_500_000); // 0.4 s busy, 0.5 s waiting
    clock.set(111);
    long[] first = cpuLine(text(src.stat(), 300), "cpu");
    assertEquals(50, first[7]);
    ctr.cpuUsage(300_000_000L, 100_000_000L).cpuWait(200_000); // recreated
    clock.set(112);
    long[] second = cpuLine(text(src.stat(), 300), "cpu");
    for (int i = 0; i < first.length; i++) {
      assertTrue(second[i] >= first[i], "column " + i + " went from " + first[i] + " to " + second[i]);
    }
    assertEquals(50, second[7], "no steal from a pressure total that went back");
    ctr.cpuUsage(450_000_000L, 150_000_000L).cpuWait(900_000); // 0.2 s busy, 0.7 s waiting
    clock.set(113);
    long[] third = cpuLine(text(src.stat(), 300), "cpu");
    assertEquals(120, third[7], "counts on: +70");
    assertEquals(second[0] + 15, third[0]);
    assertEquals(second[3] + 10, third[3], "idle: 100 offered - 20 busy - 70 steal");
  }

  /** Fuzz finding: an empty host online list made a view of no CPU (a /proc/stat without CPU lines). */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void anEmptyHostOnlineListIsMalformedSoTheHostFilesAreServed(Layout layout) throws Exception {
    FixtureTree t = host(layout, "0-3", NO_QUOTA);
    FixtureTree.write(t.sys().resolve("devices/system/cpu/online"), "\n");
    TestHost src = new TestHost(t);
    for (VirtualFile f : List.of(src.stat(), src.cpuinfo(), src.range("online"), src.online(0))) {
      org.junit.jupiter.api.Assertions.assertThrows(dev.jlxcfs.util.MalformedException.class, () -> text(f, 300),
          f.path());
    }
  }
}
