package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.ReadBuffer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a cgroup's limits and usage from one hierarchy's files: everything that differs between cgroup v1 and v2 is
 * answered here, one implementation per version; the hierarchy that serves a controller picks it, so a hybrid host
 * uses both. Nothing outside this package branches on the version.
 *
 * <p>Limits walk {@code levels}: the cgroup's directory first, then each ancestor up to the mount point. A missing
 * limit file means "no limit at this level" (a v2 root has no memory.max; a v2 child whose parent does not enable
 * the controller has none of its files), so the walk goes on. Usage is read from the cgroup's kept-open files
 * ({@link Cgroup#kept}); a missing usage file means the cgroup is gone, and the read throws: the caller then
 * serves the host's file. A malformed file always throws.
 *
 * <p>Every method reads its files into {@code text}, overwriting it.
 */
interface CgroupReader {

  MemoryLimits memoryLimits(List<Path> levels, ReadBuffer text) throws IOException;

  /** Usage now; swap use only when {@code withSwap} (the caller knows it is accounted), else -1. */
  MemoryUsage memoryUsage(Cgroup cgroup, boolean withSwap, ReadBuffer text) throws IOException;

  /** The smallest CFS quota/period ratio on the path, in CPUs (1.5 = one and a half); +Infinity when none. */
  double cpuQuota(List<Path> levels, ReadBuffer text) throws IOException;

  /** The CPUs the cgroup may run on, from the nearest level that names any; null when no level does. */
  BitSet cpuset(List<Path> levels, ReadBuffer text) throws IOException;

  /** The cgroup's accumulated CPU time. */
  CpuUsage cpuUsage(Cgroup cgroup, ReadBuffer text) throws IOException;

  /**
   * The time in ns during which the group had runnable tasks and none of them ran ({@code cpu.pressure}'s {@code full}
   * total, counted per CPU the group uses and averaged over them; throttled time included), or -1 where the group
   * keeps none (v1; PSI off for it; Linux before 5.13, which kept only {@code some} for CPU).
   */
  long cpuWaitNanos(Cgroup cgroup, ReadBuffer text) throws IOException;

  /**
   * The time in ns the group's tasks were held back by a CFS quota: {@code cpu.stat.local}'s figure where the kernel
   * has the file (Linux 6.7+: it counts throttling by an ancestor's quota too), else the group's own quota's from
   * {@code cpu.stat}; 0 where neither counts it.
   */
  long cpuThrottledNanos(Cgroup cgroup, ReadBuffer text) throws IOException;

  /**
   * The group's I/O counters now, filled into {@code into} (or, where the version has a second set of counters,
   * {@code spare}): returns the one filled. Both come cleared.
   */
  IoCounters ioCounters(Cgroup cgroup, ReadBuffer text, IoCounters into, IoCounters spare) throws IOException;

  /** The files of a group (and, for limits, of its ancestors) that {@code kind} is read from, for {@code show}. */
  List<String> filesRead(Figures kind);

  /** The file that lists the group's threads, one id per line. */
  String threadList();

  /**
   * The file of a group in hierarchy {@code h} whose content changes whenever a task of the group (or of a group
   * below it) runs: its CPU time (v1 {@code cpuacct.usage}, where cpuacct shares the hierarchy; v2 {@code cpu.stat},
   * which every cgroup2 group has). Where cpu is mounted without cpuacct (v1), the cpu controller's {@code cpu.stat}:
   * a weaker signal, see {@link #activityCountsPeriods}. Null when the hierarchy has none.
   */
  String activityFile(Hierarchy h);

  /**
   * Whether the activity file is v1's {@code cpu.stat} (cpu mounted without cpuacct): its {@code nr_periods} moves
   * while a task of a group with a CFS quota of its own runs (the quota's period timer runs only then), and never for a
   * group without one (0, or frozen where a quota was removed). It is a signal only while nr_periods is not 0.
   */
  default boolean activityCountsPeriods(Hierarchy h) {
    return false;
  }

  static CgroupReader forVersion(int version) {
    return version == 1 ? V1Reader.INSTANCE : V2Reader.INSTANCE;
  }
}
