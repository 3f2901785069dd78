package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.cgroup.MemStat;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.cgroup.MemoryUsage;
import dev.jlxcfs.testing.HostFiles;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeminfoTest {

  private static final long MIB = 1024 * 1024;
  private static final Map<String, Long> HOST = Meminfo.parseKb(HostFiles.MEMINFO);

  private static MemoryUsage usage(long memory, long swap, Map<MemStat, Long> stat) {
    long[] s = new long[MemStat.values().length];
    Arrays.fill(s, -1);
    stat.forEach((k, v) -> s[k.ordinal()] = v);
    return new MemoryUsage(memory, swap, s);
  }

  @Test
  void parsesOnlyKbLines() {
    assertEquals(24683620L, HOST.get("MemTotal"));
    assertEquals(34359738367L, HOST.get("VmallocTotal"));
    assertEquals(2048L, HOST.get("Hugepagesize"));
    assertNull(HOST.get("HugePages_Total"), "a count, not kB");
  }

  @Test
  void rendersInTheKernelsLayoutAndKeepsOtherLinesByteForByte() {
    String out = Meminfo.render(HostFiles.MEMINFO, Map.of("MemTotal", 307200L, "MemFree", 5L,
        "HardwareCorrupted", 123456789L));
    List<String> lines = out.lines().toList();
    assertEquals("MemTotal:         307200 kB", lines.get(0));
    assertEquals("MemFree:               5 kB", lines.get(1));
    assertEquals("HardwareCorrupted:123456789 kB", lines.get(39), "labels over 16 columns get no padding");
    assertEquals(HostFiles.MEMINFO.lines().toList().subList(2, 39), lines.subList(2, 39));
    assertEquals("HugePages_Total:       0", lines.get(46));
    assertTrue(out.endsWith("DirectMap1G:    19922944 kB\n"));
    assertSame(HostFiles.MEMINFO, Meminfo.render(HostFiles.MEMINFO, null));
  }

  @Test
  void limitedCgroup() {
    MemoryUsage u = usage(100 * MIB, 0, Map.of(
        MemStat.CACHE, 60 * MIB, MemStat.SHMEM, 10 * MIB, MemStat.ACTIVE_FILE, 20 * MIB,
        MemStat.INACTIVE_FILE, 30 * MIB, MemStat.ACTIVE_ANON, 15 * MIB, MemStat.INACTIVE_ANON, 25 * MIB));
    Map<String, Long> v = Meminfo.values(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(307200L, v.get("MemTotal"));
    assertEquals(204800L, v.get("MemFree"));
    assertEquals(204800L + 51200L, v.get("MemAvailable"), "free + file LRU");
    assertEquals(0L, v.get("Buffers"));
    assertEquals(61440L, v.get("Cached"));
    assertEquals(10240L, v.get("Shmem"));
    assertEquals(35L * 1024, v.get("Active"));
    assertEquals(55L * 1024, v.get("Inactive"));
    assertEquals(30L * 1024, v.get("AnonPages"), "anon LRU minus shmem");
    assertEquals(0L, v.get("Slab"), "v1 reports no slab: 0, not the host's");
    // Host has 1 GiB swap and the cgroup no swap limit: it may use all of it.
    assertEquals(1048572L, v.get("SwapTotal"));
    assertEquals(1048572L, v.get("SwapFree"));
  }

  @Test
  void availableNeverAboveTotalNorAboveTheHostsAvailable() {
    MemoryUsage u = usage(10 * MIB, 0, Map.of(MemStat.ACTIVE_FILE, 500 * MIB, MemStat.INACTIVE_FILE, 500 * MIB));
    Map<String, Long> v = Meminfo.values(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(307200L, v.get("MemAvailable"));
    Map<String, Long> starvedHost = new java.util.HashMap<>(HOST);
    starvedHost.put("MemAvailable", 1000L);
    v = Meminfo.values(starvedHost, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(1000L, v.get("MemAvailable"));
  }

  @Test
  void usageAboveTheLimitClampsFreeToZero() {
    MemoryUsage u = usage(400 * MIB, 0, Map.of());
    Map<String, Long> v = Meminfo.values(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(0L, v.get("MemFree"));
    assertEquals(0L, v.get("MemAvailable"));
  }

  @Test
  void noLimitOrALimitAboveTheHostMeansTheHostsFile() {
    MemoryUsage u = usage(MIB, 0, Map.of());
    assertNull(Meminfo.values(HOST, new MemoryLimits(MemoryLimits.NONE, MemoryLimits.NONE, true), u, true));
    assertNull(Meminfo.values(HOST, new MemoryLimits(64L << 30, MemoryLimits.NONE, true), u, true));
    Map<String, Long> hidden = Meminfo.values(HOST, new MemoryLimits(MemoryLimits.NONE, 0, true), u, false);
    assertEquals(Map.of("SwapTotal", 0L, "SwapFree", 0L, "SwapCached", 0L), hidden);
  }

  @Test
  void swapLimitAndUse() {
    MemoryUsage u = usage(100 * MIB, 50 * MIB, Map.of());
    Map<String, Long> v = Meminfo.values(HOST, new MemoryLimits(256 * MIB, 128 * MIB, true), u, true);
    assertEquals(131072L, v.get("SwapTotal"));
    assertEquals(131072L - 51200L, v.get("SwapFree"));
    // Capped by the host's swap.
    v = Meminfo.values(HOST, new MemoryLimits(256 * MIB, 8L << 30, true), u, true);
    assertEquals(1048572L, v.get("SwapTotal"));
    // Hidden.
    v = Meminfo.values(HOST, new MemoryLimits(256 * MIB, 128 * MIB, true), u, false);
    assertEquals(0L, v.get("SwapTotal"));
    assertEquals(0L, v.get("SwapFree"));
    // Not accounted: the host's lines stay.
    v = Meminfo.values(HOST, new MemoryLimits(256 * MIB, MemoryLimits.NONE, false), usage(MIB, -1, Map.of()), true);
    assertNull(v.get("SwapTotal"));
  }

  @Test
  void hostWithoutSwapShowsNoSwapWhateverTheLimit() {
    Map<String, Long> noSwapHost = new java.util.HashMap<>(HOST);
    noSwapHost.put("SwapTotal", 0L);
    MemoryUsage u = usage(MIB, 0, Map.of());
    Map<String, Long> v = Meminfo.values(noSwapHost, new MemoryLimits(256 * MIB, 128 * MIB, true), u, true);
    assertEquals(0L, v.get("SwapTotal"));
    assertEquals(0L, v.get("SwapFree"));
  }
}
