package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;

/** /proc/uptime: "UPTIME IDLE\n", seconds with two decimals, as the kernel prints it. */
public final class Uptime {

  private Uptime() {}

  public static void render(double uptimeSeconds, double idleSeconds, ByteSink out) {
    out.writeHundredths(Math.round(uptimeSeconds * 100)).write(' ')
        .writeHundredths(Math.round(idleSeconds * 100)).write('\n');
  }
}
