package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.render.Stat;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * /proc/stat: {@code cpu} and a {@code cpuN} line per CPU shown (its own number) from the caller's CPU accounting ({@link CpuAccounting}),
 * every other line the host's. A caller that sees all host CPUs without a quota and has no CPU cgroup of its own
 * gets the host's file.
 */
public final class StatFile implements VirtualFile {

  private final SourceFile hostFile;
  private final PidNamespaceInits inits;
  private final CpuAccounting cpuTimes;

  public StatFile(SourceFile hostFile, PidNamespaceInits inits, CpuAccounting cpuTimes) {
    this.hostFile = hostFile;
    this.inits = inits;
    this.cpuTimes = cpuTimes;
  }

  @Override
  public String path() {
    return "/proc/stat";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    CpuView view = ctx.cpuView();
    // Read first: the CPU times of a caller without a CPU cgroup of its own come from its cpu line.
    ReadBuffer host = ctx.host(hostFile);
    CpuAccounting.Snapshot s = cpuTimes.snapshot(ctx, inits.initOf(ctx.caller()), view);
    if (s.host()) {
      out.write(host.bytes(), 0, host.length());
      return;
    }
    Stat.render(host.bytes(), host.length(), view.hostCpus(), s.times(), out);
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
