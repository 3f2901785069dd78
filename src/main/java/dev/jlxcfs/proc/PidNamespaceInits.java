package dev.jlxcfs.proc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.time.Duration;

/**
 * Finds the init process (pid 1) of a caller's pid namespace: the "container start" that /proc/uptime measures
 * from. A process that entered the namespace later (docker exec, nsenter) is not a descendant of that init, so
 * walking parents is only the fast path; the fallback scans the visible processes for one in the same namespace
 * whose innermost pid is 1. Results are cached per namespace and checked on every hit: namespace ids are inode
 * numbers, which the kernel reuses once a namespace is gone, and a namespace is gone exactly when its init is.
 */
public final class PidNamespaceInits {

  /** A namespace's init: its task (pid in our namespace, start time). */
  public record Init(Task task) {
    public int pid() {
      return task.tid();
    }

    public long startTime() {
      return task.startTime();
    }
  }

  private final ProcFs proc;
  private final Cache<String, Init> cache = Caffeine.newBuilder()
      .maximumSize(16_384)
      .expireAfterAccess(Duration.ofMinutes(10))
      .executor(Runnable::run)
      .<String, Init>removalListener((ns, init, cause) -> {
        if (init != null) {
          init.task().release();
        }
      })
      .build();

  private volatile String ownNamespace;

  public PidNamespaceInits(ProcFs proc) {
    this.proc = proc;
  }

  private String ownNamespace() throws IOException {
    String own = ownNamespace;
    if (own == null) {
      own = proc.ownPidNamespace();
      ownNamespace = own;
    }
    return own;
  }

  /**
   * The init of the caller's namespace, or null when the caller shares the daemon's own pid namespace (a host
   * process: it sees the host's figures).
   */
  public Init initOf(Caller caller) throws IOException {
    Init known = caller.cachedInit();
    if (known != null) {
      return known;
    }
    String ns = caller.pidNamespace();
    if (ns.equals(ownNamespace())) {
      return null; // a host caller: nothing to cache (null means "none"), and this costs no system call
    }
    Init cached = cache.getIfPresent(ns);
    if (cached == null || !cached.task().isCurrent()) {
      cached = find(caller.pid(), ns);
      cache.put(ns, cached); // the listener releases a replaced init's task
    }
    caller.cacheInit(cached);
    return cached;
  }

  /**
   * Forgets the namespaces whose init exited (the namespace is gone with it): each kept init holds a pidfd. Run by
   * the daemon's housekeeping thread. Returns how many were dropped.
   */
  public int sweep() {
    return Task.removeExited(cache.asMap(), Init::task);
  }

  /** How many namespaces' inits are kept (for tests). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  private Init find(int pid, String ns) throws IOException {
    // Fast path: the caller or one of its ancestors inside the same namespace is init. FUSE names the calling
    // thread; its process (Tgid) is where the parent chain starts.
    int p = proc.status(pid).tgid();
    for (int depth = 0; depth < 64 && p > 0; depth++) {
      ProcFs.Status st = proc.status(p);
      if (st.innermostPid() == 1) {
        return capture(p, ns);
      }
      int parent = st.ppid();
      if (parent <= 0 || !sameNamespace(parent, ns)) {
        break;
      }
      p = parent;
    }
    // Slow path (caller entered the namespace with setns): look at every process once.
    for (int candidate : proc.pids()) {
      try {
        if (sameNamespace(candidate, ns) && proc.status(candidate).innermostPid() == 1) {
          return capture(candidate, ns);
        }
      } catch (IOException | RuntimeException e) {
        // a process that vanished during the scan is not the one we look for
      }
    }
    throw new IOException("no init process found for pid namespace " + ns);
  }

  private Init capture(int pid, String ns) throws IOException {
    Task t = Task.capture(proc, pid, proc.isOwnProcfs(), true);
    if (!sameNamespace(pid, ns)) { // replaced between the look and the capture
      t.release();
      throw new ProcessGoneException(pid);
    }
    return new Init(t);
  }

  private boolean sameNamespace(int pid, String ns) {
    try {
      return proc.pidNamespace(pid).equals(ns);
    } catch (IOException e) {
      return false;
    }
  }
}
