package dev.jlxcfs.render;

import dev.jlxcfs.cgroup.MemStat;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.cgroup.MemoryUsage;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * /proc/meminfo for a cgroup: pure functions from the host's file and the cgroup's figures to text.
 *
 * <p>The host's file is the template: same keys, same order, same layout; only the values of the lines listed in
 * {@link #values} change. Lines that describe the kernel as a whole (Vmalloc*, HugePages*, DirectMap*,
 * Committed_AS, CommitLimit, Percpu, ...) stay the host's.
 */
public final class Meminfo {

  private Meminfo() {}

  /** The "Key: N kB" lines of a meminfo text, as key -> kB. Lines without " kB" (HugePages_*) are skipped. */
  public static Map<String, Long> parseKb(String text) {
    Map<String, Long> values = new HashMap<>(96);
    int from = 0;
    int n = text.length();
    while (from < n) {
      int eol = text.indexOf('\n', from);
      if (eol < 0) {
        eol = n;
      }
      int colon = text.indexOf(':', from);
      if (colon > from && colon < eol && text.startsWith(" kB", eol - 3)) {
        String num = text.substring(colon + 1, eol - 3).trim();
        try {
          values.put(text.substring(from, colon), Long.parseLong(num));
        } catch (NumberFormatException e) {
          // not a value line we understand: it stays as the host wrote it
        }
      }
      from = eol + 1;
    }
    return values;
  }

  /**
   * The values (kB) a caller in a cgroup with these limits and usage should see, for the keys to replace; null when
   * the cgroup has no memory limit below the host's RAM and swap is shown, i.e. the host's file is the truth.
   *
   * <ul>
   *   <li>MemTotal = the smallest limit on the cgroup's path, capped by the host's MemTotal.
   *   <li>MemFree = MemTotal - usage (usage includes page cache, as the kernel charges it).
   *   <li>MemAvailable = MemFree + reclaimable page cache (active_file + inactive_file) + reclaimable slab, capped
   *       by MemTotal and by the host's MemAvailable (a cgroup cannot get memory the host does not have).
   *   <li>Buffers = 0 (cgroups do not account buffers apart from the page cache); Cached = page cache.
   *   <li>Active/Inactive (anon/file), Unevictable, Shmem, Mapped, Dirty, Writeback, AnonPages, *HugePages, Slab,
   *       SReclaimable, SUnreclaim, KReclaimable, KernelStack, PageTables, Zswap, Zswapped: from memory.stat; 0
   *       where the cgroup version does not report the figure (v1 has no slab, kernel stack, page table or zswap
   *       figures). Mlocked = the host's, capped by Unevictable.
   *   <li>SwapTotal = the smallest swap limit on the path (v1: memsw limit - memory limit), capped by the host's
   *       SwapTotal; SwapFree = SwapTotal - swap used. Without swap accounting, the host's swap lines. With swap
   *       hidden, all swap lines are 0.
   * </ul>
   */
  public static Map<String, Long> values(Map<String, Long> host, MemoryLimits limits, MemoryUsage usage,
                                         boolean showSwap) {
    if (!isLimited(host, limits)) {
      return unlimited(showSwap);
    }
    Map<String, Long> v = new LinkedHashMap<>(48);
    long total = limits.memory() / 1024;
    long used = Math.min(total, kb(usage.memory()));
    long free = total - used;
    long activeFile = kb(usage.getOrZero(MemStat.ACTIVE_FILE));
    long inactiveFile = kb(usage.getOrZero(MemStat.INACTIVE_FILE));
    long activeAnon = kb(usage.getOrZero(MemStat.ACTIVE_ANON));
    long inactiveAnon = kb(usage.getOrZero(MemStat.INACTIVE_ANON));
    long slabReclaimable = kb(usage.getOrZero(MemStat.SLAB_RECLAIMABLE));
    long slabUnreclaimable = kb(usage.getOrZero(MemStat.SLAB_UNRECLAIMABLE));
    long shmem = kb(usage.getOrZero(MemStat.SHMEM));
    long unevictable = kb(usage.getOrZero(MemStat.UNEVICTABLE));
    long available = Math.min(total, free + activeFile + inactiveFile + slabReclaimable);
    if (host.containsKey("MemAvailable")) {
      available = Math.min(available, host.get("MemAvailable"));
    }

    v.put("MemTotal", total);
    v.put("MemFree", free);
    v.put("MemAvailable", Math.max(0, available));
    v.put("Buffers", 0L);
    v.put("Cached", Math.min(total, kb(usage.getOrZero(MemStat.CACHE))));
    v.put("SwapCached", showSwap ? kb(usage.getOrZero(MemStat.SWAP_CACHED)) : 0L);
    v.put("Active", activeAnon + activeFile);
    v.put("Inactive", inactiveAnon + inactiveFile);
    v.put("Active(anon)", activeAnon);
    v.put("Inactive(anon)", inactiveAnon);
    v.put("Active(file)", activeFile);
    v.put("Inactive(file)", inactiveFile);
    v.put("Unevictable", unevictable);
    v.put("Mlocked", Math.min(host.getOrDefault("Mlocked", 0L), unevictable));
    v.put("Dirty", kb(usage.getOrZero(MemStat.DIRTY)));
    v.put("Writeback", kb(usage.getOrZero(MemStat.WRITEBACK)));
    v.put("AnonPages", Math.max(0, activeAnon + inactiveAnon - shmem));
    v.put("Mapped", kb(usage.getOrZero(MemStat.MAPPED)));
    v.put("Shmem", shmem);
    v.put("KReclaimable", slabReclaimable);
    v.put("Slab", slabReclaimable + slabUnreclaimable);
    v.put("SReclaimable", slabReclaimable);
    v.put("SUnreclaim", slabUnreclaimable);
    v.put("KernelStack", kb(usage.getOrZero(MemStat.KERNEL_STACK)));
    v.put("PageTables", kb(usage.getOrZero(MemStat.PAGE_TABLES)));
    v.put("AnonHugePages", kb(usage.getOrZero(MemStat.ANON_HUGE)));
    v.put("ShmemHugePages", kb(usage.getOrZero(MemStat.SHMEM_HUGE)));
    v.put("ShmemPmdMapped", 0L);
    v.put("FileHugePages", kb(usage.getOrZero(MemStat.FILE_HUGE)));
    v.put("FilePmdMapped", 0L);
    v.put("Zswap", kb(usage.getOrZero(MemStat.ZSWAP)));
    v.put("Zswapped", kb(usage.getOrZero(MemStat.ZSWAPPED)));
    if (!showSwap) {
      v.putAll(hiddenSwap());
    } else if (limits.swapAccounted() && usage.swap() >= 0) {
      long hostSwap = host.getOrDefault("SwapTotal", 0L);
      long swapTotal = Math.min(hostSwap, limits.swap() == MemoryLimits.NONE ? hostSwap : limits.swap() / 1024);
      long swapUsed = kb(usage.swap());
      v.put("SwapTotal", swapTotal);
      v.put("SwapFree", Math.max(0, swapTotal - swapUsed));
    }
    return v;
  }

  /** Whether the limits are below the host's RAM, i.e. whether the cgroup's figures replace the host's. */
  public static boolean isLimited(Map<String, Long> host, MemoryLimits limits) {
    return limits.memory() != MemoryLimits.NONE && limits.memory() / 1024 < host.getOrDefault("MemTotal", 0L);
  }

  /** The values for a cgroup without a limit: none (the host's file), or only the swap lines zeroed. */
  public static Map<String, Long> unlimited(boolean showSwap) {
    return showSwap ? null : hiddenSwap();
  }

  private static Map<String, Long> hiddenSwap() {
    return Map.of("SwapTotal", 0L, "SwapFree", 0L, "SwapCached", 0L);
  }

  private static long kb(long bytes) {
    return Math.max(0, bytes) / 1024;
  }

  /**
   * The host's text with the values of {@code values}' keys replaced. A replaced line is laid out as the kernel
   * lays it out: the label padded to 16 columns, the number right-aligned in 8, then " kB".
   */
  public static String render(String host, Map<String, Long> values) {
    if (values == null || values.isEmpty()) {
      return host;
    }
    StringBuilder out = new StringBuilder(host.length() + 64);
    int from = 0;
    int n = host.length();
    while (from < n) {
      int eol = host.indexOf('\n', from);
      int end = eol < 0 ? n : eol;
      int colon = host.indexOf(':', from);
      Long value = null;
      if (colon > from && colon < end && host.startsWith(" kB", end - 3)) {
        value = values.get(host.substring(from, colon));
      }
      if (value == null) {
        out.append(host, from, end);
      } else {
        int labelEnd = colon + 1;
        out.append(host, from, labelEnd);
        for (int col = labelEnd - from; col < 16; col++) {
          out.append(' ');
        }
        String digits = Long.toString(value);
        for (int pad = digits.length(); pad < 8; pad++) {
          out.append(' ');
        }
        out.append(digits).append(" kB");
      }
      if (eol >= 0) {
        out.append('\n');
      }
      from = end + 1;
    }
    return out.toString();
  }
}
