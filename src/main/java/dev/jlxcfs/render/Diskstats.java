package dev.jlxcfs.render;

import dev.jlxcfs.cgroup.IoCounters;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;

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

  private Diskstats() {}

  /**
   * Writes the file: the host's lines ({@code host[0, len)}) with the figures of {@code io}. A line that does not
   * look like a diskstats line is copied as it is; blank lines are dropped.
   */
  public static void render(byte[] host, int len, IoCounters io, ByteSink out) {
    int pos = 0;
    while (pos < len) {
      int eol = Bytes.lineEnd(host, pos, len);
      int majorFrom = Bytes.skipSpaces(host, pos, eol);
      int majorTo = Bytes.tokenEnd(host, majorFrom, eol);
      int minorFrom = Bytes.skipSpaces(host, majorTo, eol);
      int minorTo = Bytes.tokenEnd(host, minorFrom, eol);
      int nameFrom = Bytes.skipSpaces(host, minorTo, eol);
      int nameTo = Bytes.tokenEnd(host, nameFrom, eol);
      int fields = 0;
      for (int i = Bytes.skipSpaces(host, nameTo, eol); i < eol; ) {
        fields++;
        i = Bytes.skipSpaces(host, Bytes.tokenEnd(host, i, eol), eol);
      }
      if (majorFrom == eol) {
        // a blank line
      } else if (fields < 1 || !isNumber(host, majorFrom, majorTo) || !isNumber(host, minorFrom, minorTo)) {
        out.write(host, pos, eol).write('\n');
      } else {
        long major = number(host, majorFrom, majorTo);
        long minor = number(host, minorFrom, minorTo);
        // The kernel's "%4d %7d %s": the same padding as the host's own lines.
        out.repeat((byte) ' ', Math.max(0, 4 - (majorTo - majorFrom))).write(host, majorFrom, majorTo).write(' ')
            .repeat((byte) ' ', Math.max(0, 7 - (minorTo - minorFrom))).write(host, minorFrom, minorTo).write(' ')
            .write(host, nameFrom, nameTo);
        for (int field = 0; field < fields; field++) {
          out.write(' ').write(field(io, major, minor, field));
        }
        out.write('\n');
      }
      pos = eol + 1;
    }
  }

  /** Field {@code field} (0-based, after the name) of a device's line: what cgroups count, else 0. */
  private static long field(IoCounters io, long major, long minor, int field) {
    long v = switch (field) {
      case 0 -> io.get(major, minor, IoCounters.READ_OPS);
      case 2 -> io.get(major, minor, IoCounters.READ_BYTES) / 512; // sectors
      case 4 -> io.get(major, minor, IoCounters.WRITE_OPS);
      case 6 -> io.get(major, minor, IoCounters.WRITE_BYTES) / 512;
      case 11 -> io.get(major, minor, IoCounters.DISCARD_OPS);
      case 13 -> io.get(major, minor, IoCounters.DISCARD_BYTES) / 512;
      default -> 0; // merges, times, in flight, flushes: not kept per cgroup
    };
    return Math.max(0, v);
  }

  private static boolean isNumber(byte[] b, int from, int to) {
    if (from == to || to - from > 9) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (b[i] < '0' || b[i] > '9') {
        return false;
      }
    }
    return true;
  }

  private static long number(byte[] b, int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }
}
