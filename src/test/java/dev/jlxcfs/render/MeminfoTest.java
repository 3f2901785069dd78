package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.cgroup.MemStat;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.cgroup.MemoryUsage;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeminfoTest {

  private static final long MIB = 1024 * 1024;
  private static final Path SOURCE = Path.of("/proc/meminfo");

  private static long[] host(String text) {
    long[] kb = new long[Meminfo.KEYS];
    byte[] b = Bytes.ascii(text);
    Meminfo.parseHost(b, b.length, kb, SOURCE);
    return kb;
  }

  private static long[] host(Map<String, Long> overrides) {
    long[] kb = host(HostFiles.MEMINFO);
    for (Meminfo.Key k : Meminfo.Key.values()) {
      if (overrides.containsKey(k.label())) {
        kb[k.ordinal()] = overrides.get(k.label());
      }
    }
    return kb;
  }

  private static final long[] HOST = host(HostFiles.MEMINFO);

  private static MemoryUsage usage(long memory, long swap, Map<MemStat, Long> stat) {
    long[] s = new long[MemStat.values().length];
    Arrays.fill(s, -1);
    stat.forEach((k, v) -> s[k.ordinal()] = v);
    return new MemoryUsage(memory, swap, s);
  }

  /** The values as label -> kB, without the unset ones. */
  private static Map<String, Long> values(long[] host, MemoryLimits limits, MemoryUsage usage, boolean showSwap) {
    long[] v = new long[Meminfo.KEYS];
    Meminfo.values(host, limits, usage, showSwap, v);
    return asMap(v);
  }

  private static Map<String, Long> asMap(long[] v) {
    Map<String, Long> m = new HashMap<>();
    for (Meminfo.Key k : Meminfo.Key.values()) {
      if (v[k.ordinal()] != Meminfo.UNSET) {
        m.put(k.label(), v[k.ordinal()]);
      }
    }
    return m;
  }

  private static String render(String host, Map<String, Long> set) {
    byte[] b = Bytes.ascii(host);
    long[] kb = new long[Meminfo.KEYS];
    KeyedValues.Layout layout = Meminfo.parseHost(b, b.length, kb, SOURCE);
    long[] v = new long[Meminfo.KEYS];
    Arrays.fill(v, Meminfo.UNSET);
    for (Meminfo.Key k : Meminfo.Key.values()) {
      if (set.containsKey(k.label())) {
        v[k.ordinal()] = set.get(k.label());
      }
    }
    ByteSink out = new ByteSink();
    Meminfo.render(b, b.length, layout, v, out);
    // The same with the line ends the parse keeps (the read path's way): byte for byte the same text.
    int[] ends = new int[128];
    KeyedValues.Layout again = Meminfo.parseHost(b, b.length, kb, ends, SOURCE);
    ByteSink viaEnds = new ByteSink();
    Meminfo.render(b, b.length, again, ends, v, viaEnds);
    assertEquals(out.toString(), viaEnds.toString());
    return out.toString();
  }

  @Test
  void parsesTheHostsFigures() {
    assertEquals(24683620L, HOST[Meminfo.Key.MEM_TOTAL.ordinal()]);
    assertEquals(24373636L, HOST[Meminfo.Key.MEM_AVAILABLE.ordinal()]);
    assertEquals(1048572L, HOST[Meminfo.Key.SWAP_TOTAL.ordinal()]);
    long[] partial = host("MemTotal:  100 kB\nMemFree:  5 kB\n");
    assertEquals(KeyedValues.MISSING, partial[Meminfo.Key.MEM_AVAILABLE.ordinal()], "an absent line is missing");
    // A second, differently ordered file is learnt anew, not misread with the first one's layout.
    long[] reordered = host("MemFree:  5 kB\nMemTotal:  100 kB\n");
    assertEquals(100L, reordered[Meminfo.Key.MEM_TOTAL.ordinal()]);
    assertEquals(5L, reordered[Meminfo.Key.MEM_FREE.ordinal()]);
    org.junit.jupiter.api.Assertions.assertThrows(MalformedException.class,
        () -> host("MemTotal:  lots kB\n"));
  }

  @Test
  void rendersInTheKernelsLayoutAndKeepsOtherLinesByteForByte() {
    String out = render(HostFiles.MEMINFO, Map.of("MemTotal", 307200L, "MemFree", 5L, "AnonHugePages", 123456789L));
    List<String> lines = out.lines().toList();
    List<String> host = HostFiles.MEMINFO.lines().toList();
    assertEquals("MemTotal:         307200 kB", lines.get(0));
    assertEquals("MemFree:               5 kB", lines.get(1));
    assertEquals("AnonHugePages:  123456789 kB", lines.get(40), "numbers over 8 digits get no padding");
    assertEquals(host.subList(2, 40), lines.subList(2, 40));
    assertEquals("HugePages_Total:       0", lines.get(46));
    assertTrue(out.endsWith("DirectMap1G:    19922944 kB\n"));
    assertEquals(HostFiles.MEMINFO, render(HostFiles.MEMINFO, Map.of()));
    assertEquals("MemTotal:              1 kB", render("MemTotal:  9 kB", Map.of("MemTotal", 1L)),
        "a last line without a newline stays without one");
  }

  @Test
  void theDecisionComesFromTheLimitsAlone() {
    assertEquals(Meminfo.Decision.CGROUP,
        Meminfo.decide(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), true));
    assertEquals(Meminfo.Decision.HOST,
        Meminfo.decide(HOST, new MemoryLimits(MemoryLimits.NONE, MemoryLimits.NONE, true), true));
    assertEquals(Meminfo.Decision.HOST, Meminfo.decide(HOST, new MemoryLimits(64L << 30, 0, true), true),
        "a limit above the host's RAM is no limit");
    assertEquals(Meminfo.Decision.HOST_WITHOUT_SWAP,
        Meminfo.decide(HOST, new MemoryLimits(MemoryLimits.NONE, 0, true), false));
    long[] hidden = new long[Meminfo.KEYS];
    Meminfo.hiddenSwap(hidden);
    assertEquals(Map.of("SwapTotal", 0L, "SwapFree", 0L, "SwapCached", 0L), asMap(hidden));
  }

  @Test
  void limitedCgroup() {
    MemoryUsage u = usage(100 * MIB, 0, Map.of(
        MemStat.CACHE, 60 * MIB, MemStat.SHMEM, 10 * MIB, MemStat.ACTIVE_FILE, 20 * MIB,
        MemStat.INACTIVE_FILE, 30 * MIB, MemStat.ACTIVE_ANON, 15 * MIB, MemStat.INACTIVE_ANON, 25 * MIB));
    Map<String, Long> v = values(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
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
    Map<String, Long> v = values(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(307200L, v.get("MemAvailable"));
    v = values(host(Map.of("MemAvailable", 1000L)), new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(1000L, v.get("MemAvailable"));
  }

  @Test
  void usageAboveTheLimitClampsFreeToZero() {
    MemoryUsage u = usage(400 * MIB, 0, Map.of());
    Map<String, Long> v = values(HOST, new MemoryLimits(300 * MIB, MemoryLimits.NONE, true), u, true);
    assertEquals(0L, v.get("MemFree"));
    assertEquals(0L, v.get("MemAvailable"));
  }

  @Test
  void swapLimitAndUse() {
    MemoryUsage u = usage(100 * MIB, 50 * MIB, Map.of());
    Map<String, Long> v = values(HOST, new MemoryLimits(256 * MIB, 128 * MIB, true), u, true);
    assertEquals(131072L, v.get("SwapTotal"));
    assertEquals(131072L - 51200L, v.get("SwapFree"));
    // Capped by the host's swap.
    v = values(HOST, new MemoryLimits(256 * MIB, 8L << 30, true), u, true);
    assertEquals(1048572L, v.get("SwapTotal"));
    // Hidden.
    v = values(HOST, new MemoryLimits(256 * MIB, 128 * MIB, true), u, false);
    assertEquals(0L, v.get("SwapTotal"));
    assertEquals(0L, v.get("SwapFree"));
    // Not accounted: the host's lines stay.
    v = values(HOST, new MemoryLimits(256 * MIB, MemoryLimits.NONE, false), usage(MIB, -1, Map.of()), true);
    assertNull(v.get("SwapTotal"));
  }

  @Test
  void hostWithoutSwapShowsNoSwapWhateverTheLimit() {
    MemoryUsage u = usage(MIB, 0, Map.of());
    Map<String, Long> v = values(host(Map.of("SwapTotal", 0L)), new MemoryLimits(256 * MIB, 128 * MIB, true), u,
        true);
    assertEquals(0L, v.get("SwapTotal"));
    assertEquals(0L, v.get("SwapFree"));
  }

  /**
   * Fuzz finding: a key's line without its ':' (a truncated file, "SwapCached" at its end) was rewritten as a set
   * line whose label took the byte past the line's end: the newline (an extra line), or past the text's end.
   */
  @Test
  void aKeyLineWithoutItsSeparatorIsCopiedAsItIs() {
    for (String text : List.of("MemTotal:       24683620 kB\nSwapCached", "MemTotal:       24683620 kB\nSwapCached\n"
        + "MemFree:        24314012 kB\n")) {
      byte[] b = Bytes.ascii(text);
      long[] kb = new long[Meminfo.KEYS];
      int[] lineEnds = new int[8];
      // Parsed twice: once learning the layout, once checking a layout learnt from the host's usual file.
      host(HostFiles.MEMINFO);
      for (int pass = 0; pass < 2; pass++) {
        KeyedValues.Layout layout = Meminfo.parseHost(b, b.length, kb, lineEnds, SOURCE);
        assertEquals(KeyedValues.MISSING, kb[Meminfo.Key.SWAP_CACHED.ordinal()]);
        long[] v = new long[Meminfo.KEYS];
        Meminfo.hiddenSwap(v);
        ByteSink out = new ByteSink();
        Meminfo.render(b, b.length, layout, lineEnds, v, out);
        assertEquals(text, out.toString());
      }
    }
  }
}
