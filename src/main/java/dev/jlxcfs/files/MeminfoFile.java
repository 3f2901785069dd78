package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Meminfo;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/** /proc/meminfo from the caller's memory cgroup; see {@link Meminfo} for the rules. */
public final class MeminfoFile implements VirtualFile {

  /** Per thread: the host's figures and the values to write, reused by every read. */
  private static final ThreadLocal<long[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new long[][] {new long[Meminfo.KEYS], new long[Meminfo.KEYS]});

  private final SourceFile hostFile;
  private final CallerResolver callers;
  private final boolean showSwap;

  public MeminfoFile(ProcFs proc, CallerResolver callers, boolean showSwap) {
    this.hostFile = proc.hostFile("meminfo");
    this.callers = callers;
    this.showSwap = showSwap;
  }

  @Override
  public String path() {
    return "/proc/meminfo";
  }

  @Override
  public void render(int pid, ByteSink out) throws IOException {
    Cgroup memory = callers.resolve(pid).memory();
    if (memory == null) {
      throw new IOException("no mounted cgroup hierarchy serves the memory controller");
    }
    MemoryLimits limits = memory.memoryLimits();
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    long[][] scratch = SCRATCH.get();
    long[] hostKb = scratch[0];
    long[] values = scratch[1];
    KeyedValues.Layout layout = Meminfo.parseHost(host.bytes(), host.length(), hostKb, hostFile.path());
    if (hostKb[Meminfo.Key.MEM_TOTAL.ordinal()] == KeyedValues.MISSING) {
      throw new MalformedException(hostFile.path(), "no MemTotal line");
    }
    switch (Meminfo.decide(hostKb, limits, showSwap)) {
      case HOST:
        out.write(host.bytes(), 0, host.length());
        return;
      case HOST_WITHOUT_SWAP:
        Meminfo.hiddenSwap(values);
        break;
      default:
        Meminfo.values(hostKb, limits, memory.memoryUsage(), showSwap, values);
        break;
    }
    Meminfo.render(host.bytes(), host.length(), layout, values, out);
  }

  @Override
  public void host(ByteSink out) throws IOException {
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    out.write(host.bytes(), 0, host.length());
  }
}
