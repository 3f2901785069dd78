package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersTest {

  /** A buffer the readers read into (each call may overwrite it). */
  private static ReadBuffer text() {
    return new ReadBuffer(64);
  }

  @TempDir Path tmp;

  private static final String V1_UNLIMITED = "9223372036854771712\n";
  private static final long MIB = 1024 * 1024;

  /** The cgroup at {@code dir} of a fixture hierarchy mounted at {@code top}, uncached. */
  private static Cgroup cgroup(int version, Path top, Path dir) {
    return new Cgroup(new CgroupDir(new Hierarchy(version, top, "/", java.util.Set.of()), dir),
        com.github.benmanes.caffeine.cache.Ticker.systemTicker(), 0, new java.util.concurrent.atomic.AtomicInteger());
  }

  private static BitSet cpus(String list) {
    return CpuList.parse(list, null);
  }

  private List<Path> v1Memory(FixtureTree t, String parentLimit, String childLimit, String parentMemsw,
                              String childMemsw) {
    Path mem = t.v1("memory");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", V1_UNLIMITED);
    t.cgroupFile(mem, "/", "memory.memsw.limit_in_bytes", V1_UNLIMITED);
    t.cgroupFile(mem, "/a", "memory.limit_in_bytes", parentLimit);
    t.cgroupFile(mem, "/a", "memory.memsw.limit_in_bytes", parentMemsw);
    t.cgroupFile(mem, "/a/b", "memory.limit_in_bytes", childLimit);
    t.cgroupFile(mem, "/a/b", "memory.memsw.limit_in_bytes", childMemsw);
    return List.of(mem.resolve("a/b"), mem.resolve("a"), mem);
  }

  @Test
  void v1SmallestLimitOnThePathWins() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    List<Path> levels = v1Memory(t, 200 * MIB + "\n", 300 * MIB + "\n", V1_UNLIMITED, V1_UNLIMITED);
    MemoryLimits l = V1Reader.INSTANCE.memoryLimits(levels, text());
    assertEquals(200 * MIB, l.memory());
    assertEquals(MemoryLimits.NONE, l.swap());
    assertTrue(l.swapAccounted());
  }

  @Test
  void v1HugeValuesMeanNoLimitAndMemswGivesTheSwapShare() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    List<Path> levels = v1Memory(t, V1_UNLIMITED, 256 * MIB + "\n", V1_UNLIMITED, 384 * MIB + "\n");
    MemoryLimits l = V1Reader.INSTANCE.memoryLimits(levels, text());
    assertEquals(256 * MIB, l.memory());
    assertEquals(128 * MIB, l.swap(), "memsw 384 MiB - memory 256 MiB");
    MemoryLimits none = V1Reader.INSTANCE.memoryLimits(levels.subList(2, 3), text());
    assertEquals(MemoryLimits.NONE, none.memory());
  }

  @Test
  void v1WithoutSwapAccounting() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", V1_UNLIMITED);
    Path dir = t.cgroupFile(mem, "/c", "memory.limit_in_bytes", "1048576\n");
    t.cgroupFile(mem, "/c", "memory.usage_in_bytes", "4096\n");
    t.cgroupFile(mem, "/c", "memory.stat", HostFiles.v1MemoryStat(0, 0, 4096, 0, 0, 0));
    MemoryLimits l = V1Reader.INSTANCE.memoryLimits(List.of(dir, mem), text());
    assertFalse(l.swapAccounted());
    MemoryUsage u = V1Reader.INSTANCE.memoryUsage(cgroup(1, mem, dir), l.swapAccounted(), text());
    assertEquals(4096, u.memory());
    assertEquals(-1, u.swap());
    assertEquals(-1, u.get(MemStat.SLAB_RECLAIMABLE), "v1 reports no slab figures");
    assertEquals(4096, u.get(MemStat.ACTIVE_ANON));
  }

  @Test
  void v1UsageAndSwapUse() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    Path dir = t.cgroupFile(mem, "/c", "memory.usage_in_bytes", "1000000\n");
    t.cgroupFile(mem, "/c", "memory.memsw.usage_in_bytes", "1500000\n");
    t.cgroupFile(mem, "/c", "memory.stat", HostFiles.v1MemoryStat(600000, 10000, 300000, 100000, 250000, 350000));
    MemoryUsage u = V1Reader.INSTANCE.memoryUsage(cgroup(1, mem, dir), true, text());
    assertEquals(500000, u.swap());
    assertEquals(600000, u.get(MemStat.CACHE));
    assertEquals(350000, u.get(MemStat.INACTIVE_FILE));
  }

  @Test
  void v2MaxAndNumbersAndMissingLevels() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path u = t.v2("memory cpu cpuset");
    // The root has no memory.max; "a" enables nothing for its children, so "a/b" has no memory files.
    t.cgroupFile(u, "/a", "memory.max", 512 * MIB + "\n");
    t.cgroupFile(u, "/a", "memory.swap.max", "max\n");
    t.cgroupFile(u, "/a", "memory.current", 100 * MIB + "\n");
    t.cgroupFile(u, "/a", "memory.swap.current", "0\n");
    t.cgroupFile(u, "/a", "memory.stat", HostFiles.v2MemoryStat(1, 2, 0, 3, 4, 5, 6));
    Path b = u.resolve("a/b");
    FixtureTree.write(b.resolve("cgroup.procs"), "");
    List<Path> levels = List.of(b, u.resolve("a"), u);
    MemoryLimits l = V2Reader.INSTANCE.memoryLimits(levels, text());
    assertEquals(512 * MIB, l.memory());
    assertEquals(MemoryLimits.NONE, l.swap());
    assertTrue(l.swapAccounted());
    MemoryUsage usage = V2Reader.INSTANCE.memoryUsage(cgroup(2, u, b), l.swapAccounted(), text());
    assertEquals(100 * MIB, usage.memory(), "charged to the nearest level with the controller");
    assertEquals(5, usage.get(MemStat.SLAB_RECLAIMABLE));
    assertEquals(4096, usage.get(MemStat.DIRTY), "file_dirty maps to Dirty");
  }

  @Test
  void v2SwapMaxIsHierarchical() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path u = t.v2("memory");
    t.cgroupFile(u, "/a", "memory.max", "max\n");
    t.cgroupFile(u, "/a", "memory.swap.max", 64 * MIB + "\n");
    t.cgroupFile(u, "/a/b", "memory.max", 128 * MIB + "\n");
    t.cgroupFile(u, "/a/b", "memory.swap.max", "max\n");
    MemoryLimits l = V2Reader.INSTANCE.memoryLimits(List.of(u.resolve("a/b"), u.resolve("a"), u), text());
    assertEquals(128 * MIB, l.memory());
    assertEquals(64 * MIB, l.swap());
  }

  @Test
  void malformedAndMissingFilesThrow() {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    Path bad = t.cgroupFile(mem, "/bad", "memory.limit_in_bytes", "lots\n");
    assertThrows(MalformedException.class, () -> V1Reader.INSTANCE.memoryLimits(List.of(bad, mem), text()));
    Path gone = mem.resolve("vanished");
    assertThrows(NoSuchFileException.class, () -> V1Reader.INSTANCE.memoryLimits(List.of(gone, mem), text()));
    Path u = t.v2("memory");
    Path empty = t.cgroupFile(u, "/x", "memory.max", "\n");
    assertThrows(MalformedException.class, () -> V2Reader.INSTANCE.memoryLimits(List.of(empty, u), text()));
    assertThrows(NoSuchFileException.class,
        () -> V2Reader.INSTANCE.memoryUsage(cgroup(2, u, u.resolve("none")), false, text()));
  }

  @Test
  void cpuQuotasAreTheSmallestRatioOnThePath() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path cpu = t.v1("cpu");
    t.cgroupFile(cpu, "/", "cpu.cfs_quota_us", "-1\n");
    t.cgroupFile(cpu, "/", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(cpu, "/a", "cpu.cfs_quota_us", "150000\n");
    t.cgroupFile(cpu, "/a", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(cpu, "/a/b", "cpu.cfs_quota_us", "50000\n");
    t.cgroupFile(cpu, "/a/b", "cpu.cfs_period_us", "10000\n");
    assertEquals(1.5, V1Reader.INSTANCE.cpuQuota(List.of(cpu.resolve("a/b"), cpu.resolve("a"), cpu), text()), 1e-9);
    assertEquals(Double.POSITIVE_INFINITY, V1Reader.INSTANCE.cpuQuota(List.of(cpu), text()));

    Path u = t.v2("cpu");
    t.cgroupFile(u, "/a", "cpu.max", "max 100000\n");
    t.cgroupFile(u, "/a/b", "cpu.max", "50000 100000\n");
    assertEquals(0.5, V2Reader.INSTANCE.cpuQuota(List.of(u.resolve("a/b"), u.resolve("a"), u), text()), 1e-9);
    assertEquals(Double.POSITIVE_INFINITY, V2Reader.INSTANCE.cpuQuota(List.of(u.resolve("a"), u), text()));
  }

  @Test
  void cpusetsWalkUpPastEmptyLevels() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path cs = t.v1("cpuset");
    t.cgroupFile(cs, "/", "cpuset.cpus", "0-15\n");
    t.cgroupFile(cs, "/a", "cpuset.cpus", "0-3,8,10-11\n");
    t.cgroupFile(cs, "/a/b", "cpuset.cpus", "\n");
    BitSet set = V1Reader.INSTANCE.cpuset(List.of(cs.resolve("a/b"), cs.resolve("a"), cs), text());
    assertEquals(cpus("0-3,8,10-11"), set);
    Path u = t.v2("cpuset");
    t.cgroupFile(u, "/a", "cpuset.cpus.effective", "2-3\n");
    t.cgroupFile(u, "/a", "cpuset.cpus", "\n");
    assertEquals(cpus("2-3"), V2Reader.INSTANCE.cpuset(List.of(u.resolve("a"), u), text()));
  }

  @Test
  void cpuUsageV1SplitsThePreciseTotalByTheTickRatio() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path acct = t.v1("cpuacct");
    Path d = t.cgroupFile(acct, "/a", "cpuacct.usage", "4000000000\n");
    t.cgroupFile(acct, "/a", "cpuacct.stat", "user 300\nsystem 100\n");
    CpuUsage u = V1Reader.INSTANCE.cpuUsage(cgroup(1, acct, d), text());
    assertEquals(3_000_000_000L, u.user());
    assertEquals(1_000_000_000L, u.system());
    Path v2 = t.v2("cpu");
    Path e = t.cgroupFile(v2, "/a", "cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\n");
    CpuUsage u2 = V2Reader.INSTANCE.cpuUsage(cgroup(2, v2, e), text());
    assertEquals(3_000_000, u2.user());
    assertEquals(5_000_000, u2.total());
  }
}
