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

  /** Per thread: the host's figures, the values to write and the host's line ends, reused by every read. */
  private static final class Scratch {
    final long[] hostKb = new long[Meminfo.KEYS];
    final long[] values = new long[Meminfo.KEYS];
    final int[] lineEnds = new int[128];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

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
    Scratch scratch = SCRATCH.get();
    long[] hostKb = scratch.hostKb;
    long[] values = scratch.values;
    KeyedValues.Layout layout = Meminfo.parseHost(host.bytes(), host.length(), hostKb, scratch.lineEnds,
        hostFile.path());
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
        // Swap use matters only where swap is shown and the host has some.
        boolean swap = showSwap && hostKb[Meminfo.Key.SWAP_TOTAL.ordinal()] > 0;
        Meminfo.values(hostKb, limits, memory.memoryUsage(swap), showSwap, values);
        break;
    }
    Meminfo.render(host.bytes(), host.length(), layout, scratch.lineEnds, values, out);
  }

  @Override
  public void host(ByteSink out) throws IOException {
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    out.write(host.bytes(), 0, host.length());
  }
}
