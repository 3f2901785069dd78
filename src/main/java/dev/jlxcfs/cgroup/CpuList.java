package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.BitSet;

/** The kernel's CPU list format ("0-3,8,10-11"), as in cpuset.cpus and /sys/devices/system/cpu/online. */
public final class CpuList {

  private CpuList() {}

  /** CPU numbers above this are malformed: the kernel's NR_CPUS limit is 8192, and a BitSet grows to its highest. */
  static final int MAX_CPU = 1 << 16;

  /** Parses a list; an empty or blank string is the empty set. */
  public static BitSet parse(String list, Path source) {
    BitSet cpus = new BitSet();
    String s = list.trim();
    if (s.isEmpty()) {
      return cpus;
    }
    for (String part : s.split(",")) {
      try {
        int dash = part.indexOf('-');
        if (dash < 0) {
          int cpu = Integer.parseInt(part.trim());
          if (cpu > MAX_CPU) {
            throw new NumberFormatException(); // "2147483647" alone would make a 256 MiB BitSet
          }
          cpus.set(cpu);
        } else {
          int from = Integer.parseInt(part.substring(0, dash).trim());
          int to = Integer.parseInt(part.substring(dash + 1).trim());
          if (to < from || to > MAX_CPU) {
            throw new NumberFormatException();
          }
          cpus.set(from, to + 1);
        }
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        throw new MalformedException(source, "bad CPU list '" + list.trim() + "'");
      }
    }
    return cpus;
  }
}
