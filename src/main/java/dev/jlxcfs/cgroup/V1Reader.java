package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/** cgroup v1: memory.limit_in_bytes, memory.memsw.*, cpu.cfs_*, cpuset.cpus, cpuacct.*. */
final class V1Reader implements CgroupReader {

  static final V1Reader INSTANCE = new V1Reader();

  private V1Reader() {}

  @Override
  public MemoryLimits memoryLimits(List<Path> levels) throws IOException {
    long memory = MemoryLimits.NONE;
    long memsw = MemoryLimits.NONE;
    boolean swapAccounted = Files.exists(levels.get(0).resolve("memory.memsw.limit_in_bytes"));
    for (Path level : levels) {
      memory = Math.min(memory, limit(level.resolve("memory.limit_in_bytes")));
      if (swapAccounted) {
        memsw = Math.min(memsw, limit(level.resolve("memory.memsw.limit_in_bytes")));
      }
    }
    // memsw limits RAM + swap together; what is left for swap is the difference.
    long swap = memsw == MemoryLimits.NONE ? MemoryLimits.NONE
        : memory == MemoryLimits.NONE ? memsw : Math.max(0, memsw - memory);
    return new MemoryLimits(memory, swap, swapAccounted);
  }

  private static long limit(Path file) throws IOException {
    return MemoryLimits.normalize(Texts.parseLong(Texts.readValue(file), file));
  }

  @Override
  public MemoryUsage memoryUsage(List<Path> levels, boolean swapAccounted) throws IOException {
    Path dir = levels.get(0);
    Path usageFile = dir.resolve("memory.usage_in_bytes");
    long memory = Texts.parseLong(Texts.readValue(usageFile), usageFile);
    long swap = -1;
    if (swapAccounted) {
      Path memswFile = dir.resolve("memory.memsw.usage_in_bytes");
      swap = Math.max(0, Texts.parseLong(Texts.readValue(memswFile), memswFile) - memory);
    }
    return new MemoryUsage(memory, swap, MemStat.read(dir.resolve("memory.stat"), 1));
  }

  @Override
  public double cpuQuota(List<Path> levels) throws IOException {
    double min = Double.POSITIVE_INFINITY;
    for (Path level : levels) {
      Path quotaFile = level.resolve("cpu.cfs_quota_us");
      if (!Files.exists(quotaFile)) {
        continue; // the root of some kernels, or CONFIG_CFS_BANDWIDTH off
      }
      long quota = Texts.parseLong(Texts.readValue(quotaFile), quotaFile);
      if (quota <= 0) {
        continue; // -1: no quota at this level
      }
      Path periodFile = level.resolve("cpu.cfs_period_us");
      long period = Texts.parseLong(Texts.readValue(periodFile), periodFile);
      if (period > 0) {
        min = Math.min(min, (double) quota / period);
      }
    }
    return min;
  }

  @Override
  public BitSet cpuset(List<Path> levels) throws IOException {
    return nearestCpuList(levels, "cpuset.cpus");
  }

  static BitSet nearestCpuList(List<Path> levels, String fileName) throws IOException {
    for (Path level : levels) {
      Path file = level.resolve(fileName);
      if (!Files.exists(file)) {
        continue;
      }
      BitSet cpus = CpuList.parse(Texts.readValue(file), file);
      if (!cpus.isEmpty()) {
        return cpus;
      }
    }
    return null;
  }

  @Override
  public CpuUsage cpuUsage(List<Path> levels) throws IOException {
    Path dir = levels.get(0);
    Path usageFile = dir.resolve("cpuacct.usage");
    long total = Texts.parseLong(Texts.readValue(usageFile), usageFile);
    // cpuacct.stat splits time into user and system in ticks, sampled less precisely than cpuacct.usage;
    // its ratio splits the precise total.
    Path statFile = dir.resolve("cpuacct.stat");
    String stat = Texts.read(statFile);
    long userTicks = Texts.keyedValue(stat, "user", 0, statFile);
    long systemTicks = Texts.keyedValue(stat, "system", 0, statFile);
    long ticks = userTicks + systemTicks;
    long user = ticks == 0 ? total : (long) (total * ((double) userTicks / ticks));
    return new CpuUsage(user, total - user);
  }

  @Override
  public String cpuUsageController() {
    return "cpuacct";
  }
}
