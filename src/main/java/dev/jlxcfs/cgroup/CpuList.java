package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.BitSet;

/** The kernel's CPU list format ("0-3,8,10-11"), as in cpuset.cpus and /sys/devices/system/cpu/online. */
public final class CpuList {

  private CpuList() {}

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
          cpus.set(Integer.parseInt(part.trim()));
        } else {
          int from = Integer.parseInt(part.substring(0, dash).trim());
          int to = Integer.parseInt(part.substring(dash + 1).trim());
          if (to < from || to > 1 << 16) {
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
