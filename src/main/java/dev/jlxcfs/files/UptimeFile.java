package dev.jlxcfs.files;

import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.render.Uptime;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * /proc/uptime: for a caller in a container (another pid namespace), the time since that namespace's init started,
 * and as idle the idle column of its /proc/stat view in seconds (see {@link CpuAccounting}), so the two files agree.
 * A caller in the daemon's own pid namespace is on the host and gets the host's file.
 */
public final class UptimeFile implements VirtualFile {

  private final SourceFile hostFile;
  private final PidNamespaceInits inits;
  private final CpuAccounting cpuTimes;
  private final long ticksPerSecond;

  public UptimeFile(SourceFile hostFile, PidNamespaceInits inits, CpuAccounting cpuTimes,
                    long ticksPerSecond) {
    this.hostFile = hostFile;
    this.inits = inits;
    this.cpuTimes = cpuTimes;
    this.ticksPerSecond = ticksPerSecond;
  }

  @Override
  public String path() {
    return "/proc/uptime";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    Caller caller = ctx.caller();
    PidNamespaceInits.Init init = inits.initOf(caller);
    if (init == null) {
      host(ctx, out);
      return;
    }
    CpuAccounting.Snapshot s = cpuTimes.snapshot(ctx, init, ctx.cpuView());
    double idle = (double) s.times().idle() / ticksPerSecond;
    Uptime.render(s.uptimeSeconds(), idle, out);
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
