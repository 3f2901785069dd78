package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A daemon started where one serves takes over from it (issue 19): runc containers reading their files in a loop and
 * a reader on the host see no failed read across handovers, the containers' load averages and CPU times carry on,
 * the old daemon exits 0; a successor killed half-way leaves the old one serving everyone; a daemon from before
 * handovers is taken over without its help.
 */
class HandoverIT {

  /** Reads meminfo, stat and loadavg in a loop; each failure is a line in /dev/shm/fails, the count in /dev/shm/ok. */
  private static final String READER = "n=0; while [ ! -e /dev/shm/stop ]; do "
      + "for f in /proc/meminfo /proc/stat /proc/loadavg; do "
      + "if cat $f > /dev/null 2>/dev/shm/err; then n=$((n+1)); else echo \"$f $(cat /dev/shm/err)\" >> /dev/shm/fails; "
      + "fi; done; "
      + "[ $((n % 60)) -eq 0 ] && echo $n > /dev/shm/ok; done; echo $n > /dev/shm/ok; sleep 600";

  @BeforeAll
  static void require() {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("/usr/bin/python3");
  }

  @Test
  void handoversUnderLoadFailNoReadAndCarryTheFiguresOn() throws Exception {
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    List<RunningDaemon> daemons = new ArrayList<>();
    try (Runc runc = new Runc(); HostReader host = new HostReader(mountPoint.resolve("proc/meminfo"))) {
      daemons.add(RunningDaemon.start(mountPoint));
      List<String> readers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        readers.add(runc.start(runc.bundle(mountPoint, READER)));
      }
      String busy = runc.start(runc.bundle(mountPoint, "while :; do :; done & " + READER));
      readers.add(busy);
      host.start();
      Thread.sleep(15_000); // the busy container's load rises: ~0.4 after 15 s (its loop and its reader)
      double load = loadavg(runc, busy);
      long[] cpu = cpuTimes(runc, busy);
      assertTrue(load >= 0.15, "the busy container's load before the handovers: " + load);

      int handovers = 4;
      for (int i = 0; i < handovers; i++) {
        RunningDaemon old = daemons.get(daemons.size() - 1);
        RunningDaemon next = RunningDaemon.start(mountPoint);
        daemons.add(next);
        String log = next.awaitLog("takeover from process ");
        assertTrue(log.contains("carried on "), log);
        assertEquals(0, old.awaitHandedOver(30), "the old daemon exits 0 once it has handed over");
        assertTrue(old.logText().contains("handover: process " + next.process().pid() + " takes over"),
            old.logText());
        double nowLoad = loadavg(runc, busy);
        long[] nowCpu = cpuTimes(runc, busy);
        System.out.printf("HandoverIT: handover %d: busy container's load %.2f -> %.2f, user+system %d -> %d, "
            + "idle %d -> %d ticks%n", i + 1, load, nowLoad, cpu[0], nowCpu[0], cpu[1], nowCpu[1]);
        // A reset load would be ~0 and climb again; carried on, it keeps climbing towards 1 (kernel: 1-exp(-t/60)).
        assertTrue(nowLoad >= load - 0.05, "the load restarted: " + load + " -> " + nowLoad);
        assertTrue(nowCpu[0] >= cpu[0] && nowCpu[1] >= cpu[1], "CPU times went backwards");
        load = nowLoad;
        cpu = nowCpu;
      }
      long ok = 0;
      for (String id : readers) {
        runc.exec(id, "touch /dev/shm/stop").check();
      }
      Thread.sleep(500);
      for (String id : readers) {
        Shell.Result fails = runc.exec(id, "cat /dev/shm/fails 2>/dev/null; true");
        assertEquals("", fails.out().trim(), "failed reads in " + id);
        ok += Long.parseLong(runc.exec(id, "cat /dev/shm/ok").check().out().trim());
      }
      host.close();
      System.out.printf("HandoverIT: %d handovers under load: %d reads in 4 runc containers, %d on the host, 0 "
          + "failed%n", handovers, ok, host.reads.get());
      assertEquals(0, host.failures.get(), "failed reads on the host: " + host.lastFailure + " at "
          + host.lastFailureAt + "; the daemons' warnings:\n" + warnings(daemons));
      assertTrue(ok > 1000 && host.reads.get() > 1000, "the readers read: " + ok + ", " + host.reads.get());
    } finally {
      closeAll(daemons);
    }
  }

  /**
   * One handover with a reader in a runc container and one on the host (the pure v2 guest lane runs this one: its
   * Linux 6.1 cannot mount beneath, so the mount point is empty for the microseconds of the switch, which the host's
   * reader may hit; said in the log, and then not counted).
   */
  @Test
  void oneHandoverWithAReaderInAContainerAndOnTheHost() throws Exception {
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    List<RunningDaemon> daemons = new ArrayList<>();
    try (Runc runc = new Runc(); HostReader host = new HostReader(mountPoint.resolve("proc/meminfo"))) {
      RunningDaemon old = RunningDaemon.start(mountPoint);
      daemons.add(old);
      String id = runc.start(runc.bundle(mountPoint, READER));
      host.start();
      RunningDaemon next = RunningDaemon.start(mountPoint);
      daemons.add(next);
      String log = next.awaitLog("takeover from process ");
      assertEquals(0, old.awaitHandedOver(60));
      runc.exec(id, "touch /dev/shm/stop").check();
      Thread.sleep(1000);
      host.close();
      assertEquals("", runc.exec(id, "cat /dev/shm/fails 2>/dev/null; true").out().trim(), "failed reads");
      long ok = Long.parseLong(runc.exec(id, "cat /dev/shm/ok").check().out().trim());
      boolean gap = log.contains("cannot mount beneath");
      if (!gap) {
        assertEquals(0, host.failures.get(), "failed reads on the host: " + host.lastFailure);
      }
      assertTrue(ok > 0 && host.reads.get() > 0, ok + " " + host.reads.get());
      System.out.printf("HandoverIT: one handover: %d reads in a runc container, 0 failed; %d on the host, %d failed%s%n",
          ok, host.reads.get(), host.failures.get(), gap ? " (a kernel before 6.5: the mount point's gap)" : "");
    } finally {
      closeAll(daemons);
    }
  }

  /**
   * A successor killed (-9) after it put its mount at the mount point and re-pointed the containers' binds: the old
   * daemon puts its mount back and heals the binds back to itself; killed before, the old one never stopped serving.
   */
  @Test
  void aSuccessorKilledHalfWayLeavesTheOldDaemonServingEveryone() throws Exception {
    for (String step : List.of("switched", "healed")) {
      Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
      RunningDaemon old = null;
      RunningDaemon next = null;
      try (Runc runc = new Runc()) {
        old = RunningDaemon.start(mountPoint);
        String id = runc.start(runc.bundle(mountPoint, "sleep 600"));
        next = RunningDaemon.launchWithEnv(mountPoint, Map.of("JLXCFS_TEST_TAKEOVER_PAUSE", step));
        next.awaitLog("paused after '" + step + "'");
        next.kill();
        String log = old.awaitLog("went away before it was done");
        // The old daemon's heal pass runs on a thread of its own: the container reads again within seconds.
        Shell.Result r = null;
        for (int i = 0; i < 100; i++) {
          r = runc.exec(id, "cat /proc/meminfo /proc/stat /proc/loadavg /proc/uptime > /dev/null");
          if (r.exit() == 0) {
            break;
          }
          Thread.sleep(100);
        }
        assertEquals(0, r.exit(), "after a successor killed at '" + step + "': " + r.err() + "\n" + old.logText());
        for (int i = 0; i < 3; i++) {
          assertEquals(0, runc.exec(id, "cat /proc/meminfo /proc/stat /proc/loadavg > /dev/null").exit());
          assertTrue(Files.readString(mountPoint.resolve("proc/meminfo")).startsWith("MemTotal:"));
        }
        assertTrue(old.process().isAlive(), "the old daemon serves on");
        System.out.println("HandoverIT: successor killed at '" + step + "': " + old.logText().lines()
            .filter(l -> l.contains("went away") || l.contains("dead mounts")).map(l -> l.replaceAll(".*Daemon - ", ""))
            .toList());
      } finally {
        if (next != null) {
          next.handedOver(); // killed: what is at the mount point is the old daemon's
          next.close();
        }
        if (old != null) {
          old.close();
        }
      }
    }
  }

  /**
   * A source stuck in the old daemon (a FIFO nobody writes to as the host's CPU list): its stuck reader is answered
   * by the request timeout as ever, the successor (whose warm-up meets the same stuck file) takes over within
   * seconds, nobody else's read fails, and the old daemon exits 0 without its stuck thread.
   */
  @Test
  void aHandoverWhileASourceIsStuck(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path sys = StuckSourceIT.fixtureSysfsWithoutACpuList(tmp);
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    String[] args = {"--sys-root", sys.toString(), "--request-timeout", "500ms"};
    List<RunningDaemon> daemons = new ArrayList<>();
    try (HostReader host = new HostReader(mountPoint.resolve("proc/meminfo"))) {
      RunningDaemon old = RunningDaemon.start(mountPoint, args);
      daemons.add(old);
      Shell.run(List.of("mkfifo", sys.resolve("devices/system/cpu/online").toString())).check();
      Shell.Result stuck = Shell.run(List.of("timeout", "-k", "2", "10", "cat", mountPoint + "/proc/cpuinfo"));
      assertTrue(stuck.exit() != 124 && stuck.exit() != 137, "the stuck reader is answered: " + stuck.exit());
      host.start();
      long t0 = System.nanoTime();
      RunningDaemon next = RunningDaemon.start(mountPoint, args);
      daemons.add(next);
      next.awaitLog("takeover from process ");
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(0, old.awaitHandedOver(30));
      Thread.sleep(300);
      host.close();
      assertEquals(0, host.failures.get(), "failed reads beside the stuck one: " + host.lastFailure);
      assertTrue(host.reads.get() > 50, "reads: " + host.reads.get());
      assertTrue(millis < 30_000, "the takeover took " + millis + " ms");
      System.out.printf("HandoverIT: a handover with a stuck source: serving after %d ms, %d meminfo reads beside "
          + "it, 0 failed%n", millis, host.reads.get());
    } finally {
      closeAll(daemons);
    }
  }

  /**
   * A daemon built from before handovers existed (this checkout's commit {@link #BEFORE_HANDOVER}) is taken over
   * without its help: no socket, no carried state (load averages restart, said in the log), but no failed read, and
   * the old daemon exits 0 by itself once nothing uses its mount.
   */
  @Test
  void aDaemonOfAnOlderVersionIsTakenOverWithoutItsHelp() throws Exception {
    Path oldJar = olderBuild();
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    List<RunningDaemon> daemons = new ArrayList<>();
    try (Runc runc = new Runc(); HostReader host = new HostReader(mountPoint.resolve("proc/meminfo"))) {
      RunningDaemon old = RunningDaemon.launchWithEnv(mountPoint, Map.of("JLXCFS_JAR", oldJar.toString()));
      daemons.add(old);
      old.awaitMounted();
      String id = runc.start(runc.bundle(mountPoint, READER));
      host.start();
      Thread.sleep(1000);
      RunningDaemon next = RunningDaemon.start(mountPoint);
      daemons.add(next);
      String log = next.awaitLog("takeover from process ");
      assertTrue(log.contains("has no handover socket"), log);
      assertEquals(0, old.awaitHandedOver(30), "the old daemon exits by itself");
      Thread.sleep(500);
      runc.exec(id, "touch /dev/shm/stop").check();
      Thread.sleep(500);
      host.close();
      assertEquals("", runc.exec(id, "cat /dev/shm/fails 2>/dev/null; true").out().trim(), "failed reads");
      long ok = Long.parseLong(runc.exec(id, "cat /dev/shm/ok").check().out().trim());
      assertEquals(0, host.failures.get(), "failed reads on the host: " + host.lastFailure);
      assertTrue(Files.readString(mountPoint.resolve("proc/meminfo")).startsWith("MemTotal:"));
      System.out.printf("HandoverIT: took over from a daemon built at %s: %d reads in a runc container, %d on the "
          + "host, 0 failed; the old daemon exited 0 by itself%n", BEFORE_HANDOVER, ok, host.reads.get());
    } finally {
      closeAll(daemons);
    }
  }

  /**
   * A program that keeps a file open across the handover (top keeps /proc/stat open and re-reads it) reads it from
   * the old daemon for the drain time, which then exits with one line saying how many files were still open.
   */
  @Test
  void aFileKeptOpenIsServedByTheOldDaemonForTheDrainTime() throws Exception {
    Path mountPoint = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    List<RunningDaemon> daemons = new ArrayList<>();
    try {
      RunningDaemon old = RunningDaemon.start(mountPoint, "--handover-drain", "3s");
      daemons.add(old);
      try (java.nio.channels.FileChannel held = java.nio.channels.FileChannel.open(
          mountPoint.resolve("proc/stat"))) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
        assertTrue(held.read(buf, 0) > 0);
        RunningDaemon next = RunningDaemon.start(mountPoint);
        daemons.add(next);
        next.awaitLog("takeover from process ");
        long t0 = System.nanoTime();
        int reads = 0;
        while (old.process().isAlive() && System.nanoTime() - t0 < 2_500_000_000L) {
          buf.clear();
          assertTrue(held.read(buf, 0) > 0, "a read of the file kept open, served by the old daemon");
          reads++;
          Thread.sleep(50);
        }
        assertTrue(reads >= 20, "the old daemon served the open file during its drain: " + reads + " reads");
        assertEquals(0, old.awaitHandedOver(20));
        long drained = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(old.logText().contains("1 files are still open on this daemon's mount after 3 s"),
            old.logText());
        buf.clear();
        assertThrows(IOException.class, () -> held.read(buf, 0), "after the drain the old mount is gone");
        assertTrue(Files.readString(mountPoint.resolve("proc/stat")).startsWith("cpu "), "reopened: the new one");
        System.out.printf("HandoverIT: a file kept open: %d reads served by the old daemon, which exited %d ms after "
            + "the takeover (drain 3 s)%n", reads, drained);
      }
    } finally {
      closeAll(daemons);
    }
  }

  /** The last commit before handovers. */
  static final String BEFORE_HANDOVER = "4923a46";

  /** The jar of {@link #BEFORE_HANDOVER}, built once (offline, from the local Maven repository) into target/. */
  private static synchronized Path olderBuild() throws Exception {
    Path dir = Path.of("target/older-build").toAbsolutePath();
    Path jar = dir.resolve("target/jlxcfs.jar");
    if (Files.exists(jar)) {
      return jar;
    }
    Shell.Result has = Shell.run(List.of("git", "cat-file", "-e", BEFORE_HANDOVER + "^{commit}"));
    if (has.exit() != 0) {
      Host.unavailable("this checkout has no commit " + BEFORE_HANDOVER + " (a shallow clone?) to build the older "
          + "daemon from");
    }
    Shell.sh("rm -rf " + dir + " && mkdir -p " + dir + " && git archive " + BEFORE_HANDOVER + " | tar -x -C " + dir)
        .check();
    Shell.Result build = Shell.run(List.of("mvn", "-B", "-q", "-o", "-f", dir.resolve("pom.xml").toString(),
        "package", "-DskipTests", "-Dmaven.test.skip=true"), Map.of(), 600);
    assertEquals(0, build.exit(), "building " + BEFORE_HANDOVER + ": " + build.out() + build.err());
    return jar;
  }

  /** Every daemon's log lines above info, and those of the takeovers, for a failure's message. */
  private static String warnings(List<RunningDaemon> daemons) {
    StringBuilder b = new StringBuilder();
    for (RunningDaemon d : daemons) {
      try {
        d.logText().lines().filter(l -> l.contains("[WARN]") || l.contains("[ERROR]") || l.contains("takeover")
            || l.contains("handover")).forEach(l -> b.append(d.process().pid()).append(": ").append(l).append('\n'));
      } catch (IOException e) {
        b.append(e).append('\n');
      }
    }
    return b.toString();
  }

  private static void closeAll(List<RunningDaemon> daemons) {
    // The newest first: each older one handed over (or was killed), and leaves the mount point alone.
    for (int i = daemons.size() - 1; i >= 0; i--) {
      if (i < daemons.size() - 1) {
        daemons.get(i).handedOver();
      }
      daemons.get(i).close();
    }
  }

  private static double loadavg(Runc runc, String id) {
    return Double.parseDouble(runc.exec(id, "cat /proc/loadavg").check().out().split(" ")[0]);
  }

  /** The container's user+system and idle ticks (/proc/stat's cpu line). */
  private static long[] cpuTimes(Runc runc, String id) {
    String[] f = runc.exec(id, "head -1 /proc/stat").check().out().trim().split("\\s+");
    return new long[] {Long.parseLong(f[1]) + Long.parseLong(f[3]), Long.parseLong(f[4])};
  }

  /** Reads a file of the mount point on the host in a loop, from a thread of the test. */
  private static final class HostReader implements AutoCloseable {
    final Path file;
    final AtomicLong reads = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile String lastFailure = "";
    volatile String lastFailureAt = "";
    volatile boolean stop;
    Thread thread;

    HostReader(Path file) {
      this.file = file;
    }

    void start() {
      thread = new Thread(() -> {
        while (!stop) {
          try {
            if (!Files.readString(file).startsWith("MemTotal:")) {
              throw new IOException("unexpected content");
            }
            reads.incrementAndGet();
          } catch (IOException e) {
            failures.incrementAndGet();
            lastFailure = e.toString();
            lastFailureAt = java.time.Instant.now().toString();
          }
        }
      }, "host-reader");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      if (thread != null) {
        thread.join(5000);
      }
    }
  }
}
