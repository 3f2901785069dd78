package dev.jlxcfs.proc;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.util.Expiring;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A process that read one of our files, resolved: who it is and where its cgroups are. Kept by
 * {@link CallerResolver} for at most the staleness bound, keyed by the task's identity so that a reused pid never
 * inherits it.
 */
public final class Caller {

  private final Task task;
  private final ProcFs proc;
  private final Cgroup memory;
  private final Cgroup cpu;
  private final Cgroup cpuset;
  private final Cgroup cpuUsage;
  private final Cgroup io;
  private final Cgroup unified;
  private volatile String pidNamespace;
  private volatile PidNamespaceInits.Init init;
  private final Expiring<CpuView> cpuView;

  Caller(Task task, ProcFs proc, Cgroup memory, Cgroup cpu, Cgroup cpuset, Cgroup cpuUsage, Cgroup io,
         Cgroup unified, Expiring<CpuView> cpuView) {
    this.task = task;
    this.proc = proc;
    this.memory = memory;
    this.cpu = cpu;
    this.cpuset = cpuset;
    this.cpuUsage = cpuUsage;
    this.io = io;
    this.unified = unified;
    this.cpuView = cpuView;
  }

  /**
   * The caller's pid in the daemon's pid namespace: FUSE reports the calling thread's id, which /proc resolves
   * like a pid (/proc/TID/cgroup is the thread's, as the kernel accounts it).
   */
  public int pid() {
    return task.tid();
  }

  public Task task() {
    return task;
  }

  /** Its memory cgroup, or null when no hierarchy serves the memory controller. */
  public Cgroup memory() {
    return memory;
  }

  /** Its cgroup in the hierarchy that holds CFS quotas ("cpu"), or null. */
  public Cgroup cpu() {
    return cpu;
  }

  /** Its cpuset cgroup, or null. */
  public Cgroup cpuset() {
    return cpuset;
  }

  /** Its cgroup in the hierarchy that accounts CPU time (v1 "cpuacct", v2 "cpu"), or null. */
  public Cgroup cpuUsage() {
    return cpuUsage;
  }

  /** Its group in the hierarchy of the I/O controller (v1 blkio, v2 io), or null. */
  public Cgroup io() {
    return io;
  }

  /** The directory of its own group on the cgroup2 hierarchy (see {@link CgroupMounts#unifiedDir}), or null. */
  public Path unified() {
    return unified == null ? null : unified.dir().dir();
  }

  /**
   * Its own group on the cgroup2 hierarchy, or null: on v2 and hybrid hosts alike it holds the pressure files
   * (cpu.pressure ...) whatever controllers are bound there.
   */
  public Cgroup unifiedGroup() {
    return unified;
  }

  /** The target of /proc/PID/ns/pid, e.g. "pid:[4026531836]" (read once: a task never changes pid namespace). */
  public String pidNamespace() throws IOException {
    String ns = pidNamespace;
    if (ns == null) {
      ns = proc.pidNamespace(task.tid());
      pidNamespace = ns;
    }
    return ns;
  }

  /**
   * Its namespace's init, once found. Kept with the caller: while the caller lives, so does its namespace, and a
   * namespace lives exactly as long as its init (the kernel kills the rest when init exits).
   */
  PidNamespaceInits.Init cachedInit() {
    return init;
  }

  void cacheInit(PidNamespaceInits.Init init) {
    this.init = init;
  }

  /** The CPU view computed for it, kept for the staleness bound ({@link CallerResolver#cpuView}). */
  Expiring<CpuView> cpuView() {
    return cpuView;
  }

  /** Whether one of its cgroups showed itself gone: the caller's cgroups must be resolved again. */
  boolean anyCgroupGone() {
    return gone(memory) || gone(cpu) || gone(cpuset) || gone(cpuUsage) || gone(io) || gone(unified);
  }

  private static boolean gone(Cgroup cg) {
    return cg != null && cg.isGone();
  }

  @Override
  public String toString() {
    return "caller " + task.tid();
  }
}
