package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.CgroupFigures;
import dev.jlxcfs.cgroup.CpuUsage;
import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Stat;
import dev.jlxcfs.util.Clock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The CPU times a caller's view shows (the /proc/stat columns, and /proc/uptime's idle), in USER_HZ ticks.
 *
 * <ul>
 *   <li>user, system: the caller's CPU cgroup's own accounting (v1 cpuacct.usage split by cpuacct.stat; v2
 *       cpu.stat user_usec/system_usec).
 *   <li>idle: what the view's capacity offered since its start minus what was used, where capacity = min(CPU count,
 *       CFS quota) CPUs and the start is the caller's pid namespace's init (the host's boot for a host process).
 *       So a container busy for half its quota shows 50% busy.
 *   <li>A caller whose CPU accounting is the hierarchy's root (no cgroup of its own) gets the host's aggregate times
 *       scaled to its capacity: the host's utilisation, on its CPUs; a container in that case starts from its
 *       uptime's share of the host's times since boot.
 * </ul>
 *
 * Figures are monotonic between reads: per view (CPU cgroup, start, CPU count) the shown totals only ever grow by
 * the positive part of each change, so a counter that goes backwards (cpuacct.usage reset, a recreated cgroup)
 * freezes the columns instead of rewinding them, and a cgroup older than its container starts idle at 0.
 */
public final class CpuAccounting {

  /** What one read shows: the CPUs, the times, and the seconds since the view started. */
  public record Snapshot(CpuView cpus, Stat.Times times, double uptimeSeconds, boolean hostWide) {}

  private record Key(Path usageDir, long startTicks, int cpus) {}

  /** Per view: the last raw figures and what has been shown. Guarded by its own monitor. */
  private static final class Shown {
    boolean initialized;
    long rawUser;
    long rawSystem;
    long rawIdle;
    long user;
    long system;
    long idle;
  }

  private final ProcFs proc;
  private final CgroupFigures figures;
  private final PidNamespaceInits inits;
  private final Clock clock;
  private final long hz;
  private final Cache<Key, Shown> shown =
      Caffeine.newBuilder().maximumSize(16_384).expireAfterAccess(Duration.ofMinutes(10)).build();

  public CpuAccounting(ProcFs proc, CgroupFigures figures, PidNamespaceInits inits, Clock clock, long hz) {
    this.proc = proc;
    this.figures = figures;
    this.inits = inits;
    this.clock = clock;
    this.hz = hz;
  }

  public Snapshot snapshot(Caller caller) throws IOException {
    CpuView cpus = figures.cpuView(caller.cpuset(), caller.cpu());
    PidNamespaceInits.Init init = inits.initOf(caller.pid());
    long startTicks = init == null ? 0 : init.startTime();
    double uptime = Math.max(0, clock.bootTimeNanos() / 1e9 - (double) startTicks / hz);
    double capacity = Math.min(cpus.count(), cpus.quota());

    CgroupDir usageDir = caller.cpuUsage();
    boolean hostWide = usageDir == null || usageDir.dir().equals(usageDir.hierarchy().mountPoint());
    long rawUser;
    long rawSystem;
    long rawIdle;
    // What a view shows on its first read, as a fraction of the raw figures.
    double firstShare = 1;
    if (hostWide) {
      long[] host = hostTimes();
      int hostCpus = Math.max(1, figures.hostOnlineCpus().cardinality());
      double scale = capacity / hostCpus;
      rawUser = (long) (host[0] * scale);
      rawSystem = (long) (host[1] * scale);
      rawIdle = (long) (host[2] * scale);
      // The host's times run since boot; a container younger than that starts with its share of them.
      double sinceBoot = clock.bootTimeNanos() / 1e9;
      firstShare = sinceBoot > 0 ? Math.min(1, uptime / sinceBoot) : 1;
    } else {
      CpuUsage used = figures.cpuUsage(usageDir);
      rawUser = used.user() * hz / 1_000_000_000L;
      rawSystem = used.system() * hz / 1_000_000_000L;
      rawIdle = (long) (uptime * capacity * hz) - rawUser - rawSystem;
    }
    Key key = new Key(usageDir == null ? null : usageDir.dir(), startTicks, cpus.count());
    Shown s = shown.get(key, k -> new Shown());
    Stat.Times times;
    synchronized (s) {
      if (!s.initialized) {
        s.user = (long) (Math.max(0, rawUser) * firstShare);
        s.system = (long) (Math.max(0, rawSystem) * firstShare);
        s.idle = (long) (Math.max(0, rawIdle) * firstShare);
        s.initialized = true;
      } else {
        s.user += Math.max(0, rawUser - s.rawUser);
        s.system += Math.max(0, rawSystem - s.rawSystem);
        s.idle += Math.max(0, rawIdle - s.rawIdle);
      }
      s.rawUser = rawUser;
      s.rawSystem = rawSystem;
      s.rawIdle = rawIdle;
      times = new Stat.Times(s.user, s.system, s.idle);
    }
    return new Snapshot(cpus, times, uptime, hostWide);
  }

  /** The host's aggregate {user+nice, system+irq+softirq, idle+iowait} ticks from the "cpu" line of /proc/stat. */
  private long[] hostTimes() throws IOException {
    String stat = proc.hostText("stat");
    if (!stat.startsWith("cpu ")) {
      throw new IOException("host /proc/stat does not start with a cpu line");
    }
    int eol = stat.indexOf('\n');
    String[] f = stat.substring(4, eol < 0 ? stat.length() : eol).trim().split("\\s+");
    long[] v = new long[Math.max(f.length, 7)];
    for (int i = 0; i < f.length; i++) {
      v[i] = Long.parseLong(f[i]);
    }
    return new long[] {v[0] + v[1], v[2] + v[5] + v[6], v[3] + v[4]};
  }

  long ticksPerSecond() {
    return hz;
  }
}
