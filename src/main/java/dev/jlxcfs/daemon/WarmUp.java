package dev.jlxcfs.daemon;

import dev.jlxcfs.fs.JlxcFs;
import dev.jlxcfs.util.SourceFile;
import dev.jlxcfs.util.SourceThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes every file and lists every directory once, for the daemon's own process, before the mount is said to
 * be served: the classes, lambdas and native bindings of the read path are loaded and linked here instead of on
 * some container's first read (22 ms for the first meminfo read after start before, ~2 ms after;
 * {@code src/bench/memory-bench.sh}). In the process, not through the mount: a process whose thread waits on its
 * own mount cannot exit once its workers are gone. Bounded: the start waits {@link #WARM_UP_MILLIS} at most (a
 * stuck source holds a read) and leaves the rest to the thread.
 */
final class WarmUp {

  /** The daemon's own lines (DaemonIT and the systemd lane read "Daemon - warm-up: ..."). */
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  /** How long the start waits for the warm-up at most. */
  private static final long WARM_UP_MILLIS = 3000;

  private WarmUp() {}

  static void run(JlxcFs fs) {
    long start = System.nanoTime();
    String[] failed = {null};
    // A SourceThread, so that a source stuck at start can be quarantined as a stuck worker's is.
    SourceThread warm = new SourceThread(() -> failed[0] = fs.warmUp((int) ProcessHandle.current().pid()), "warm-up");
    warm.setDaemon(true);
    warm.start();
    try {
      warm.join(WARM_UP_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (warm.isAlive()) {
      SourceFile stuck = warm.reading();
      if (stuck != null) {
        // Readers of it get the host's file at once instead of each waiting for it and the request timeout.
        stuck.quarantine(warm);
      }
      LOG.warn("warm-up: not done after {} ms{}: serving anyway", millis,
          stuck == null ? "" : ", reading " + stuck + " is stuck (quarantined: readers of it get the host's file)");
    } else {
      LOG.debug("warm-up: every file computed once in {} ms{}", millis,
          failed[0].isEmpty() ? "" : "; " + failed[0]);
    }
  }
}
