package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CpuView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The listing of /sys/devices/system/cpu for a caller: the {@code cpuN} directories of the CPUs it is shown, by
 * their own numbers (htop and glibc's older fallbacks count them), and every other entry the tree has there.
 */
public final class CpuDirectory {

  public static final String PATH = "/sys/devices/system/cpu";

  private final List<String> others;

  /** @param others the entries listed for every caller (online, possible, vulnerabilities ...) */
  public CpuDirectory(List<String> others) {
    this.others = List.copyOf(others);
  }

  /** The entries this caller sees (the FUSE layer keeps only those the tree has). */
  public List<String> list(ReadContext ctx) throws IOException {
    CpuView view = ctx.cpuView();
    List<String> names = new ArrayList<>(view.count() + others.size());
    for (int cpu : view.hostCpus()) {
      names.add("cpu" + cpu);
    }
    names.addAll(others);
    return names;
  }

  /** Whether {@code name} is a cpuN entry (listed per caller). */
  public static boolean isCpu(String name) {
    return name.length() > 3 && name.startsWith("cpu") && name.chars().skip(3).allMatch(c -> c >= '0' && c <= '9');
  }
}
