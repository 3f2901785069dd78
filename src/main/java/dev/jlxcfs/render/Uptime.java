package dev.jlxcfs.render;

import java.util.Locale;

/** /proc/uptime: "UPTIME IDLE\n", seconds with two decimals, as the kernel prints it. */
public final class Uptime {

  private Uptime() {}

  public static String render(double uptimeSeconds, double idleSeconds) {
    return String.format(Locale.ROOT, "%.2f %.2f\n", uptimeSeconds, idleSeconds);
  }

  /**
   * The idle figure for a container: CPU-seconds its capacity offered since it started minus those it used,
   * where capacity is its CPU count, or its CFS quota when that is smaller. Clamped to [0, capacity x uptime].
   */
  public static double idle(double uptimeSeconds, double capacityCpus, double busySeconds) {
    double offered = uptimeSeconds * capacityCpus;
    return Math.max(0, Math.min(offered, offered - busySeconds));
  }

  /** Parses "UPTIME IDLE" into {uptime, idle}. */
  public static double[] parse(String text) {
    String[] f = text.trim().split("\\s+");
    if (f.length < 2) {
      throw new IllegalArgumentException("uptime: expected two numbers, got '" + text.trim() + "'");
    }
    return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
  }
}
