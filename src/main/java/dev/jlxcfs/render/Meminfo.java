package dev.jlxcfs.render;

import dev.jlxcfs.cgroup.MemStat;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.cgroup.MemoryUsage;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.KeyedValues;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * /proc/meminfo for a cgroup: pure functions from the host's file and the cgroup's figures to text.
 *
 * <p>The host's file is the template: same keys, same order, same layout; only the values of the {@link Key}
 * lines change. Lines that describe the kernel as a whole (Vmalloc*, HugePages*, DirectMap*, Committed_AS,
 * CommitLimit, Percpu, ...) stay the host's. A read goes: {@link #parseHost} (the host's figures, one pass),
 * {@link #decide} (the one decision: the host's file, or these values), {@link #values}, {@link #render}.
 */
public final class Meminfo {

  /** The lines jlxcfs may set. */
  public enum Key {
    MEM_TOTAL("MemTotal"), MEM_FREE("MemFree"), MEM_AVAILABLE("MemAvailable"), BUFFERS("Buffers"),
    CACHED("Cached"), SWAP_CACHED("SwapCached"), ACTIVE("Active"), INACTIVE("Inactive"),
    ACTIVE_ANON("Active(anon)"), INACTIVE_ANON("Inactive(anon)"), ACTIVE_FILE("Active(file)"),
    INACTIVE_FILE("Inactive(file)"), UNEVICTABLE("Unevictable"), MLOCKED("Mlocked"), SWAP_TOTAL("SwapTotal"),
    SWAP_FREE("SwapFree"), ZSWAP("Zswap"), ZSWAPPED("Zswapped"), DIRTY("Dirty"), WRITEBACK("Writeback"),
    ANON_PAGES("AnonPages"), MAPPED("Mapped"), SHMEM("Shmem"), KRECLAIMABLE("KReclaimable"), SLAB("Slab"),
    SRECLAIMABLE("SReclaimable"), SUNRECLAIM("SUnreclaim"), KERNEL_STACK("KernelStack"),
    PAGE_TABLES("PageTables"), ANON_HUGE_PAGES("AnonHugePages"), SHMEM_HUGE_PAGES("ShmemHugePages"),
    SHMEM_PMD_MAPPED("ShmemPmdMapped"), FILE_HUGE_PAGES("FileHugePages"), FILE_PMD_MAPPED("FilePmdMapped");

    private final String label;

    Key(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** What a caller sees, decided from the limits alone (usage is read only when it matters). */
  public enum Decision {
    /** No memory limit below the host's RAM: the host's file, unchanged. */
    HOST,
    /** No limit, swap hidden: the host's file with its swap lines zeroed. */
    HOST_WITHOUT_SWAP,
    /** A limit: the cgroup's figures. */
    CGROUP
  }

  /** A value of {@link #values} for a line that stays the host's. */
  public static final long UNSET = Long.MIN_VALUE;

  public static final int KEYS = Key.values().length;

  private static final KeyedValues HOST = new KeyedValues(labels(), ':');

  private Meminfo() {}

  private static List<String> labels() {
    List<String> l = new ArrayList<>();
    for (Key k : Key.values()) {
      l.add(k.label());
    }
    return l;
  }

  /**
   * The host's figures (kB, indexed by {@link Key#ordinal()}, {@link KeyedValues#MISSING} where the host has no
   * such line) and the layout that {@link #render} follows.
   */
  public static KeyedValues.Layout parseHost(byte[] host, int len, long[] hostKb, Path source) {
    return HOST.parse(host, len, hostKb, null, source);
  }

  /** As {@link #parseHost(byte[], int, long[], Path)}, keeping each line's end for {@link #render}. */
  public static KeyedValues.Layout parseHost(byte[] host, int len, long[] hostKb, int[] lineEnds, Path source) {
    return HOST.parse(host, len, hostKb, lineEnds, source);
  }

  public static Decision decide(long[] hostKb, MemoryLimits limits, boolean showSwap) {
    long hostTotal = hostKb[Key.MEM_TOTAL.ordinal()];
    boolean limited = limits.memory() != MemoryLimits.NONE && limits.memory() / 1024 < hostTotal;
    return limited ? Decision.CGROUP : showSwap ? Decision.HOST : Decision.HOST_WITHOUT_SWAP;
  }

  /** The values for {@link Decision#HOST_WITHOUT_SWAP}: only the swap lines, zeroed. */
  public static void hiddenSwap(long[] out) {
    Arrays.fill(out, UNSET);
    out[Key.SWAP_TOTAL.ordinal()] = 0;
    out[Key.SWAP_FREE.ordinal()] = 0;
    out[Key.SWAP_CACHED.ordinal()] = 0;
  }

  /**
   * The values (kB) a caller in a limited cgroup sees, indexed by {@link Key#ordinal()}; {@link #UNSET} for lines
   * that stay the host's.
   *
   * <ul>
   *   <li>MemTotal = the smallest limit on the cgroup's path.
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
  public static void values(long[] host, MemoryLimits limits, MemoryUsage usage, boolean showSwap, long[] v) {
    Arrays.fill(v, UNSET);
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
    long hostAvailable = host[Key.MEM_AVAILABLE.ordinal()];
    if (hostAvailable != KeyedValues.MISSING) {
      available = Math.min(available, hostAvailable);
    }

    set(v, Key.MEM_TOTAL, total);
    set(v, Key.MEM_FREE, free);
    set(v, Key.MEM_AVAILABLE, Math.max(0, available));
    set(v, Key.BUFFERS, 0);
    set(v, Key.CACHED, Math.min(total, kb(usage.getOrZero(MemStat.CACHE))));
    set(v, Key.SWAP_CACHED, showSwap ? kb(usage.getOrZero(MemStat.SWAP_CACHED)) : 0);
    set(v, Key.ACTIVE, activeAnon + activeFile);
    set(v, Key.INACTIVE, inactiveAnon + inactiveFile);
    set(v, Key.ACTIVE_ANON, activeAnon);
    set(v, Key.INACTIVE_ANON, inactiveAnon);
    set(v, Key.ACTIVE_FILE, activeFile);
    set(v, Key.INACTIVE_FILE, inactiveFile);
    set(v, Key.UNEVICTABLE, unevictable);
    set(v, Key.MLOCKED, Math.min(Math.max(0, host[Key.MLOCKED.ordinal()]), unevictable));
    set(v, Key.DIRTY, kb(usage.getOrZero(MemStat.DIRTY)));
    set(v, Key.WRITEBACK, kb(usage.getOrZero(MemStat.WRITEBACK)));
    set(v, Key.ANON_PAGES, Math.max(0, activeAnon + inactiveAnon - shmem));
    set(v, Key.MAPPED, kb(usage.getOrZero(MemStat.MAPPED)));
    set(v, Key.SHMEM, shmem);
    set(v, Key.KRECLAIMABLE, slabReclaimable);
    set(v, Key.SLAB, slabReclaimable + slabUnreclaimable);
    set(v, Key.SRECLAIMABLE, slabReclaimable);
    set(v, Key.SUNRECLAIM, slabUnreclaimable);
    set(v, Key.KERNEL_STACK, kb(usage.getOrZero(MemStat.KERNEL_STACK)));
    set(v, Key.PAGE_TABLES, kb(usage.getOrZero(MemStat.PAGE_TABLES)));
    set(v, Key.ANON_HUGE_PAGES, kb(usage.getOrZero(MemStat.ANON_HUGE)));
    set(v, Key.SHMEM_HUGE_PAGES, kb(usage.getOrZero(MemStat.SHMEM_HUGE)));
    set(v, Key.SHMEM_PMD_MAPPED, 0);
    set(v, Key.FILE_HUGE_PAGES, kb(usage.getOrZero(MemStat.FILE_HUGE)));
    set(v, Key.FILE_PMD_MAPPED, 0);
    set(v, Key.ZSWAP, kb(usage.getOrZero(MemStat.ZSWAP)));
    set(v, Key.ZSWAPPED, kb(usage.getOrZero(MemStat.ZSWAPPED)));
    if (!showSwap) {
      set(v, Key.SWAP_TOTAL, 0);
      set(v, Key.SWAP_FREE, 0);
    } else if (limits.swapAccounted() && usage.swap() >= 0) {
      long hostSwap = Math.max(0, host[Key.SWAP_TOTAL.ordinal()]);
      long swapTotal = Math.min(hostSwap, limits.swap() == MemoryLimits.NONE ? hostSwap : limits.swap() / 1024);
      set(v, Key.SWAP_TOTAL, swapTotal);
      set(v, Key.SWAP_FREE, Math.max(0, swapTotal - kb(usage.swap())));
    }
  }

  private static void set(long[] v, Key k, long value) {
    v[k.ordinal()] = value;
  }

  private static long kb(long bytes) {
    return Math.max(0, bytes) / 1024;
  }

  /**
   * The host's text with the set values written in: a set line is laid out as the kernel lays it out (the label
   * padded to 16 columns, the number right-aligned in 8, then " kB"); every other line is copied byte for byte.
   */
  public static void render(byte[] host, int len, KeyedValues.Layout layout, long[] values, ByteSink out) {
    render(host, len, layout, null, values, out);
  }

  /** With the line ends {@link #parseHost} stored (null: found again). */
  public static void render(byte[] host, int len, KeyedValues.Layout layout, int[] lineEnds, long[] values,
                            ByteSink out) {
    if (lineEnds != null && lineEnds.length < layout.lines()) {
      // parseHost stores line ends only when the table has room for every line (a host file of more lines than
      // MeminfoFile's table): what it holds then is another read's, and indexing it would run off its end.
      lineEnds = null;
    }
    int pos = 0;
    int line = 0;
    int run = 0; // start of the host's bytes not yet copied: unchanged lines go out in one copy per run
    while (pos < len) {
      int eol = lineEnds != null ? lineEnds[line] : Bytes.lineEnd(host, pos, len);
      int key = layout.keyOfLine(line);
      if (key >= 0 && values[key] != UNSET) {
        out.write(host, run, pos);
        int labelEnd = pos + layout.labelLength(line) + 1; // the label and its ':'
        out.write(host, pos, labelEnd);
        out.repeat((byte) ' ', 16 - (labelEnd - pos));
        out.writeRightAligned(values[key], 8).write(" kB");
        run = eol; // the newline (if any) is copied with the next run
      }
      line++;
      pos = eol + 1;
    }
    out.write(host, run, len);
  }
}
