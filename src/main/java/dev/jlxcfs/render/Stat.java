package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;

/**
 * /proc/stat for a CPU view: a pure function from the host's file and the view's CPU times to text.
 *
 * <p>The {@code cpu} line and the per-CPU lines are replaced by {@code cpu} and one {@code cpuN} line per CPU shown,
 * N its own (the host's) number; every other
 * line (intr, ctxt, btime, processes, procs_running, procs_blocked, softirq) is the host's. Each CPU line has as
 * many numeric fields as the host's {@code cpu} line (Node's libuv and procps count on it): user, nice, system,
 * idle, iowait, irq, softirq, steal, guest, guest_nice, with only user, system, idle and steal non-zero. Totals are
 * spread over the n CPUs evenly (the remainder to the lowest-numbered), so the {@code cpu} line is exactly their sum
 * and every per-CPU value is non-decreasing while the totals are.
 */
public final class Stat {

  private Stat() {}

  /** Ticks (USER_HZ) for the whole view. */
  public record Times(long user, long system, long idle, long steal) {

    /** Without steal. */
    public Times(long user, long system, long idle) {
      this(user, system, idle, 0);
    }
  }

  /** @param cpus the CPUs shown (ascending): their lines are numbered by them */
  public static void render(byte[] host, int len, int[] cpus, Times t, ByteSink out) {
    int n = cpus.length;
    int pos = 0;
    boolean cpuLinesWritten = false;
    while (pos < len) {
      int eol = Bytes.lineEnd(host, pos, len);
      if (!isCpuLine(host, pos, eol)) {
        out.write(host, pos, Math.min(eol + 1, len));
      } else if (!cpuLinesWritten) {
        int fields = countFields(host, pos + 3, eol);
        line(out, -1, fields, t.user(), t.system(), t.idle(), t.steal());
        for (int k = 0; k < n; k++) {
          line(out, cpus[k], fields, share(t.user(), n, k), share(t.system(), n, k), share(t.idle(), n, k),
              share(t.steal(), n, k));
        }
        cpuLinesWritten = true;
      }
      pos = eol + 1;
    }
  }

  /**
   * The host's aggregate {user+nice, system+irq+softirq, idle+iowait} ticks, from the {@code cpu} line (the
   * file's first).
   */
  public static long[] hostTimes(byte[] host, int len, Path source) {
    int eol = Bytes.lineEnd(host, 0, len);
    if (len < 4 || host[0] != 'c' || host[1] != 'p' || host[2] != 'u' || host[3] != ' ') {
      throw new MalformedException(source, "does not start with a cpu line");
    }
    long[] v = new long[10];
    int field = 0;
    int i = 4;
    while (i < eol && field < v.length) {
      while (i < eol && host[i] == ' ') {
        i++;
      }
      int start = i;
      while (i < eol && host[i] != ' ') {
        i++;
      }
      if (start < i) {
        v[field++] = Bytes.parseLong(host, start, i, source);
      }
    }
    if (field < 4) {
      throw new MalformedException(source, "a cpu line of " + field + " fields");
    }
    return new long[] {v[0] + v[1], v[2] + v[5] + v[6], v[3] + v[4]};
  }

  /** CPU k's share of {@code total} spread over n CPUs: equal parts, the remainder to the first ones. */
  public static long share(long total, int n, int k) {
    return total / n + (k < total % n ? 1 : 0);
  }

  private static boolean isCpuLine(byte[] s, int from, int eol) {
    return eol > from + 3 && s[from] == 'c' && s[from + 1] == 'p' && s[from + 2] == 'u'
        && (s[from + 3] == ' ' || (s[from + 3] >= '0' && s[from + 3] <= '9'));
  }

  private static int countFields(byte[] s, int from, int end) {
    int fields = 0;
    boolean inField = false;
    for (int i = from; i < end; i++) {
      boolean space = s[i] == ' ';
      if (!space && !inField) {
        fields++;
      }
      inField = !space;
    }
    // The first "field" after "cpu" on a per-CPU line is the number glued to it ("cpu0"): not a value.
    return s[from] >= '0' && s[from] <= '9' ? fields - 1 : fields;
  }

  /** One line: "cpu " + ' ' for the total (k < 0), "cpuK " for CPU k (its own number). */
  private static void line(ByteSink out, int k, int fields, long user, long system, long idle, long steal) {
    out.write("cpu");
    if (k < 0) {
      out.write(' ');
    } else {
      out.write(k);
    }
    out.write(' ');
    for (int f = 0; f < fields; f++) {
      if (f > 0) {
        out.write(' ');
      }
      out.write(f == 0 ? user : f == 2 ? system : f == 3 ? idle : f == 7 ? steal : 0);
    }
    out.write('\n');
  }
}
