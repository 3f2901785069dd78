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
