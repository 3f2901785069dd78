package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * /proc/diskstats for a cgroup. The rules:
 *
 * <ul>
 *   <li>One line per line of the host's file, in its order, with its major, minor and name as they are and as many
 *       figures as the host's kernel prints (14, 18 or 20).
 *   <li>The figures are the cgroup's own I/O on that device: reads and writes completed, sectors read and written
 *       (bytes / 512), discards and sectors discarded where the cgroup reports them. The kernel accounts a
 *       cgroup's I/O per disk, so partitions show zeros, as do devices the cgroup never used.
 *   <li>Merges, times, I/Os in flight and flushes are not kept per cgroup by today's kernels: 0.
 * </ul>
 */
public final class Diskstats {

  /** A cgroup's I/O on one device (bytes and operations). */
  public record Io(long readOps, long writeOps, long readBytes, long writeBytes, long discardOps, long discardBytes) {
    public static final Io NONE = new Io(0, 0, 0, 0, 0, 0);
  }

  /** Compiled once: String.split with a regex compiles it on every call, i.e. per line of every read. */
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private Diskstats() {}

  /**
   * Writes the file: the host's lines with the figures of {@code io} (keyed "major:minor"). A line that does not
   * look like a diskstats line is copied as it is.
   */
  public static void render(String host, Map<String, Io> io, ByteSink out) {
    for (String line : host.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = WHITESPACE.split(line.trim());
      if (f.length < 4 || !isNumber(f[0]) || !isNumber(f[1])) {
        out.write(line).write('\n');
        continue;
      }
      Io d = io.getOrDefault(f[0] + ":" + f[1], Io.NONE);
      long[] v = new long[f.length - 3];
      set(v, 0, d.readOps());
      set(v, 2, d.readBytes() / 512);
      set(v, 4, d.writeOps());
      set(v, 6, d.writeBytes() / 512);
      set(v, 11, d.discardOps());
      set(v, 13, d.discardBytes() / 512);
      // The kernel's "%4d %7d %s": the same padding as the host's own lines.
      out.repeat((byte) ' ', Math.max(0, 4 - f[0].length())).write(f[0]).write(' ')
          .repeat((byte) ' ', Math.max(0, 7 - f[1].length())).write(f[1]).write(' ').write(f[2]);
      for (long x : v) {
        out.write(' ').write(x);
      }
      out.write('\n');
    }
  }

  private static void set(long[] v, int i, long value) {
    if (i < v.length) {
      v[i] = Math.max(0, value);
    }
  }

  private static boolean isNumber(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
