package dev.jlxcfs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon thread that, every {@link #INTERVAL}, drops what the caches keep of tasks that exited and cgroups that
 * were removed. Without it their pidfds and kept-open cgroup files would stay until idle expiry: with short-lived
 * processes that is thousands of descriptors, and a removed cgroup's open files keep it alive in the kernel. The
 * read path never waits for it: sweeps remove entries only if they are still the ones checked.
 */
final class Housekeeping implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

  static final Duration INTERVAL = Duration.ofSeconds(2);

  private record Sweep(String what, IntSupplier sweep) {}

  private final List<Sweep> sweeps = new ArrayList<>();
  private final Thread thread = new Thread(this::loop, "jlxcfs-housekeeping");
  private volatile boolean closed;

  /** Adds a sweep that returns how many entries it dropped. Before {@link #start()} only. */
  void add(String what, IntSupplier sweep) {
    sweeps.add(new Sweep(what, sweep));
  }

  void start() {
    thread.setDaemon(true);
    thread.start();
  }

  private void sweepOnce() {
    for (Sweep s : sweeps) {
      try {
        int dropped = s.sweep().getAsInt();
        if (dropped > 0) {
          LOG.debug("housekeeping: dropped {} {}", dropped, s.what());
        }
      } catch (RuntimeException e) {
        LOG.warn("housekeeping of {} failed: {}", s.what(), e.toString());
      }
    }
  }

  private void loop() {
    while (!closed) {
      try {
        Thread.sleep(INTERVAL.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      sweepOnce();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
