package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * /proc/pressure/cpu from the reader's own cgroup2 group: four busy loops in one group on this 2-CPU host make
 * its CPU pressure; a group beside it, with only its reader in it, reads its own small figures.
 */
class PressureIT {

  @Test
  void eachGroupReadsItsOwnCpuPressure() throws Exception {
    Host.require();
    Path unified = cgroup2Mount();
    if (!Files.exists(Path.of("/proc/pressure/cpu")) || unified == null) {
      throw new AssertionError("this kernel has no PSI or no cgroup2 mount: /proc/pressure cannot be tested");
    }
    String name = "jlxcfs-it-psi-" + UUID.randomUUID().toString().substring(0, 8);
    Path busy = unified.resolve(name + "-busy");
    Path idle = unified.resolve(name + "-idle");
    List<Process> procs = new ArrayList<>();
    try (RunningDaemon d = RunningDaemon.start()) {
      Files.createDirectory(busy);
      Files.createDirectory(idle);
      for (int i = 0; i < 4; i++) {
        procs.add(join(busy, "while :; do :; done"));
      }
      RunningDaemon.sleep(3000); // avg10 is updated every 2 s
      String cpu = d.file("proc/pressure/cpu").toString();
      String throughMount = run(join(busy, "cat " + cpu));
      String direct = Files.readString(busy.resolve("cpu.pressure"));
      long viaMount = total(throughMount);
      long own = total(direct);
      assertTrue(viaMount > 0, "the busy group stalls: " + throughMount);
      assertTrue(Math.abs(own - viaMount) <= Math.max(own, viaMount) / 5 + 1_000_000,
          "the busy group's own figures (" + own + " us read directly, " + viaMount + " through the mount)");
      // The reader is the idle group's only task: it stalls a little itself, beside the busy loops.
      String idleRead = run(join(idle, "cat " + cpu));
      long idleOwn = total(Files.readString(idle.resolve("cpu.pressure")));
      assertTrue(total(idleRead) <= idleOwn && idleOwn - total(idleRead) < 200_000,
          "the idle group's own figures (" + idleOwn + " us directly): " + idleRead);
      assertTrue(total(idleRead) < viaMount / 10, "far below the busy group's: " + idleRead);
      long hostTotal = total(Files.readString(Path.of("/proc/pressure/cpu")));
      assertTrue(hostTotal > viaMount, "the host's total is all groups': " + hostTotal);
      String rootRead = Files.readString(d.file("proc/pressure/cpu")); // this test runs in the root group
      assertTrue(rootRead.startsWith("some avg10="), rootRead);
      System.out.printf("PressureIT: busy group some total %d us (directly %d), idle group %d, host %d%n", viaMount,
          own, total(idleRead), hostTotal);
    } finally {
      for (Process p : procs) {
        p.destroyForcibly().waitFor();
      }
      for (Path g : List.of(busy, idle)) {
        for (int i = 0; i < 50 && Files.exists(g); i++) {
          try {
            Files.delete(g);
          } catch (Exception e) {
            RunningDaemon.sleep(100);
          }
        }
      }
    }
  }

  /** Starts {@code script} (sh) in the cgroup2 group. */
  private static Process join(Path group, String script) throws Exception {
    return new ProcessBuilder("sh", "-c", "echo $$ > " + group.resolve("cgroup.procs") + " && exec sh -c '" + script
        + "'").redirectErrorStream(true).start();
  }

  private static String run(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  /** The {@code total=} of the {@code some} line (stalled microseconds). */
  private static long total(String pressure) {
    String some = pressure.lines().filter(l -> l.startsWith("some ")).findFirst().orElseThrow();
    return Long.parseLong(some.substring(some.indexOf("total=") + 6).trim());
  }

  private static Path cgroup2Mount() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      int dash = line.indexOf(" - ");
      if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
        return Path.of(line.split(" ")[4]);
      }
    }
    return null;
  }
}
