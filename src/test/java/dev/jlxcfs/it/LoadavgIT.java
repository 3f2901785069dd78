package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /proc/loadavg through a real mount, real cgroups and a real runc container. A test of ~25 s: a busy loop in a
 * cgroup limited to one CPU, an idle cgroup, and a runc container running a busy loop, all first read at the start
 * and read again {@link #WAIT_MILLIS} later, when the averages must be what the kernel's formula gives for one
 * always-runnable task and the number of 5 s samples that fit in the time that passed (the kernel's own averages
 * would need a minute to near 0.63; the formula checks the same averaging sooner, and more closely).
 */
class LoadavgIT {

  private static final Pattern LOAD_AVERAGE = Pattern.compile("load average: ([0-9.]+), ([0-9.]+), ([0-9.]+)");

  private static RunningDaemon daemon;

  /** How long the test waits between its two reads: 4 samples (3 to 5, with the timing of the sampler's passes). */
  private static final long WAIT_MILLIS = 20_000;
  /** The kernel's decay per 5 s sample of the 1, 5 and 15-minute averages (FIXED_1 = 2048). */
  private static final double[] EXP = {1884 / 2048.0, 2014 / 2048.0, 2037 / 2048.0};

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("/usr/bin/python3");
    Host.requireTool("uptime");
    Host.requireTool("top");
    daemon = RunningDaemon.start();
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static String f(String path) {
    return daemon.file(path).toString();
  }

  /** "L1 L5 L15 R/T LAST" -> {L1, L5, L15, R, T}. */
  private static double[] parse(String line) {
    String[] w = line.trim().split(" ");
    assertEquals(5, w.length, line);
    String[] rt = w[3].split("/");
    return new double[] {Double.parseDouble(w[0]), Double.parseDouble(w[1]), Double.parseDouble(w[2]),
        Double.parseDouble(rt[0]), Double.parseDouble(rt[1])};
  }

  @Test
  void aBusyLoopInAOneCpuCgroupNearsOneWithinAMinuteWhileAnIdleCgroupStaysAtZero() throws Exception {
    try (TestCgroup busy = new TestCgroup(); TestCgroup idle = new TestCgroup(); Runc runc = new Runc()) {
      // Every group is sampled from when the daemon's walk finds it (within 5 s of its making), read or not.
      long made = System.nanoTime();
      Path[] b = {busy.dir("cpu", ""), busy.dir("cpuacct", "")};
      Path[] i = {idle.dir("cpu", ""), idle.dir("cpuacct", "")};
      busy.limitCpu("", 100000, 100000);
      busy.spawn("while :; do :; done", b);
      idle.spawn("exec sleep 300", i);
      // A container (256 MiB, one CPU, the files bound as examples/oci-mounts.json says) that reads its loadavg
      // once, so that its cgroup is tracked from now, then keeps a busy loop running.
      long containerStarted = System.nanoTime();
      String id = runc.start(runc.bundle(daemon.mountPoint,
          "cat /proc/loadavg >/dev/null; (while :; do :; done) & exec sleep 300"));

      // First reads: the groups are at most a few seconds old, near 0.
      long trackedFrom = made;
      double[] b0 = parse(busy.run("cat " + f("proc/loadavg"), b).check().out());
      long trackedBy = System.nanoTime();
      double[] i0 = parse(idle.run("cat " + f("proc/loadavg"), i).check().out());
      assertTrue(b0[0] < 0.3 && i0[0] < 0.3, "fresh cgroups start near 0: " + Arrays.toString(b0) + " "
          + Arrays.toString(i0));

      RunningDaemon.sleep(WAIT_MILLIS);

      long busyReadFrom = System.nanoTime();
      String busyOut = busy.run("cat " + f("proc/loadavg"), b).check().out();
      long busyReadBy = System.nanoTime();
      String idleOut = idle.run("cat " + f("proc/loadavg"), i).check().out();
      String inContainer = runc.exec(id, "uptime; top -bn1 | head -1; cat /proc/loadavg").check().out();
      long containerRead = System.nanoTime();
      System.out.println("LoadavgIT after " + (busyReadFrom - trackedBy) / 1_000_000 + " to "
          + (busyReadBy - trackedFrom) / 1_000_000 + " ms: busy cgroup " + busyOut.trim()
          + "; idle cgroup " + idleOut.trim() + "; in the container:\n" + inContainer);
      double[] b1 = parse(busyOut);
      double[] i1 = parse(idleOut);
      // One always-runnable task (throttled by its quota or waiting for a CPU: R) for k samples: 1 - EXP^k.
      double[][] busyRange = expected(busyReadFrom - trackedBy, busyReadBy - trackedFrom);
      for (int a = 0; a < 3; a++) {
        assertTrue(b1[a] >= busyRange[a][0] && b1[a] <= busyRange[a][1], "busy load " + a + " should be within "
            + Arrays.toString(busyRange[a]) + ": " + busyOut);
      }
      assertTrue(b1[1] < b1[0] && b1[2] < b1[1], "5 and 15-minute loads rise slower: " + busyOut);
      assertTrue(b1[3] >= 1 && b1[4] >= 1, "the busy loop is a running thread of the cgroup: " + busyOut);
      assertTrue(i1[0] < 0.2 && i1[1] < 0.2 && i1[2] < 0.2, "idle cgroup: " + idleOut);
      assertTrue(i1[4] >= 1, "the sleeping thread is counted: " + idleOut);

      // uptime and top inside the container show the container's load (tracked since its own first read).
      double[] containerRange = expected(busyReadFrom - trackedBy, containerRead - containerStarted)[0];
      List<String> lines = inContainer.lines().toList();
      assertEquals(3, lines.size(), inContainer);
      for (String line : lines.subList(0, 2)) {
        Matcher m = LOAD_AVERAGE.matcher(line);
        assertTrue(m.find(), line);
        double one = Double.parseDouble(m.group(1));
        assertTrue(one >= busyRange[0][0] && one <= containerRange[1], "the container's busy loop in its load, within "
            + busyRange[0][0] + ".." + containerRange[1] + ": " + inContainer);
      }
      double[] c = parse(lines.get(2));
      assertTrue(c[3] >= 1, inContainer);
    }
  }

  /**
   * A busy group (one CPU quota, a busy loop) that nobody reads: its history runs from when the daemon first samples
   * it (the first pass after the daemon's start, for a group older than the daemon; the next walk, for one made
   * later), so its first read, {@link #UNREAD_MILLIS} later, shows what calc_load gives for one always-runnable task
   * over those samples: 1 - (1884/2048)^k for k samples (the kernel's rounding aside), 0.53 for k = 9 (45 s), 0.68
   * for k = 14 (70 s). Read 50 s after the first sample at the latest rather than after 70 s keeps the test near a
   * minute; the fewest samples that can have been taken by then (9: one period lost to the sampler's phase) still
   * give >= 0.5. The group is made before a daemon of the test's own is started (a group
   * older than the daemon); in the guest lane, whose daemon is shared and already running, it is made while that one
   * runs (found by its next walk).
   */
  @Test
  void aBusyGroupNobodyReadShowsItsWholeHistoryAtItsFirstRead() throws Exception {
    try (TestCgroup busy = new TestCgroup()) {
      Path[] b = {busy.dir("cpu", ""), busy.dir("cpuacct", "")};
      busy.limitCpu("", 100000, 100000);
      long made = System.nanoTime();
      busy.spawn("while :; do :; done", b);
      RunningDaemon own = Host.inGuest() ? null
          : RunningDaemon.start(Files.createTempDirectory("jlxcfs-it").resolve("mnt"));
      try {
        RunningDaemon d = own != null ? own : daemon;
        // Sampled from the daemon's first pass (5 s after it serves) or, in the shared daemon, its next walk.
        long sampledFrom = System.nanoTime() + 5_000_000_000L;
        RunningDaemon.sleep(Math.max(0, (sampledFrom - System.nanoTime()) / 1_000_000 + UNREAD_MILLIS));
        long readFrom = System.nanoTime();
        String out = busy.run("cat " + d.file("proc/loadavg"), b).check().out();
        long readBy = System.nanoTime();
        System.out.println("LoadavgIT: first read of a busy group " + (readFrom - made) / 1_000_000
            + " ms after it was made, " + (readFrom - sampledFrom) / 1_000_000 + " ms after its first sample at the "
            + "latest: " + out.trim());
        double[] l = parse(out);
        double[][] range = expected(readFrom - sampledFrom, readBy - made);
        for (int a = 0; a < 3; a++) {
          assertTrue(l[a] >= range[a][0] && l[a] <= range[a][1], "load " + a + " should be within "
              + Arrays.toString(range[a]) + ": " + out);
        }
        assertTrue(l[0] >= 0.5, "a minute's history at the first read: " + out);
        assertTrue(l[3] >= 1, "the busy loop is running: " + out);
      } finally {
        if (own != null) {
          own.close();
        }
      }
    }
  }

  /** How long the busy group of {@link #aBusyGroupNobodyReadShowsItsWholeHistoryAtItsFirstRead} is left unread. */
  private static final long UNREAD_MILLIS = 50_000;

  /**
   * The 1, 5 and 15-minute averages {lowest, highest} of one always-runnable task tracked for at least
   * {@code leastNanos} and at most {@code mostNanos}: one sample per 5 s, give or take one at each end (when the
   * sampler's passes fall), with 0.02 for the printed figures' rounding. The highest also allows for the test's
   * own reader (the joining shell and cat, or runc exec's processes) counted as a second active task at up to two
   * samples: it is in the cgroup it reads, and under the guest lane's emulation a read takes a second or more (seen
   * there: "0.42 0.10 0.03 2/3").
   */
  private static double[][] expected(long leastNanos, long mostNanos) {
    int fewest = Math.max(1, (int) Math.floor(leastNanos / 5e9) - 1);
    int most = (int) Math.ceil(mostNanos / 5e9) + 1;
    double[][] range = new double[3][];
    for (int a = 0; a < 3; a++) {
      range[a] = new double[] {1 - Math.pow(EXP[a], fewest) - 0.02,
          1 - Math.pow(EXP[a], most) + 2 * (1 - EXP[a]) + 0.02};
    }
    return range;
  }

  @Test
  void aProcessInTheRootCpuCgroupGetsTheHostsFile() {
    // No CPU cgroup of its own (the cpu hierarchy's root): the host's figures. The host's averages change every
    // 5 s, so compare two reads made together, retrying across a change.
    Path root = CgroupLayout.host().root("cpu");
    try (TestCgroup none = new TestCgroup()) {
      for (int attempt = 0; ; attempt++) {
        List<String> out = none.run("cat " + f("proc/loadavg") + " /proc/loadavg", root).check().out().lines()
            .toList();
        List<String> ours = Arrays.asList(out.get(0).split(" ")).subList(0, 3);
        List<String> host = Arrays.asList(out.get(1).split(" ")).subList(0, 3);
        if (ours.equals(host) || attempt == 5) {
          assertEquals(host, ours, out.toString());
          assertTrue(out.get(0).matches("[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+"), out.get(0));
          return;
        }
        RunningDaemon.sleep(200);
      }
    }
  }
}
