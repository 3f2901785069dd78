package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A restart heals running containers: containers bind the daemon's files, the daemon is killed (-9), a new one
 * starts on the same mount point, and the containers' next reads work again with their own figures, without a
 * restart of the containers and with nothing run inside them.
 */
class HealIT {

  @BeforeAll
  static void require() {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("/usr/bin/python3");
  }

  @Test
  void afterKill9AndAFreshStartRunningContainersReadTheirOwnFiguresAgain() throws Exception {
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    try (RunningDaemon first = RunningDaemon.start(mountPoint); Runc runc = new Runc()) {
      String a = runc.start(runc.bundle(mountPoint, "sleep 600"));
      String b = runc.start(runc.bundle(mountPoint, "sleep 600"));
      String gone = runc.start(runc.bundle(mountPoint, "sleep 600"));
      long pidA = runc.pid(a);
      assertEquals("256", memTotalMib(runc, a));

      first.kill();
      Shell.Result broken = runc.exec(a, "cat /proc/uptime");
      assertTrue(broken.exit() != 0 && broken.err().contains("not connected"),
          "a killed daemon leaves dead mounts: " + broken.err());
      runc.kill(gone); // one container exits meanwhile: nothing to heal there, and no error

      try (RunningDaemon second = RunningDaemon.start(mountPoint)) {
        // The heal runs after serving started, on a thread of its own.
        second.awaitLog("containers' dead mounts: ");
        for (String id : List.of(a, b)) {
          assertEquals("256", memTotalMib(runc, id), "free in " + id);
          Shell.Result top = runc.exec(id, "top -bn1 | grep 'Mem :'");
          assertEquals(0, top.exit(), top.out());
          assertTrue(top.out().matches("(?s).*Mem :\\s+256\\.0 total.*"), "top in " + id + ": " + top.out());
          Shell.Result uptime = runc.exec(id, "cat /proc/uptime");
          assertEquals(0, uptime.exit(), uptime.out());
          double up = Double.parseDouble(uptime.out().split(" ")[0]);
          assertTrue(up < 120, "the container's uptime, not the host's: " + up);
          Shell.Result cpus = runc.exec(id, "grep -c ^processor /proc/cpuinfo; ls /sys/devices/system/cpu | "
              + "grep -c '^cpu[0-9]'; head -1 /proc/stat");
          assertEquals(0, cpus.exit(), cpus.out());
        }
        assertEquals(pidA, runc.pid(a), "the same container, not a restarted one");
        String log = second.logText();
        int binds = Files.readString(Path.of("examples/oci-mounts.json")).split("\"destination\"", -1).length - 1;
        assertEquals(2 * binds, count(log, "healed pid "), binds + " binds in each of 2 containers:\n" + log);
        assertTrue(log.contains("containers' dead mounts: " + 2 * binds + " healed, 0 skipped, 0 failed"), log);

        // On demand, nothing is left to do.
        Shell.Result again = Shell.run(List.of(Host.LAUNCHER.toString(), "remount", mountPoint.toString()),
            java.util.Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
        assertEquals(0, again.exit(), again.out() + again.err());
        assertTrue(again.out().contains("0 healed, 0 skipped, 0 failed"), again.out());
        System.out.println("HealIT: " + log.lines().filter(l -> l.contains("dead mounts:")).findFirst().orElse("")
            + "; remount afterwards: " + again.out().trim());
      }
    }
  }

  private static String memTotalMib(Runc runc, String id) {
    Shell.Result r = runc.exec(id, "free -m | grep ^Mem:");
    assertEquals(0, r.exit(), "free in " + id + ": " + r.out());
    return r.out().trim().split("\\s+")[1];
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
