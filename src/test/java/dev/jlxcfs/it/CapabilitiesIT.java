package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon under exactly the capability bounding set of packaging/jlxcfs.service (parsed from the unit, so the
 * unit and this test cannot drift apart), started as root through the launcher as systemd would: it serves a reader
 * of another uid in a 256 MiB cgroup its own figures (no file falls back to the host's), a runc container binding
 * its files reads 256 MiB, and after kill -9 a fresh start under the same set re-attaches the container's binds.
 */
class CapabilitiesIT {

  private static final long MIB = 1 << 20;
  /** Capability numbers (linux/capability.h), in order. */
  private static final List<String> CAPS = List.of("chown", "dac_override", "dac_read_search", "fowner", "fsetid",
      "kill", "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin",
      "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
      "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
      "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend",
      "audit_read", "perfmon", "bpf", "checkpoint_restore");

  @BeforeAll
  static void require() {
    Host.require();
    Host.requireTool("setpriv");
    Host.requireTool("runc");
    Host.requireTool("python3");
  }

  /** The capabilities of the unit's (uncommented) CapabilityBoundingSet= line, as written there. */
  static List<String> boundingSet(String unit) {
    List<String> lines = unit.lines().filter(l -> l.startsWith("CapabilityBoundingSet=")).toList();
    assertEquals(1, lines.size(), "one CapabilityBoundingSet= line: " + lines);
    return Arrays.asList(lines.get(0).substring("CapabilityBoundingSet=".length()).trim().split("\\s+"));
  }

  private static long mask(List<String> caps) {
    long m = 0;
    for (String c : caps) {
      int bit = CAPS.indexOf(c.toLowerCase(Locale.ROOT).replaceFirst("^cap_", ""));
      assertTrue(bit >= 0, "a known capability: " + c);
      m |= 1L << bit;
    }
    return m;
  }

  private static long capField(long pid, String field) throws Exception {
    String status = Files.readString(Path.of("/proc/" + pid + "/status"));
    String line = status.lines().filter(l -> l.startsWith(field + ":")).findFirst().orElseThrow();
    return Long.parseUnsignedLong(line.substring(field.length() + 1).trim(), 16);
  }

  @Test
  void underTheUnitsBoundingSetItServesAndHealsAfterKill9() throws Exception {
    List<String> caps = boundingSet(Files.readString(Path.of("packaging/jlxcfs.service")));
    StringBuilder set = new StringBuilder("-all");
    caps.forEach(c -> set.append(",+").append(c.toLowerCase(Locale.ROOT).replaceFirst("^cap_", "")));
    // As root, a process's permitted and effective sets after exec are its bounding set (inheritable cleared).
    List<String> prefix = List.of("setpriv", "--bounding-set", set.toString(), "--inh-caps=-all", "--");
    long expected = mask(caps);

    Path dir = Files.createTempDirectory("jlxcfs-it");
    // The reader below is another user: it must reach the mount point.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path mountPoint = dir.resolve("mnt");
    try (RunningDaemon first = RunningDaemon.startThrough(prefix, mountPoint); Runc runc = new Runc();
         TestCgroup cg = new TestCgroup()) {
      assertEquals(expected, capField(first.process().pid(), "CapBnd"), "bounding set " + caps);
      assertEquals(expected, capField(first.process().pid(), "CapEff"), "effective set " + caps);

      // A reader of another uid (nobody) in a 256 MiB cgroup: every file is its own, none the host's fallback
      // (uptime and stat read its /proc/PID/ns/pid: CAP_SYS_PTRACE; its liveness: a pidfd, without CAP_KILL).
      cg.limitMemory("", 256 * MIB);
      StringBuilder reads = new StringBuilder("head -1 " + mountPoint.resolve("proc/meminfo"));
      for (String f : List.of("proc/uptime", "proc/stat", "proc/cpuinfo", "proc/loadavg", "proc/swaps",
          "proc/diskstats", "sys/devices/system/cpu/online")) {
        reads.append("; cat ").append(mountPoint.resolve(f)).append(" >/dev/null || echo FAILED ").append(f);
      }
      String out = cg.run("exec setpriv --reuid=65534 --regid=65534 --clear-groups sh -c '" + reads + "; "
          + reads + "'", cg.dir("memory", "")).check().out();
      assertEquals(List.of("MemTotal:         262144 kB", "MemTotal:         262144 kB"), out.lines().toList(), out);

      String id = runc.start(runc.bundle(mountPoint, "sleep 600"));
      assertEquals("256", memTotalMib(runc, id));
      first.kill();
      Shell.Result broken = runc.exec(id, "cat /proc/meminfo");
      assertTrue(broken.exit() != 0 && broken.err().contains("not connected"), "dead after kill -9: " + broken.err());

      try (RunningDaemon second = RunningDaemon.startThrough(prefix, mountPoint)) {
        assertEquals(expected, capField(second.process().pid(), "CapEff"));
        second.awaitLog("containers' dead mounts: "); // the heal runs after serving started
        assertEquals("256", memTotalMib(runc, id), "re-attached in the container's mount namespace");
        String log = second.logText();
        assertTrue(log.contains("healed pid " + runc.pid(id) + " "), log);
        assertFalse(log.contains("could not heal"), log);
        for (String l : List.of(first.logText(), log)) {
          assertFalse(l.contains("serving the host's file"), "no fallback under the set:\n" + l);
          assertFalse(l.contains("EPERM") || l.contains("Operation not permitted"), l);
        }
        System.out.println("CapabilitiesIT: under " + caps + " (CapEff " + Long.toHexString(expected) + "): a reader "
            + "of uid 65534 in 256 MiB read MemTotal 262144 kB with no fallback; after kill -9 a fresh start "
            + log.lines().filter(l -> l.contains("dead mounts:")).findFirst().orElse("(no summary)").replaceAll(
                ".* - ", ""));
      }
    }
  }

  private static String memTotalMib(Runc runc, String id) {
    Shell.Result r = runc.exec(id, "free -m | grep ^Mem:");
    assertEquals(0, r.exit(), "free in " + id + ": " + r.out() + r.err());
    return r.out().trim().split("\\s+")[1];
  }

  /** Unused names would make the mask wrong: the table has each capability once. */
  @Test
  void theCapabilityTableIsConsistent() {
    assertEquals(CAPS.size(), new ArrayList<>(new java.util.LinkedHashSet<>(CAPS)).size());
    assertEquals(1L << 21 | 1L << 18 | 1L << 19, mask(List.of("CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE")));
  }
}
