package dev.jlxcfs.cgroup;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * One cgroup directory and what jlxcfs keeps of it between reads: the usage files, kept open and re-read from offset
 * 0 on every read (usage is never cached), and the limits, cached for the staleness bound (limits change rarely
 * and cost a walk up the tree). Made and owned by {@link Cgroups}, which closes it when it has not been used for a
 * while or when a read shows it gone (a removed cgroup's files fail with ENODEV).
 */
public final class Cgroup implements AutoCloseable {

  /** The files a reader keeps open, one slot each. */
  enum Kept { MEMORY_USAGE, SWAP_USAGE, MEMORY_STAT, CPU_USAGE, CPU_STAT, IO_STAT, IO_OPS, IO_BYTES, BFQ_OPS, BFQ_BYTES }

  /** A value with the time it stops being fresh. */
  private record Timed<T>(T value, long expires) {}

  private final CgroupDir dir;
  private final List<Path> levels;
  private final CgroupReader reader;
  private final Ticker ticker;
  private final long stalenessNanos;
  private final SourceFile[] kept = new SourceFile[Kept.values().length];
  /** Slots whose file this cgroup does not have (found on first use): v1's bfq counters without bfq. */
  private final boolean[] absent = new boolean[Kept.values().length];
  private volatile boolean gone;
  private volatile Timed<MemoryLimits> memoryLimits;
  private volatile Timed<BitSet> cpuset;
  private volatile Timed<Double> cpuQuota;

  Cgroup(CgroupDir dir, Ticker ticker, long stalenessNanos) {
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

  /** Whether a read showed the cgroup gone (or its files unreadable): callers resolve their cgroups again. */
  public boolean isGone() {
    return gone;
  }

  /**
   * The memory usage now (fresh). Swap use is read when {@code withSwap} (the file shows swap) and the cgroup's
   * cached limits say the kernel accounts it; otherwise it is -1.
   */
  public MemoryUsage memoryUsage(boolean withSwap) throws IOException {
    MemoryLimits limits = memoryLimits();
    try {
      return reader.memoryUsage(this, withSwap && limits.swapAccounted());
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /** The smallest memory and swap limits on the path (cached). */
  public MemoryLimits memoryLimits() throws IOException {
    Timed<MemoryLimits> t = memoryLimits;
    long now = ticker.read();
    if (t == null || now - t.expires() >= 0) {
      t = new Timed<>(load(() -> reader.memoryLimits(levels)), now + stalenessNanos);
      memoryLimits = t;
    }
    return t.value();
  }

  /** The CPUs of the nearest level that names any, or null when none does (cached). */
  public BitSet cpuset() throws IOException {
    Timed<BitSet> t = cpuset;
    long now = ticker.read();
    if (t == null || now - t.expires() >= 0) {
      t = new Timed<>(load(() -> reader.cpuset(levels)), now + stalenessNanos);
      cpuset = t;
    }
    return t.value();
  }

  /** The smallest CFS quota on the path in CPUs, +Infinity for none (cached). */
  public double cpuQuota() throws IOException {
    Timed<Double> t = cpuQuota;
    long now = ticker.read();
    if (t == null || now - t.expires() >= 0) {
      t = new Timed<>(load(() -> reader.cpuQuota(levels)), now + stalenessNanos);
      cpuQuota = t;
    }
    return t.value();
  }

  /** The CPU time the cgroup has used (fresh). */
  public CpuUsage cpuUsage() throws IOException {
    try {
      return reader.cpuUsage(this);
    } catch (IOException | RuntimeException e) {
      gone = true; // let callers resolve their cgroups again
      throw e;
    }
  }

  /**
   * The group's I/O counters, read now into {@code into}: v2's {@code io.stat}; v1's {@code
   * blkio.throttle.io_serviced} ({@code bytes}: {@code io_service_bytes}) or, with {@code bfq}, the
   * {@code blkio.bfq.*} ones, each the {@code _recursive} file (the group and its descendants) where the kernel has
   * it. Null when the group has no such file (the bfq counters without the bfq scheduler). Kept open, as the usage
   * files are.
   */
  public ReadBuffer ioCounters(boolean bfq, boolean bytes, ReadBuffer into) throws IOException {
    Kept which;
    String name;
    if (version() == 2) {
      which = Kept.IO_STAT;
      name = "io.stat";
    } else {
      which = bfq ? (bytes ? Kept.BFQ_BYTES : Kept.BFQ_OPS) : (bytes ? Kept.IO_BYTES : Kept.IO_OPS);
      name = "blkio." + (bfq ? "bfq" : "throttle") + (bytes ? ".io_service_bytes" : ".io_serviced");
    }
    int i = which.ordinal();
    if (absent[i]) {
      return null;
    }
    if (kept[i] == null) {
      // Once per cgroup: which of the names it has.
      Path own = levels.get(0);
      if (version() == 1 && Files.exists(own.resolve(name + "_recursive"))) {
        name += "_recursive";
      } else if (!Files.exists(own.resolve(name))) {
        if (bfq) {
          absent[i] = true;
          return null;
        }
        // Not there at all: the read below says so.
      }
    }
    // Not through load(): a group without these files (v2's io not enabled above it) is not gone, and on v2 this
    // Cgroup is also the caller's memory and cpu one, whose kept files must stay open. The reader gets the host's
    // file; a group really removed shows itself in its other files, and the sweep closes these.
    return kept(which, name, false).read(into);
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
   * The kept-open file in slot {@code which}: {@code fileName} in the cgroup's own directory or, with
   * {@code nearest}, in the nearest level that has it (found once, on first use).
   */
  SourceFile kept(Kept which, String fileName, boolean nearest) throws IOException {
    int i = which.ordinal();
    SourceFile f = kept[i];
    if (f == null) {
      Path dir = nearest ? Levels.nearestWith(levels, fileName) : levels.get(0);
      synchronized (kept) {
        f = kept[i];
        if (f == null) {
          f = new SourceFile(dir.resolve(fileName));
          kept[i] = f;
          if (gone) {
            f.close();
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
      for (SourceFile f : kept) {
        if (f != null) {
          f.close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return dir.dir().toString();
  }
}
