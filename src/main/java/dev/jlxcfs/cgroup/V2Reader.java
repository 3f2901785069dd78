package dev.jlxcfs.cgroup;

import dev.jlxcfs.cgroup.Cgroup.Kept;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.KeptFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * cgroup v2: memory.max/current/stat, memory.swap.*, cpu.max, cpuset.cpus.effective, cpu.stat.
 *
 * <p>A v2 cgroup has a controller's files only when its parent enables the controller for its children; where it
 * does not, the cgroup's use is charged to the nearest ancestor that has the files. Limits therefore skip levels
 * without the files, and usage is read at the nearest level that has them.
 */
final class V2Reader implements CgroupReader {

  static final V2Reader INSTANCE = new V2Reader();

  private static final KeyedValues CPU_STAT = new KeyedValues(List.of("user_usec", "system_usec"), ' ');
  /** The key of throttled time (us) in cpu.stat and cpu.stat.local. */
  private static final byte[] THROTTLED_USEC = Bytes.ascii("throttled_usec ");
  /** The line of a pressure file that counts the time none of the group's runnable tasks ran. */
  private static final byte[] FULL = Bytes.ascii("full ");

  private V2Reader() {}

  @Override
  public MemoryLimits memoryLimits(List<Path> levels, ReadBuffer text) throws IOException {
    long memory = Levels.smallest(levels, "memory.max", Levels::v2Limit, true, text);
    boolean swapAccounted = Levels.anyHas(levels, "memory.swap.max");
    long swap = swapAccounted ? Levels.smallest(levels, "memory.swap.max", Levels::v2Limit, true, text)
        : MemoryLimits.NONE;
    return new MemoryLimits(memory, swap, swapAccounted);
  }

  @Override
  public MemoryUsage memoryUsage(Cgroup cg, boolean withSwap, ReadBuffer text) throws IOException {
    long memory = Levels.readLong(cg.kept(Kept.MEMORY_USAGE, "memory.current", true), text);
    long swap = -1;
    if (withSwap) {
      swap = Levels.readLong(cg.kept(Kept.SWAP_USAGE, "memory.swap.current", true), text);
    }
    KeptFile stat = cg.kept(Kept.MEMORY_STAT, "memory.stat", true);
    return new MemoryUsage(memory, swap, MemStat.parse(stat.read(text), 2, stat.path()));
  }

  @Override
  public double cpuQuota(List<Path> levels, ReadBuffer text) throws IOException {
    double min = Double.POSITIVE_INFINITY;
    for (Path level : levels) {
      Path file = level.resolve("cpu.max");
      String value = Levels.readFirstLine(file, text);
      if (value == null) {
        continue;
      }
      String[] parts = value.split("\\s+");
      if (parts.length == 0 || parts[0].equals("max")) {
        continue;
      }
      if (parts.length != 2) {
        throw new MalformedException(file, "expected 'QUOTA PERIOD', got '" + value + "'");
      }
      long quota = parse(parts[0], file);
      long period = parse(parts[1], file);
      if (quota > 0 && period > 0) {
        min = Math.min(min, (double) quota / period);
      }
    }
    return min;
  }

  private static long parse(String s, Path file) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new MalformedException(file, "not a number: '" + s + "'");
    }
  }

  @Override
  public BitSet cpuset(List<Path> levels, ReadBuffer text) throws IOException {
    BitSet effective = Levels.nearestCpuList(levels, "cpuset.cpus.effective", text);
    return effective != null ? effective : Levels.nearestCpuList(levels, "cpuset.cpus", text);
  }

  @Override
  public CpuUsage cpuUsage(Cgroup cg, ReadBuffer text) throws IOException {
    KeptFile file = cg.kept(Kept.CPU_STAT, "cpu.stat", true);
    file.read(text);
    long[] usec = new long[2];
    CPU_STAT.parse(text.bytes(), text.length(), usec, file.path());
    if (usec[0] < 0 || usec[1] < 0) {
      throw new MalformedException(file.path(), "no user_usec/system_usec");
    }
    return new CpuUsage(usec[0] * 1000, usec[1] * 1000);
  }

  /**
   * {@code cpu.pressure}'s {@code full} total (us); -1 where the group has no such file (PSI off) or no such line
   * (Linux before 5.13 kept only {@code some} for CPU).
   */
  @Override
  public long cpuWaitNanos(Cgroup cg, ReadBuffer text) throws IOException {
    KeptFile pressure = cg.counters(Kept.CPU_PRESSURE, "cpu.pressure", false, true);
    if (pressure == null) {
      return -1;
    }
    pressure.read(text);
    long full = Levels.pressureTotal(text.bytes(), text.length(), FULL, pressure.path());
    return full < 0 ? -1 : full * 1000;
  }

  /**
   * {@code cpu.stat.local}'s {@code throttled_usec} where the kernel has it (it counts an ancestor's throttling too),
   * else cpu.stat's (the group's own quota; absent where the cpu controller is not enabled for the group: 0).
   */
  @Override
  public long cpuThrottledNanos(Cgroup cg, ReadBuffer text) throws IOException {
    KeptFile local = cg.counters(Kept.CPU_THROTTLED, "cpu.stat.local", false, true);
    long usec = local != null ? Levels.keyedValue(local, THROTTLED_USEC, text)
        : Levels.keyedValue(cg.kept(Kept.CPU_STAT, "cpu.stat", true), THROTTLED_USEC, text);
    return usec * 1000;
  }

  /** {@code io.stat} of the group itself (rbytes, wbytes, rios, wios, dbytes, dios per device). */
  @Override
  public IoCounters ioCounters(Cgroup cg, ReadBuffer text, IoCounters into, IoCounters spare) throws IOException {
    KeptFile stat = cg.counters(Kept.IO_STAT, "io.stat", false, false);
    IoCounters.parseIoStat(stat.read(text).bytes(), text.length(), into, stat.path());
    return into;
  }

  @Override
  public List<String> filesRead(Figures kind) {
    return switch (kind) {
      case MEMORY -> List.of("memory.max", "memory.swap.max", "memory.current");
      case CPU_QUOTA -> List.of("cpu.max");
      case CPUSET -> List.of("cpuset.cpus", "cpuset.cpus.effective");
      case CPU_TIME -> List.of("cpu.stat");
      case IO -> List.of("io.stat");
    };
  }

  /** The group's threads: cgroup.threads (cgroup.procs lists only thread-group leaders). */
  @Override
  public String threadList() {
    return "cgroup.threads";
  }

  /** cpu.stat: usage_usec (and, with the cpu controller, the throttling counters); a core file of every group. */
  @Override
  public String activityFile(Hierarchy h) {
    return "cpu.stat";
  }
}
