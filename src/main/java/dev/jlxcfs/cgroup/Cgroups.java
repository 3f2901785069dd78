package dev.jlxcfs.cgroup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.Expiring;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import dev.jlxcfs.util.TreePath;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroups callers have been seen in, one {@link Cgroup} per directory, with the host's CPUs. Bounded: a cgroup
 * not read for {@link #IDLE} is closed (its kept-open files with it), as is one whose read showed it gone; and the
 * files all of them keep open (one descriptor each) stay within a cap whatever the number of cgroups: past it, the
 * files of the least recently read cgroups are closed (their next read opens them again).
 */
public final class Cgroups {

  /** How long an unused cgroup keeps its open files. */
  static final Duration IDLE = Duration.ofMinutes(5);
  /** At most this many cgroups are kept (each holds up to five open files). */
  static final int MAX_CGROUPS = 4096;

  /** The cap on kept files unless the descriptor limit is lower ({@link #keptFilesCap}). */
  public static final int DEFAULT_MAX_KEPT_FILES = 16_384;

  private static final Logger LOG = LoggerFactory.getLogger(Cgroups.class);

  private final Cache<CgroupDir, Cgroup> cgroups;
  private final int maxKeptFiles;
  private final AtomicInteger keptFiles = new AtomicInteger();
  private final ReentrantLock shedding = new ReentrantLock();
  private boolean saidFull;
  private final Ticker ticker;
  private final long stalenessNanos;
  private final boolean quotaRule;
  private final SourceFile hostOnline;
  private final Expiring<BitSet> hostOnlineCpus;

  /**
   * @param sysRoot    the sysfs root (normally /sys), for the host's online CPUs
   * @param staleness  how long a limit may be served from cache
   * @param quotaRule  whether a CFS quota reduces the visible CPU count
   */
  public Cgroups(Path sysRoot, Duration staleness, boolean quotaRule, Ticker ticker) {
    this(sysRoot, staleness, quotaRule, ticker, DEFAULT_MAX_KEPT_FILES);
  }

  /**
   * @param maxKeptFiles the files (descriptors) all cgroups may keep open together ({@link #keptFilesCap}); the
   *                     requests in flight may open a few more each
   */
  public Cgroups(Path sysRoot, Duration staleness, boolean quotaRule, Ticker ticker, int maxKeptFiles) {
    if (maxKeptFiles < 1) {
      throw new IllegalArgumentException("maxKeptFiles must be positive");
    }
    this.maxKeptFiles = maxKeptFiles;
    this.ticker = ticker;
    this.stalenessNanos = staleness.toNanos();
    this.quotaRule = quotaRule;
    this.hostOnline = new SourceFile(sysRoot.resolve("devices/system/cpu/online"));
    this.hostOnlineCpus = new Expiring<>(ticker, staleness);
    this.cgroups = Caffeine.newBuilder()
        .maximumSize(MAX_CGROUPS)
        .expireAfterAccess(IDLE)
        .ticker(ticker)
        .executor(Runnable::run) // maintenance on the calling thread: no hand-off to a pool
        .<CgroupDir, Cgroup>removalListener((dir, cg, cause) -> {
          if (cg != null) {
            cg.close();
          }
        })
        .build();
  }

  public Cgroups(Path sysRoot, Duration staleness, boolean quotaRule) {
    this(sysRoot, staleness, quotaRule, Ticker.systemTicker());
  }

  /**
   * The cap on the files cgroups keep open for a process whose descriptor limit is {@code descriptorLimit}: half of
   * it (the FUSE device, sockets, the heal's and the JVM's own need the rest), at most
   * {@link #DEFAULT_MAX_KEPT_FILES}, at least 64.
   */
  public static int keptFilesCap(long descriptorLimit) {
    return (int) Math.max(64, Math.min(DEFAULT_MAX_KEPT_FILES, descriptorLimit / 2));
  }

  /** The cgroup at {@code dir}; a fresh one if the one kept there turned out gone. */
  public Cgroup of(CgroupDir dir) {
    if (keptFiles.get() > maxKeptFiles) {
      shed();
    }
    Cgroup cg = cgroups.get(dir, d -> new Cgroup(d, ticker, stalenessNanos, keptFiles));
    if (cg.isGone()) {
      Cgroup fresh = new Cgroup(dir, ticker, stalenessNanos, keptFiles);
      if (cgroups.asMap().replace(dir, cg, fresh)) {
        cg.close();
        return fresh;
      }
      return cgroups.get(dir, d -> fresh);
    }
    return cg;
  }

  /**
   * Closes the cgroups whose directory was removed: their kept-open files would otherwise keep the removed cgroup
   * alive in the kernel (a "dying" cgroup) until idle expiry. One stat per kept cgroup. Returns how many were dropped.
   */
  public int sweep() {
    return sweep(true);
  }

  /** The housekeeping's calls (every 2 s) per sweep of the cgroups that keep files open. */
  public static final int SWEEP_EVERY = 5;
  private int sweepCalls;

  /**
   * Run by the daemon's housekeeping thread every 2 s: every {@link #SWEEP_EVERY}th call, the cgroups found gone by
   * a read and the directories of those that keep files open (a cgroup that never kept a file open pins nothing: a
   * cpuset group, read for its limits only, is left to idle expiry). So a removed cgroup's files are closed within
   * 10 s, at ~400 stats a second with 4,096 kept cgroups, and the cache is iterated once per 10 s: iterating it every
   * 2 s for a fifth of its cgroups each time was the idle daemon's largest cost in Java with 5,000 groups (perf). A
   * gone cgroup read meanwhile is replaced by its reader at once ({@link #of}). Returns how many were dropped.
   */
  public int sweepPart() {
    if (++sweepCalls % SWEEP_EVERY != 0) {
      return 0;
    }
    return sweep(false);
  }

  private int sweep(boolean all) {
    int dropped = 0;
    byte[] statx = new byte[256];
    byte[] path = new byte[256];
    for (var e : cgroups.asMap().entrySet()) {
      boolean gone = e.getValue().isGone();
      if (!gone && (all || e.getValue().heldFiles())) {
        // A statx relative to the private tree copy's descriptor (TreePath): a third of one through the magic link.
        TreePath dir = TreePath.of(e.getKey().dir());
        path = dir.cString(path);
        gone = !Native.isDirectory(dir.dirFd(), path, statx);
      }
      if (gone && cgroups.asMap().remove(e.getKey(), e.getValue())) {
        dropped++; // the removal listener closes it
      }
    }
    return dropped;
  }

  /**
   * Closes the least recently read cgroups until their kept files are a quarter below the cap. One thread at a time;
   * a reader that finds another shedding goes on (the cap may be passed by what requests in flight open). A cgroup
   * closed here is made again, files and all, by its next reader.
   */
  private void shed() {
    if (!shedding.tryLock()) {
      return;
    }
    try {
      int target = maxKeptFiles - maxKeptFiles / 4;
      if (!saidFull) {
        saidFull = true;
        LOG.warn("{} cgroup files kept open, the cap ({}: half the descriptor limit, at most {}): the least recently "
            + "read cgroups' files are closed and opened again when read (said once)", keptFiles.get(),
            maxKeptFiles, DEFAULT_MAX_KEPT_FILES);
      }
      var expiry = cgroups.policy().expireAfterAccess().orElseThrow();
      while (keptFiles.get() > target) {
        int closedAny = 0;
        for (var e : expiry.oldest(64).entrySet()) {
          if (cgroups.asMap().remove(e.getKey(), e.getValue())) {
            closedAny++; // the removal listener closes it
          }
          if (keptFiles.get() <= target) {
            break;
          }
        }
        if (closedAny == 0) {
          break;
        }
      }
    } finally {
      shedding.unlock();
    }
  }

  /** Files kept open by all cgroups now (for tests and the benchmarks). */
  public int keptFiles() {
    return keptFiles.get();
  }

  /** How many cgroups are kept (for tests and the benchmark's leak check). */
  public long size() {
    cgroups.cleanUp();
    return cgroups.estimatedSize();
  }

  /**
   * The CPUs shown to a caller whose cpuset and cpu cgroups are these (either may be null: not mounted), from their
   * cached limits (read into {@code text} when stale).
   */
  public CpuView cpuView(Cgroup cpuset, Cgroup cpu, ReadBuffer text) throws IOException {
    BitSet set = cpuset == null ? null : cpuset.cpuset(text);
    double quota = cpu == null ? Double.POSITIVE_INFINITY : cpu.cpuQuota(text);
    return CpuView.of(set, hostOnlineCpus(), quota, quotaRule);
  }

  /**
   * The host's online CPUs (/sys/devices/system/cpu/online), cached like a limit: CPU hotplug is rare. Read into a
   * buffer of its own, once per staleness bound (callers on and off the read path share it).
   */
  public BitSet hostOnlineCpus() throws IOException {
    BitSet cpus = hostOnlineCpus.fresh();
    if (cpus == null) {
      ReadBuffer text = hostOnline.read(new ReadBuffer(64));
      String list = Bytes.text(text.bytes(), 0, Levels.firstLineEnd(text));
      BitSet online = CpuList.parse(list, hostOnline.path());
      if (online.isEmpty()) {
        // Empty is "inherit" in a cpuset file but never true of the host (it runs on some CPU): a view of it would
        // be of no CPU at all, a /proc/stat without CPU lines.
        throw new MalformedException(hostOnline.path(), "no online CPU");
      }
      cpus = hostOnlineCpus.keep(online);
    }
    return cpus;
  }
}
