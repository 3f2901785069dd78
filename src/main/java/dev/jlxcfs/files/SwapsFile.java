package dev.jlxcfs.files;

import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Meminfo;
import dev.jlxcfs.render.Swaps;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * /proc/swaps from the caller's memory cgroup: the swap its meminfo shows (so {@code free} and {@code swapon --show}
 * agree), as one device; see {@link Swaps} for the rules.
 */
public final class SwapsFile implements VirtualFile {

  private final SourceFile hostFile;
  private final MeminfoFile meminfo;

  public SwapsFile(ProcFs proc, MeminfoFile meminfo) {
    this.hostFile = proc.hostFile("swaps");
    this.meminfo = meminfo;
  }

  @Override
  public String path() {
    return "/proc/swaps";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    MeminfoFile.Swap swap = meminfo.swap(ctx);
    ReadBuffer host = ctx.host(hostFile); // meminfo's text is done with
    if (swap.decision() == Meminfo.Decision.HOST) {
      out.write(host.bytes(), 0, host.length());
      return;
    }
    Swaps.render(host.bytes(), host.length(), swap.totalKb(), swap.totalKb() - swap.freeKb(), out);
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
