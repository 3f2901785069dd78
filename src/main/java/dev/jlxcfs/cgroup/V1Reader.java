package dev.jlxcfs.cgroup;

import dev.jlxcfs.cgroup.Cgroup.Kept;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/** cgroup v1: memory.limit_in_bytes, memory.memsw.*, cpu.cfs_*, cpuset.cpus, cpuacct.*. */
final class V1Reader implements CgroupReader {

  static final V1Reader INSTANCE = new V1Reader();

  private static final KeyedValues CPUACCT_STAT = new KeyedValues(List.of("user", "system"), ' ');

  private V1Reader() {}

  @Override
  public MemoryLimits memoryLimits(List<Path> levels) throws IOException {
    boolean swapAccounted = Files.exists(levels.get(0).resolve("memory.memsw.limit_in_bytes"));
    long memory = Levels.smallest(levels, "memory.limit_in_bytes", Levels::v1Limit, false);
    long memsw = swapAccounted
        ? Levels.smallest(levels, "memory.memsw.limit_in_bytes", Levels::v1Limit, false) : MemoryLimits.NONE;
    // memsw limits RAM + swap together; what is left for swap is the difference.
    long swap = memsw == MemoryLimits.NONE ? MemoryLimits.NONE
        : memory == MemoryLimits.NONE ? memsw : Math.max(0, memsw - memory);
    return new MemoryLimits(memory, swap, swapAccounted);
  }

  @Override
  public MemoryUsage memoryUsage(Cgroup cg, boolean withSwap) throws IOException {
    long memory = Levels.readLong(cg.kept(Kept.MEMORY_USAGE, "memory.usage_in_bytes", false));
    long swap = -1;
    if (withSwap) {
      long memsw = Levels.readLong(cg.kept(Kept.SWAP_USAGE, "memory.memsw.usage_in_bytes", false));
      swap = Math.max(0, memsw - memory);
    }
    SourceFile stat = cg.kept(Kept.MEMORY_STAT, "memory.stat", false);
    return new MemoryUsage(memory, swap, MemStat.parse(stat.read(ReadBuffer.local(1)), 1, stat.path()));
  }

  @Override
  public double cpuQuota(List<Path> levels) throws IOException {
    double min = Double.POSITIVE_INFINITY;
    for (Path level : levels) {
      long quota;
      try {
        quota = Levels.readLong(level.resolve("cpu.cfs_quota_us"));
      } catch (NoSuchFileException e) {
        continue; // the root of some kernels, or CONFIG_CFS_BANDWIDTH off
      }
      if (quota <= 0) {
        continue; // -1: no quota at this level
      }
      long period = Levels.readLong(level.resolve("cpu.cfs_period_us"));
      if (period > 0) {
        min = Math.min(min, (double) quota / period);
      }
    }
    return min;
  }

  @Override
  public BitSet cpuset(List<Path> levels) throws IOException {
    return Levels.nearestCpuList(levels, "cpuset.cpus");
  }

  @Override
  public CpuUsage cpuUsage(Cgroup cg) throws IOException {
    long total = Levels.readLong(cg.kept(Kept.CPU_USAGE, "cpuacct.usage", false));
    // cpuacct.stat splits time into user and system in ticks, sampled less precisely than cpuacct.usage;
    // its ratio splits the precise total.
    SourceFile statFile = cg.kept(Kept.CPU_STAT, "cpuacct.stat", false);
    ReadBuffer text = statFile.read(ReadBuffer.local(1));
    long[] ticks = new long[2];
    CPUACCT_STAT.parse(text.bytes(), text.length(), ticks, statFile.path());
    long userTicks = Math.max(0, ticks[0]);
    long systemTicks = Math.max(0, ticks[1]);
    long sum = userTicks + systemTicks;
    long user = sum == 0 ? total : (long) (total * ((double) userTicks / sum));
    return new CpuUsage(user, total - user);
  }
}
