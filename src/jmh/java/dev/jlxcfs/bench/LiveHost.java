package dev.jlxcfs.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.files.CpuAccounting;
import dev.jlxcfs.files.CpuinfoFile;
import dev.jlxcfs.files.MeminfoFile;
import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.StatFile;
import dev.jlxcfs.files.UptimeFile;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;
import dev.jlxcfs.util.Native;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The daemon's files wired over the real /proc and cgroup trees the way Daemon wires them, for benchmarks that
 * read them as the benchmark process itself (run it in a limited cgroup: src/bench/jmh.sh does).
 */
final class LiveHost {

  final ProcFs proc = new ProcFs(Path.of("/proc"));
  final Cgroups cgroups;
  final CallerResolver callers;
  final PidNamespaceInits inits = new PidNamespaceInits(proc);
  final CpuAccounting cpuTimes;
  final MeminfoFile meminfo;
  final StatFile stat;
  final CpuinfoFile cpuinfo;
  final UptimeFile uptime;
  /** The benchmark thread's own id: FUSE reports the calling thread, so the daemon resolves thread ids. */
  final int tid;

  LiveHost(Duration staleness) throws IOException {
    Ticker ticker = Ticker.systemTicker();
    cgroups = new Cgroups(Path.of("/sys"), staleness, true, ticker);
    callers = new CallerResolver(proc, CgroupMounts.load(Path.of("/proc/self/mountinfo")), cgroups, staleness,
        ticker);
    long hz = Native.clockTicksPerSecond();
    cpuTimes = new CpuAccounting(proc.hostFile("stat"), cgroups, Clock.system(), hz);
    meminfo = new MeminfoFile(proc, true);
    stat = new StatFile(proc.hostFile("stat"), inits, cpuTimes);
    cpuinfo = new CpuinfoFile(proc, staleness, ticker);
    uptime = new UptimeFile(proc.hostFile("uptime"), inits, cpuTimes, hz);
    tid = currentTid();
  }

  /** A request context resolving with this host's resolver, as each FUSE worker holds one. */
  ReadContext context() {
    return new ReadContext(callers);
  }

  static int currentTid() throws IOException {
    // /proc/thread-self is a link to /proc/PID/task/TID.
    return Integer.parseInt(java.nio.file.Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName()
        .toString());
  }
}
