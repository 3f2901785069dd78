package dev.jlxcfs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * jlxcfs started from the packaged jar as a separate process, the way users run it. {@link #close} stops it and
 * removes its mount even when a test failed halfway.
 */
final class RunningDaemon implements AutoCloseable {

  final Path mountPoint;
  final Path log;
  private final Process process;
  /** Started in a mount namespace of its own: its mounts are seen through /proc/PID/root, and die with it. */
  private final boolean ownMountNamespace;

  private RunningDaemon(Path mountPoint, Path log, Process process, boolean ownMountNamespace) {
    this.mountPoint = mountPoint;
    this.log = log;
    this.process = process;
    this.ownMountNamespace = ownMountNamespace;
  }

  /**
   * Starts a daemon in a mount namespace of its own (a slave of the host's: what it mounts stays inside), for tests
   * that mount over /proc files. Its files are reached through /proc/PID/root ({@link #file}); {@link #inside} runs
   * a command in its namespace; killing it removes every mount it or the test made there.
   */
  static RunningDaemon startInOwnMountNamespace(String... args) throws IOException {
    Path dir = Files.createTempDirectory("jlxcfs-it");
    return serving(launch(dir.resolve("mnt"), true, args));
  }

  /** A command line that runs {@code cmd} in the daemon's mount namespace. */
  List<String> inside(String... cmd) {
    List<String> full = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(process.pid()), "-m", "--"));
    full.addAll(List.of(cmd));
    return full;
  }

  /** Starts a daemon on a fresh mount point under a temp directory and waits until it serves. */
  static RunningDaemon start(String... args) throws IOException {
    Path dir = Files.createTempDirectory("jlxcfs-it");
    return start(dir.resolve("mnt"), args);
  }

  static RunningDaemon start(Path mountPoint, String... args) throws IOException {
    return serving(launch(mountPoint, args));
  }

  /**
   * Starts the launcher through {@code prefix} (a command that execs the rest, e.g. setpriv with a capability
   * bounding set: the process's pid stays the daemon's) and waits until it serves.
   */
  static RunningDaemon startThrough(List<String> prefix, Path mountPoint, String... args) throws IOException {
    return serving(launch(prefix, mountPoint, false, args));
  }

  /** Waits until {@code d} serves; stops and cleans it up if it never does. */
  private static RunningDaemon serving(RunningDaemon d) throws IOException {
    try {
      d.awaitMounted();
    } catch (AssertionError e) {
      d.close();
      throw e;
    }
    return d;
  }

  /** Starts the jar without waiting: for tests of startup failures. */
  static RunningDaemon launch(Path mountPoint, String... args) throws IOException {
    return launch(mountPoint, false, args);
  }

  private static RunningDaemon launch(Path mountPoint, boolean ownMountNamespace, String... args) throws IOException {
    return launch(List.of(), mountPoint, ownMountNamespace, args);
  }

  private static RunningDaemon launch(List<String> prefix, Path mountPoint, boolean ownMountNamespace,
                                      String... args) throws IOException {
    Path log = Files.createTempFile("jlxcfs-it-daemon", ".log");
    List<String> cmd = new ArrayList<>(prefix);
    if (ownMountNamespace) {
      // unshare execs the launcher, which execs java: the process's pid is the daemon's.
      cmd.addAll(List.of("unshare", "-m", "--propagation", "slave", "--"));
    }
    // Through the launcher, so the tests run the daemon with the JVM flags users get.
    cmd.addAll(List.of(Host.LAUNCHER.toString(), "--log-level", "debug"));
    cmd.addAll(List.of(args));
    cmd.add(mountPoint.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JLXCFS_JAR", Host.JAR.toString());
    Process p = pb.start();
    return new RunningDaemon(mountPoint, log, p, ownMountNamespace);
  }

  /** Where the test reaches the mount. */
  Path root() {
    return ownMountNamespace ? Path.of("/proc/" + process.pid() + "/root" + mountPoint) : mountPoint;
  }

  Path file(String path) {
    return root().resolve(path);
  }

  String logText() throws IOException {
    return Files.readString(log);
  }

  Process process() {
    return process;
  }

  void awaitMounted() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      // The log line first: a dead mount of an earlier daemon at the same path can still answer stat() from the
      // kernel's attribute cache.
      if (logText().contains("] Daemon - serving ") && mounted() && readable(file("proc/uptime"))) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("daemon exited with " + process.exitValue() + ":\n" + logText());
      }
      sleep(50);
    }
    throw new AssertionError("daemon did not mount " + mountPoint + " within 30 s:\n" + logText());
  }

  /** Waits up to 60 s for a log line holding {@code text}; returns the log. */
  String awaitLog(String text) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String log = logText();
      if (log.contains(text)) {
        return log;
      }
      if (!process.isAlive()) {
        throw new AssertionError("daemon exited with " + process.exitValue() + " before logging '" + text + "':\n"
            + log);
      }
      sleep(50);
    }
    throw new AssertionError("the daemon did not log '" + text + "' within 60 s:\n" + logText());
  }

  private static boolean readable(Path file) {
    try {
      return Files.readAllBytes(file).length > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Sends SIGTERM and returns the exit status. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      // Where it hangs: the daemon's threads (jstack comes with the JDK the tests run on) and its log.
      String threads;
      try {
        Path jstack = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jstack");
        threads = Shell.run(List.of(jstack.toString(), Long.toString(process.pid())), Map.of(), 20).out();
      } catch (RuntimeException | AssertionError e) {
        threads = "(no thread dump: " + e + ")";
      }
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      String log;
      try {
        log = logText();
      } catch (IOException e) {
        log = "(no log: " + e + ")";
      }
      throw new AssertionError("daemon ignored SIGTERM for 20 s; its log:\n" + log + "\nits threads:\n" + threads);
    }
    return process.exitValue();
  }

  /** SIGKILL: leaves a dead mount behind, as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!ownMountNamespace) {
      unmountIfMounted(mountPoint);
    }
    try {
      Files.deleteIfExists(mountPoint);
      Path parent = mountPoint.getParent();
      if (parent != null && parent.getFileName().toString().startsWith("jlxcfs-it")) {
        Files.deleteIfExists(parent);
      }
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a leftover empty directory in /tmp is harmless
    }
  }

  /** Whether the daemon's mount is there, in the namespace it mounted in. */
  boolean mounted() {
    if (!ownMountNamespace) {
      return isMounted(mountPoint);
    }
    try {
      return isMounted(mountPoint, Path.of("/proc/" + process.pid() + "/mountinfo"));
    } catch (AssertionError e) {
      return false; // the process is gone, and its namespace with it
    }
  }

  static void unmountIfMounted(Path mountPoint) {
    // umount -l as root, as the daemon itself clears a dead mount: no setuid fusermount needed.
    if (isMounted(mountPoint)) {
      Shell.run(List.of("umount", "-l", mountPoint.toString()));
    }
  }

  static boolean isMounted(Path mountPoint) {
    return isMounted(mountPoint, Path.of("/proc/self/mountinfo"));
  }

  private static boolean isMounted(Path mountPoint, Path mountinfo) {
    try {
      for (String line : Files.readAllLines(mountinfo)) {
        String[] f = line.split(" ");
        if (f.length > 4 && f[4].equals(mountPoint.toString())) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
