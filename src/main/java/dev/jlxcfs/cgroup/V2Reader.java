package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * cgroup v2: memory.max/current/stat, memory.swap.*, cpu.max, cpuset.cpus.effective, cpu.stat.
 *
 * <p>A v2 cgroup has a controller's files only when its parent enables the controller for its children; where it
 * does not, the cgroup's use is charged to the nearest ancestor that has the files. Readers therefore skip levels
 * without the files rather than fail.
 */
final class V2Reader implements CgroupReader {

  static final V2Reader INSTANCE = new V2Reader();

  private V2Reader() {}

  @Override
  public MemoryLimits memoryLimits(List<Path> levels) throws IOException {
    long memory = MemoryLimits.NONE;
    long swap = MemoryLimits.NONE;
    boolean swapAccounted = false;
    for (Path level : levels) {
      memory = Math.min(memory, limit(level.resolve("memory.max")));
      Path swapMax = level.resolve("memory.swap.max");
      if (Files.exists(swapMax)) {
        swapAccounted = true;
        swap = Math.min(swap, limit(swapMax));
      }
    }
    return new MemoryLimits(memory, swap, swapAccounted);
  }

  /** "max" or a number; a missing file (the root cgroup, or controller not enabled here) is no limit. */
  private static long limit(Path file) throws IOException {
    String value;
    try {
      value = Texts.readValue(file);
    } catch (NoSuchFileException e) {
      return MemoryLimits.NONE;
    }
    return value.equals("max") ? MemoryLimits.NONE : MemoryLimits.normalize(Texts.parseLong(value, file));
  }

  @Override
  public MemoryUsage memoryUsage(List<Path> levels, boolean swapAccounted) throws IOException {
    // The nearest level with the controller's files: the first read that succeeds (one open in the usual case).
    for (int i = 0; ; i++) {
      Path dir = levels.get(i);
      Path current = dir.resolve("memory.current");
      String value;
      try {
        value = Texts.readValue(current);
      } catch (NoSuchFileException e) {
        if (i + 1 < levels.size() && Files.isDirectory(dir)) {
          continue;
        }
        throw e;
      }
      long memory = Texts.parseLong(value, current);
      long swap = -1;
      if (swapAccounted) {
        Path swapFile = dir.resolve("memory.swap.current");
        swap = Texts.parseLong(Texts.readValue(swapFile), swapFile);
      }
      return new MemoryUsage(memory, swap, MemStat.read(dir.resolve("memory.stat"), 2));
    }
  }

  @Override
  public double cpuQuota(List<Path> levels) throws IOException {
    double min = Double.POSITIVE_INFINITY;
    for (Path level : levels) {
      Path file = level.resolve("cpu.max");
      String value;
      try {
        value = Texts.readValue(file);
      } catch (NoSuchFileException e) {
        continue;
      }
      String[] parts = value.split("\\s+");
      if (parts.length == 0 || parts[0].equals("max")) {
        continue;
      }
      if (parts.length != 2) {
        throw new MalformedException(file, "expected 'QUOTA PERIOD', got '" + value + "'");
      }
      long quota = Texts.parseLong(parts[0], file);
      long period = Texts.parseLong(parts[1], file);
      if (quota > 0 && period > 0) {
        min = Math.min(min, (double) quota / period);
      }
    }
    return min;
  }

  @Override
  public BitSet cpuset(List<Path> levels) throws IOException {
    BitSet effective = V1Reader.nearestCpuList(levels, "cpuset.cpus.effective");
    return effective != null ? effective : V1Reader.nearestCpuList(levels, "cpuset.cpus");
  }

  @Override
  public CpuUsage cpuUsage(List<Path> levels) throws IOException {
    Path file = nearestWith(levels, "cpu.stat").resolve("cpu.stat");
    String stat = Texts.read(file);
    long user = Texts.keyedValue(stat, "user_usec", -1, file);
    long system = Texts.keyedValue(stat, "system_usec", -1, file);
    if (user < 0 || system < 0) {
      throw new MalformedException(file, "no user_usec/system_usec");
    }
    return new CpuUsage(user * 1000, system * 1000);
  }

  @Override
  public String cpuUsageController() {
    return "cpu";
  }

  private static Path nearestWith(List<Path> levels, String file) throws NoSuchFileException {
    for (Path level : levels) {
      if (Files.exists(level.resolve(file))) {
        return level;
      }
    }
    throw new NoSuchFileException(levels.get(0).resolve(file).toString());
  }
}
