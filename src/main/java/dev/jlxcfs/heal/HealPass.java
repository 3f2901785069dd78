package dev.jlxcfs.heal;

import dev.jlxcfs.config.Config;
import dev.jlxcfs.util.Texts;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The heal at start: replaces the dead binds a predecessor left in running containers (see {@link Healer}), and says
 * what it did, in the daemon's log.
 *
 * <p>The pass runs in a process of its own, {@code jlxcfs remount} with this JVM and class path, not on a thread of
 * the daemon: it walks paths inside tenants' mount namespaces, and a lookup that reaches a tenant's FUSE server
 * which read the request and never answers waits uninterruptibly. A daemon thread stuck so would keep the daemon
 * from exiting, and with it the FUSE device open: every container's reads would hang instead of failing. A stuck
 * child holds only its own descriptors; the daemon serves, stops and restarts as ever.
 */
public final class HealPass {

  /** How long the pass may take before its process is given up. */
  private static final long PASS_SECONDS = 300;

  private final Config config;
  private final Path mountPoint;
  private final String mainClass;
  private final Logger log;
  /** The pass's process while it runs. */
  private volatile Process process;
  private volatile boolean stopped;

  /**
   * @param mountPoint the live mount, canonical
   * @param mainClass  the entry point whose {@code remount} command runs the pass
   * @param log        the daemon's log: the pass's lines are the daemon's own
   */
  public HealPass(Config config, Path mountPoint, String mainClass, Logger log) {
    this.config = config;
    this.mountPoint = mountPoint;
    this.mainClass = mainClass;
    this.log = log;
  }

  /** Starts the pass from a thread of its own, which waits for the pass's process. */
  public void start() {
    stopped = false;
    Thread t = new Thread(this::run, "heal");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Runs the pass on this thread and returns how many stale binds it may have left in place, or -1 when
   * it gave no summary (it failed, or was stopped): a handover's old daemon keeps serving such binds.
   */
  public int runNow() {
    stopped = false;
    String summary = run();
    if (summary == null) {
      return -1;
    }
    // "N healed, N skipped, N failed, N left"
    String[] f = summary.split("[ ,]+");
    try {
      return Integer.parseInt(f[6]);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /**
   * Ends the pass, if it runs: the daemon stops, and the pass's copies of the live mount are about to die; it must not
   * attach them anywhere after the daemon ends.
   */
  public void stop() {
    stopped = true;
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
    }
  }

  /** {@link #stop}, then waits up to 5 s for the pass's process to be gone (nothing it attaches comes after). */
  public void stopAndWait() {
    stop();
    Process p = process;
    if (p != null) {
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The pass; its summary line ("N healed, N skipped, N failed"), or null. */
  private String run() {
    try {
      long start = System.nanoTime();
      List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xms4m", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:-UsePerfData",
          "-XX:+ExitOnOutOfMemoryError", "-cp", absoluteClassPath(), mainClass, "remount",
          "--log-level", config.logLevel(), "--proc-root", config.procRoot().toString(),
          "--state-dir", config.stateDir().toString(), mountPoint.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().remove("NOTIFY_SOCKET"); // systemd hears from the daemon only
      if (stopped) {
        return null;
      }
      Process child = pb.start();
      process = child;
      if (stopped) { // a stop between the check and the start
        child.destroyForcibly();
      }
      String[] summary = {null};
      Thread reader = new Thread(() -> logOutput(child, summary), "heal-output");
      reader.setDaemon(true);
      reader.start();
      if (!child.waitFor(PASS_SECONDS, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        log.warn("the heal pass (process {}) did not end within {} s: given up; a filesystem in a container that "
            + "never answers may hold it", child.pid(), PASS_SECONDS);
        return null;
      }
      reader.join(2000);
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (stopped && summary[0] == null) {
        // The stop ended it: not a failure, and the stop has its own line.
        log.debug("the heal pass (process {}) was ended by the stop after {} ms", child.pid(), millis);
      } else if (summary[0] == null) {
        log.warn("the heal pass (process {}) exited with {} and no summary", child.pid(), child.exitValue());
      } else if (!summary[0].startsWith("0 healed, 0 skipped, 0 failed")) {
        log.info("containers' dead mounts: {} in {} ms", summary[0], millis);
      } else {
        log.debug("no dead mounts of {} in other mount namespaces ({} ms)", mountPoint, millis);
      }
      return summary[0];
    } catch (Throwable t) {
      try {
        log.warn("the heal pass failed: {}", t.toString());
      } catch (Throwable ignored) {
        // out of memory: the pass is over either way
      }
      return null;
    }
  }

  /** Logs the pass's lines as the daemon's own; the last one ("MOUNTPOINT: N healed, ...") is the summary. */
  private void logOutput(Process child, String[] summary) {
    String prefix = Texts.printable(mountPoint.toString()) + ": ";
    try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("healed: ")) {
          log.info("healed {}", line.substring(8));
        } else if (line.startsWith("skipped: ")) {
          log.info("not healed: {}", line.substring(9));
        } else if (line.startsWith("failed: ")) {
          log.warn("could not heal {}", line.substring(8));
        } else if (line.startsWith("note: ")) {
          log.debug("heal: {}", line.substring(6));
        } else if (line.startsWith(prefix) && line.contains(" healed, ")) {
          summary[0] = line.substring(prefix.length());
        } else {
          log.warn("heal: {}", line);
        }
      }
    } catch (IOException e) {
      log.debug("reading the heal pass's output: {}", e.toString());
    }
  }

  /** This JVM's class path with every entry absolute (the child may resolve them from another directory). */
  private static String absoluteClassPath() {
    StringBuilder cp = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(Path.of(entry).toAbsolutePath());
      }
    }
    return cp.toString();
  }
}
