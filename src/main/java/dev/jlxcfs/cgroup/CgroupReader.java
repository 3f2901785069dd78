package dev.jlxcfs.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a cgroup's limits and usage from one hierarchy's files. One implementation per cgroup version; the caller
 * picks it by the version of the hierarchy that serves the controller, so a hybrid host uses both.
 *
 * <p>Methods that take {@code levels} get the cgroup's directory first, then each ancestor up to the mount point
 * ({@link CgroupDir#levels()}). A missing file means one of two things. For a limit, it means "no limit at this
 * level" (a v2 root has no memory.max; a v2 child whose parent does not enable the controller has none of its
 * files), so the walk goes on. For usage, it means the cgroup is gone (or the controller is not enabled anywhere
 * on the path), and the method throws: the caller then serves the host's file. A malformed file always throws.
 */
public interface CgroupReader {

  MemoryLimits memoryLimits(List<Path> levels) throws IOException;

  /** Usage; swap use is read only when {@code swapAccounted} (from {@link MemoryLimits}), else -1. */
  MemoryUsage memoryUsage(List<Path> levels, boolean swapAccounted) throws IOException;

  /** The smallest CFS quota/period ratio on the path, in CPUs (1.5 = one and a half); +Infinity when none. */
  double cpuQuota(List<Path> levels) throws IOException;

  /** The CPUs the cgroup may run on, from the nearest level that names any; null when no level does. */
  BitSet cpuset(List<Path> levels) throws IOException;

  /** The cgroup's accumulated CPU time. */
  CpuUsage cpuUsage(List<Path> levels) throws IOException;

  /** Which controller's hierarchy holds the CPU accounting files: "cpuacct" on v1, "cpu" on v2. */
  String cpuUsageController();

  static CgroupReader forVersion(int version) {
    return version == 1 ? V1Reader.INSTANCE : V2Reader.INSTANCE;
  }
}
