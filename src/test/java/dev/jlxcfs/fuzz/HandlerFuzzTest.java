package dev.jlxcfs.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.files.LoadTracker;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.fs.FallbackProbe;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real file handlers over a fixture host (issue 7) with one or two of its files (host /proc files, /proc/PID
 * files, the mount table, cgroup files) replaced by mutated content per case. Each handler must render well-formed
 * output or throw IOException / MalformedException (never an unchecked exception); what a reader gets through the
 * daemon's fallback is that output or the host's file; and reading the same bad input again logs no new line.
 */
class HandlerFuzzTest {

  private static final Duration BUDGET = Duration.ofSeconds(15);
  private static final String CONTAINER_NS = "pid:[4026532999]";
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;

  /** v1 memory, cpu, cpuacct and cpuset hierarchies and an empty cgroup2 (a hybrid host). */
  private FixtureTree hybrid() {
    FixtureTree t = new FixtureTree(tmp).cpuTopology();
    Path mem = t.v1("memory");
    Path cpu = t.v1("cpu");
    Path acct = t.v1("cpuacct");
    Path cs = t.v1("cpuset");
    Path unified = t.v2("");
    // PSI is kept for every cgroup2 group, also on a hybrid host whose cgroup2 has no controllers.
    t.cgroupFile(unified, "/ctr", "cpu.pressure", "some avg10=0.10 avg60=0.20 avg300=0.30 total=4242\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/ctr", "memory.limit_in_bytes", 256 * MIB + "\n");
    t.cgroupFile(mem, "/ctr", "memory.memsw.limit_in_bytes", 384 * MIB + "\n");
    t.cgroupFile(mem, "/ctr", "memory.usage_in_bytes", 64 * MIB + "\n");
    t.cgroupFile(mem, "/ctr", "memory.memsw.usage_in_bytes", 80 * MIB + "\n");
    t.cgroupFile(mem, "/ctr", "memory.stat", HostFiles.v1MemoryStat(20 * MIB, MIB, 30 * MIB, 0, 5 * MIB, 15 * MIB));
    t.cgroupFile(cpu, "/", "cpu.cfs_quota_us", "-1\n");
    t.cgroupFile(cpu, "/", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(cpu, "/ctr", "cpu.cfs_quota_us", "150000\n");
    t.cgroupFile(cpu, "/ctr", "cpu.cfs_period_us", "100000\n");
    t.cgroupFile(acct, "/ctr", "cpuacct.usage", "20000000000\n");
    t.cgroupFile(acct, "/ctr", "cpuacct.stat", "user 1500\nsystem 500\n");
    t.cgroupFile(cs, "/", "cpuset.cpus", "0-3\n");
    t.cgroupFile(cs, "/ctr", "cpuset.cpus", "0-2\n");
    processes(t, "4:memory:/ctr\n3:cpuset:/ctr\n2:cpuacct:/ctr\n1:cpu:/ctr\n0::/ctr\n");
    return t;
  }

  /** The unified hierarchy with every controller (a pure v2 host). */
  private FixtureTree pureV2() {
    FixtureTree t = new FixtureTree(tmp).cpuTopology();
    Path u = t.v2("cpuset cpu io memory pids");
    t.cgroupFile(u, "/ctr", "memory.max", 256 * MIB + "\n");
    t.cgroupFile(u, "/ctr", "memory.swap.max", "max\n");
    t.cgroupFile(u, "/ctr", "memory.current", 64 * MIB + "\n");
    t.cgroupFile(u, "/ctr", "memory.swap.current", "0\n");
    t.cgroupFile(u, "/ctr", "memory.stat", HostFiles.v2MemoryStat(40 * MIB, 24 * MIB, MIB, 8 * MIB, 8 * MIB,
        2 * MIB, MIB));
    t.cgroupFile(u, "/ctr", "cpu.max", "150000 100000\n");
    t.cgroupFile(u, "/ctr", "cpu.stat", "usage_usec 20000000\nuser_usec 15000000\nsystem_usec 5000000\n");
    t.cgroupFile(u, "/ctr", "cpuset.cpus.effective", "0-2\n");
    t.cgroupFile(u, "/ctr", "cpuset.cpus", "0-2\n");
    t.cgroupFile(u, "/ctr", "cpu.pressure", "some avg10=1.50 avg60=0.80 avg300=0.20 total=987654\n"
        + "full avg10=0.40 avg60=0.10 avg300=0.05 total=12345\n");
    processes(t, "0::/ctr\n");
    return t;
  }

  /** A host process (400), a container's init (500, pid 1 inside) and a process in that container (501). */
  private static void processes(FixtureTree t, String containerCgroups) {
    t.process(400, 100, containerCgroups, 1, FixtureTree.HOST_NS);
    t.process(500, 90_000, containerCgroups, 400, CONTAINER_NS, 500, 1);
    t.process(501, 95_000, containerCgroups, 500, CONTAINER_NS, 501, 7);
  }

  @Test
  void hybridHost() throws Exception {
    fuzz("handlers-hybrid", hybrid());
  }

  @Test
  void pureV2Host() throws Exception {
    fuzz("handlers-v2", pureV2());
  }

  private void fuzz(String target, FixtureTree t) throws Exception {
    Map<Path, byte[]> originals = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(t.root())) {
      for (Path p : files.sorted().toList()) {
        if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          originals.put(p, Files.readAllBytes(p));
        }
      }
    }
    List<Path> targets = new ArrayList<>(originals.keySet());
    FallbackProbe fallback = new FallbackProbe();
    Fuzz.run(target, 400, BUDGET, m -> {
      List<Path> changed = new ArrayList<>();
      try {
        int count = m.nextInt(4) == 0 ? 2 : 1;
        for (int i = 0; i < count; i++) {
          Path p = m.pick(targets);
          m.note(t.root().relativize(p).toString());
          Files.write(p, m.mutate(originals.get(p)));
          changed.add(p);
        }
        readEveryFile(t, m, fallback);
      } finally {
        for (Path p : changed) {
          Files.write(p, originals.get(p));
        }
      }
    });
  }

  private static void readEveryFile(FixtureTree t, Mutations m, FallbackProbe fallback) throws Throwable {
    // The mount table is read once, at startup: a bad one may fail the start with an IOException, nothing else.
    Fuzz.Outcome<TestHost> started = Fuzz.attempt(
        () -> new TestHost(t, new TestHost.ManualClock(1000.0), m.nextBoolean(), m.nextBoolean()));
    if (!started.ok()) {
      return;
    }
    TestHost host = started.value();
    int pid = m.nextInt(4) == 0 ? 400 : 501;
    List<VirtualFile> files = List.of(host.meminfo(), host.cpuinfo(), host.stat(), host.uptime(),
        host.range("online"), host.range("possible"), host.range("offline"), host.online(0), host.online(3),
        host.sysCpu("cpu1/topology/thread_siblings_list"), host.sysCpu("cpu1/topology/package_cpus"),
        host.sysCpu("cpu2/cache/index3/shared_cpu_map"), host.sysCpu("cpu2/cache/index3/size"), host.swaps(),
        host.diskstats(), host.pressure("cpu"), host.loadavg(new LoadTracker(t.proc(), () -> 0L)));
    // What a pressure file may be besides the host's: one of the groups' own files, byte for byte (as the mutations
    // left them).
    List<byte[]> groupPressure = new ArrayList<>();
    try (Stream<Path> all = Files.walk(t.root())) {
      for (Path p : all.filter(p -> p.getFileName().toString().equals("cpu.pressure")).toList()) {
        groupPressure.add(Files.readAllBytes(p));
      }
    }
    for (VirtualFile f : files) {
      byte[] hostFile = Fuzz.attempt(() -> TestHost.host(f).getBytes(StandardCharsets.ISO_8859_1)).value();
      Fuzz.Outcome<String> direct = Fuzz.attempt(() -> TestHost.read(f, pid));
      if (direct.ok()) {
        wellFormed(f, hostFile, direct.value().getBytes(StandardCharsets.ISO_8859_1), groupPressure);
      } else {
        assertFalse(FallbackProbe.describe(direct.error()).contains("\n"), "a cause must log as one line");
      }
      // Through the daemon's fallback, three reads of the same input: the rendering or the host's file, and at
      // most one new log line (the cause's first).
      long before = fallback.logged();
      for (int read = 0; read < 3; read++) {
        byte[] got = fallback.produce(f, host.context(pid));
        if (got != null && !Arrays.equals(hostFile, got)) { // null: EIO, the host's file unreadable too
          wellFormed(f, hostFile, got, groupPressure);
        }
      }
      long logged = fallback.logged() - before;
      assertTrue(logged <= 1, f.path() + ": " + logged + " log lines for one cause");
    }
    Fuzz.attempt(() -> host.cpuDirectory().list(host.context(pid)));
  }

  private static boolean hostHas(byte[] hostFile, String line) {
    return new String(hostFile, StandardCharsets.ISO_8859_1).lines().anyMatch(line::equals);
  }

  /** The shape each file's rendering must have, whatever its input. */
  private static void wellFormed(VirtualFile f, byte[] hostFile, byte[] out, List<byte[]> groupPressure) {
    if (Arrays.equals(hostFile, out)) {
      return;
    }
    String text = new String(out, StandardCharsets.ISO_8859_1);
    switch (f.path()) {
      case "/proc/meminfo" -> Checks.meminfo(hostFile, out, true);
      case "/proc/stat" -> {
        int[] cpus = text.lines().filter(l -> l.matches("cpu[0-9]+ .*"))
            .mapToInt(l -> Integer.parseInt(l.substring(3, l.indexOf(' ')))).toArray();
        assertTrue(cpus.length >= 1, "a /proc/stat of no CPU");
        Checks.stat(hostFile, out, cpus);
      }
      case "/proc/cpuinfo" -> Checks.cpuinfo(hostFile, out, null);
      case "/proc/uptime" -> assertTrue(text.matches("[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2}\n"), "uptime " + text);
      case "/sys/devices/system/cpu/online" -> assertTrue(text.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*\n"), "online " + text);
      case "/sys/devices/system/cpu/possible" -> assertTrue(text.matches("0(-[0-9]+)?\n"), "possible " + text);
      case "/sys/devices/system/cpu/offline", "/sys/devices/system/cpu/cpu1/topology/thread_siblings_list" ->
          assertTrue(text.matches("([0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)?\n"), f.path() + " " + text);
      // A mask keeps the host's layout: only bits are cleared.
      case "/sys/devices/system/cpu/cpu1/topology/package_cpus", "/sys/devices/system/cpu/cpu2/cache/index3/shared_cpu_map"
          -> assertTrue(text.matches("[0-9a-f,]+\n") && text.length() == new String(hostFile,
              StandardCharsets.ISO_8859_1).trim().length() + 1, f.path() + " " + text);
      case "/sys/devices/system/cpu/cpu2/cache/index3/size" -> assertTrue(false, "a passed-through file differs: " + text);
      case "/proc/swaps" -> assertTrue(text.matches("[^\n]*\n(none {36}virtual\t[0-9]+\t\t?[0-9]+\t\t?0\n)?"),
          "swaps " + text);
      case "/proc/diskstats" -> {
        for (String line : text.split("\n")) {
          assertTrue(line.matches("\\s*[0-9]+\\s+[0-9]+ \\S+( [0-9]+)+") || hostHas(hostFile, line),
              "diskstats line " + line);
        }
      }
      case "/proc/loadavg" -> assertTrue(text.matches("[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2} "
          + "[0-9]+/[0-9]+ .*\n"), "loadavg " + text);
      // A group's own file as it is, whatever its content (the kernel's, here the fuzzer's), never anything else.
      case "/proc/pressure/cpu" -> assertTrue(groupPressure.stream().anyMatch(g -> Arrays.equals(g, out)),
          "pressure is neither the host's file nor a group's: " + text);
      default -> assertTrue(text.equals("0\n") || text.equals("1\n"), f.path() + " " + text);
    }
  }
}
