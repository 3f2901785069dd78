package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.render.Stat;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * /proc/stat: {@code cpu} and {@code cpu0..cpu(n-1)} from the caller's CPU accounting ({@link CpuAccounting}),
 * every other line the host's. A caller that sees all host CPUs without a quota and has no CPU cgroup of its own
 * gets the host's file.
 */
public final class StatFile implements VirtualFile {

  private final SourceFile hostFile;
  private final CallerResolver callers;
  private final PidNamespaceInits inits;
  private final CpuAccounting cpuTimes;
  private final Cgroups cgroups;

  public StatFile(SourceFile hostFile, CallerResolver callers, PidNamespaceInits inits, CpuAccounting cpuTimes) {
    this.hostFile = hostFile;
    this.callers = callers;
    this.inits = inits;
    this.cpuTimes = cpuTimes;
    this.cgroups = callers.cgroups();
  }

  @Override
  public String path() {
    return "/proc/stat";
  }

  @Override
  public void render(int pid, ByteSink out) throws IOException {
    Caller caller = callers.resolve(pid);
    CpuView view = callers.cpuView(caller);
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    CpuAccounting.Snapshot s = cpuTimes.snapshot(caller, inits.initOf(caller), view, host);
    int hostCpus = cgroups.hostOnlineCpus().cardinality();
    if (s.hostWide() && view.count() == hostCpus && view.capacity() >= hostCpus) {
      out.write(host.bytes(), 0, host.length());
      return;
    }
    Stat.render(host.bytes(), host.length(), view.count(), s.times(), out);
  }

  @Override
  public void host(ByteSink out) throws IOException {
    hostFile.copyTo(out);
  }
}
