package dev.jlxcfs.cgroup;

import dev.jlxcfs.cgroup.Cgroup.Kept;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.KeptFile;
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
  /** The key of throttled time (ns) in the cpu controller's cpu.stat and cpu.stat.local. */
  private static final byte[] THROTTLED_TIME = Bytes.ascii("throttled_time ");

  private V1Reader() {}

  @Override
  public MemoryLimits memoryLimits(List<Path> levels, ReadBuffer text) throws IOException {
    boolean swapAccounted = Files.exists(levels.get(0).resolve("memory.memsw.limit_in_bytes"));
    long memory = Levels.smallest(levels, "memory.limit_in_bytes", Levels::v1Limit, false, text);
    long memsw = swapAccounted
        ? Levels.smallest(levels, "memory.memsw.limit_in_bytes", Levels::v1Limit, false, text)
        : MemoryLimits.NONE;
    // memsw limits RAM + swap together; what is left for swap is the difference.
    long swap = memsw == MemoryLimits.NONE ? MemoryLimits.NONE
        : memory == MemoryLimits.NONE ? memsw : Math.max(0, memsw - memory);
    return new MemoryLimits(memory, swap, swapAccounted);
  }

  @Override
  public MemoryUsage memoryUsage(Cgroup cg, boolean withSwap, ReadBuffer text) throws IOException {
    long memory = Levels.readLong(cg.kept(Kept.MEMORY_USAGE, "memory.usage_in_bytes", false), text);
    long swap = -1;
    if (withSwap) {
      long memsw = Levels.readLong(cg.kept(Kept.SWAP_USAGE, "memory.memsw.usage_in_bytes", false), text);
      swap = Math.max(0, memsw - memory);
    }
    KeptFile stat = cg.kept(Kept.MEMORY_STAT, "memory.stat", false);
    return new MemoryUsage(memory, swap, MemStat.parse(stat.read(text), 1, stat.path()));
  }

  @Override
  public double cpuQuota(List<Path> levels, ReadBuffer text) throws IOException {
    double min = Double.POSITIVE_INFINITY;
    for (Path level : levels) {
      long quota;
      try {
        quota = Levels.readLong(level.resolve("cpu.cfs_quota_us"), text);
      } catch (NoSuchFileException e) {
        continue; // the root of some kernels, or CONFIG_CFS_BANDWIDTH off
      }
      if (quota <= 0) {
        continue; // -1: no quota at this level
      }
      long period = Levels.readLong(level.resolve("cpu.cfs_period_us"), text);
      if (period > 0) {
        min = Math.min(min, (double) quota / period);
      }
    }
    return min;
  }

  @Override
  public BitSet cpuset(List<Path> levels, ReadBuffer text) throws IOException {
    return Levels.nearestCpuList(levels, "cpuset.cpus", text);
  }

  @Override
  public CpuUsage cpuUsage(Cgroup cg, ReadBuffer text) throws IOException {
    long total = Levels.readLong(cg.kept(Kept.CPU_USAGE, "cpuacct.usage", false), text);
    // cpuacct.stat splits time into user and system in ticks, sampled less precisely than cpuacct.usage;
    // its ratio splits the precise total.
    KeptFile statFile = cg.kept(Kept.CPU_STAT, "cpuacct.stat", false);
    statFile.read(text);
    long[] ticks = new long[2];
    CPUACCT_STAT.parse(text.bytes(), text.length(), ticks, statFile.path());
    long userTicks = Math.max(0, ticks[0]);
    long systemTicks = Math.max(0, ticks[1]);
    long sum = userTicks + systemTicks;
    long user = sum == 0 ? total : (long) (total * ((double) userTicks / sum));
    return new CpuUsage(user, total - user);
  }

  /** v1 keeps no pressure figures: those are cgroup2's, read from the caller's cgroup2 group where it has one. */
  @Override
  public long cpuWaitNanos(Cgroup cg, ReadBuffer text) {
    return -1;
  }

  /** The cpu controller's {@code cpu.stat.local} {@code throttled_time} where the kernel has it, else cpu.stat's. */
  @Override
  public long cpuThrottledNanos(Cgroup cg, ReadBuffer text) throws IOException {
    KeptFile local = cg.counters(Kept.CPU_THROTTLED, "cpu.stat.local", false, true);
    if (local != null) {
      return Levels.keyedValue(local, THROTTLED_TIME, text);
    }
    KeptFile stat = cg.counters(Kept.CPU_BANDWIDTH, "cpu.stat", false, true);
    return stat == null ? 0 : Levels.keyedValue(stat, THROTTLED_TIME, text);
  }

  /**
   * {@code blkio.throttle.io_serviced} and {@code io_service_bytes}, each the {@code _recursive} file (the group and
   * its descendants) where the kernel has it. Where they count nothing, the {@code blkio.bfq.*} ones if the group
   * has them (the bfq scheduler): v1 kernels count a group's I/O in the throttle files only once a throttle limit is
   * set on it.
   */
  @Override
  public IoCounters ioCounters(Cgroup cg, ReadBuffer text, IoCounters into, IoCounters spare) throws IOException {
    blkio(cg, false, text, into);
    if (!into.anyOps() && blkio(cg, true, text, spare)) {
      return spare;
    }
    return into;
  }

  /** Fills {@code io} from the throttle (or bfq) counters; false when the group has no bfq files. */
  private static boolean blkio(Cgroup cg, boolean bfq, ReadBuffer text, IoCounters io) throws IOException {
    String base = bfq ? "blkio.bfq" : "blkio.throttle";
    KeptFile ops = cg.counters(bfq ? Kept.BFQ_OPS : Kept.IO_OPS, base + ".io_serviced", true, bfq);
    if (ops == null) {
      return false;
    }
    IoCounters.parseBlkio(ops.read(text).bytes(), text.length(), false, io, ops.path());
    KeptFile bytes = cg.counters(bfq ? Kept.BFQ_BYTES : Kept.IO_BYTES, base + ".io_service_bytes", true, bfq);
    if (bytes != null) {
      IoCounters.parseBlkio(bytes.read(text).bytes(), text.length(), true, io, bytes.path());
    }
    return true;
  }

  @Override
  public List<String> filesRead(Figures kind) {
    return switch (kind) {
      case MEMORY -> List.of("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.usage_in_bytes");
      case CPU_QUOTA -> List.of("cpu.cfs_quota_us", "cpu.cfs_period_us");
      case CPUSET -> List.of("cpuset.cpus");
      case CPU_TIME -> List.of("cpuacct.usage", "cpuacct.stat");
      case IO -> List.of("blkio.throttle.io_service_bytes_recursive");
    };
  }

  @Override
  public String threadList() {
    return "tasks";
  }

  @Override
  public String activityFile(Hierarchy h) {
    // Without cpuacct: the cpu controller's cpu.stat, whose nr_periods moves while a group with a quota of its own
    // runs (activityCountsPeriods).
    return h.controllers().contains("cpuacct") ? "cpuacct.usage" : h.controllers().contains("cpu") ? "cpu.stat" : null;
  }

  @Override
  public boolean activityCountsPeriods(Hierarchy h) {
    return !h.controllers().contains("cpuacct") && h.controllers().contains("cpu");
  }
}
