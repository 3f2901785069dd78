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
  /** It handed its mount point over: the mount there is another daemon's. */
  private volatile boolean handedOver;
  private final Process process;
  /** Started in a mount namespace of its own: its mounts are seen through /proc/PID/root, and die with it. */
  private final boolean ownMountNamespace;
  /** A test's view of the guest lane's shared daemon ({@link #start()}): its log from here on, not closed by it. */
  private final boolean sharedView;
  private final int logOffset;

  /** In the guest lane, the daemon with default options that the test classes share (see {@link #start()}). */
  private static RunningDaemon shared;

  private RunningDaemon(Path mountPoint, Path log, Process process, boolean ownMountNamespace) {
    this(mountPoint, log, process, ownMountNamespace, false, 0);
  }

  private RunningDaemon(Path mountPoint, Path log, Process process, boolean ownMountNamespace, boolean sharedView,
                        int logOffset) {
    this.mountPoint = mountPoint;
    this.log = log;
    this.process = process;
    this.ownMountNamespace = ownMountNamespace;
    this.sharedView = sharedView;
    this.logOffset = logOffset;
  }

  /** How long a daemon may take to serve: its JVM starts 10-30x slower in the guest lane's emulated machine. */
  private static int startSeconds() {
    return Host.inGuest() ? 180 : 30;
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

  /**
   * Starts a daemon on a fresh mount point under a temp directory and waits until it serves. In the pure cgroup v2
   * guest lane ({@link Host#inGuest}) a daemon with default options is started once and shared by the test classes
   * (a start costs 25-45 s under emulation there): each gets a view whose {@link #logText} begins where the view was
   * taken and whose {@link #close} leaves the daemon running; {@link #kill} and {@link #terminate} refuse on it.
   */
  static RunningDaemon start(String... args) throws IOException {
    if (args.length == 0 && Host.inGuest()) {
      return sharedView();
    }
    Path dir = Files.createTempDirectory("jlxcfs-it");
    return start(dir.resolve("mnt"), args);
  }

  private static synchronized RunningDaemon sharedView() throws IOException {
    if (shared == null || !shared.process.isAlive()) {
      Path dir = Files.createTempDirectory("jlxcfs-it");
      RunningDaemon d = start(dir.resolve("mnt"));
      if (shared == null) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          synchronized (RunningDaemon.class) {
            if (shared != null) {
              shared.close();
            }
          }
        }));
      } else {
        shared.close();
      }
      shared = d;
    }
    return new RunningDaemon(shared.mountPoint, shared.log, shared.process, false, true,
        Files.readString(shared.log).length());
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
    return launch(prefix, Map.of(), mountPoint, ownMountNamespace, args);
  }

  /** Starts the launcher with {@code env} added to its environment, without waiting (HandoverIT's test hook). */
  static RunningDaemon launchWithEnv(Path mountPoint, Map<String, String> env, String... args) throws IOException {
    return launch(List.of(), env, mountPoint, false, args);
  }

  private static RunningDaemon launch(List<String> prefix, Map<String, String> env, Path mountPoint,
                                      boolean ownMountNamespace, String... args) throws IOException {
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
    pb.environment().putAll(env);
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
    String text = Files.readString(log);
    return sharedView ? text.substring(Math.min(logOffset, text.length())) : text;
  }

  private void refuseOnShared(String what) {
    if (sharedView) {
      throw new IllegalStateException("cannot " + what + " the guest lane's shared daemon: start one of the test's "
          + "own with RunningDaemon.start(mountPoint)");
    }
  }

  Process process() {
    return process;
  }

  void awaitMounted() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startSeconds());
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
    throw new AssertionError("daemon did not mount " + mountPoint + " within " + startSeconds() + " s:\n"
        + logText());
  }

  /** Waits up to 60 s (6 min in the guest lane) for a log line holding {@code text}; returns the log. */
  String awaitLog(String text) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startSeconds() * 2L);
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
    throw new AssertionError("the daemon did not log '" + text + "' within " + startSeconds() * 2 + " s:\n"
        + logText());
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
    refuseOnShared("terminate");
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

  /**
   * Waits up to {@code seconds} for the daemon to exit by itself (it handed over to a successor) and returns its exit
   * status; the mount point is the successor's then, and {@link #close} leaves it alone.
   */
  int awaitHandedOver(int seconds) throws InterruptedException, IOException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("the daemon did not exit within " + seconds + " s of handing over:\n" + logText());
    }
    handedOver = true;
    return process.exitValue();
  }

  /** The mount point is a successor's now: {@link #close} must not unmount it. */
  void handedOver() {
    handedOver = true;
  }

  /** SIGKILL: leaves a dead mount behind, as a crash would. */
  void kill() throws InterruptedException {
    refuseOnShared("kill");
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (sharedView) {
      return; // the shared daemon is stopped when the lane's JVM exits
    }
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
    if (!ownMountNamespace && !handedOver) {
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
