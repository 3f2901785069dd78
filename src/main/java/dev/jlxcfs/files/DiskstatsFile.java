package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.IoCounters;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Diskstats;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * /proc/diskstats from the caller's I/O cgroup (see {@link Diskstats} for the layout rules). Where the figures come
 * from:
 *
 * <ul>
 *   <li>cgroup v2: {@code io.stat} of the caller's group (rbytes, wbytes, rios, wios, dbytes, dios per device).
 *   <li>cgroup v1: {@code blkio.throttle.io_serviced_recursive} and {@code blkio.throttle.io_service_bytes_recursive}
 *       (the non-recursive ones on kernels without them); with the bfq scheduler, {@code blkio.bfq.*} where the
 *       throttle files count nothing. Mind that v1 kernels count a group's I/O in the throttle files only once a
 *       throttle limit is set on it (any, even one never reached, as {@code docker run --device-write-bps} sets),
 *       or in the bfq files with the bfq scheduler: without either, a v1 container's figures are zeros.
 *   <li>A caller in the root group, or where no hierarchy serves blkio/io: the host's file.
 * </ul>
 *
 * <p>The caller's group is resolved as for every file ({@link ReadContext#caller}); its counter files are kept open
 * ({@link Cgroup#ioCounters}: which files, per version, is the cgroup reader's business) and read afresh on every
 * read, and parsed in place.
 */
public final class DiskstatsFile implements VirtualFile {

  private final SourceFile hostFile;

  public DiskstatsFile(ProcFs proc) {
    this.hostFile = proc.hostFile("diskstats");
  }

  @Override
  public String path() {
    return "/proc/diskstats";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    Cgroup group = ctx.caller().io();
    if (group == null || group.isHierarchyRoot()) {
      host(ctx, out); // a host process (or no I/O controller mounted): the host's figures are its own
      return;
    }
    IoCounters io = group.ioCounters(ctx.scratch(), ctx.io, ctx.spareIo);
    ReadBuffer host = ctx.host(hostFile);
    Diskstats.render(host.bytes(), host.length(), io, out);
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
