package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Cpuinfo;
import dev.jlxcfs.util.ByteSink;
import java.io.IOException;
import java.time.Duration;

/** /proc/cpuinfo: the host's blocks of the caller's visible CPUs, with their own numbers (see {@link Cpuinfo}). */
public final class CpuinfoFile implements VirtualFile {

  private final HostCpuinfo host;

  public CpuinfoFile(ProcFs proc, Duration staleness, Ticker ticker) {
    this.host = new HostCpuinfo(proc.hostFile("cpuinfo"), staleness, ticker);
  }

  @Override
  public String path() {
    return "/proc/cpuinfo";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    int[] hostCpus = ctx.cpuView().hostCpus();
    Cpuinfo.render(host.get(ctx.host()), hostCpus, out);
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    host.file().copyTo(out, ctx.host());
  }
}
