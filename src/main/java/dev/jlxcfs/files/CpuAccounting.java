package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuUsage;
import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.Task;
import dev.jlxcfs.render.Stat;
import dev.jlxcfs.util.Clock;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The CPU times a caller's view shows (the /proc/stat columns, and /proc/uptime's idle), in USER_HZ ticks.
 *
 * <ul>
 *   <li>user, system: the caller's CPU cgroup's own accounting (v1 cpuacct.usage split by cpuacct.stat; v2
 *       cpu.stat user_usec/system_usec).
 *   <li>idle: what the view's capacity offered since its start minus what was used, where capacity = min(CPU count,
 *       CFS quota) CPUs ({@link CpuView#capacity()}) and the start is the caller's pid namespace's init (the host's
 *       boot for a host process), minus steal. So a container busy for half its quota shows 50% busy.
 *   <li>steal: over each interval between two reads of the view, the time its runnable tasks waited for a CPU that
 *       other work held while it had quota left: the growth of its cgroup2 group's {@code cpu.pressure} "full"
 *       total (runnable, and none of its tasks running: "some" would count a task queued behind its own sibling
 *       too) less the growth of its throttled time (a quota's throttling is the group's own limit, not steal),
 *       capped by what the interval would otherwise show as idle (capacity x time - busy). Taken from idle, never
 *       from busy. 0 where the caller has no cgroup2 group with such a figure (a v1-only host; PSI off; Linux before
 *       5.13).
 *   <li>A caller whose CPU accounting is the hierarchy's root (no cgroup of its own) gets the host's aggregate times
 *       scaled to its capacity: the host's utilisation, on its CPUs; a container in that case starts from its
 *       uptime's share of the host's times since boot.
 * </ul>
 *
 * <p>Shown figures never go backwards. Per view (CPU cgroup, start, CPU count) each column shows
 * max(last shown, raw + offset): small dips of the raw figure (CFS bursts ahead of the clock, a slower reader
 * racing a faster one) are held flat and caught up without bias, and a large drop (a reset cpuacct.usage, a
 * recreated cgroup, a lowered quota) moves the offset so the column carries on from where it was. A view's state
 * is kept for an hour after its last read, or until its pid namespace's init is found exited ({@link #sweep}).
 */
public final class CpuAccounting {

  /**
   * What one read shows: the CPUs, the times, and the seconds since the view started. {@code host}: the view is the
   * host's own (all its online CPUs, no quota below their count, no CPU cgroup of its own), so /proc/stat is the
   * host's file unchanged.
   */
  public record Snapshot(CpuView cpus, Stat.Times times, double uptimeSeconds, boolean host) {}

  /**
   * equals and hashCode written out: see {@link dev.jlxcfs.cgroup.CgroupDir}. {@code waitDir}: the cgroup2 group
   * whose pressure gives steal (null: none), so that one view's baselines are of one file.
   */
  private record Key(Path usageDir, Path waitDir, long startTicks, int cpus) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key other && startTicks == other.startTicks && cpus == other.cpus
          && Objects.equals(usageDir, other.usageDir) // null: the CPU view is the host's
          && Objects.equals(waitDir, other.waitDir);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(usageDir) * 31 + Long.hashCode(startTicks) * 7 + cpus;
    }
  }

  /** A drop larger than this many CPU-seconds is a reset, not jitter. */
  private static final long RESET_SECONDS = 1;

  /** The columns of {@link Shown#columns}: user, system, idle, steal. */
  private static final int USER = 0;
  private static final int SYSTEM = 1;
  private static final int IDLE = 2;
  private static final int STEAL = 3;

  /**
   * Per view: its columns, and the steal it has accumulated with the figures of its last read (the baselines of the
   * next interval). Guarded by its own monitor.
   */
  private static final class Shown {
    boolean started;
    /** The init of the view's pid namespace (null: the host's): the view is dropped once it exits. */
    Task init;
    /**
     * Per column (USER, SYSTEM, IDLE, STEAL) its offset and what it showed last (2i, 2i + 1): one monotonic
     * column is shown = max(shown, raw + offset), re-based on a reset. One array, not an object per column: a
     * dense node keeps thousands of views.
     */
    final long[] columns = new long[8];

    void start(int column, long raw, double share) {
      long shown = (long) (Math.max(0, raw) * share);
      columns[2 * column + 1] = shown;
      columns[2 * column] = shown - raw;
    }

    long update(int column, long raw, long resetTicks) {
      long offset = columns[2 * column];
      long shown = columns[2 * column + 1];
      long candidate = raw + offset;
      if (candidate >= shown) {
        shown = candidate;
        columns[2 * column + 1] = shown;
      } else if (shown - candidate > resetTicks) {
        columns[2 * column] = shown - raw;
      }
      return shown;
    }
    /** Steal in ticks since the view's first read: the sum of each interval's. */
    long stealTicks;
    /** The last read's capacity x time and busy time (ticks), "full" total and throttled time (ticks; -1: none). */
    long lastOffered;
    long lastBusy;
    long lastWait = -1;
    long lastThrottled;

    /**
     * Adds the interval since the last read: the time the group waited (the growth of {@code wait} less that of
     * {@code throttled}), at most what the interval offered and the group did not use. A read older than the last
     * (two readers racing) adds nothing and moves no baseline.
     */
    void addSteal(long offered, long busy, long wait, long throttled) {
      if (offered <= lastOffered) {
        return;
      }
      long dOffered = offered - lastOffered;
      long room = Math.max(0, Math.min(dOffered, dOffered - (busy - lastBusy)));
      long waited = wait < 0 || lastWait < 0 ? 0 : wait - lastWait - Math.max(0, throttled - lastThrottled);
      stealTicks += Math.max(0, Math.min(waited, room));
      lastOffered = offered;
      lastBusy = busy;
      lastWait = wait;
      lastThrottled = throttled;
    }
  }

  private final SourceFile hostStat;
  private final Cgroups cgroups;
  private final Clock clock;
  private final long hz;
  private final Cache<Key, Shown> shown = Caffeine.newBuilder()
      .maximumSize(65_536)
      .expireAfterAccess(Duration.ofHours(1))
      .executor(Runnable::run)
      .build();

  /**
   * @param hostStat the host's /proc/stat (its cpu line, for callers without a CPU cgroup of their own)
   * @param cgroups  the host's online CPUs
   * @param clock    time since boot
   * @param hz       USER_HZ
   */
  public CpuAccounting(SourceFile hostStat, Cgroups cgroups, Clock clock, long hz) {
    this.hostStat = hostStat;
    this.cgroups = cgroups;
    this.clock = clock;
    this.hz = hz;
  }

  /**
   * The view of the request's caller now. Its CPU cgroup's files are read into the context's scratch buffer; the
   * host's /proc/stat, where needed, through {@link ReadContext#host(SourceFile)} (once per request: /proc/stat's
   * handler reads it too).
   *
   * @param init the caller's pid namespace's init, or null for a host process
   * @param cpus the CPUs it is shown
   */
  public Snapshot snapshot(ReadContext ctx, PidNamespaceInits.Init init, CpuView cpus) throws IOException {
    Caller caller = ctx.caller();
    long startTicks = init == null ? 0 : init.startTime();
    double sinceBoot = clock.bootTimeNanos() / 1e9;
    double uptime = Math.max(0, sinceBoot - (double) startTicks / hz);
    double capacity = cpus.capacity();

    Cgroup usage = caller.cpuUsage();
    boolean hostWide = usage == null || usage.isHierarchyRoot();
    int hostCpus = cgroups.hostOnlineCpus().cardinality();
    long rawUser;
    long rawSystem;
    long offered = 0;
    long wait = -1;
    long throttled = 0;
    Cgroup waitGroup = null;
    // What a view shows on its first read, as a fraction of the raw figures.
    double firstShare = 1;
    if (hostWide) {
      ReadBuffer stat = ctx.host(hostStat);
      long[] host = Stat.hostTimes(stat.bytes(), stat.length(), hostStat.path());
      double scale = capacity / Math.max(1, hostCpus);
      rawUser = (long) (host[0] * scale);
      rawSystem = (long) (host[1] * scale);
      offered = rawUser + rawSystem + (long) (host[2] * scale);
      // The host's times run since boot; a container younger than that starts with its share of them.
      firstShare = sinceBoot > 0 ? Math.min(1, uptime / sinceBoot) : 1;
    } else {
      CpuUsage used = usage.cpuUsage(ctx.scratch());
      rawUser = toTicks(used.user());
      rawSystem = toTicks(used.system());
      offered = (long) (uptime * capacity * hz);
      waitGroup = caller.unifiedGroup();
      if (waitGroup != null) {
        long waitNanos = waitGroup.cpuWaitNanos(ctx.scratch());
        if (waitNanos >= 0) {
          wait = toTicks(waitNanos);
        }
      }
    }
    Key key = new Key(usage == null ? null : usage.dir().dir(), waitGroup == null ? null : waitGroup.dir().dir(),
        startTicks, cpus.count());
    Shown s = shown.get(key, k -> new Shown());
    // Only a quota throttles: without one on the path the group's throttled time does not grow. And it grows only
    // while the group waits (a throttled task is runnable, and its pressure counts it), so a view whose wait total
    // has not moved since its last read reuses that read's figure: one read less on most reads of an idle container.
    Cgroup cpu = wait < 0 ? null : caller.cpu();
    if (cpu != null && cpus.quota() != Double.POSITIVE_INFINITY) {
      long known = -1;
      synchronized (s) {
        if (s.started && s.lastWait == wait) {
          known = s.lastThrottled;
        }
      }
      throttled = known >= 0 ? known : toTicks(cpu.cpuThrottledNanos(ctx.scratch()));
    }
    long reset = (long) (RESET_SECONDS * hz * Math.max(1, capacity));
    Stat.Times times;
    synchronized (s) {
      long busy = rawUser + rawSystem;
      if (!s.started) {
        // Steal counts from the view's first read: the waits before it are not told apart from idle.
        s.lastOffered = offered;
        s.lastBusy = busy;
        s.lastWait = wait;
        s.lastThrottled = throttled;
        s.start(USER, rawUser, firstShare);
        s.start(SYSTEM, rawSystem, firstShare);
        s.start(IDLE, offered - busy, firstShare);
        s.start(STEAL, 0, firstShare);
        s.init = init == null ? null : init.task();
        s.started = true;
      } else {
        s.addSteal(offered, busy, wait, throttled);
      }
      long rawIdle = offered - busy - s.stealTicks;
      times = new Stat.Times(s.update(USER, rawUser, reset), s.update(SYSTEM, rawSystem, reset),
          s.update(IDLE, rawIdle, reset), s.update(STEAL, s.stealTicks, reset));
    }
    return new Snapshot(cpus, times, uptime,
        hostWide && cpus.count() == hostCpus && capacity >= hostCpus);
  }

  /**
   * Drops the views of pid namespaces whose init exited (the housekeeping's sweep found it): nobody can read them
   * again, and a node that starts containers keeps thousands of them otherwise (an hour each). No system call: the
   * flag is the inits' sweep's. Returns how many were dropped.
   */
  public int sweep() {
    int dropped = 0;
    for (var e : shown.asMap().entrySet()) {
      Task init = e.getValue().init;
      if (init != null && init.exited() && shown.asMap().remove(e.getKey(), e.getValue())) {
        dropped++;
      }
    }
    return dropped;
  }

  /** How many views are kept (tests, the benchmark). */
  public long size() {
    shown.cleanUp();
    return shown.estimatedSize();
  }

  /** Nanoseconds to USER_HZ ticks without overflow (hz divides 10^9 on every Linux: 100, 250, 300, 1000). */
  private long toTicks(long nanos) {
    return nanos / (1_000_000_000L / hz);
  }

  /**
   * How many figures a carried view has: the four columns' offset and shown (as {@link Shown#columns} holds them),
   * steal, and the baselines of the next interval.
   */
  static final int CARRIED_FIGURES = 13;

  /** Receives one view's state for a successor daemon. */
  public interface Carrier {
    void view(Path usageDir, Path waitDir, long startTicks, int cpus, long[] figures);
  }

  /** Every view's state, for a daemon taking over from this one ({@link CarriedState}). */
  public void carry(Carrier out) {
    shown.asMap().forEach((k, s) -> {
      long[] f;
      synchronized (s) {
        if (!s.started) {
          return;
        }
        f = java.util.Arrays.copyOf(s.columns, CARRIED_FIGURES);
        f[8] = s.stealTicks;
        f[9] = s.lastOffered;
        f[10] = s.lastBusy;
        f[11] = s.lastWait;
        f[12] = s.lastThrottled;
      }
      out.view(k.usageDir(), k.waitDir(), k.startTicks(), k.cpus(), f);
    });
  }

  /**
   * Takes a predecessor's view (before the first read): its columns carry on from what it showed, and the steal of
   * the interval since its last read is counted at this daemon's first.
   */
  public void resume(Path usageDir, Path waitDir, long startTicks, int cpus, long[] f) {
    if (f.length != CARRIED_FIGURES || f[1] < 0 || f[3] < 0 || f[5] < 0 || f[7] < 0 || f[8] < 0) {
      return;
    }
    Shown s = new Shown();
    System.arraycopy(f, 0, s.columns, 0, 8); // offset and shown of user, system, idle, steal
    s.stealTicks = f[8];
    s.lastOffered = f[9];
    s.lastBusy = f[10];
    s.lastWait = f[11];
    s.lastThrottled = f[12];
    s.started = true;
    shown.put(new Key(usageDir, waitDir, startTicks, cpus), s);
  }
}
