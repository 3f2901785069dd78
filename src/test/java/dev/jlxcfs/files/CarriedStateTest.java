package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.GroupWalk;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a daemon hands its successor: each daemon reads the cgroup trees through private copies of its own, so a
 * group is named by its hierarchy and its path in it, and comes back under the successor's copy; whatever in the
 * state is malformed or points outside a hierarchy is skipped.
 */
class CarriedStateTest {

  private static final Set<String> CPU = Set.of("cpu", "cpuacct");

  /** One daemon's view: the same hierarchies at its own private paths. */
  private static final class Daemon {
    final Hierarchy cpu;
    final Hierarchy unified;
    final TestHost.ManualTicker ticker = new TestHost.ManualTicker();
    final LoadTracker loads;
    final CpuAccounting cpuTimes = new CpuAccounting(null, null, () -> 0L, 100);
    final CarriedState state;

    Daemon(String root) {
      cpu = new Hierarchy(1, Path.of(root, "cpu"), "/", CPU);
      unified = new Hierarchy(2, Path.of(root, "unified"), "/", Set.of());
      loads = new LoadTracker(Path.of("/proc"), new GroupWalk(cpu), ticker);
      state = new CarriedState(new CgroupMounts(List.of(cpu, unified)));
      state.track(loads, cpuTimes);
    }

    List<String> loadsCarried() {
      List<String> out = new ArrayList<>();
      loads.carry((dir, a, b, c, r, t) -> out.add(dir.dir() + " " + a + " " + b + " " + c + " " + r + "/" + t));
      return out;
    }

    List<String> viewsCarried() {
      List<String> out = new ArrayList<>();
      cpuTimes.carry((u, w, start, cpus, f) -> out.add(u + " " + w + " " + start + " " + cpus + " "
          + java.util.Arrays.toString(f)));
      return out;
    }
  }

  @Test
  void loadsAndCpuViewsComeBackUnderTheSuccessorsOwnCopiesOfTheTrees() {
    Daemon old = new Daemon("/proc/self/fd/7");
    Daemon next = new Daemon("/proc/self/fd/12");
    assertTrue(old.loads.resume(old.cpu.mountPoint().resolve("docker/abc"), 1434, 700, 300, 2, 7));
    assertTrue(old.loads.resume(old.cpu.mountPoint().resolve("odd name/with\nnewline\\"), 2048, 2048, 2048, 1, 1));
    assertTrue(old.loads.resume(old.cpu.mountPoint(), 10, 20, 30, 0, 250));
    long[] figures = {-5, 900, 0, 100, 42, 5000, 0, 30, 30, 6000, 1000, 77, 0};
    old.cpuTimes.resume(old.cpu.mountPoint().resolve("docker/abc"), old.unified.mountPoint().resolve("docker/abc"),
        12345, 2, figures);
    old.cpuTimes.resume(null, null, 0, 4, new long[] {0, 1, 0, 2, 0, 3, 0, 0, 0, 9, 3, -1, 0});

    CarriedState.Restored r = next.state.restore(old.state.save());

    assertEquals(new CarriedState.Restored(3, 2, 0), r);
    assertEquals(List.of(
        "/proc/self/fd/12/cpu 10 20 30 0/250",
        "/proc/self/fd/12/cpu/docker/abc 1434 700 300 2/7",
        "/proc/self/fd/12/cpu/odd name/with\nnewline\\ 2048 2048 2048 1/1"),
        next.loadsCarried().stream().sorted().toList());
    assertEquals(List.of(
        "/proc/self/fd/12/cpu/docker/abc /proc/self/fd/12/unified/docker/abc 12345 2 "
            + java.util.Arrays.toString(figures),
        "null null 0 4 [0, 1, 0, 2, 0, 3, 0, 0, 0, 9, 3, -1, 0]"),
        next.viewsCarried().stream().sorted().toList());
  }

  @Test
  void theSamplingClockCarriesOnSoNoPeriodIsSkippedOrRepeated() {
    Daemon old = new Daemon("/a");
    old.loads.sample(); // the first pass starts the clock
    old.ticker.advance(Duration.ofSeconds(3));
    Daemon next = new Daemon("/b");
    next.state.restore(old.state.save());
    assertEquals(3_000_000_000L, next.loads.sinceLastPass());
    assertEquals(2_000_000_000L, next.loads.nanosToNextPass(), "the predecessor's next pass was due in 2 s");
    assertEquals(LoadTracker.LOAD_FREQ.toNanos(), new Daemon("/c").loads.nanosToNextPass(), "a fresh start waits");
  }

  @Test
  void aStateThatIsMalformedOrPointsOutsideItsHierarchyIsSkippedLineByLine() {
    Daemon next = new Daemon("/proc/self/fd/12");
    String state = String.join("\n",
        CarriedState.MAGIC,
        "load v1:cpu,cpuacct:/ 100 100 100 1 3 ../../etc",
        "load v1:cpu,cpuacct:/ 100 100 100 1 3 docker/../../x",
        "load v1:cpu,cpuacct:/ 100 100 100 1 3 /etc",
        "load v1:memory:/ 100 100 100 1 3 docker",
        "load v1:cpu,cpuacct:/ -1 100 100 1 3 docker",
        "load v1:cpu,cpuacct:/ 999999999999 100 100 1 3 docker",
        "load v1:cpu,cpuacct:/ x 100 100 1 3 docker",
        "load v1:cpu,cpuacct:/ 100 100 docker",
        "load v1:cpu,cpuacct:/ 1 2 3 5 3 docker",
        "load v1:cpu,cpuacct:/ 100 100 100 1 3 bad\\qescape",
        "cpu - - - - 0 2 1 2 3",
        "cpu v9:x:/ a - - 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "something from a later version",
        "load v1:cpu,cpuacct:/ 1 2 3 1 3 fine");
    CarriedState.Restored r = next.state.restore(state.getBytes(StandardCharsets.UTF_8));
    assertEquals(new CarriedState.Restored(1, 0, 13), r);
    assertEquals(List.of("/proc/self/fd/12/cpu/fine 1 2 3 1/3"), next.loadsCarried());

    assertEquals(new CarriedState.Restored(0, 0, 2),
        next.state.restore("jlxcfs-state 2\nload v1:cpu,cpuacct:/ 1 2 3 x".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void escapesRoundTripAndUnknownEscapesAreRefused() {
    for (String s : List.of("", "a b", "tab\there", "nl\nx", "cr\r", "back\\slash", "\\s literal")) {
      assertEquals(s, CarriedState.unescape(CarriedState.escape(s)));
      assertTrue(!CarriedState.escape(s).contains(" ") && !CarriedState.escape(s).contains("\n"));
    }
    assertNull(CarriedState.unescape("a\\x"));
    assertNull(CarriedState.unescape("trailing\\"));
    assertArrayEquals(new String[] {"a"}, new String[] {CarriedState.unescape("a")});
  }
}
