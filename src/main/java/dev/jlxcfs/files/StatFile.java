package dev.jlxcfs.files;

import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.render.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * /proc/stat: {@code cpu} and {@code cpu0..cpu(n-1)} from the caller's CPU accounting ({@link CpuAccounting}),
 * every other line the host's. A caller that sees all host CPUs without a quota and has no CPU cgroup of its own
 * gets the host's file.
 */
public final class StatFile implements VirtualFile {

  private final Sources src;

  public StatFile(Sources src) {
    this.src = src;
  }

  @Override
  public String path() {
    return "/proc/stat";
  }

  @Override
  public byte[] render(int pid) throws IOException {
    Caller caller = src.callers().resolve(pid);
    String host = src.proc().hostText("stat");
    CpuAccounting.Snapshot s = src.cpuTimes().snapshot(caller, src.inits().initOf(pid), host);
    int hostCpus = src.figures().hostOnlineCpus().cardinality();
    if (s.hostWide() && s.cpus().count() == hostCpus && s.cpus().capacity() >= hostCpus) {
      return host.getBytes(StandardCharsets.ISO_8859_1);
    }
    return Stat.render(host, s.cpus().count(), s.times()).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public byte[] hostContent() throws IOException {
    return src.proc().hostFile("stat");
  }
}
