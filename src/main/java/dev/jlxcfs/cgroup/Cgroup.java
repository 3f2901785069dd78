package dev.jlxcfs.cgroup;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.util.Expiring;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.KeptFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One cgroup directory and what jlxcfs keeps of it between reads: the usage files, kept open and re-read from offset
 * 0 on every read (usage is never cached), and the limits, cached for the staleness bound (limits change rarely
 * and cost a walk up the tree). Made and owned by {@link Cgroups}, which closes it when it has not been used for a
 * while or when a read shows it gone (a removed cgroup's files fail with ENODEV).
 */
public final class Cgroup implements AutoCloseable {

  /** The files a reader keeps open, one slot each. */
  enum Kept {
    MEMORY_USAGE, SWAP_USAGE, MEMORY_STAT, CPU_USAGE, CPU_STAT, CPU_THROTTLED, CPU_BANDWIDTH, CPU_PRESSURE, IO_STAT, IO_OPS, IO_BYTES,
    BFQ_OPS, BFQ_BYTES
  }

  private final CgroupDir dir;
  private final List<Path> levels;
  private final CgroupReader reader;
  private final KeptFile[] kept = new KeptFile[Kept.values().length];
  /** Slots whose file this cgroup does not have (found on first use): v1's bfq counters without bfq. */
  private final boolean[] absent = new boolean[Kept.values().length];
  private volatile boolean gone;
  /** Whether it ever kept a file open (set under the monitor of {@code kept}): only such a cgroup pins one. */
  private volatile boolean heldFiles;
  /** Set once by {@link #close}, under the monitor of {@code kept}: its files are closed and uncounted. */
  private boolean closed;
  /** The files all cgroups keep open together ({@link Cgroups}'s cap): this one's are counted in. */
  private final AtomicInteger keptFiles;
  /** Kept for "no level names any CPU" (null). */
  private static final BitSet NO_CPUSET = new BitSet();

  // The cached limits: one volatile reference each (not an Expiring object each: thousands of Cgroups are kept).
  private final Ticker ticker;
  private final long stalenessNanos;
  private volatile Expiring.Value<MemoryLimits> memoryLimits;
  private volatile Expiring.Value<BitSet> cpuset;
  private volatile Expiring.Value<Double> cpuQuota;

  Cgroup(CgroupDir dir, Ticker ticker, long stalenessNanos, AtomicInteger keptFiles) {
    this.keptFiles = keptFiles;
    this.dir = dir;
    this.levels = dir.levels();
    this.reader = CgroupReader.forVersion(dir.version());
    this.ticker = ticker;
    this.stalenessNanos = stalenessNanos;
  }

  public CgroupDir dir() {
    return dir;
  }

  public int version() {
    return dir.version();
  }

  /** The directory and its ancestors up to the hierarchy's mount point. */
  List<Path> levels() {
    return levels;
  }

  /** Whether this is its hierarchy's root cgroup (the caller has no cgroup of its own there). */
  public boolean isHierarchyRoot() {
    return dir.isHierarchyRoot();
  }

  /**
   * Whether it has kept a file open (its descriptors would keep a removed cgroup alive in the kernel): the
   * housekeeping sweep looks only at the directories of these.
   */
  public boolean heldFiles() {
    return heldFiles;
  }

  /** Whether a read showed the cgroup gone (or its files unreadable): callers resolve their cgroups again. */
  public boolean isGone() {
    return gone;
  }

  /**
   * Marks the cgroup gone (another source found its directory removed) without closing anything: its callers
   * resolve their cgroups again, and the housekeeping sweep closes it. No system call.
   */
  public void markGone() {
    gone = true;
  }

  /**
   * The memory usage now (fresh), its files read into {@code text}. Swap use is read when {@code withSwap} (the file
   * shows swap) and the cgroup's cached limits say the kernel accounts it; otherwise it is -1.
   */
  public MemoryUsage memoryUsage(boolean withSwap, ReadBuffer text) throws IOException {
    MemoryLimits limits = memoryLimits(text);
    try {
      return reader.memoryUsage(this, withSwap && limits.swapAccounted(), text);
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /** The smallest memory and swap limits on the path (cached; read into {@code text} when stale). */
  public MemoryLimits memoryLimits(ReadBuffer text) throws IOException {
    MemoryLimits m = Expiring.Value.fresh(memoryLimits, ticker);
    if (m == null) {
      m = load(() -> reader.memoryLimits(levels, text));
      memoryLimits = Expiring.Value.of(m, ticker, stalenessNanos);
    }
    return m;
  }

  /** The CPUs of the nearest level that names any, or null when none does (cached; read into {@code text}). */
  public BitSet cpuset(ReadBuffer text) throws IOException {
    BitSet cpus = Expiring.Value.fresh(cpuset, ticker);
    if (cpus == null) {
      BitSet read = load(() -> reader.cpuset(levels, text));
      cpus = read == null ? NO_CPUSET : read;
      cpuset = Expiring.Value.of(cpus, ticker, stalenessNanos);
    }
    return cpus == NO_CPUSET ? null : cpus;
  }

  /** The smallest CFS quota on the path in CPUs, +Infinity for none (cached; read into {@code text}). */
  public double cpuQuota(ReadBuffer text) throws IOException {
    Double q = Expiring.Value.fresh(cpuQuota, ticker);
    if (q == null) {
      q = load(() -> reader.cpuQuota(levels, text));
      cpuQuota = Expiring.Value.of(q, ticker, stalenessNanos);
    }
    return q;
  }

  /** The CPU time the cgroup has used (fresh), its files read into {@code text}. */
  public CpuUsage cpuUsage(ReadBuffer text) throws IOException {
    // The usage reads spell out load()'s try/catch: through it, a lambda capturing text would be made on every read.
    try {
      return reader.cpuUsage(this, text);
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /**
   * The time, in ns, during which the group had runnable tasks and none of them ran (the {@code full} total of its
   * {@code cpu.pressure}, which counts the time a CFS quota held them back too), read into {@code text}; -1 where the
   * group keeps no such figure (a v1 group; PSI off; a kernel before 5.13). Kept open, as the usage files are.
   */
  public long cpuWaitNanos(ReadBuffer text) throws IOException {
    try {
      return reader.cpuWaitNanos(this, text);
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /**
   * The time, in ns, the group's tasks were held back by a CFS quota (its own or, where the kernel counts it, an
   * ancestor's), read into {@code text}; 0 where the group has no such counter. Kept open.
   */
  public long cpuThrottledNanos(ReadBuffer text) throws IOException {
    try {
      return reader.cpuThrottledNanos(this, text);
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /**
   * The group's I/O counters now ({@link CgroupReader#ioCounters}), its files read into {@code text}: {@code into}
   * or {@code spare}, whichever the version's reader filled. Kept open, as the usage files are.
   */
  public IoCounters ioCounters(ReadBuffer text, IoCounters into, IoCounters spare) throws IOException {
    // Not through load(): a group without these files (v2's io not enabled above it) is not gone, and on v2 this
    // Cgroup is also the caller's memory and cpu one, whose kept files must stay open. The reader gets the host's
    // file; a group really removed shows itself in its other files, and the sweep closes these.
    return reader.ioCounters(this, text, into.clear(), spare.clear());
  }

  /** The file that lists the group's threads (v1 tasks, v2 cgroup.threads). */
  public Path threadList() {
    return dir.dir().resolve(reader.threadList());
  }

  private interface Load<T> {
    T get() throws IOException;
  }

  private <T> T load(Load<T> loader) throws IOException {
    try {
      return loader.get();
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /**
   * The kept-open counter file in slot {@code which}, in the cgroup's own directory: {@code name}, or with {@code
   * recursive} its {@code _recursive} variant where the kernel has it (v1's blkio files), which counts the group's
   * descendants too. Which one it is is found once, on first use. Null when the group has neither and {@code
   * optional}; otherwise such a file's read fails (NoSuchFileException: the reader gets the host's file).
   */
  KeptFile counters(Kept which, String name, boolean recursive, boolean optional) throws IOException {
    int i = which.ordinal();
    if (absent[i]) {
      return null;
    }
    KeptFile f = kept[i];
    if (f != null) {
      return f;
    }
    Path own = levels.get(0);
    String found = name;
    if (recursive && Files.exists(own.resolve(name + "_recursive"))) {
      found = name + "_recursive";
    } else if (optional && !Files.exists(own.resolve(name))) {
      absent[i] = true;
      return null;
    }
    return kept(which, found, false);
  }

  /**
   * The kept-open file in slot {@code which}: {@code fileName} in the cgroup's own directory or, with
   * {@code nearest}, in the nearest level that has it (found once, on first use).
   */
  KeptFile kept(Kept which, String fileName, boolean nearest) throws IOException {
    int i = which.ordinal();
    KeptFile f = kept[i];
    if (f == null) {
      Path dir = nearest ? Levels.nearestWith(levels, fileName) : levels.get(0);
      synchronized (kept) {
        f = kept[i];
        if (f == null) {
          f = new KeptFile(dir.resolve(fileName)); // opened here: if it cannot be, nothing is kept
          kept[i] = f;
          if (closed) {
            f.close(); // closed meanwhile: the read below reads on a descriptor of its own, and nothing is kept
          } else {
            keptFiles.incrementAndGet();
            heldFiles = true;
            if (gone) {
              f.close();
            }
          }
        }
      }
    }
    return f;
  }

  @Override
  public void close() {
    gone = true;
    synchronized (kept) {
      if (closed) {
        return;
      }
      closed = true;
      int n = 0;
      for (KeptFile f : kept) {
        if (f != null) {
          f.close();
          n++;
        }
      }
      keptFiles.addAndGet(-n);
    }
  }

  @Override
  public String toString() {
    return dir.dir().toString();
  }
}
