package dev.jlxcfs.cgroup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.Expiring;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;

/**
 * The cgroups callers have been seen in, one {@link Cgroup} per directory, with the host's CPUs. Bounded: a cgroup
 * not read for {@link #IDLE} is closed (its kept-open files with it), as is one whose read showed it gone.
 */
public final class Cgroups {

  /** How long an unused cgroup keeps its open files. */
  static final Duration IDLE = Duration.ofMinutes(5);
  /** At most this many cgroups are kept (each holds up to five open files). */
  static final int MAX_CGROUPS = 4096;

  private final Cache<CgroupDir, Cgroup> cgroups;
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

  /** The cgroup at {@code dir}; a fresh one if the one kept there turned out gone. */
  public Cgroup of(CgroupDir dir) {
    Cgroup cg = cgroups.get(dir, d -> new Cgroup(d, ticker, stalenessNanos));
    if (cg.isGone()) {
      Cgroup fresh = new Cgroup(dir, ticker, stalenessNanos);
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
   * alive in the kernel (a "dying" cgroup) until idle expiry. Run by the daemon's housekeeping thread; one stat per
   * kept cgroup. Returns how many were dropped.
   */
  public int sweep() {
    int dropped = 0;
    for (var e : cgroups.asMap().entrySet()) {
      if ((e.getValue().isGone() || !Files.isDirectory(e.getKey().dir()))
          && cgroups.asMap().remove(e.getKey(), e.getValue())) {
        dropped++; // the removal listener closes it
      }
    }
    return dropped;
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
