package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Cpuinfo;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import java.io.IOException;
import java.time.Duration;

/** /proc/cpuinfo: the host's blocks of the caller's visible CPUs, renumbered (see {@link Cpuinfo}). */
public final class CpuinfoFile implements VirtualFile {

  private final HostCpuinfo host;
  private final CallerResolver callers;

  public CpuinfoFile(ProcFs proc, CallerResolver callers, Duration staleness, Ticker ticker) {
    this.host = new HostCpuinfo(proc.hostFile("cpuinfo"), staleness, ticker);
    this.callers = callers;
  }

  @Override
  public String path() {
    return "/proc/cpuinfo";
  }

  @Override
  public void render(int pid, ByteSink out) throws IOException {
    int[] hostCpus = callers.cpuView(pid).hostCpus();
    Cpuinfo.render(host.get(), hostCpus, out);
  }

  @Override
  public void host(ByteSink out) throws IOException {
    ReadBuffer text = host.file().read(ReadBuffer.local(0));
    out.write(text.bytes(), 0, text.length());
  }
}
