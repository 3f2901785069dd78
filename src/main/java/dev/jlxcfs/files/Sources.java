package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CgroupFigures;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;

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
 */
public record Sources(ProcFs proc, CallerResolver callers, CgroupFigures figures, PidNamespaceInits inits,
                      Clock clock, long ticksPerSecond, boolean showSwap) {}
