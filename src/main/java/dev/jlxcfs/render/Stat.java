package dev.jlxcfs.render;

/**
 * /proc/stat for a CPU view: a pure function from the host's file and the view's CPU times to text.
 *
 * <p>The {@code cpu} line and the per-CPU lines are replaced by {@code cpu} and {@code cpu0..cpu(n-1)}; every other
 * line (intr, ctxt, btime, processes, procs_running, procs_blocked, softirq) is the host's. Each CPU line has as
 * many numeric fields as the host's {@code cpu} line (Node's libuv and procps count on it): user, nice, system,
 * idle, iowait, irq, softirq, steal, guest, guest_nice, with only user, system and idle non-zero. Totals are spread
 * over the n CPUs evenly (the remainder to the lowest-numbered), so the {@code cpu} line is exactly their sum and
 * every per-CPU value is non-decreasing while the totals are.
 */
public final class Stat {

  private Stat() {}

  /** Ticks (USER_HZ) for the whole view. */
  public record Times(long user, long system, long idle) {}

  public static String render(String host, int n, Times t) {
    StringBuilder out = new StringBuilder(host.length());
    int from = 0;
    int len = host.length();
    boolean cpuLinesWritten = false;
    while (from < len) {
      int eol = host.indexOf('\n', from);
      int end = eol < 0 ? len : eol;
      boolean isCpuLine = host.startsWith("cpu", from) && end > from + 3
          && (host.charAt(from + 3) == ' ' || Character.isDigit(host.charAt(from + 3)));
      if (!isCpuLine) {
        out.append(host, from, end);
        if (eol >= 0) {
          out.append('\n');
        }
      } else if (!cpuLinesWritten) {
        int fields = countFields(host, from + 3, end);
        appendLine(out, "cpu  ", fields, t.user(), t.system(), t.idle());
        for (int k = 0; k < n; k++) {
          appendLine(out, "cpu" + k + " ", fields, share(t.user(), n, k), share(t.system(), n, k),
              share(t.idle(), n, k));
        }
        cpuLinesWritten = true;
      }
      from = end + 1;
    }
    return out.toString();
  }

  /** CPU k's share of {@code total} spread over n CPUs: equal parts, the remainder to the first ones. */
  public static long share(long total, int n, int k) {
    return total / n + (k < total % n ? 1 : 0);
  }

  private static int countFields(String s, int from, int end) {
    int fields = 0;
    boolean inField = false;
    for (int i = from; i < end; i++) {
      boolean space = s.charAt(i) == ' ';
      if (!space && !inField) {
        fields++;
      }
      inField = !space;
    }
    // The first "field" after "cpu" on a per-CPU line is the number glued to it ("cpu0"): not a value.
    return Character.isDigit(s.charAt(from)) ? fields - 1 : fields;
  }

  private static void appendLine(StringBuilder out, String label, int fields, long user, long system, long idle) {
    out.append(label);
    for (int f = 0; f < fields; f++) {
      if (f > 0) {
        out.append(' ');
      }
      out.append(f == 0 ? user : f == 2 ? system : f == 3 ? idle : 0);
    }
    out.append('\n');
  }
}
