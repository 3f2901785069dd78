package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;

/**
 * /proc/swaps for a cgroup. The rules:
 *
 * <ul>
 *   <li>The host's header line, as it is.
 *   <li>One line for the cgroup's swap when it has any (SwapTotal of its meminfo above 0): file name {@code none},
 *       type {@code virtual} (as lxcfs), size = its SwapTotal, used = SwapTotal - SwapFree, priority 0, in kB and
 *       in the kernel's column layout (swap_show()). None when it has no swap.
 *   <li>A caller without a memory limit gets the host's file, as for meminfo.
 * </ul>
 */
public final class Swaps {

  private static final byte[] HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n".getBytes(
      java.nio.charset.StandardCharsets.US_ASCII);

  private Swaps() {}

  /** Writes the file: the header of {@code host} (or the kernel's), then the cgroup's line if {@code sizeKb > 0}. */
  public static void render(byte[] host, int hostLength, long sizeKb, long usedKb, ByteSink out) {
    int eol = 0;
    while (eol < hostLength && host[eol] != '\n') {
      eol++;
    }
    if (eol > 0 && eol < hostLength) {
      out.write(host, 0, eol + 1);
    } else {
      out.write(HEADER);
    }
    if (sizeKb <= 0) {
      return;
    }
    long used = Math.max(0, Math.min(usedKb, sizeKb));
    // As the kernel's swap_show() pads: the name to 40 columns, a second tab after figures under 10^7.
    out.write("none").repeat((byte) ' ', 36).write("virtual\t").write(sizeKb).write(sizeKb < 10_000_000 ? "\t\t" : "\t")
        .write(used).write(used < 10_000_000 ? "\t\t" : "\t").write("0\n");
  }
}
