package dev.jlxcfs.proc;

import dev.jlxcfs.util.Native;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One task (process or thread) as it was when jlxcfs first saw it, so that a later read from the same pid can be
 * told apart from one by a new task that reuses the pid. With a pidfd (the daemon's own procfs, Linux 5.3+; for
 * threads 6.9+) the check is one system call that does not touch procfs; otherwise the start time in
 * /proc/PID/stat is read again and compared.
 *
 * <p>The pidfd is reference-counted: {@link #capture} returns a task holding one reference for its creator, each
 * cache entry that keeps it holds one ({@link #retain}), each check holds one while it runs; the descriptor is
 * closed when the last is {@link #release}d, so a descriptor number is never checked after it was closed and
 * reused.
 */
public final class Task {

  private final ProcFs proc;
  private final int tid;
  private final long startTime;
  private final int pidfd;
  private final AtomicInteger refs = new AtomicInteger(1);
  /** Set once a check found the task exited (or its pid taken by another task). */
  private volatile boolean exited;

  private Task(ProcFs proc, int tid, long startTime, int pidfd) {
    this.proc = proc;
    this.tid = tid;
    this.startTime = startTime;
    this.pidfd = pidfd;
  }

  /**
   * The task now at {@code tid}. Throws {@link ProcessGoneException} if there is none.
   *
   * @param usePidfd  whether pidfds name tasks here (the daemon's own procfs)
   * @param needStart whether the caller needs the start time even with a pidfd (reading /proc/PID/stat of a new
   *                  process costs more than everything else its first read does)
   */
  static Task capture(ProcFs proc, int tid, boolean usePidfd, boolean needStart) throws IOException {
    int fd = usePidfd ? Native.pidfdOpen(tid) : -1;
    if (fd < 0 && usePidfd && !proc.exists(tid)) {
      throw new ProcessGoneException(tid);
    }
    long start = -1;
    if (fd < 0 || needStart) {
      try {
        start = proc.startTime(tid);
      } catch (IOException | RuntimeException e) {
        Native.closeFd(fd);
        throw e;
      }
    }
    return new Task(proc, tid, start, fd);
  }

  public int tid() {
    return tid;
  }

  /** Its start time, in clock ticks since boot (field 22 of /proc/PID/stat); -1 when not read. */
  public long startTime() {
    return startTime;
  }

  /** Whether a check ({@link #isCurrent}) found the task exited: what was kept for it can go. No system call. */
  public boolean exited() {
    return exited;
  }

  /** Whether the pid still names this task (it has not exited and been replaced). */
  boolean isCurrent() {
    if (pidfd < 0) {
      boolean same;
      try {
        same = proc.startTime(tid) == startTime;
      } catch (IOException | RuntimeException e) {
        same = false;
      }
      if (!same) {
        exited = true;
      }
      return same;
    }
    if (!acquire()) {
      return false; // released by all that kept it: not known to have exited
    }
    try {
      boolean alive = Native.pidfdAlive(pidfd);
      if (!alive) {
        exited = true;
      }
      return alive;
    } finally {
      release();
    }
  }

  /** Takes a reference for a new holder. */
  void retain() {
    if (!acquire()) {
      throw new IllegalStateException(this + " retained after its last release");
    }
  }

  private boolean acquire() {
    while (true) {
      int r = refs.get();
      if (r == 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one closes the pidfd. */
  void release() {
    if (refs.decrementAndGet() == 0) {
      Native.closeFd(pidfd);
    }
  }

  /**
   * Removes the entries whose task is no longer current (one check each), each only if it is still the entry checked;
   * returns how many. For the housekeeping sweeps of the caches that keep tasks: their removal listeners release.
   */
  static <K, V> int removeExited(ConcurrentMap<K, V> entries, Function<V, Task> task) {
    int dropped = 0;
    for (Map.Entry<K, V> e : entries.entrySet()) {
      if (!task.apply(e.getValue()).isCurrent() && entries.remove(e.getKey(), e.getValue())) {
        dropped++;
      }
    }
    return dropped;
  }

  @Override
  public String toString() {
    return "task " + tid + " started at " + startTime;
  }
}
