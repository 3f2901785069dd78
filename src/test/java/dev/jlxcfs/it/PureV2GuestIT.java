package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The pure cgroup v2 lane: boots a throwaway QEMU guest whose kernel has no cgroup v1 at all (src/test/vm/run-in-guest:
 * Debian's 6.1 kernel with cgroup_no_v1=all, cgroup2 at /sys/fs/cgroup with every controller enabled, this host's
 * root read-only under a tmpfs overlay, a scratch ext4 disk at /var/tmp) and runs there, as root, the integration
 * tests whose behaviour depends on the cgroup layout, on the classes Maven has already compiled and packaged: one
 * JVM started with {@link GuestLane} (the JUnit Platform launcher) under JLXCFS_REQUIRE_INTEGRATION=1 (nothing may
 * skip) and JLXCFS_GUEST=v2. {@link PureV2Layout} runs first and fails the lane unless the guest is pure v2.
 *
 * <p>Each guest test class is one dynamic test here (failsafe's report lists them with their verdicts), failing with
 * the guest's failure messages and the guest's console output of that class; one more checks the run as a whole.
 * A guest that cannot boot is a failure under JLXCFS_REQUIRE_INTEGRATION=1, else a skip with the reason printed.
 * Set {@code -Djlxcfs.guest.tests=CpuIT,MeminfoIT#aParentLimitBelowTheChildsWins} to run other selectors.
 */
class PureV2GuestIT {

  /**
   * What runs in the guest, in this order (see docs/testing.md, "What is tested where", for why each is there and what is
   * left out): the layout check, then a test of every served file from a reader in a limited v2 group, nested limits,
   * pid and cgroup namespaces, runc containers, the heal after kill -9, a stuck source and the commands.
   */
  static final List<String> LANE = List.of(
      "PureV2Layout",
      // meminfo from a v2 group: memory.max, a parent's limit below the child's, usage (anon, shmem), a chunked
      // read, no limit, procps free, odd names, a private cgroup namespace
      "MeminfoIT#aProcessLimitedTo300MiBReadsMemTotal307200",
      "MeminfoIT#aParentLimitBelowTheChildsWins",
      "MeminfoIT#memoryHeldByAProcessInTheCgroupShowsInMemFree",
      "MeminfoIT#tmpfsPagesChargedToTheCgroupShowAsShmem",
      "MeminfoIT#readingIn13ByteChunksGivesTheSameFileAsOneRead",
      "MeminfoIT#anUnlimitedCallerSeesTheHost",
      "MeminfoIT#freeInAProcessLimitedTo256MiBShowsIt",
      "MeminfoIT#cgroupNamesWithSpacesAndColonsWork",
      "MeminfoIT#aReaderInACgroupNamespaceOfItsOwnIsResolvedToo",
      // cpuinfo, stat, the cpu directory and uptime's idle from cpuset.cpus, cpu.max and cpu.stat
      "CpuIT",
      // uptime in pid namespaces
      "UptimeIT",
      // loadavg from cgroup.threads, and the root group's
      "LoadavgIT",
      // pressure from a group's own cpu.pressure
      "PressureIT",
      // swaps and meminfo's swap from memory.swap.max (a swap file on the guest's scratch disk)
      "SwapsIT",
      // diskstats from io.stat (the scratch disk)
      "DiskstatsIT",
      // a runc container made with the v2 cgroup driver, and one healed after kill -9
      "RuncContainerIT",
      "HealIT",
      // a live handover on a kernel that cannot mount beneath (6.1), and one killed half-way
      "HandoverIT#oneHandoverWithAReaderInAContainerAndOnTheHost",
      "HandoverIT#aSuccessorKilledHalfWayLeavesTheOldDaemonServingEveryone",
      // check and show on a v2 host
      "CommandsIT#checkNamesTheLayoutAndTheHierarchyOfEachController",
      "CommandsIT#showExplainsWhatAProcessReadsAndWhere",
      // the daemon's private copies of the cgroup2 mount
      "DaemonIT#sourcesAreReadThroughPrivateCopiesAndCallersAreKeptByPidfd");

  /** The guest's whole run, boot to power-off, at most (run-in-guest kills it then). */
  private static final int GUEST_TIMEOUT_SECONDS = 900;

  private static final Path SCRIPT = Path.of("src/test/vm/run-in-guest").toAbsolutePath();

  /** One guest class's result, from the lane's tagged lines and the console output between them. */
  private record ClassResult(String name, String verdict, long millis, String summary, List<String> failures,
                             StringBuilder output) {}

  @TestFactory
  Stream<DynamicTest> theLayoutDependentTestsPassInAPureCgroupV2Guest() throws Exception {
    Host.require();
    if (Host.inGuest()) {
      Assumptions.abort("already in the guest");
    }
    List<String> selectors = selectors();
    Path work = Path.of("target/guest-lane").toAbsolutePath();
    Files.createDirectories(work);
    Path argFile = work.resolve("java.args");
    Files.write(argFile, javaArgs(selectors));
    Path console = work.resolve("console.log");

    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = List.of(SCRIPT.toString(), "--timeout", Integer.toString(GUEST_TIMEOUT_SECONDS), "--dir",
        Path.of("").toAbsolutePath().toString(), "--", "exec '" + java + "' @" + argFile);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JLXCFS_REQUIRE_INTEGRATION", "1");
    pb.environment().put("JLXCFS_GUEST", "v2");
    System.out.println("PureV2GuestIT: booting the pure cgroup v2 guest for " + selectors);
    long t0 = System.nanoTime();
    Process guest = pb.start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8));
         var log = Files.newBufferedWriter(console)) {
      for (String line; (line = r.readLine()) != null; ) {
        line = line.replace("\r", "");
        lines.add(line);
        log.write(line);
        log.newLine();
        log.flush();
        System.out.println("[guest] " + line);
      }
    } finally {
      if (!guest.waitFor(GUEST_TIMEOUT_SECONDS + 60, TimeUnit.SECONDS)) {
        guest.destroy(); // run-in-guest kills QEMU and removes its files on SIGTERM
        guest.waitFor(10, TimeUnit.SECONDS);
      }
      if (guest.isAlive()) {
        guest.destroyForcibly();
      }
    }
    int exit = guest.exitValue();
    long wallMillis = (System.nanoTime() - t0) / 1_000_000;
    Map<String, ClassResult> results = parse(lines);
    boolean ranTests = lines.stream().anyMatch(l -> l.startsWith(GuestLane.TAG + " START"));
    if ((exit == 125 || exit == 124) && !ranTests) {
      String why = lines.stream().filter(l -> l.startsWith("run-in-guest: ")).reduce((a, b) -> b)
          .orElse("run-in-guest exited " + exit);
      Host.unavailable("the pure cgroup v2 guest could not run: " + why + " (console: " + console + ")");
    }
    System.out.println(summary(results, exit, wallMillis));

    List<DynamicTest> tests = new ArrayList<>();
    for (String cls : selectors.stream().map(s -> s.split("#")[0]).distinct().toList()) {
      tests.add(DynamicTest.dynamicTest(cls, () -> {
        ClassResult r = results.get(cls);
        if (r == null) {
          fail(cls + " never finished in the guest (exit " + exit + "); the guest's last output:\n"
              + tail(lines, 80));
        }
        if (!r.verdict().equals("PASS")) {
          fail(cls + " " + r.verdict() + " in the pure cgroup v2 guest (" + r.summary() + "):\n  "
              + String.join("\n  ", r.failures()) + "\nthe guest's output for " + cls + ":\n" + r.output());
        }
      }));
    }
    tests.add(DynamicTest.dynamicTest("the guest run", () -> {
      String done = lines.stream().filter(l -> l.startsWith(GuestLane.TAG + " DONE")).findFirst().orElse(null);
      assertTrue(done != null, "the guest's runner never finished (exit " + exit + "); its last output:\n"
          + tail(lines, 80));
      assertEquals(0, exit, "the guest's exit status (" + done + "); its last output:\n" + tail(lines, 40));
      assertTrue(done.contains(" PASS "), done);
    }));
    return tests.stream();
  }

  /** LANE, or -Djlxcfs.guest.tests=A,B#m. */
  private static List<String> selectors() {
    String prop = System.getProperty("jlxcfs.guest.tests", "").trim();
    if (prop.isEmpty()) {
      return LANE;
    }
    List<String> chosen = new ArrayList<>(List.of("PureV2Layout"));
    for (String s : prop.split(",")) {
      if (!s.isBlank() && !s.trim().equals("PureV2Layout")) {
        chosen.add(s.trim());
      }
    }
    return chosen;
  }

  /**
   * The guest JVM's arguments: this JVM's test class path (the compiled classes and test dependencies Maven
   * resolved), the packaged jar, and JIT settings that suit emulation (C1 only: C2's compilations cost far more
   * than they give back under TCG).
   */
  private static List<String> javaArgs(List<String> selectors) {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> args = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
        "-Djlxcfs.jar=" + Host.JAR, "-cp", quote(cp), GuestLane.class.getName()));
    for (String s : selectors) {
      args.add(quote(s)); // unquoted, '#' would start a comment in an argument file
    }
    return args;
  }

  /** An argument file's quoting: the class path as one argument. */
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Map<String, ClassResult> parse(List<String> lines) {
    Map<String, ClassResult> out = new LinkedHashMap<>();
    Map<String, StringBuilder> outputs = new LinkedHashMap<>();
    Map<String, List<String>> failures = new LinkedHashMap<>();
    String current = null;
    for (String line : lines) {
      if (line.startsWith(GuestLane.TAG + " ")) {
        String[] w = line.substring(GuestLane.TAG.length() + 1).trim().split("\\s+", 6);
        switch (w[0]) {
          case "BEGIN" -> {
            current = w[1];
            outputs.put(current, new StringBuilder());
            failures.put(current, new ArrayList<>());
          }
          case "TEST" -> {
            if (!w[3].equals("PASS")) {
              failures.computeIfAbsent(w[1], k -> new ArrayList<>()).add(w[2] + " " + w[3] + ": "
                  + (w.length > 5 ? w[5] : ""));
            }
          }
          case "CLASS" -> {
            String summary = w.length > 4 ? w[4] + (w.length > 5 ? " " + w[5] : "") : "";
            out.put(w[1], new ClassResult(w[1], w[2], Long.parseLong(w[3]), summary,
                failures.getOrDefault(w[1], List.of()), outputs.getOrDefault(w[1], new StringBuilder())));
            current = null;
          }
          default -> { }
        }
      } else if (current != null) {
        outputs.get(current).append(line).append('\n');
      }
    }
    return out;
  }

  private static String summary(Map<String, ClassResult> results, int exit, long wallMillis) {
    StringBuilder s = new StringBuilder("PureV2GuestIT: the pure cgroup v2 lane, per class (time includes its "
        + "daemons' starts):\n");
    for (ClassResult r : results.values()) {
      s.append(String.format("  %-18s %-4s %6.1f s  %s%n", r.name(), r.verdict(), r.millis() / 1000.0,
          r.summary()));
    }
    s.append(String.format("  guest exit %d; whole lane (boot, JVM, tests, power-off) %.1f s", exit,
        wallMillis / 1000.0));
    return s.toString();
  }

  private static String tail(List<String> lines, int n) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }
}
