package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;

/**
 * /proc/loadavg: "L1 L5 L15 RUNNING/TOTAL LASTPID\n". The averages are the kernel's fixed-point numbers (FSHIFT 11
 * bits of fraction), printed as the kernel prints them: rounded to hundredths by adding FIXED_1/200, then
 * LOAD_INT.LOAD_FRAC with two digits.
 */
public final class Loadavg {

  public static final int FSHIFT = 11;
  public static final long FIXED_1 = 1L << FSHIFT;

  private Loadavg() {}

  /**
   * @param lastPid the host's /proc/loadavg, whose last field (the most recently allocated pid) is copied; its
   *                bytes from 0 to {@code hostLength}
   */
  public static void render(long load1, long load5, long load15, int running, int total, byte[] lastPid,
                            int hostLength, ByteSink out) {
    writeLoad(load1, out);
    out.write(' ');
    writeLoad(load5, out);
    out.write(' ');
    writeLoad(load15, out);
    out.write(' ').write(running).write('/').write(total).write(' ');
    // The last field of the first line, if it is a number (a malformed host file gives 0, never its bytes).
    int end = Bytes.lineEnd(lastPid, 0, hostLength);
    while (end > 0 && lastPid[end - 1] == ' ') {
      end--;
    }
    int start = end;
    while (start > 0 && lastPid[start - 1] >= '0' && lastPid[start - 1] <= '9') {
      start--;
    }
    boolean number = start < end && end - start <= 10 && (start == 0 || lastPid[start - 1] == ' ');
    if (number) {
      out.write(lastPid, start, end);
    } else {
      out.write('0');
    }
    out.write('\n');
  }

  /** One average the way the kernel's loadavg_proc_show prints it. */
  static void writeLoad(long fixed, ByteSink out) {
    long x = Math.max(0, fixed) + FIXED_1 / 200;
    long whole = x >> FSHIFT;
    long frac = ((x & (FIXED_1 - 1)) * 100) >> FSHIFT;
    out.write(whole).write('.').write((char) ('0' + frac / 10)).write((char) ('0' + frac % 10));
  }
}
