package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Debian package that {@code mvn package} builds (target/jlxcfs_VERSION_all.deb), installed on this machine as a
 * user would: its files, its metadata, its systemd unit, the installed daemon serving a mount, and a purge that
 * leaves nothing behind. The package is purged in {@code finally}, also when a check failed.
 */
class DebPackageIT {

  private static final List<String> FILES = List.of("/usr/bin/jlxcfs", "/usr/libexec/jlxcfs/handover",
      "/usr/share/jlxcfs/jlxcfs.jar",
      "/etc/jlxcfs/jlxcfs.conf", "/lib/systemd/system/jlxcfs.service", "/usr/share/doc/jlxcfs/copyright",
      "/usr/share/doc/jlxcfs/README.md", "/usr/share/doc/jlxcfs/docs/design.md");
  private static final Path WANTS = Path.of("/etc/systemd/system/multi-user.target.wants/jlxcfs.service");
  private static final long MIB = 1 << 20;

  @Test
  void installsRunsAndPurgesCleanly() throws Exception {
    Host.require();
    Host.requireTool("dpkg");
    Host.requireTool("apt-get");
    Host.requireTool("systemd-analyze");
    Path deb = Host.deb();
    if (Shell.sh("dpkg-query -W -f='${Status}' jlxcfs 2>/dev/null | grep -q 'ok installed'").exit() == 0) {
      Host.unavailable("jlxcfs is already installed on this machine: this test installs and purges it, so it leaves "
          + "an installation it did not make alone");
    }
    long start = System.nanoTime();
    try {
      // apt-get, not dpkg -i: it also installs the dependencies; it waits for a lock another apt holds.
      Shell.run(List.of("apt-get", "-o", "DPkg::Lock::Timeout=120", "install", "-y", "-q", deb.toString()),
          Map.of("DEBIAN_FRONTEND", "noninteractive"), 600).check();

      String status = Shell.run(List.of("dpkg", "-s", "jlxcfs")).check().out();
      assertTrue(status.contains("Status: install ok installed"), status);
      assertTrue(status.contains("Architecture: all"), status);
      assertTrue(status.contains("libfuse2 | libfuse2t64"), status);
      // Least privilege: not fuse3, whose setuid fusermount lets any local user mount FUSE; umount (package mount)
      // clears a dead mount as root.
      String depends = status.lines().filter(l -> l.startsWith("Depends:")).findFirst().orElse("");
      assertFalse(depends.matches(".*\\bfuse3?\\b.*"), depends);
      assertTrue(depends.matches(".*, mount(,.*|$)"), depends);
      assertTrue(status.contains("/etc/jlxcfs/jlxcfs.conf"), "the config is a conffile:\n" + status);
      for (String f : FILES) {
        assertTrue(Files.isRegularFile(Path.of(f)), f + " is installed");
      }
      assertTrue(Files.isExecutable(Path.of("/usr/bin/jlxcfs")));
      // The unit's reload/restart helper (its use under systemd: SystemdGuestIT).
      assertTrue(Files.isExecutable(Path.of("/usr/libexec/jlxcfs/handover")));
      assertEquals(Files.readString(Path.of("conf/jlxcfs.conf")), Files.readString(Path.of("/etc/jlxcfs/jlxcfs.conf")));
      if (Shell.sh("command -v deb-systemd-helper").exit() == 0) {
        assertTrue(Files.isSymbolicLink(WANTS), "postinst enables the unit: " + WANTS);
      }

      // The installed launcher finds the installed jar (no JLXCFS_JAR, no checkout beside /usr/bin).
      Shell.Result version = installed("--version");
      assertEquals(0, version.exit(), version.err());
      assertTrue(version.out().startsWith("jlxcfs "), version.out());
      Shell.Result help = installed("--help");
      assertEquals(0, help.exit(), help.err());
      assertTrue(help.out().contains("--mountpoint"), help.out());

      Shell.Result verify = Shell.run(List.of("systemd-analyze", "verify", "/lib/systemd/system/jlxcfs.service"));
      assertEquals(0, verify.exit(), verify.out() + verify.err());
      assertFalse(verify.err().contains("jlxcfs.service"), "systemd-analyze verify: " + verify.err());

      servesAMount();
    } finally {
      purge();
    }
    Shell.Result gone = Shell.run(List.of("dpkg", "-s", "jlxcfs"));
    assertTrue(gone.exit() != 0 || !gone.out().contains("ok installed"), "still installed: " + gone.out());
    for (String f : FILES) {
      assertFalse(Files.exists(Path.of(f)), f + " is gone after the purge");
    }
    assertFalse(Files.exists(Path.of("/etc/jlxcfs")), "/etc/jlxcfs is gone after the purge");
    assertFalse(Files.exists(Path.of("/usr/libexec/jlxcfs")), "/usr/libexec/jlxcfs is gone after the purge");
    assertFalse(Files.exists(WANTS, LinkOption.NOFOLLOW_LINKS), WANTS + " is gone after the purge");
    assertFalse(Files.exists(Path.of("/etc/systemd/system/jlxcfs.service"), LinkOption.NOFOLLOW_LINKS),
        "no mask left after the purge");
    System.out.printf("DebPackageIT: %s installed, checked, served a mount (256 MiB reader: MemTotal 262144 kB), "
        + "exited 0 on SIGTERM, purged without a trace, in %d ms%n", deb.getFileName(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  /** The installed daemon, started as the unit starts it (with the packaged config) on a temp mount point. */
  private void servesAMount() throws Exception {
    Path dir = Files.createTempDirectory("jlxcfs-it-deb");
    Path mnt = dir.resolve("mnt");
    Path log = dir.resolve("daemon.log");
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/jlxcfs", "--config", "/etc/jlxcfs/jlxcfs.conf", mnt.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("JLXCFS_JAR");
    Process daemon = pb.start();
    try (TestCgroup cg = new TestCgroup()) {
      awaitServing(daemon, mnt, log);
      String host = Files.readString(mnt.resolve("proc/meminfo"));
      assertTrue(host.startsWith("MemTotal:"), host);
      cg.limitMemory("", 256 * MIB);
      String limited = cg.run("cat " + mnt.resolve("proc/meminfo"), cg.dir("memory", "")).check().out();
      assertEquals(262144, Host.Meminfo.value(limited, "MemTotal"), "a reader in a 256 MiB cgroup:\n" + limited);
      // The installed check sees the installed daemon serving its mount point.
      Shell.Result check = Shell.run(List.of("/usr/bin/jlxcfs", "check", mnt.toString()));
      assertEquals(0, check.exit(), check.out() + check.err());
      assertTrue(check.out().contains(mnt + ": served by a live jlxcfs daemon"), check.out());
      daemon.destroy(); // SIGTERM
      assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon exits on SIGTERM");
      assertEquals(0, daemon.exitValue(), Files.readString(log));
      assertFalse(RunningDaemon.isMounted(mnt), "SIGTERM unmounted " + mnt);
    } finally {
      if (daemon.isAlive()) {
        daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      RunningDaemon.unmountIfMounted(mnt);
      Shell.run(List.of("rm", "-rf", dir.toString()));
    }
  }

  private static void awaitServing(Process daemon, Path mnt, Path log) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).contains("] Daemon - serving ") && RunningDaemon.isMounted(mnt)) {
        return;
      }
      if (!daemon.isAlive()) {
        throw new AssertionError("the installed daemon exited with " + daemon.exitValue() + ":\n"
            + Files.readString(log));
      }
      RunningDaemon.sleep(50);
    }
    throw new AssertionError("the installed daemon did not mount " + mnt + " within 30 s:\n" + Files.readString(log));
  }

  private static Shell.Result installed(String arg) {
    return Shell.run(List.of("env", "-u", "JLXCFS_JAR", "/usr/bin/jlxcfs", arg));
  }

  private static void purge() {
    // dpkg takes its lock without waiting: retry for a while if another apt/dpkg holds it.
    for (int i = 0; i < 60; i++) {
      Shell.Result r = Shell.run(List.of("dpkg", "--purge", "jlxcfs"), Map.of(), 120);
      if (r.exit() == 0) {
        return;
      }
      if (!r.err().contains("lock")) {
        throw new AssertionError("dpkg --purge jlxcfs failed:\n" + r.out() + r.err());
      }
      RunningDaemon.sleep(2000);
    }
    throw new AssertionError("dpkg --purge jlxcfs: the dpkg lock stayed taken for 2 minutes");
  }
}
