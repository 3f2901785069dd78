package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.render.Uptime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * /proc/uptime: for a caller in a container (another pid namespace), the time since that namespace's init started,
 * and an idle figure from the caller's CPU cgroup (see {@link Uptime#idle}). A caller in the daemon's own pid
 * namespace is on the host and gets the host's file.
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
    double now = src.clock().bootTimeNanos() / 1e9;
    double uptime = Math.max(0, now - (double) init.startTime() / src.ticksPerSecond());
    Caller caller = src.callers().resolve(pid);
    CpuView cpus = src.figures().cpuView(caller.cpuset(), caller.cpu());
    double capacity = Math.min(cpus.count(), cpus.quota());
    double busy = caller.cpuUsage() == null ? Double.NaN : src.figures().cpuUsage(caller.cpuUsage()).total() / 1e9;
    double idle;
    if (busy <= uptime * capacity) {
      idle = Uptime.idle(uptime, capacity, busy);
    } else {
      // The CPU cgroup is older than the container (or is the host's root): its time cannot be split off, so
      // the container gets the host's idle share of its capacity.
      idle = uptime * capacity * hostIdleShare();
    }
    return Uptime.render(uptime, idle).getBytes(StandardCharsets.ISO_8859_1);
  }

  private double hostIdleShare() throws IOException {
    double[] host = Uptime.parse(src.proc().hostText("uptime"));
    int cpus = src.figures().hostOnlineCpus().cardinality();
    return host[0] <= 0 || cpus == 0 ? 0 : Math.min(1, host[1] / (host[0] * cpus));
  }

  @Override
  public byte[] hostContent() throws IOException {
    return src.proc().hostFile("uptime");
  }
}
