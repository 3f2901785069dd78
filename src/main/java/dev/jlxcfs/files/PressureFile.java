package dev.jlxcfs.files;

import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * /proc/pressure/{cpu,memory,io}: the pressure stall information of the caller's own cgroup on the unified
 * hierarchy ({@code <cgroup>/cpu.pressure} ...), which the kernel keeps for every cgroup2 group whatever controllers
 * are enabled, so hybrid hosts have it too. The rules:
 *
 * <ul>
 *   <li>The caller's {@code 0::} cgroup, in a mounted cgroup2 hierarchy: its {@code KIND.pressure}, as it is (same
 *       format as the host's file: {@code some} and {@code full} lines with avg10/avg60/avg300 and total).
 *   <li>A caller in the root cgroup, without a {@code 0::} line (a v1-only host) or without a cgroup2 mount, or a
 *       cgroup without the file (PSI off for it): the host's file, like every fallback. A host without
 *       /proc/pressure (PSI disabled) gets an empty file.
 * </ul>
 *
 * <p>The caller's group is resolved as for every file ({@link ReadContext#caller}); the pressure file itself is read
 * afresh each time.
 */
public final class PressureFile implements VirtualFile {

  private final String kind;
  private final SourceFile hostFile;

  /** @param kind cpu, memory or io */
  public PressureFile(String kind, ProcFs proc) {
    this.kind = kind;
    this.hostFile = proc.hostFile("pressure/" + kind);
  }

  @Override
  public String path() {
    return "/proc/pressure/" + kind;
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    Path dir = ctx.caller().unified();
    if (dir == null) {
      host(ctx, out);
      return;
    }
    // A group without the file (PSI off for it) fails here: NoSuchFileException, so the reader gets the host's.
    ReadBuffer b = SourceFile.readOnce(dir.resolve(kind + ".pressure"), ctx.scratch());
    out.write(b.bytes(), 0, b.length());
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
