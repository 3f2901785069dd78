package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a tenant names reaches the administrator's terminal escaped: a process whose comm holds ESC "[31m" and a
 * newline, in a cgroup whose name holds ESC. `show` prints it without a control byte, and the daemon's log lines
 * quoting it (the heal of a bind that process holds) and `remount`'s lines come out as single escaped lines.
 */
class EscapeIT {

  private static final long MIB = 1 << 20;
  /** 10 bytes: comm keeps 15. ESC in the middle (a leading one would be trimmed by some readers). */
  private static final String COMM = "a\u001b[31mb\nc";
  private static final String COMM_ESCAPED = "a\\x1b[31mb\\nc";

  @BeforeAll
  static void require() {
    Host.require();
    Host.requireTool("python3");
    Host.requireTool("unshare");
  }

  private static Shell.Result jlxcfs(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Host.LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    return Shell.run(cmd, Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
  }

  /** A shell command that sets its own comm to {@link #COMM} (after every exec) and then sleeps. */
  private static final String HOSTILE_SLEEPER = "exec python3 -c 'import time; open(\"/proc/self/comm\", \"w\")"
      + ".write(\"a\\x1b[31mb\\nc\"); time.sleep(120)'";

  private static void awaitComm(long pid) throws Exception {
    Path comm = Path.of("/proc/" + pid + "/comm");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.readString(comm).equals(COMM + "\n")) {
      assertTrue(System.nanoTime() < deadline, "comm set: " + Files.readString(comm));
      RunningDaemon.sleep(20);
    }
  }

  /** No byte a terminal would obey: nothing below 0x20 but newline and tab, no DEL, no C1 (UTF-8 C2 80..9F). */
  private static void assertPrintable(String what, byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean c1 = b == 0xc2 && i + 1 < bytes.length && (bytes[i + 1] & 0xff) >= 0x80 && (bytes[i + 1] & 0xff) <= 0x9f;
      assertTrue((b >= 0x20 && b != 0x7f && !c1) || b == '\n' || b == '\t', what + ": byte 0x" + Integer.toHexString(b)
          + " at " + i + ":\n" + new String(bytes, StandardCharsets.UTF_8));
    }
  }

  @Test
  void showPrintsATenantsCommAndCgroupNameEscaped() throws Exception {
    String name = "jlxcfs-it-\u001b[31mesc-" + UUID.randomUUID().toString().substring(0, 6);
    try (TestCgroup cg = new TestCgroup(name)) {
      cg.limitMemory("", 256 * MIB);
      Process p = cg.spawn(HOSTILE_SLEEPER, cg.dir("memory", ""));
      awaitComm(p.pid());
      Path out = Files.createTempFile("jlxcfs-it-show", ".out");
      try {
        // Bytes as printed, not decoded: redirected to a file.
        Shell.Result r = Shell.run(List.of("sh", "-c", "\"$0\" show \"$1\" > \"$2\"", Host.LAUNCHER.toString(),
            Long.toString(p.pid()), out.toString()), Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
        assertEquals(0, r.exit(), r.err());
        byte[] bytes = Files.readAllBytes(out);
        assertPrintable("jlxcfs show", bytes);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("process " + p.pid() + " (" + COMM_ESCAPED + ")\n"), text);
        String escapedName = name.replace("\u001b", "\\x1b");
        assertTrue(text.lines().anyMatch(l -> l.startsWith("    ") && l.contains(":/" + escapedName)),
            "the cgroup line, escaped: " + text);
        assertTrue(text.contains("/" + escapedName + "/memory."), "the limit files' paths, escaped: " + text);
        assertTrue(text.contains("\nMemTotal:         262144 kB\n"), "the bodies keep their layout: " + text);
      } finally {
        Files.deleteIfExists(out);
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void logAndRemountLinesQuotingATenantsCommAreOneEscapedLineEach() throws Exception {
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    Path target = Files.createTempFile("jlxcfs-it-bind", "");
    Process holder = null;
    try (RunningDaemon first = RunningDaemon.start(mountPoint)) {
      // In a mount namespace of its own, a process named COMM holds a bind of meminfo (as a container would).
      holder = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
          "mount --bind \"$0\" \"$1\" && " + HOSTILE_SLEEPER, mountPoint.resolve("proc/meminfo").toString(),
          target.toString()).redirectErrorStream(true).start();
      long pid = holder.pid();
      awaitComm(pid);
      first.kill();

      // remount: its lines name the process by its comm.
      try (RunningDaemon second = RunningDaemon.start(mountPoint, "--heal=false")) {
        Path out = Files.createTempFile("jlxcfs-it-remount", ".out");
        try {
          Shell.Result r = Shell.run(List.of("sh", "-c", "\"$0\" remount \"$1\" > \"$2\"", Host.LAUNCHER.toString(),
              mountPoint.toString(), out.toString()), Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
          byte[] bytes = Files.readAllBytes(out);
          String text = new String(bytes, StandardCharsets.UTF_8);
          assertEquals(0, r.exit(), text + r.err());
          assertPrintable("jlxcfs remount", bytes);
          assertTrue(text.lines().anyMatch(l -> l.startsWith("healed: pid " + pid + " (" + COMM_ESCAPED
              + ", ")), text);
        } finally {
          Files.deleteIfExists(out);
        }
        second.kill();
      }

      // The heal at start logs the same: through the daemon's stderr, one escaped line each.
      try (RunningDaemon third = RunningDaemon.start(mountPoint)) {
        third.awaitLog("containers' dead mounts: "); // the heal runs after serving started
        byte[] log = Files.readAllBytes(third.log);
        assertPrintable("the daemon's log", log);
        String text = new String(log, StandardCharsets.UTF_8);
        assertTrue(text.lines().anyMatch(l -> l.contains("] Daemon - healed pid " + pid + " ("
            + COMM_ESCAPED + ", ")), text);
        Shell.Result read = Shell.run(List.of("nsenter", "-t", Long.toString(pid), "-m", "--", "timeout",
            "-k", "2", "5", "head", "-1", target.toString()));
        assertTrue(read.out().startsWith("MemTotal:"), "the bind reads again: " + read.out() + read.err());
        System.out.println("EscapeIT: " + text.lines().filter(l -> l.contains("healed pid " + pid))
            .findFirst().orElse(""));
      }
    } finally {
      if (holder != null) {
        holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(target);
    }
  }
}
