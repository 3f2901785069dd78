package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.render.Loadavg;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * /proc/loadavg: the 1, 5 and 15-minute load averages of the caller's CPU cgroup (the cgroup in the hierarchy that
 * serves the cpu controller), sampled by {@link LoadTracker}; running/total from its last sample (the cgroup's
 * threads in state R / all of them); the last field (the most recently allocated pid) the host's. A caller without a
 * CPU cgroup of its own (the hierarchy's root, or no hierarchy serves cpu) gets the host's file.
 */
public final class LoadavgFile implements VirtualFile {

  private final SourceFile hostFile;
  private final LoadTracker tracker;

  public LoadavgFile(SourceFile hostFile, LoadTracker tracker) {
    this.hostFile = hostFile;
    this.tracker = tracker;
  }

  @Override
  public String path() {
    return "/proc/loadavg";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    Cgroup cpu = ctx.caller().cpu();
    ReadBuffer host = ctx.host(hostFile);
    if (cpu == null || cpu.isHierarchyRoot()) {
      out.write(host.bytes(), 0, host.length());
      return;
    }
    LoadTracker.Load l = tracker.load(cpu);
    Loadavg.render(l.load1(), l.load5(), l.load15(), l.running(), l.total(), host.bytes(), host.length(), out);
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
