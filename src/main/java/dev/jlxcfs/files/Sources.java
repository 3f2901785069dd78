package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CgroupFigures;
import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Everything the emulated files read from, in one place so that a test can point all of it at fixture trees and a
 * hand-driven clock.
 *
 * @param proc           the procfs tree (host files and per-process entries)
 * @param callers        pid -> cgroups
 * @param figures        cgroup limits and usage
 * @param inits          pid namespace -> its init process
 * @param clock          time since boot
 * @param ticksPerSecond USER_HZ
 * @param showSwap       whether meminfo shows swap
 * @param sysRoot        the sysfs tree (the host's CPU files)
 * @param cpuTimes       the CPU times shown per view (stateful: keeps them monotonic)
 */
public record Sources(ProcFs proc, CallerResolver callers, CgroupFigures figures, PidNamespaceInits inits,
                      Clock clock, long ticksPerSecond, boolean showSwap, Path sysRoot, CpuAccounting cpuTimes) {

  /** Wires the sources; the CPU accounting is built over the others. */
  public static Sources of(ProcFs proc, CallerResolver callers, CgroupFigures figures, PidNamespaceInits inits,
                           Clock clock, long ticksPerSecond, boolean showSwap, Path sysRoot) {
    return new Sources(proc, callers, figures, inits, clock, ticksPerSecond, showSwap, sysRoot,
        new CpuAccounting(proc, figures, clock, ticksPerSecond));
  }

  /** The CPUs the process with this pid is shown. */
  public CpuView cpuView(int pid) throws IOException {
    Caller caller = callers.resolve(pid);
    return figures.cpuView(caller.cpuset(), caller.cpu());
  }

  /** A host-wide file under the sysfs root, e.g. "devices/system/cpu/online". */
  public Path sys(String relative) {
    return sysRoot.resolve(relative);
  }
}
