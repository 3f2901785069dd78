package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CPU view (cpuinfo, stat, sys/devices/system/cpu) through a real mount, real cgroups and processes. */
class CpuIT {

  private static RunningDaemon daemon;
  private static int hostCpus;

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    hostCpus = Runtime.getRuntime().availableProcessors();
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

  /** The cgroups of one test "container": cpuset, cpu, cpuacct and memory at the same path (one directory on v2). */
  private static Path[] dirs(TestCgroup cg) {
    return new Path[] {cg.dir("cpuset", ""), cg.dir("cpu", ""), cg.dir("cpuacct", ""), cg.dir("memory", "")};
  }

  /**
   * {@link #dirs} and the group's cgroup2 group (the same directory on a v2 host; on a hybrid one a group in the
   * cgroup2 mount, as a runtime makes), where the kernel keeps the pressure that steal comes from.
   */
  private static Path[] withPressure(TestCgroup cg) {
    Path unified = cg.unifiedDir("");
    if (unified == null || !java.nio.file.Files.exists(unified.resolve("cpu.pressure"))) {
      Host.unavailable("no cgroup2 group with cpu.pressure here (no cgroup2 mount, or PSI off): steal is 0 then");
    }
    Path[] d = dirs(cg);
    Path[] all = java.util.Arrays.copyOf(d, d.length + 1);
    all[d.length] = unified;
    return all;
  }

  /** The {@code cpu} line's user+system, idle and steal ticks between two reads, printed with {@code what}. */
  private static long[] busyIdleSteal(String what, long[] a, long[] b) {
    long[] d = {b[0] - a[0] + b[2] - a[2], b[3] - a[3], b[7] - a[7]};
    System.out.printf("CpuIT %s: busy %d, idle %d, steal %d ticks%n", what, d[0], d[1], d[2]);
    return d;
  }

  private static long[] cpuLine(String stat) {
    String line = stat.lines().filter(l -> l.startsWith("cpu ")).findFirst().orElseThrow();
    return java.util.Arrays.stream(line.substring(3).trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
  }

  @Test
  void aProcessWithCpusetOneSeesExactlyThatProcessorByItsOwnNumber() {
    Host.requireCpus(2);
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = dirs(cg);
      cg.setCpus("", "1");
      String out = cg.run("cat " + f("proc/cpuinfo") + "; echo ===; cat " + f("proc/stat") + "; echo ===; cat "
          + f("sys/devices/system/cpu/online") + "; echo ===; ls " + f("sys/devices/system/cpu"), d).check().out();
      String[] parts = out.split("===\n");
      List<String> processors = parts[0].lines().filter(l -> l.startsWith("processor")).toList();
      assertEquals(List.of("processor\t: 1"), processors);
      assertEquals(List.of("cpu", "cpu1"), parts[1].lines().filter(l -> l.startsWith("cpu"))
          .map(l -> l.substring(0, l.indexOf(' '))).toList());
      assertTrue(parts[1].contains("\nbtime "), "other lines pass through");
      assertEquals("1\n", parts[2]);
      List<String> listed = parts[3].lines().toList();
      assertEquals(List.of("cpu1"), listed.stream().filter(n -> n.matches("cpu[0-9]+")).toList());
      assertTrue(listed.containsAll(List.of("online", "possible", "present")), listed.toString());
    }
  }

  /**
   * Issue 18 item 3: a "container" pinned to CPU 1, with the whole CPU directory and cpuinfo bound over its own (a
   * mount namespace, as runc makes), can pin to what it is shown, and lscpu finds the host's topology, caches and
   * vulnerabilities there.
   */
  @Test
  void aContainerOnCpuOneCanPinToItsOnlineListAndLscpuSeesItsTopology() throws Exception {
    Host.requireTool("/usr/bin/lscpu");
    Host.requireTool("/usr/bin/taskset");
    Host.requireCpus(2);
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(
        Path.of("/sys/devices/system/cpu/cpu1/topology/thread_siblings")), "the host has no CPU topology in sysfs");
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = dirs(cg);
      cg.setCpus("", "1");
      Path script = java.nio.file.Files.createTempFile("cpuit", ".sh");
      java.nio.file.Files.writeString(script, "set -e\n"
          + "mount --bind " + f("proc/cpuinfo") + " /proc/cpuinfo\n"
          + "mount --bind " + f("sys/devices/system/cpu") + " /sys/devices/system/cpu\n"
          + "taskset -c \"$(cat /sys/devices/system/cpu/online)\" true && echo pinned\n"
          + "cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible /sys/devices/system/cpu/offline\n"
          + "getconf _NPROCESSORS_ONLN; getconf _NPROCESSORS_CONF\n"
          + "cat /sys/devices/system/cpu/cpu1/topology/thread_siblings_list\n"
          + "LC_ALL=C lscpu\n");
      String out;
      try {
        out = cg.run("unshare -m --propagation private sh " + script, d).check().out();
      } finally {
        java.nio.file.Files.deleteIfExists(script);
      }
      List<String> lines = out.lines().toList();
      assertEquals(List.of("pinned", "1", "0-1", "0", "1", "2", "1"), lines.subList(0, 7), out);
      assertTrue(out.contains("On-line CPU(s) list:") && lscpu(out, "On-line CPU(s) list").equals("1"), out);
      // One CPU: one thread of one core of one socket, and one instance of each cache (the topology and caches of
      // the CPUs it is not shown lead nowhere, as an offline CPU's).
      for (String count : List.of("Thread(s) per core", "Core(s) per socket", "Socket(s)")) {
        assertEquals("1", lscpu(out, count), count + " in\n" + out);
      }
      List<String> caches = out.lines().filter(l -> l.matches("L[123][di]? cache:.*")).toList();
      assertTrue(!caches.isEmpty(), "cache lines in\n" + out);
      assertTrue(caches.stream().allMatch(l -> l.endsWith("(1 instance)")), "one instance of each cache:\n" + out);
      assertTrue(out.lines().anyMatch(l -> l.startsWith("Vulnerability ")), "vulnerability lines in\n" + out);
    }
  }

  private static String lscpu(String out, String key) {
    return out.lines().filter(l -> l.startsWith(key + ":")).map(l -> l.substring(l.indexOf(':') + 1).trim())
        .findFirst().orElse("");
  }

  @Test
  void halfACpuQuotaShowsOneCpuInAllThreePlaces() {
    Host.requireCpus(2);
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = dirs(cg);
      cg.limitCpu("", 50000, 100000);
      String out = cg.run("grep -c ^processor " + f("proc/cpuinfo") + "; grep -c '^cpu[0-9]' " + f("proc/stat")
          + "; cat " + f("sys/devices/system/cpu/online"), d).check().out();
      assertEquals(List.of("1", "1", "0"), out.lines().toList());
    }
  }

  @Test
  void aBusyCgroupsUserTicksRiseWhileAnIdleOnesStayFlat() throws Exception {
    try (TestCgroup busy = new TestCgroup(); TestCgroup idle = new TestCgroup()) {
      Path[] b = dirs(busy);
      Path[] i = dirs(idle);
      busy.spawn("while :; do :; done", b);
      long[] b0 = cpuLine(busy.run("cat " + f("proc/stat"), b).check().out());
      long[] i0 = cpuLine(idle.run("cat " + f("proc/stat"), i).check().out());
      RunningDaemon.sleep(2000);
      long[] b1 = cpuLine(busy.run("cat " + f("proc/stat"), b).check().out());
      long[] i1 = cpuLine(idle.run("cat " + f("proc/stat"), i).check().out());
      assertTrue(b1[0] - b0[0] >= 100, "a busy loop for 2 s: user ticks rose by only " + (b1[0] - b0[0]));
      // The idle cgroup's only CPU time is its readers' own (the joining shell and cat of each read): a few ticks,
      // more in the guest lane, where starting a process under emulation costs tens of milliseconds of CPU.
      long idleBusy = i1[0] - i0[0] + i1[2] - i0[2];
      assertTrue(idleBusy <= (Host.inGuest() ? 40 : 10), "idle cgroup's user+system ticks moved by " + idleBusy
          + " (the busy one's by " + (b1[0] - b0[0] + b1[2] - b0[2]) + ")");
      assertTrue(i1[3] - i0[3] >= 150, "its idle ticks rise with time: " + (i1[3] - i0[3]));
    }
  }

  @Test
  void pythonCountsTheVisibleCpusThroughTheOnlineFile() {
    Host.requireTool("/usr/bin/python3");
    Host.requireCpus(2);
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = dirs(cg);
      cg.setCpus("", "1");
      String out = cg.run("unshare -m sh -c 'mount --bind " + f("sys/devices/system/cpu/online")
          + " /sys/devices/system/cpu/online && /usr/bin/python3 -c \"import os; print(os.cpu_count())\"'", d).check().out();
      assertEquals("1", out.trim());
    }
  }

  @Test
  void uptimesIdleIsTheIdleColumnOfStatInAContainer() {
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = dirs(cg);
      String out = cg.run("unshare -fp --kill-child sh -c 'sleep 1; cat " + f("proc/uptime") + " " + f("proc/stat")
          + "'", d).check().out();
      double idle = Double.parseDouble(out.lines().findFirst().orElseThrow().split(" ")[1]);
      long statIdle = cpuLine(out.lines().skip(1).reduce("", (a, b) -> a + b + "\n"))[3];
      assertTrue(Math.abs(idle - statIdle / 100.0) < 0.2, out);
      assertTrue(idle > 0.5, "an idle container's idle time grows: " + out);
    }
  }

  /**
   * A busy loop starved by a neighbour of 8 times its CPU weight on the same CPU was runnable the whole time: what
   * it did not get shows as steal, not idle (issue 18).
   */
  @Test
  void aStarvedBusyLoopShowsTheCpuItWaitedForAsSteal() throws Exception {
    try (TestCgroup starved = new TestCgroup(); TestCgroup heavy = new TestCgroup()) {
      Path[] s = withPressure(starved);
      Path[] h = dirs(heavy);
      starved.setCpus("", "0");
      heavy.setCpus("", "0");
      starved.weighCpu("", 1024);
      heavy.weighCpu("", 8192);
      heavy.spawn("while :; do :; done", h);
      starved.spawn("while :; do :; done", s);
      RunningDaemon.sleep(500);
      long[] a = cpuLine(starved.run("cat " + f("proc/stat"), s).check().out());
      RunningDaemon.sleep(3000);
      long[] b = cpuLine(starved.run("cat " + f("proc/stat"), s).check().out());
      long[] d = busyIdleSteal("starved", a, b);
      long total = d[0] + d[1] + d[2];
      // About 1/9 of the CPU busy and 8/9 steal; others' work on CPU 0 only starves it more.
      assertTrue(total >= 250, "3 s of one CPU: " + total + " ticks");
      assertTrue(d[2] >= total / 2, "steal is most of it: busy/idle/steal " + java.util.Arrays.toString(d));
      assertTrue(d[1] <= total / 4, "little idle: busy/idle/steal " + java.util.Arrays.toString(d));
      assertTrue(d[0] > 0, "it ran: " + java.util.Arrays.toString(d));
    }
  }

  /**
   * A busy loop held to a fifth of a CPU by its own quota waits 80% of the time too (its pressure counts it), but
   * that is its limit, not steal: it shows busy for its whole capacity.
   */
  @Test
  void aBusyLoopLimitedByItsOwnQuotaShowsNoSteal() throws Exception {
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = withPressure(cg);
      cg.limitCpu("", 20000, 100000);
      cg.spawn("while :; do :; done", d);
      RunningDaemon.sleep(500);
      long[] a = cpuLine(cg.run("cat " + f("proc/stat"), d).check().out());
      RunningDaemon.sleep(3000);
      long[] b = cpuLine(cg.run("cat " + f("proc/stat"), d).check().out());
      long[] x = busyIdleSteal("quota 0.2", a, b);
      long total = x[0] + x[1] + x[2];
      // 0.2 CPU x 3 s = 60 ticks (more when the second reader, which shares the quota, is slow to start), all busy.
      assertTrue(total >= 50, "0.2 CPU for 3 s: " + java.util.Arrays.toString(x));
      assertTrue(x[0] * 2 >= total, "busy for its quota: busy/idle/steal " + java.util.Arrays.toString(x));
      assertTrue(x[2] * 5 <= total, "its throttling is not steal: busy/idle/steal " + java.util.Arrays.toString(x));
    }
  }

  /**
   * The "done when": a container limited to one CPU on this machine, with the files bound over its own
   * (a mount and pid namespace, as runc makes), counts one CPU everywhere and shows a busy loop at ~100% in top.
   */
  @Test
  void aContainerLimitedToOneCpuSeesOneEverywhereAndTopShowsItsBusyLoop() {
    Host.requireTool("/usr/bin/python3");
    Host.requireTool("top");
    Host.requireCpus(2);
    try (TestCgroup cg = new TestCgroup()) {
      Path[] d = dirs(cg);
      cg.limitCpu("", 100000, 100000);
      String container = "mount --bind " + f("proc/cpuinfo") + " /proc/cpuinfo && "
          + "mount --bind " + f("proc/stat") + " /proc/stat && "
          + "mount --bind " + f("proc/meminfo") + " /proc/meminfo && "
          + "mount --bind " + f("proc/uptime") + " /proc/uptime && "
          + "mount --bind " + f("sys/devices/system/cpu/online") + " /sys/devices/system/cpu/online && "
          + "{ (while :; do :; done) & sleep 1; "
          + "grep -c ^processor /proc/cpuinfo; grep -c '^cpu[0-9]' /proc/stat; "
          + "/usr/bin/python3 -c 'import os; print(os.cpu_count())'; "
          + "top -bn1 -1 | grep -c '^%Cpu'; "
          + "top -bn2 -d1 -1 | grep '^%Cpu' | tail -1; kill $!; }";
      String out = cg.run("unshare -m -p -f --mount-proc sh -c \"$JL_CONTAINER\"".replace("$JL_CONTAINER",
          container.replace("\"", "\\\"").replace("$", "\\$")), d).check().out();
      List<String> lines = out.lines().toList();
      assertEquals(List.of("1", "1", "1", "1"), lines.subList(0, 4), out);
      String cpu = lines.get(4);
      double us = Double.parseDouble(cpu.replaceAll(".*:\\s*([0-9.]+) us.*", "$1"));
      double sy = Double.parseDouble(cpu.replaceAll(".*,\\s*([0-9.]+) sy.*", "$1"));
      assertTrue(us + sy >= 85, "the busy loop should fill its one CPU: " + cpu);
    }
  }
}
