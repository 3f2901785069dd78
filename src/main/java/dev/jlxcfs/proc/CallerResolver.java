package dev.jlxcfs.proc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.CgroupReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * pid -> {@link Caller}: reads /proc/PID/cgroup and finds, through the mount table, the directories that hold the
 * caller's memory and CPU files. Each read costs one small file read (the start time, which keys the cache);
 * the cgroup lines are re-read once the staleness bound has passed, so a process moved to another cgroup is seen
 * within that bound.
 */
public final class CallerResolver {

  private record Key(int pid, long startTime) {}

  private final ProcFs proc;
  private final CgroupMounts mounts;
  private final Cache<Key, Caller> cache;

  public CallerResolver(ProcFs proc, CgroupMounts mounts, Duration staleness) {
    this.proc = proc;
    this.mounts = mounts;
    this.cache = Caffeine.newBuilder().expireAfterWrite(staleness).maximumSize(65_536).build();
  }

  public Caller resolve(int pid) throws IOException {
    long start = proc.startTime(pid);
    try {
      return cache.get(new Key(pid, start), this::load);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private Caller load(Key key) {
    List<CgroupLine> lines;
    try {
      lines = proc.cgroups(key.pid());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CgroupDir memory = mounts.locate("memory", lines);
    CgroupDir cpu = mounts.locate("cpu", lines);
    CgroupDir cpuset = mounts.locate("cpuset", lines);
    CgroupDir cpuacct = mounts.locate("cpuacct", lines);
    // v2 keeps CPU accounting in the "cpu" controller's cpu.stat; v1 in the separate "cpuacct" controller.
    CgroupDir cpuUsage = cpuacct != null && cpuacct.version() == 1 ? cpuacct
        : cpu != null && CgroupReader.forVersion(cpu.version()).cpuUsageController().equals("cpu") ? cpu : null;
    return new Caller(key.pid(), key.startTime(), memory, cpu, cpuset, cpuUsage);
  }
}
