package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CgroupLine;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
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
 * <p>Not cached and read each time: monitoring agents poll these every few seconds at most.
 */
public final class PressureFile implements VirtualFile {

  private final String kind;
  private final ProcFs proc;
  private final CgroupMounts mounts;
  private final SourceFile hostFile;

  /** @param kind cpu, memory or io */
  public PressureFile(String kind, ProcFs proc, CgroupMounts mounts) {
    this.kind = kind;
    this.proc = proc;
    this.mounts = mounts;
    this.hostFile = proc.hostFile("pressure/" + kind);
  }

  @Override
  public String path() {
    return "/proc/pressure/" + kind;
  }

  @Override
  public void render(int pid, ByteSink out) throws IOException {
    Path dir = unifiedDir(pid);
    if (dir == null) {
      host(out);
      return;
    }
    Path file = dir.resolve(kind + ".pressure");
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " does not exist (PSI is off for this cgroup)");
    }
    ReadBuffer b = SourceFile.readOnce(file, ReadBuffer.local(1));
    out.write(b.bytes(), 0, b.length());
  }

  /** The caller's cgroup2 directory, or null when it is a root or there is none (the host's figures apply). */
  private Path unifiedDir(int pid) throws IOException {
    String path = null;
    for (CgroupLine line : CgroupLine.parseAll(proc.cgroupText(pid), proc.cgroupFile(pid))) {
      if (line.isUnified()) {
        path = line.path();
      }
    }
    if (path == null || path.equals("/")) {
      return null;
    }
    for (Hierarchy h : mounts.hierarchies()) {
      if (h.version() == 2) {
        Path dir = h.dirOf(path);
        if (dir != null && !dir.equals(h.mountPoint())) {
          return dir;
        }
      }
    }
    return null;
  }

  @Override
  public void host(ByteSink out) throws IOException {
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    out.write(host.bytes(), 0, host.length());
  }
}
