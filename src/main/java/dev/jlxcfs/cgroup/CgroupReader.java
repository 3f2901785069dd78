package dev.jlxcfs.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a cgroup's limits and usage from one hierarchy's files. One implementation per cgroup version; the
 * hierarchy that serves a controller picks it, so a hybrid host uses both.
 *
 * <p>Limits walk {@code levels}: the cgroup's directory first, then each ancestor up to the mount point. A missing
 * limit file means "no limit at this level" (a v2 root has no memory.max; a v2 child whose parent does not enable
 * the controller has none of its files), so the walk goes on. Usage is read from the cgroup's kept-open files
 * ({@link Cgroup#kept}); a missing usage file means the cgroup is gone, and the read throws: the caller then
 * serves the host's file. A malformed file always throws.
 */
interface CgroupReader {

  MemoryLimits memoryLimits(List<Path> levels) throws IOException;

  /** Usage now; swap use only when {@code withSwap} (the caller knows it is accounted), else -1. */
  MemoryUsage memoryUsage(Cgroup cgroup, boolean withSwap) throws IOException;

  /** The smallest CFS quota/period ratio on the path, in CPUs (1.5 = one and a half); +Infinity when none. */
  double cpuQuota(List<Path> levels) throws IOException;

  /** The CPUs the cgroup may run on, from the nearest level that names any; null when no level does. */
  BitSet cpuset(List<Path> levels) throws IOException;

  /** The cgroup's accumulated CPU time. */
  CpuUsage cpuUsage(Cgroup cgroup) throws IOException;

  static CgroupReader forVersion(int version) {
    return version == 1 ? V1Reader.INSTANCE : V2Reader.INSTANCE;
  }
}
