package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.GroupWalk;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import dev.jlxcfs.util.ReadBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * /proc/loadavg on fixture hosts with a hand-driven ticker: each {@link LoadTracker#sample} after {@link #tick} is
 * one LOAD_FREQ period, so the kernel's figures can be checked exactly. Every test with a host runs on v1, v2 and
 * hybrid hosts (the thread list is v1's tasks or v2's cgroup.threads, the figures the same).
 */
class LoadavgFileTest {

  private static final String HOST = "1.91 2.13 1.66 4/112 31610\n";
  private static final long F = 2048;

  @TempDir Path tmp;
  private FixtureTree t;
  private TestHost.ManualTicker ticker;
  private LoadTracker tracker;
  private LoadavgFile loadavg;
  private TestHost h;
  /** The container's group; its directory in the hierarchy that serves cpu, and its thread list file. */
  private Layout.Group group;
  private Path ctr;
  private Path threadsFile;
  private Layout.Host fixture;

  /** A container cgroup /ctr with threads 501 (the reader, sleeping) .. 505; a host process 400. */
  private void host(Layout layout) throws Exception {
    host(layout, Layout.DEFAULT_HIERARCHIES.toArray(String[]::new));
  }

  /** The same with these hierarchies ({@link Layout#host(Path, String...)}). */
  private void host(Layout layout, String... hierarchies) throws Exception {
    fixture = layout.host(tmp, hierarchies);
    t = fixture.tree();
    group = fixture.group("/ctr").noCpuQuota();
    ctr = group.dir("cpu");
    threadsFile = group.threadsFile();
    assertEquals(layout == Layout.V2 ? "cgroup.threads" : "tasks", threadsFile.getFileName().toString());
    if (layout == Layout.HYBRID) {
      // cpu on v1; the cgroup2 mount holds no controllers: its cgroup.threads must not be what is counted.
      FixtureTree.write(group.unifiedDir().resolve("cgroup.threads"), "601\n602\n603\n");
      t.thread(601, 'R');
      t.thread(602, 'R');
      t.thread(603, 'R');
    }
    fixture.process(400, 100, "/", 1, FixtureTree.HOST_NS);
    fixture.process(501, 9000, "/ctr", 400, FixtureTree.HOST_NS);
    threads("501 S", "502 R", "503 R", "504 D", "505 S");
    ticker = new TestHost.ManualTicker();
    h = new TestHost(t, () -> 1000L * 1_000_000_000L, true, true, Duration.ZERO, ticker);
    tracker = new LoadTracker(t.proc(), ticker);
    loadavg = h.loadavg(tracker);
  }

  /** Sets the container's threads: "TID STATE" each. */
  private void threads(String... tidStates) {
    StringBuilder list = new StringBuilder();
    for (String ts : tidStates) {
      int tid = Integer.parseInt(ts.split(" ")[0]);
      t.thread(tid, ts.split(" ")[1].charAt(0));
      list.append(tid).append('\n');
    }
    FixtureTree.write(threadsFile, list.toString());
  }

  private String read(int pid) throws Exception {
    return TestHost.read(loadavg, pid);
  }

  /** One LOAD_FREQ period passes and the sampler runs. */
  private void tick() {
    ticker.advance(LoadTracker.LOAD_FREQ);
    tracker.sample();
  }

  /** Passes until the one group that can be skipped is sampled in full: within IDLE_LOOK_EVERY passes. */
  private int tickUntilLookedAt() {
    return tickUntilLookedAt(LoadTracker.IDLE_LOOK_EVERY);
  }

  /** Ticks until a pass samples the group in full (it looked and found it moved), at most {@code passes}. */
  private int tickUntilLookedAt(int passes) {
    for (int k = 1; k <= passes; k++) {
      tick();
      if (tracker.skippedLastPass() == 0) {
        return k;
      }
    }
    throw new AssertionError("not looked at within " + passes + " passes");
  }

  /** The kernel's figures after k periods from 0 with {@code active} tasks, by the kernel's formula. */
  private static long[] expected(int active, int k) {
    long[] l = new long[3];
    long[] exp = {1884, 2014, 2037};
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < 3; j++) {
        long n = l[j] * exp[j] + active * F * (F - exp[j]);
        if (active * F >= l[j]) {
          n += F - 1;
        }
        l[j] = n / F;
      }
    }
    return l;
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aCgroupStartsAtZeroAndConvergesByTheKernelsFormula(Layout layout) throws Exception {
    host(layout);
    // First read: tracked from now, no sample yet.
    assertEquals("0.00 0.00 0.00 0/0 31610\n", read(501));
    tick();
    // 2 running + 1 uninterruptible = 3 active: 3 * 2048 * (2048 - 1884) / 2048, rounded up as the kernel does.
    assertEquals(new LoadTracker.Load(492, 102, 33, 2, 5), tracker.load(cgroupOf(501)));
    assertEquals("0.24 0.05 0.02 2/5 31610\n", read(501));
    tick();
    assertEquals("0.46 0.10 0.03 2/5 31610\n", read(501));
    for (int k = 3; k <= 12; k++) {
      tick();
    }
    // One minute: 1 - 1/e of the way to 3.
    assertEquals("1.90 0.55 0.19 2/5 31610\n", read(501));
    long[] e = expected(3, 12);
    assertEquals(new LoadTracker.Load(e[0], e[1], e[2], 2, 5), tracker.load(cgroupOf(501)));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void oneBusyTaskReachesTheKernelsFiguresAfterOneAndFiveMinutes(Layout layout) throws Exception {
    host(layout);
    threads("501 S", "502 R");
    read(501);
    for (int k = 1; k <= 12; k++) {
      tick();
    }
    assertEquals("0.63 0.18 0.06 1/2 31610\n", read(501));
    for (int k = 13; k <= 60; k++) {
      tick();
    }
    assertEquals("1.00 0.64 0.29 1/2 31610\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void anIdleCgroupStaysAtZeroAndABusyOneDecaysWhenItStops(Layout layout) throws Exception {
    host(layout);
    threads("501 S", "502 S", "503 I");
    read(501);
    for (int k = 0; k < 12; k++) {
      tick();
    }
    assertEquals("0.00 0.00 0.00 0/3 31610\n", read(501));
    threads("501 S", "502 R");
    for (int k = 0; k < 12; k++) {
      tick();
    }
    threads("501 S", "502 S");
    for (int k = 0; k < 12; k++) {
      tick();
    }
    // 474/2048 after 12 busy then 12 idle periods: the kernel's exact decay.
    assertEquals(new LoadTracker.Load(474, 303, 120, 0, 2), tracker.load(cgroupOf(501)));
    assertEquals("0.23 0.15 0.06 0/2 31610\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void missedPeriodsAreAppliedAtOnceLikeTheKernelsCalcLoadN(Layout layout) throws Exception {
    host(layout);
    threads("501 S", "502 R");
    read(501);
    tick(); // the first sample: one period
    ticker.advance(LoadTracker.LOAD_FREQ.multipliedBy(3));
    tracker.sample();
    long f3 = LoadTracker.fixedPowerInt(1884, 11, 3);
    assertEquals(1594, f3);
    assertEquals(LoadTracker.calcLoad(164, f3, F), tracker.load(cgroupOf(501)).load1());
    // A pass earlier than half a period after the last changes nothing.
    LoadTracker.Load before = tracker.load(cgroupOf(501));
    ticker.advance(Duration.ofSeconds(2));
    assertEquals(0, tracker.sample());
    assertEquals(before, tracker.load(cgroupOf(501)));
    // A late pass (7 s) is one period, and the schedule does not drift: 3 s later is the next one.
    ticker.advance(Duration.ofSeconds(5));
    assertEquals(1, tracker.sample());
    ticker.advance(Duration.ofSeconds(3));
    assertEquals(1, tracker.sample());
  }

  /** The arithmetic alone: no host, so no layout. */
  @Test
  void kernelArithmetic() {
    assertEquals(2048, LoadTracker.fixedPowerInt(1884, 11, 0));
    assertEquals(1884, LoadTracker.fixedPowerInt(1884, 11, 1));
    assertEquals(LoadTracker.calcLoad(LoadTracker.calcLoad(0, 1884, F), 1884, F), LoadTracker.calcLoadN(
        LoadTracker.calcLoad(0, 1884, F), 1884, F, 1));
    assertEquals(164, LoadTracker.calcLoad(0, 1884, F));
    // Decaying towards 0 rounds down; rising rounds up.
    assertEquals(1884 * 1000 / 2048, LoadTracker.calcLoad(1000, 1884, 0));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aHostProcessGetsTheHostsFile(Layout layout) throws Exception {
    host(layout);
    assertEquals(HOST, read(400));
    assertEquals(0, tracker.size());
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void withoutAHierarchyServingCpuEveryoneGetsTheHostsFile(Layout layout) throws Exception {
    Layout.Host fixture = layout.host(tmp, "memory");
    t = fixture.tree();
    fixture.group("/ctr").memoryLimit(268435456);
    fixture.process(501, 9000, "/ctr", 1, FixtureTree.HOST_NS);
    ticker = new TestHost.ManualTicker();
    tracker = new LoadTracker(t.proc(), ticker);
    loadavg = new TestHost(t, () -> 0L, true, true, Duration.ZERO, ticker).loadavg(tracker);
    assertEquals(HOST, read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aCgroupNotReadForTenMinutesIsDroppedAndStartsAgainFromZero(Layout layout) throws Exception {
    host(layout);
    read(501);
    // Read 9 min 55 s ago, then 10 min ago: still sampled.
    for (int k = 0; k < 120; k++) {
      tick();
    }
    assertEquals(1, tracker.size());
    tick();
    assertEquals(0, tracker.size(), "not read for more than " + LoadTracker.TRACK_FOR);
    assertEquals("0.00 0.00 0.00 0/0 31610\n", read(501));
    assertEquals(1, tracker.size());
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void readingKeepsACgroupTracked(Layout layout) throws Exception {
    host(layout);
    read(501);
    for (int k = 0; k < 400; k++) {
      tick();
      if (k % 60 == 0) {
        read(501);
      }
    }
    assertEquals(1, tracker.size());
    assertEquals("3.00 3.00 2.69 2/5 31610\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aRemovedCgroupIsFoundByTheSamplerAndItsReadersGetTheHostsFile(Layout layout) throws Exception {
    host(layout);
    read(501);
    tick();
    assertEquals("0.24 0.05 0.02 2/5 31610\n", read(501));
    var cg = cgroupOf(501);
    delete(ctr);
    tick();
    assertThrows(IOException.class, () -> read(501));
    assertEquals(HOST, TestHost.host(loadavg), "what the reader is served instead");
    // The caller's cgroup is marked gone, so its resolution is made again on its next read.
    assertEquals(true, cg.isGone());
    // Made again at the same path (a new container with the same name): from 0.
    threads("501 S", "502 R", "503 R", "504 D", "505 S");
    tick();
    assertEquals("0.24 0.05 0.02 2/5 31610\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void threadsThatExitedBetweenTheListAndTheirStatAreNotCounted(Layout layout) throws Exception {
    host(layout);
    FixtureTree.write(threadsFile, "501\n502\n999\n\nnot-a-tid\n");
    read(501);
    tick();
    assertEquals("0.08 0.02 0.01 1/2 31610\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aLongThreadListIsReadWhole(Layout layout) throws Exception {
    host(layout);
    StringBuilder list = new StringBuilder();
    for (int tid = 10_000; tid < 12_000; tid++) {
      t.thread(tid, tid % 2 == 0 ? 'R' : 'S');
      list.append(tid).append('\n');
    }
    FixtureTree.write(threadsFile, list.toString());
    read(501);
    tick();
    long[] e = expected(1000, 1);
    assertEquals(new LoadTracker.Load(e[0], e[1], e[2], 1000, 2000), tracker.load(cgroupOf(501)));
  }

  /**
   * A tracker that walks the fixture's cpu hierarchy, as the daemon's does, in place of the one {@link #host} made:
   * every group is tracked from the first pass, read or not.
   */
  private void walking() throws IOException {
    Hierarchy cpu = CgroupMounts.load(t.proc().resolve("self/mountinfo")).serving("cpu");
    tracker = new LoadTracker(t.proc(), new GroupWalk(cpu), ticker);
    loadavg = h.loadavg(tracker);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aGroupNeverReadHasItsHistoryFromTheDaemonsStart(Layout layout) throws Exception {
    host(layout);
    walking();
    threads("501 S", "502 R");
    // 14 periods (70 s) of one runnable task, nobody reading: the first read shows what calc_load gives.
    for (int k = 1; k <= 14; k++) {
      tick();
    }
    long[] e = expected(1, 14);
    assertEquals(1415, e[0]);
    assertEquals(new LoadTracker.Load(e[0], e[1], e[2], 1, 2), tracker.load(cgroupOf(501)));
    assertEquals("0.69 0.21 0.08 1/2 31610\n", read(501));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aGroupMadeLaterIsTrackedFromWhenTheWalkFindsItAndDroppedWhenRemoved(Layout layout) throws Exception {
    host(layout);
    walking();
    tick();
    tick();
    assertEquals(1, tracker.size(), "the container's group");
    Layout.Group later = fixture.group("/ctr/later").noCpuQuota();
    FixtureTree.write(later.threadsFile(), "701\n");
    t.thread(701, 'R');
    fixture.process(701, 9100, "/ctr/later", 400, FixtureTree.HOST_NS);
    for (int k = 1; k <= 6; k++) {
      tick();
    }
    assertEquals(2, tracker.size());
    long[] e = expected(1, 6);
    assertEquals(new LoadTracker.Load(e[0], e[1], e[2], 1, 1), tracker.load(cgroupOf(701)));
    assertEquals("0.39 0.10 0.03 1/1 31610\n", read(701));
    // Removed: dropped at the next pass (and the reader's cgroup marked gone, as for a group tracked by reads).
    later.remove();
    tick();
    assertThrows(IOException.class, () -> read(701));
    delete(ctr);
    tick();
    assertEquals(1, tracker.size(), "the group nobody read is dropped at once; the read one kept as gone");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void anIdleGroupDecaysByTheKernelsFactorWithoutItsThreadsBeingRead(Layout layout) throws Exception {
    host(layout);
    walking();
    threads("501 S", "502 R");
    for (int k = 1; k <= 12; k++) {
      group.cpuUsage(k * 1_000_000_000L, 0); // it runs
      tick();
    }
    assertEquals(0, tracker.skippedLastPass());
    threads("501 S", "502 S");
    tick(); // a full sample: its CPU time moved since the last
    assertEquals(0, tracker.skippedLastPass());
    // The threads are now unreadable: an idle group's later samples must not need them.
    FixtureTree.write(threadsFile, "501\n502\n503\n");
    t.thread(503, 'R');
    for (int k = 2; k <= 5; k++) {
      tick();
      assertEquals(1, tracker.skippedLastPass(), "CPU time unchanged and nothing active: not sampled again");
    }
    long[] busy = expected(1, 12);
    long[] e = {busy[0], busy[1], busy[2]};
    long[] exp = {1884, 2014, 2037};
    for (int j = 0; j < 3; j++) {
      for (int k = 0; k < 5; k++) {
        e[j] = LoadTracker.calcLoad(e[j], exp[j], 0);
      }
    }
    assertEquals(new LoadTracker.Load(e[0], e[1], e[2], 0, 2), tracker.load(cgroupOf(501)));
    assertEquals("0.42 0.17 0.06 0/2 31610\n", read(501));
    // Once its CPU time moves it is sampled in full again (and the third thread, runnable, is seen), at the first
    // pass that looks at it: an idle group is looked at every IDLE_LOOK_EVERY passes.
    group.cpuUsage(20_000_000_000L, 0);
    tickUntilLookedAt();
    assertEquals(1, tracker.load(cgroupOf(501)).running());
    // Still sampled in full at least once per FULL_EVERY periods, its CPU time unchanged.
    threads("501 S", "502 S");
    int full = 0;
    for (int k = 0; k < 2 * LoadTracker.FULL_EVERY; k++) {
      tick();
      full += 1 - tracker.skippedLastPass();
    }
    // The first (the last sample found a thread active), then the 13th: one per FULL_EVERY periods.
    assertEquals(2, full, "the one after the runnable sample, then one per " + LoadTracker.FULL_EVERY + " periods");
  }

  /**
   * A group with no thread at all (a Kubernetes pod's group holds its containers' groups, not tasks) whose CPU time
   * does not move is sampled in full once per FULL_EVERY_EMPTY periods, not FULL_EVERY; a thread moved into it shows
   * at the first pass after it ran.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void anEmptyIdleGroupIsSampledInFullOnlyOncePerFiveMinutes(Layout layout) throws Exception {
    host(layout);
    walking();
    threads();
    group.cpuUsage(1_000_000_000L, 0);
    tick();
    int full = 0;
    for (int k = 0; k < 2 * LoadTracker.FULL_EVERY_EMPTY; k++) {
      tick();
      full += 1 - tracker.skippedLastPass();
    }
    assertEquals(2, full, "empty and idle: one full sample per " + LoadTracker.FULL_EVERY_EMPTY + " periods");
    // A thread moved in, which runs: its CPU time moves, and a pass soon after samples the group in full.
    threads("501 R");
    group.cpuUsage(2_000_000_000L, 0);
    tickUntilLookedAt(LoadTracker.IDLE_LOOK_EVERY_EMPTY);
    assertEquals(1, tracker.load(cgroupOf(501)).running());
    // With a thread (asleep) in it, an idle group is sampled in full once per FULL_EVERY periods again.
    threads("501 S");
    tick();
    full = 0;
    for (int k = 0; k < 2 * LoadTracker.FULL_EVERY_EMPTY; k++) {
      tick();
      full += 1 - tracker.skippedLastPass();
    }
    assertEquals(2 * LoadTracker.FULL_EVERY_EMPTY / LoadTracker.FULL_EVERY, full, "one per FULL_EVERY periods");
  }

  /**
   * An idle group's CPU time is read on every second pass only: a move is found at the next pass or the one after,
   * depending on the pass it happened in, and both happen.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void anIdleGroupsCpuTimeIsLookedAtOnEverySecondPass(Layout layout) throws Exception {
    host(layout);
    walking();
    threads("501 S");
    long usage = 1_000_000_000L;
    group.cpuUsage(usage, 0);
    tick();
    java.util.Set<Integer> waits = new java.util.TreeSet<>();
    for (int phase = 0; phase < 2 * LoadTracker.IDLE_LOOK_EVERY; phase++) {
      tick(); // idle, found so
      for (int k = 0; k < phase; k++) {
        tick();
      }
      threads("501 R");
      group.cpuUsage(usage += 1_000_000, 0);
      waits.add(tickUntilLookedAt());
      assertEquals(1, tracker.load(cgroupOf(501)).running(), "found running once looked at");
      threads("501 S");
      tick(); // the last sample found it active: sampled in full, idle again
      assertEquals(0, tracker.skippedLastPass());
    }
    assertEquals(java.util.Set.of(1, 2), waits, "found at the next pass or the one after");
  }

  /**
   * A group whose last full sample, EMPTY_FOR periods ago or more, found no thread has its CPU time looked at on
   * every fourth pass: a thread moved in is found one to four passes later, each of them happening.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void aGroupEmptyForAWhileHasItsCpuTimeLookedAtOnEveryFourthPass(Layout layout) throws Exception {
    host(layout);
    walking();
    threads();
    long usage = 1_000_000_000L;
    group.cpuUsage(usage, 0);
    tick();
    java.util.Set<Integer> waits = new java.util.TreeSet<>();
    for (int phase = 0; phase < 2 * LoadTracker.IDLE_LOOK_EVERY_EMPTY; phase++) {
      for (int k = 0; k < LoadTracker.EMPTY_FOR + phase; k++) {
        tick();
        assertEquals(1, tracker.skippedLastPass(), "empty and idle");
      }
      threads("501 R");
      group.cpuUsage(usage += 1_000_000, 0);
      waits.add(tickUntilLookedAt(LoadTracker.IDLE_LOOK_EVERY_EMPTY));
      assertEquals(1, tracker.load(cgroupOf(501)).running(), "found running once looked at");
      threads();
      tick(); // sampled in full (the last found it active): empty again
    }
    assertEquals(java.util.Set.of(1, 2, 3, 4), waits, "within four passes, each happening");
  }

  /** v1 cpu.stat's text with {@code periods} periods (as the kernel writes it without schedstats). */
  private static String v1CpuStat(long periods) {
    return "nr_periods " + periods + "\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n";
  }

  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V1", "HYBRID"})
  void withoutCpuacctAnIdleGroupWithAQuotaIsToldByItsQuotaPeriods(Layout layout) throws Exception {
    host(layout, "memory", "cpu", "cpuacct", "cpuset", "blkio");
    walking();
    Path cpuStat = ctr.resolve("cpu.stat");
    // No quota of its own: nr_periods stays 0, which tells nothing; sampled in full every time.
    threads("501 S", "502 S");
    for (int k = 0; k < 3; k++) {
      tick();
      assertEquals(0, tracker.skippedLastPass(), "nr_periods 0: no signal");
    }
    // A quota, and its tasks ran: the periods moved, then stop while nothing runs.
    FixtureTree.write(cpuStat, v1CpuStat(7));
    tick();
    assertEquals(0, tracker.skippedLastPass());
    // The threads are now unreadable as they are: an idle group's later samples must not need them.
    FixtureTree.write(threadsFile, "501\n502\n503\n");
    t.thread(503, 'R');
    for (int k = 0; k < 3; k++) {
      tick();
      assertEquals(1, tracker.skippedLastPass(), "nr_periods unchanged and nothing active: not sampled again");
    }
    FixtureTree.write(cpuStat, v1CpuStat(9)); // it ran
    tickUntilLookedAt();
    assertEquals(1, tracker.load(cgroupOf(501)).running());
    // The quota removed: the periods freeze while a thread runs. The first full sample that sees it running with
    // the periods unchanged stops trusting them: sampled in full from then on.
    tick();
    assertEquals(0, tracker.skippedLastPass(), "its last sample found a thread active");
    threads("501 S", "502 S");
    for (int k = 0; k < 2 * LoadTracker.FULL_EVERY; k++) {
      tick();
      assertEquals(0, tracker.skippedLastPass(), "cpu.stat proved no signal for this group");
    }
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void pastTheCapOnKeptFilesAnIdleGroupIsSampledInFull(Layout layout) throws Exception {
    host(layout);
    Hierarchy cpu = CgroupMounts.load(t.proc().resolve("self/mountinfo")).serving("cpu");
    threads("501 S", "502 S");
    for (int cap : new int[] {1, 0}) {
      tracker = new LoadTracker(t.proc(), new GroupWalk(cpu), ticker, LoadTracker.MAX_TRACKED, cap);
      int skipped = 0;
      for (int k = 0; k < 4; k++) {
        tick();
        skipped += tracker.skippedLastPass();
      }
      assertEquals(cap, tracker.keptFiles(), "one kept-open activity file per group, up to the cap");
      assertEquals(cap == 0 ? 0 : 3, skipped, cap == 0 ? "no activity file: sampled in full" : "idle: skipped");
    }
    assertEquals(0, LoadTracker.keptFilesCap(3));
    assertEquals(256, LoadTracker.keptFilesCap(1024), "a quarter of the descriptor limit");
    assertEquals(LoadTracker.MAX_TRACKED, LoadTracker.keptFilesCap(1 << 20), "one per tracked group at most");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void beyondTheBoundGroupsAreNotTrackedAndTheirReadersGetTheHostsFile(Layout layout) throws Exception {
    host(layout);
    for (String g : new String[] {"/a", "/b"}) {
      FixtureTree.write(fixture.group(g).noCpuQuota().threadsFile(), "502\n");
    }
    fixture.process(601, 9000, "/a", 400, FixtureTree.HOST_NS);
    fixture.process(602, 9000, "/b", 400, FixtureTree.HOST_NS);
    Hierarchy cpu = CgroupMounts.load(t.proc().resolve("self/mountinfo")).serving("cpu");
    tracker = new LoadTracker(t.proc(), new GroupWalk(cpu), ticker, 2, LoadTracker.MAX_TRACKED);
    loadavg = h.loadavg(tracker);
    tick();
    tick();
    assertEquals(2, tracker.size());
    assertEquals(true, tracker.full(), "said once in the log");
    int refused = 0;
    for (int pid : new int[] {501, 601, 602}) {
      try {
        read(pid);
      } catch (IOException e) {
        refused++;
      }
    }
    assertEquals(1, refused, "the reader in the group beyond the bound gets the host's file");
    // Fewer groups: room again (and a later overflow would be logged again). A removed group that was read is kept
    // (its readers are told) until not read for TRACK_FOR.
    fixture.group("/b").remove();
    fixture.group("/a").remove();
    for (int k = 0; k <= 121; k++) {
      tick();
    }
    assertEquals(1, tracker.size(), "the walked /ctr");
    assertEquals(false, tracker.full());
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void theWalkFollowsNoSymlinkAndTakesOddNamesAsTheyAre(Layout layout) throws Exception {
    host(layout);
    Path cpuRoot = ctr.getParent();
    Path outside = Files.createDirectories(tmp.resolve("outside/g"));
    FixtureTree.write(outside.resolve(threadsFile.getFileName().toString()), "502\n");
    Files.createSymbolicLink(cpuRoot.resolve("link"), outside.getParent());
    Layout.Group odd = fixture.group("/odd name\nwith newline").noCpuQuota();
    FixtureTree.write(odd.threadsFile(), "502\n");
    walking();
    tick();
    assertEquals(2, tracker.size(), "/ctr and the oddly named group, nothing through the link");
    // The mount point itself may be a link the daemon chose (its private copy, /proc/self/fd/N): that one is followed.
    Hierarchy cpu = CgroupMounts.load(t.proc().resolve("self/mountinfo")).serving("cpu");
    Path fdLike = Files.createSymbolicLink(tmp.resolve("fd-7"), cpu.mountPoint());
    java.util.List<String> found = new java.util.ArrayList<>();
    new GroupWalk(new Hierarchy(cpu.version(), fdLike, "/", cpu.controllers())).walk((d, p) -> {
      found.add(fdLike.relativize(d.dir()) + " " + new String(p, java.nio.charset.StandardCharsets.UTF_8));
      return true;
    });
    found.sort(null);
    assertEquals(java.util.List.of("ctr " + fdLike + "/ctr", "odd name\nwith newline " + fdLike
        + "/odd name\nwith newline"), found);
  }

  /** The caller's cpu cgroup as the file's own resolver sees it. */
  private dev.jlxcfs.cgroup.Cgroup cgroupOf(int pid) throws IOException {
    return h.callers.resolve(pid, new ReadBuffer(64)).cpu();
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
