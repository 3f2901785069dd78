package dev.jlxcfs.files;

import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.render.Uptime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * /proc/uptime: for a caller in a container (another pid namespace), the time since that namespace's init started,
 * and as idle the idle column of its /proc/stat view in seconds (see {@link CpuAccounting}), so the two files agree.
 * A caller in the daemon's own pid namespace is on the host and gets the host's file.
 */
public final class UptimeFile implements VirtualFile {

  private final Sources src;

  public UptimeFile(Sources src) {
    this.src = src;
  }

  @Override
  public String path() {
    return "/proc/uptime";
  }

  @Override
  public byte[] render(int pid) throws IOException {
    PidNamespaceInits.Init init = src.inits().initOf(pid);
    if (init == null) {
      return hostContent();
    }
    CpuAccounting.Snapshot s = src.cpuTimes().snapshot(src.callers().resolve(pid), init, null);
    double idle = (double) s.times().idle() / src.ticksPerSecond();
    return Uptime.render(s.uptimeSeconds(), idle).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public byte[] hostContent() throws IOException {
    return src.proc().hostFile("uptime");
  }
}
