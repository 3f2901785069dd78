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
 * ({@link CgroupDir#levels()}). Every method throws when a file it needs is missing or malformed: the caller then
 * serves the host's file.
 */
public interface CgroupReader {

  MemoryLimits memoryLimits(List<Path> levels) throws IOException;

  MemoryUsage memoryUsage(List<Path> levels) throws IOException;

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
