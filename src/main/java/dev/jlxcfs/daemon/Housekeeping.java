package dev.jlxcfs.daemon;

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
 * read path never waits for it: sweeps remove entries only if they are still the ones checked. It also runs the
 * periodic jobs added with {@link #every} (the load sampler), each at its own fixed rate.
 */
public final class Housekeeping implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

  static final Duration INTERVAL = Duration.ofSeconds(2);

  private record Sweep(String what, IntSupplier sweep) {}

  /** A job run every {@code periodNanos}; {@code due} is when next (System.nanoTime), touched by the thread only. */
  private static final class Job {
    final String what;
    final long periodNanos;
    final Runnable run;
    long due;
    /** Nanoseconds to the first run, asked at start; null: one period. */
    java.util.function.LongSupplier firstDelay;

    Job(String what, Duration period, Runnable run) {
      this.what = what;
      this.periodNanos = period.toNanos();
      this.run = run;
    }
  }

  private final List<Sweep> sweeps = new ArrayList<>();
  private final List<Job> jobs = new ArrayList<>();
  private final Thread thread = new Thread(this::loop, "jlxcfs-housekeeping");
  private volatile boolean closed;

  /** Adds a sweep that returns how many entries it dropped. Before {@link #start()} only. */
  void add(String what, IntSupplier sweep) {
    sweeps.add(new Sweep(what, sweep));
  }

  /** Adds a job run every {@code period} at a fixed rate (a late run does not shift later ones). Before start. */
  void every(Duration period, String what, Runnable job) {
    jobs.add(new Job(what, period, job));
  }

  /**
   * The same, first run after {@code firstDelay} nanoseconds as it says at {@link #start} (the load sampler after a
   * handover: when its predecessor's next pass was due).
   */
  void every(Duration period, String what, Runnable job, java.util.function.LongSupplier firstDelay) {
    Job j = new Job(what, period, job);
    j.firstDelay = firstDelay;
    jobs.add(j);
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
    Job sweep = new Job("sweeps", INTERVAL, this::sweepOnce);
    List<Job> all = new ArrayList<>(jobs);
    all.add(sweep);
    long start = System.nanoTime();
    for (Job j : all) {
      j.due = start + (j.firstDelay == null ? j.periodNanos
          : Math.max(0, Math.min(j.periodNanos, j.firstDelay.getAsLong())));
    }
    while (!closed) {
      long next = Long.MAX_VALUE;
      for (Job j : all) {
        next = Math.min(next, j.due);
      }
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
      long now = System.nanoTime();
      for (Job j : all) {
        if (now - j.due >= 0) {
          run(j);
          // Fixed rate; after a long stall (suspend), start again from now instead of running a burst.
          j.due += j.periodNanos;
          if (System.nanoTime() - j.due >= 0) {
            j.due = System.nanoTime() + j.periodNanos;
          }
        }
      }
    }
  }

  private static void run(Job j) {
    try {
      j.run.run();
    } catch (RuntimeException e) {
      LOG.warn("housekeeping: {} failed: {}", j.what, e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
