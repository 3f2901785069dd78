package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Meminfo;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.util.Arrays;

/** /proc/meminfo from the caller's memory cgroup; see {@link Meminfo} for the rules. */
public final class MeminfoFile implements VirtualFile {

  /** The host's figures, the values to write and the host's line ends: a worker's, reused by every read. */
  static final class Scratch {
    final long[] hostKb = new long[Meminfo.KEYS];
    final long[] values = new long[Meminfo.KEYS];
    final int[] lineEnds = new int[128];
    KeyedValues.Layout layout;
  }

  private final SourceFile hostFile;
  private final boolean showSwap;

  public MeminfoFile(ProcFs proc, boolean showSwap) {
    this.hostFile = proc.hostFile("meminfo");
    this.showSwap = showSwap;
  }

  @Override
  public String path() {
    return "/proc/meminfo";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    Scratch scratch = ctx.meminfo;
    ReadBuffer host = ctx.host(hostFile);
    Meminfo.Decision decision = compute(ctx, host, scratch);
    if (decision == Meminfo.Decision.HOST) {
      out.write(host.bytes(), 0, host.length());
    } else {
      Meminfo.render(host.bytes(), host.length(), scratch.layout, scratch.lineEnds, scratch.values, out);
    }
  }

  /** What the caller's meminfo shows of swap: {@link SwapsFile} shows the same, so free and swapon agree. */
  record Swap(Meminfo.Decision decision, long totalKb, long freeKb) {}

  Swap swap(ReadContext ctx) throws IOException {
    Scratch scratch = ctx.meminfo;
    ReadBuffer host = ctx.host(hostFile);
    Meminfo.Decision decision = compute(ctx, host, scratch);
    if (decision == Meminfo.Decision.HOST) {
      Arrays.fill(scratch.values, Meminfo.UNSET);
    }
    return new Swap(decision, shown(scratch, Meminfo.Key.SWAP_TOTAL), shown(scratch, Meminfo.Key.SWAP_FREE));
  }

  /** The figure a line shows: the computed value, or the host's where the line stays the host's. */
  private static long shown(Scratch scratch, Meminfo.Key key) {
    long v = scratch.values[key.ordinal()];
    if (v == Meminfo.UNSET) {
      v = scratch.hostKb[key.ordinal()];
    }
    return Math.max(0, v);
  }

  /** Parses the host's file and, unless the caller gets it unchanged, computes the values to show. */
  private Meminfo.Decision compute(ReadContext ctx, ReadBuffer host, Scratch scratch) throws IOException {
    Cgroup memory = ctx.caller().memory();
    if (memory == null) {
      throw new IOException("no mounted cgroup hierarchy serves the memory controller");
    }
    MemoryLimits limits = memory.memoryLimits(ctx.scratch());
    long[] hostKb = scratch.hostKb;
    long[] values = scratch.values;
    scratch.layout = Meminfo.parseHost(host.bytes(), host.length(), hostKb, scratch.lineEnds, hostFile.path());
    if (hostKb[Meminfo.Key.MEM_TOTAL.ordinal()] == KeyedValues.MISSING) {
      throw new MalformedException(hostFile.path(), "no MemTotal line");
    }
    Meminfo.Decision decision = Meminfo.decide(hostKb, limits, showSwap);
    switch (decision) {
      case HOST:
        break;
      case HOST_WITHOUT_SWAP:
        Meminfo.hiddenSwap(values);
        break;
      default:
        // Swap use matters only where swap is shown and the host has some.
        boolean swap = showSwap && hostKb[Meminfo.Key.SWAP_TOTAL.ordinal()] > 0;
        Meminfo.values(hostKb, limits, memory.memoryUsage(swap, ctx.scratch()), showSwap, values);
        break;
    }
    return decision;
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
