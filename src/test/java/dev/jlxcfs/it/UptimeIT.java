package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /proc/uptime through a real mount, read from real pid namespaces. */
class UptimeIT {

  private static RunningDaemon daemon;

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    Host.requireTool("unshare");
    Host.requireTool("nsenter");
    daemon = RunningDaemon.start();
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static double[] parse(String s) {
    String[] f = s.trim().split(" ");
    assertEquals(2, f.length, s);
    return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
  }

  @Test
  void aHostProcessSeesTheHostsUptime() throws Exception {
    double[] ours = parse(Files.readString(daemon.file("proc/uptime")));
    double[] host = parse(Files.readString(Path.of("/proc/uptime")));
    assertTrue(Math.abs(ours[0] - host[0]) < 2, ours[0] + " vs " + host[0]);
  }

  @Test
  void aContainerSeesTheAgeOfItsPidNamespace() {
    String out = Shell.run(List.of("unshare", "-fp", "--kill-child", "sh", "-c",
        "sleep 2; cat " + daemon.file("proc/uptime"))).check().out();
    double[] up = parse(out);
    assertTrue(up[0] >= 1.9 && up[0] < 10, out);
    int cpus = Runtime.getRuntime().availableProcessors();
    assertTrue(up[1] >= 0 && up[1] <= up[0] * cpus + 0.01, "idle within capacity: " + out);
  }

  @Test
  void aProcessThatEntersLaterGetsTheSameAnswerAsInit() throws Exception {
    Process ns = new ProcessBuilder("unshare", "-fp", "--kill-child", "sleep", "60").start();
    try {
      long init = -1;
      for (int i = 0; i < 100 && init < 0; i++) {
        init = ns.toHandle().children().findFirst().map(ProcessHandle::pid).orElse(-1L);
        RunningDaemon.sleep(20);
      }
      assertTrue(init > 0, "no init in the new namespace");
      RunningDaemon.sleep(3000);
      // nsenter forks into the namespace: the reader's parent is outside it, as with docker exec.
      String out = Shell.run(List.of("nsenter", "-t", Long.toString(init), "-p", "--", "cat",
          daemon.file("proc/uptime").toString())).check().out();
      double[] up = parse(out);
      assertTrue(up[0] >= 2.9 && up[0] < 15, "uptime should be the namespace's ~3 s: " + out);
      double host = parse(Files.readString(Path.of("/proc/uptime")))[0];
      // The namespace was made after the daemon had started and mounted (more than 0.3 s after boot, always), and
      // the host's figure is read after the namespace's: the host's own uptime would be within a few ms of it.
      assertTrue(up[0] <= host - 0.3, "not the host's uptime (" + host + "): " + out);
    } finally {
      ns.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      ns.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
