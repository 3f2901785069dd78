package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The daemon's life: start, SIGTERM, crash and restart, and its startup errors. */
class DaemonIT {

  @BeforeAll
  static void require() {
    Host.require();
  }

  /** Runs the jar to completion (for startup failures) and returns its result. */
  private static Shell.Result runJar(String... args) {
    List<String> cmd = new ArrayList<>(List.of("java", "-Xmx64m", "-jar", Host.JAR.toString()));
    cmd.addAll(List.of(args));
    return Shell.run(cmd, Map.of(), 60);
  }

  private static void assertOneLineError(Shell.Result r, int exit, String contains) {
    assertEquals(exit, r.exit(), r.out() + r.err());
    List<String> lines = r.err().lines().filter(l -> !l.contains("[INFO]") && !l.contains("[WARN]")).toList();
    assertEquals(1, lines.size(), "one line, no stack trace:\n" + r.err());
    assertTrue(lines.get(0).startsWith("jlxcfs: ") && lines.get(0).contains(contains), r.err());
  }

  @Test
  void sigtermUnmountsAndExitsZero() throws Exception {
    RunningDaemon d = RunningDaemon.start();
    try {
      assertTrue(Files.readString(d.file("proc/meminfo")).startsWith("MemTotal:"));
      assertEquals(0, d.terminate());
      assertFalse(RunningDaemon.isMounted(d.mountPoint));
      assertTrue(d.logText().contains("unmounted"), d.logText());
    } finally {
      d.close();
    }
  }

  @Test
  void sigtermWithAFileHeldOpenStillExitsZero() throws Exception {
    RunningDaemon d = RunningDaemon.start();
    var held = Files.newByteChannel(d.file("proc/uptime"));
    try {
      assertEquals(0, d.terminate());
      assertFalse(RunningDaemon.isMounted(d.mountPoint));
    } finally {
      try {
        held.close(); // the connection is gone: closing may report ENOTCONN
      } catch (java.io.IOException expected) {
        // fine
      }
      d.close();
    }
  }

  @Test
  void aStaleMountLeftByAKilledDaemonIsClearedAndReused() throws Exception {
    RunningDaemon first = RunningDaemon.start();
    Path mp = first.mountPoint;
    try {
      first.kill();
      assertTrue(RunningDaemon.isMounted(mp), "SIGKILL leaves the mount behind");
      Shell.Result dead = Shell.sh("cat " + mp.resolve("proc/meminfo"));
      assertTrue(dead.err().contains("Transport endpoint is not connected"), dead.err());
      try (RunningDaemon second = RunningDaemon.start(mp)) {
        assertTrue(Files.readString(second.file("proc/meminfo")).startsWith("MemTotal:"));
        assertTrue(second.logText().contains("dead FUSE mount"), second.logText());
      }
    } finally {
      first.close();
    }
  }

  /** With takeovers off, a second daemon is refused (with them on, the default, it takes over: HandoverIT). */
  @Test
  void aLiveMountIsNotStolenWithTakeoverOff() throws Exception {
    try (RunningDaemon d = RunningDaemon.start()) {
      Shell.Result r = runJar("--takeover", "false", d.mountPoint.toString());
      assertOneLineError(r, 1, "already mounted, and --takeover is off");
      assertTrue(Files.readString(d.file("proc/meminfo")).startsWith("MemTotal:"), "the first still serves");
    }
  }

  @Test
  void startupErrorsAreOneClearLine() throws Exception {
    Path dir = Files.createTempDirectory("jlxcfs-it");
    try {
      Files.writeString(dir.resolve("occupied"), "x");
      assertOneLineError(runJar(dir.toString()), 1, "is not empty");
      assertOneLineError(runJar(dir.resolve("occupied").toString()), 1, "not a directory");
      assertOneLineError(runJar("--bogus"), 2, "unknown option --bogus");
      assertOneLineError(runJar("--cache-ttl", "soon", dir.toString()), 2, "cache-ttl");
      assertOneLineError(runJar("--config", "/nonexistent.conf"), 2, "does not exist");
      Host.requireTool("setpriv");
      List<String> cmd = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "java", "-Xmx64m",
          "-jar", Host.JAR.toString(), dir.resolve("m").toString());
      assertOneLineError(Shell.run(cmd, Map.of(), 60), 1, "must run as root");
    } finally {
      Shell.sh("rm -rf " + dir);
    }
  }

  /** Starts the jar in a private mount namespace after {@code setup} (sh) has hidden something from it. */
  private static Shell.Result runJarAfter(String setup) throws Exception {
    Path dir = Files.createTempDirectory("jlxcfs-it");
    try {
      return Shell.run(List.of("unshare", "-m", "sh", "-c",
          setup + " && exec java -Xmx64m -jar " + Host.JAR + " " + dir.resolve("m")), Map.of(), 60);
    } finally {
      Shell.sh("rm -rf " + dir);
    }
  }

  @Test
  void aMissingLibfuseIsOneClearLine() throws Exception {
    // libfuse.so.2 replaced by an empty file: dlopen fails as on a machine without libfuse2.
    assertOneLineError(runJarAfter("lib=$(readlink -f \"$(ldconfig -p | awk '/libfuse.so.2 /{print $NF; exit}')\")"
        + " && mount --bind /dev/null \"$lib\""), 1, "apt-get install libfuse2");
  }

  @Test
  void aMissingDevFuseIsOneClearLine() throws Exception {
    // An empty /dev: as in a container started without --device /dev/fuse.
    assertOneLineError(runJarAfter("mount -t tmpfs tmpfs /dev"), 1, "/dev/fuse: does not exist");
  }

  @Test
  void helpVersionAndTheShippedConfig() throws Exception {
    Shell.Result help = runJar("--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().contains("--cache-ttl"));
    for (String command : List.of("check", "flags", "show", "remount")) {
      assertTrue(help.out().contains("jlxcfs " + command + " "), "--help lists " + command);
    }
    String version = runJar("--version").check().out();
    assertTrue(version.startsWith("jlxcfs "), version);
    assertTrue(version.contains("commands: serve (the default), check, flags, show, remount"), version);
    Shell.Result launcher = Shell.run(List.of("packaging/jlxcfs", "--version"),
        Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
    assertTrue(launcher.check().out().startsWith("jlxcfs "), "the launcher runs the jar");
    Path conf = Path.of("conf/jlxcfs.conf").toAbsolutePath();
    try (RunningDaemon d = RunningDaemon.start("--config", conf.toString())) {
      assertTrue(Files.readString(d.file("proc/uptime")).matches("\\d+\\.\\d\\d \\d+\\.\\d\\d\n"));
    }
  }

  /**
   * Before it says it serves, the daemon has computed every file once for itself (so no container pays for loading
   * the read path), quietly: whatever it met is one debug line, not a reader's fallback in the log.
   */
  @Test
  void theStartComputesEveryFileOnceBeforeServing() throws Exception {
    try (RunningDaemon d = RunningDaemon.start()) {
      String log = d.logText();
      int warm = log.indexOf("[DEBUG] Daemon - warm-up: every file computed once in ");
      int serving = log.indexOf("] Daemon - serving ");
      assertTrue(warm >= 0 && warm < serving, "warm-up before serving:\n" + log);
      assertFalse(log.substring(0, serving).contains("] fallback - "), "no fallback logged by the start:\n" + log);
    }
  }

  @Test
  void manyConcurrentReadersNeverFail() throws Exception {
    try (RunningDaemon d = RunningDaemon.start(); TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 200L << 20);
      // 8 shells x 60 reads of both files, from inside a limited cgroup: every read must succeed and be whole.
      String loop = "i=0; while [ $i -lt 60 ]; do cat " + d.file("proc/meminfo") + " | grep -c kB || exit 1; cat "
          + d.file("proc/uptime") + " > /dev/null || exit 1; i=$((i+1)); done";
      List<Process> ps = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ps.add(cg.spawn(loop, cg.dir("memory", "")));
      }
      for (Process p : ps) {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().distinct().count() == 1 && Integer.parseInt(out.lines().findFirst().orElseThrow()) > 40,
            "every read whole: " + out.lines().distinct().toList());
      }
      assertFalse(d.logText().contains("serving the host's file"), d.logText());
    }
  }

  /**
   * The daemon reads its sources through private copies of /proc, /sys and the cgroup mounts (not the paths the host
   * sees), and still knows the copy of /proc is its own procfs: callers are kept by pidfd.
   */
  @Test
  void sourcesAreReadThroughPrivateCopiesAndCallersAreKeptByPidfd() throws Exception {
    try (RunningDaemon d = RunningDaemon.start(); TestCgroup cg = new TestCgroup()) {
      // The shell reads the file itself (a builtin with a redirection) and then becomes sleep under the same pid, so
      // the caller stays alive: a caller that exited (a cat) has its pidfd swept within 2 s, which a slow machine's
      // `ls` below can miss.
      Process reader = cg.spawn("read -r line < " + d.file("proc/meminfo") + "; exec sleep 30", cg.dir("memory", ""));
      try {
        long pid = d.process().pid();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> fds = List.of();
        while (System.nanoTime() < deadline) {
          fds = Shell.sh("ls -l /proc/" + pid + "/fd | sed 's/.*-> //'").check().out().lines().toList();
          if (fds.contains("anon_inode:[pidfd]")) {
            break;
          }
          RunningDaemon.sleep(100);
        }
        assertTrue(fds.contains("anon_inode:[pidfd]"), "a pidfd for the live caller: " + fds);
        // The kept files are read through detached copies: the kernel names them by the mount's own path.
        assertTrue(fds.stream().anyMatch(f -> f.matches("/(meminfo|stat|uptime)")),
            "kept procfs files of a detached copy: " + fds);
        assertTrue(fds.stream().noneMatch(f -> f.matches("/proc/(meminfo|stat|uptime)")),
            "no procfs file kept through the host's /proc: " + fds);
      } finally {
        reader.destroyForcibly();
      }
    }
  }

  /** A daemon alive but stopped (SIGSTOP) on the mount point: a new one and check say so within seconds. */
  @Test
  void aHungDaemonOnTheMountPointIsReportedNotWaitedFor() throws Exception {
    try (RunningDaemon first = RunningDaemon.start()) {
      String mp = first.mountPoint.toString();
      long pid = first.process().pid();
      Shell.run(List.of("kill", "-STOP", Long.toString(pid))).check();
      try {
        long t0 = System.nanoTime();
        Shell.Result check = Shell.run(List.of(Host.LAUNCHER.toString(), "check", mp),
            Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().matches("(?s).*FAIL\\s+mount point\\s+" + java.util.regex.Pattern.quote(mp)
            + ": a FUSE mount whose daemon does not answer.*"), check.out());
        assertOneLineError(runJar(mp), 1, "whose daemon does not answer");
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        assertTrue(seconds < 20, "answered in " + seconds + " s");
      } finally {
        Shell.run(List.of("kill", "-CONT", Long.toString(pid)));
      }
    }
  }
}
