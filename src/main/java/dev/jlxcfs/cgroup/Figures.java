package dev.jlxcfs.cgroup;

/**
 * The kinds of figures read from a caller's cgroups, each from one of its groups ({@link CgroupMounts.Dirs#of}); the
 * files each is read from depend on the group's cgroup version ({@link CgroupDir#filesRead}).
 */
public enum Figures {
  /** Memory and swap limits and usage (meminfo, swaps). */
  MEMORY,
  /** The CFS quota (the CPU count). */
  CPU_QUOTA,
  /** The CPUs allowed (the CPU count and which CPUs). */
  CPUSET,
  /** The CPU time used (stat, uptime's idle). */
  CPU_TIME,
  /** The I/O counters (diskstats). */
  IO
}
