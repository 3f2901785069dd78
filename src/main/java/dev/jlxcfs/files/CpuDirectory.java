package dev.jlxcfs.files;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The listing of /sys/devices/system/cpu for a caller: cpu0..cpu(n-1) and the range files (htop counts cpuN). */
public final class CpuDirectory {

  public static final String PATH = "/sys/devices/system/cpu";


  public CpuDirectory() {
  }

  /** The entries this caller sees, in the order ls shows them. */
  public List<String> list(ReadContext ctx) throws IOException {
    int n = ctx.cpuView().count();
    List<String> names = new ArrayList<>(n + 3);
    for (int i = 0; i < n; i++) {
      names.add("cpu" + i);
    }
    names.addAll(List.of("online", "possible", "present"));
    return names;
  }
}
