package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source file that blocks forever: the host's CPU list in a fixture sysfs is a FIFO nobody writes to, so opening it
 * never returns. Readers of files that need it must get an answer within the request timeout, everyone else must be
 * served as usual, the thread count must stay bounded and SIGTERM must still end the daemon.
 */
class StuckSourceIT {

  @TempDir
  Path tmp;

  @BeforeAll
  static void require() {
    Host.require();
  }

  @Test
  void aSourceThatNeverAnswersCostsItsReadersTheTimeoutAndNobodyElseAnything() throws Exception {
    Path sys = fixtureSysfsWithoutACpuList();
    try (RunningDaemon d = RunningDaemon.start("--sys-root", sys.toString(), "--request-timeout", "500ms")) {
      // Made stuck once the daemon serves: the start's own computation of every file (which found no list) is over,
      // and the first reader below is the first to open it.
      Shell.run(List.of("mkfifo", sys.resolve("devices/system/cpu/online").toString())).check();
      String cpuinfo = d.file("proc/cpuinfo").toString();
      String meminfo = d.file("proc/meminfo").toString();

      // The first reader's request gets stuck opening the FIFO: it is answered when the timeout passes.
      long t0 = System.nanoTime();
      Shell.Result first = Shell.run(List.of("timeout", "-k", "2", "10", "cat", cpuinfo));
      long firstMillis = millisSince(t0);
      assertTrue(firstMillis < 3000, "the stuck reader waited " + firstMillis + " ms");
      assertTrue(first.exit() != 124 && first.exit() != 137, "answered, not killed by timeout: " + first.exit());

      // Meanwhile (a worker is still stuck in the open) everybody else is served as usual.
      long worst = 0;
      for (int i = 0; i < 20; i++) {
        long t = System.nanoTime();
        Shell.Result r = Shell.run(List.of("timeout", "-k", "2", "10", "cat", meminfo));
        worst = Math.max(worst, millisSince(t));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("MemTotal:"));
      }
      assertTrue(worst < 400, "a meminfo read beside the stuck one took " + worst + " ms");

      // Many more readers of the stuck source at once: the file is quarantined, so they are answered at once (the
      // host's cpuinfo) instead of each holding a thread until the timeout.
      List<Process> readers = new ArrayList<>();
      long t1 = System.nanoTime();
      for (int i = 0; i < 40; i++) {
        readers.add(new ProcessBuilder("timeout", "-k", "2", "10", "cat", cpuinfo)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start());
      }
      int answered = 0;
      for (Process p : readers) {
        assertTrue(p.waitFor(15, TimeUnit.SECONDS));
        answered += p.exitValue() == 0 ? 1 : 0;
      }
      long manyMillis = millisSince(t1);
      assertEquals(40, answered, "every later reader gets the host's cpuinfo");
      int threads = SelfMountIT.threads(d.process().pid());
      assertTrue(threads <= 40, "daemon threads with a stuck source: " + threads);

      long t2 = System.nanoTime();
      assertEquals(0, d.terminate());
      long stopMillis = millisSince(t2);
      assertTrue(stopMillis < 5000, "SIGTERM took " + stopMillis + " ms");
      String log = d.logText();
      assertTrue(log.contains("took over 500 ms"), log);
      System.out.printf("StuckSourceIT: stuck reader answered (exit %d) after %d ms; 20 meminfo reads beside it, "
          + "worst %d ms; 40 more readers of the stuck file all answered in %d ms; %d daemon threads; SIGTERM to exit "
          + "%d ms%n", first.exit(), firstMillis, worst, manyMillis, threads, stopMillis);
    }
  }

  /**
   * A source already stuck when the daemon starts: the start's own computation of the files gets stuck in it, so the
   * start waits its 3 s at most, quarantines the file, and serves; readers of it get the host's files at once, and
   * SIGTERM still ends the daemon.
   */
  @Test
  void aSourceStuckAtStartDelaysTheStartAFewSecondsAndNobodyAfterIt() throws Exception {
    Path sys = fixtureSysfsWithoutACpuList();
    Shell.run(List.of("mkfifo", sys.resolve("devices/system/cpu/online").toString())).check();
    long t0 = System.nanoTime();
    try (RunningDaemon d = RunningDaemon.start("--sys-root", sys.toString(), "--request-timeout", "500ms")) {
      long startMillis = millisSince(t0);
      String log = d.logText();
      assertTrue(log.contains("warm-up: not done after") && log.contains("online is stuck (quarantined"), log);
      long worst = 0;
      for (int i = 0; i < 10; i++) {
        long t = System.nanoTime();
        Shell.Result r = Shell.run(List.of("timeout", "-k", "2", "10", "cat", d.file("proc/cpuinfo").toString()));
        worst = Math.max(worst, millisSince(t));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("processor"), r.out());
      }
      assertTrue(worst < 400, "a cpuinfo read after the start took " + worst + " ms");
      long t2 = System.nanoTime();
      assertEquals(0, d.terminate());
      long stopMillis = millisSince(t2);
      assertTrue(stopMillis < 5000, "SIGTERM took " + stopMillis + " ms");
      System.out.printf("StuckSourceIT: a source stuck at start: serving after %d ms; 10 cpuinfo reads, worst %d ms; "
          + "SIGTERM to exit %d ms%n", startMillis, worst, stopMillis);
    }
  }

  /**
   * The host's CPU files, except devices/system/cpu/online, which the test makes a FIFO without a writer (opening it
   * blocks).
   */
  private Path fixtureSysfsWithoutACpuList() throws Exception {
    return fixtureSysfsWithoutACpuList(tmp);
  }

  /** The same in {@code tmp} (HandoverIT). */
  static Path fixtureSysfsWithoutACpuList(Path tmp) throws Exception {
    Path cpu = tmp.resolve("sys/devices/system/cpu");
    Files.createDirectories(cpu);
    Path real = Path.of("/sys/devices/system/cpu");
    for (String f : List.of("possible", "present")) {
      Files.writeString(cpu.resolve(f), Files.readString(real.resolve(f)));
    }
    int n = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < Math.max(n, 64); i++) {
      Files.createDirectories(cpu.resolve("cpu" + i));
      Files.writeString(cpu.resolve("cpu" + i + "/online"), "1\n");
    }
    return tmp.resolve("sys");
  }

  private static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
