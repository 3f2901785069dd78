package dev.jlxcfs.cgroup;

/**
 * CPU time a cgroup has used since it was created, in nanoseconds.
 *
 * @param user   time in user mode
 * @param system time in kernel mode
 */
public record CpuUsage(long user, long system) {
  public long total() {
    return user + system;
  }
}
