package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load and churn, bounded in time: steady readers in many cgroups (each checks it sees its own cgroup's limit, never
 * another's), readers whose cgroup is removed under them, readers killed mid-read, a new process for every read of
 * some, and 10,000 opens held at once by one process. Zero failed reads; threads and RSS within bounds; the read
 * time afterwards as before. Prints what it did for docs/design.md.
 */
class StressIT {

  @TempDir
  Path tmp;

  private static final long MIB = 1024 * 1024;
  /** How long the load runs; JLXCFS_STRESS_SECONDS makes it longer for a soak. */
  private static final int SECONDS = Integer.parseInt(System.getenv().getOrDefault("JLXCFS_STRESS_SECONDS", "12"));
  private static final int CGROUPS = 8;
  private static final int HELD_OPENS = 10_000;
  /** Reads by each short-lived reader (one cat, one process), while its cgroup is removed. */
  private static final int CHURN_READS = 8;
  /** The documented bounds (docs/design.md "Reliability"). */
  private static final int MAX_THREADS = 64;
  private static final long MAX_RSS_KB = 150 * 1024;

  /** Reads files in a loop for a while; MemTotal must be the expected one. Prints "reads failures wrong". */
  private static final String READER = String.join("\n",
      "import os, sys, time",
      "root, expect, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])",
      "files = [root + '/proc/' + f for f in ('meminfo', 'meminfo', 'stat', 'cpuinfo', 'uptime')]",
      "files.append(root + '/sys/devices/system/cpu/online')",
      "reads = fails = wrong = 0",
      "end = time.time() + secs",
      "while time.time() < end:",
      "    for f in files:",
      "        try:",
      "            fd = os.open(f, os.O_RDONLY)",
      "            data = os.read(fd, 1 << 16)",
      "            os.close(fd)",
      "            if not data: raise IOError('empty ' + f)",
      "            if f.endswith('meminfo') and int(data.split(b'\\n', 1)[0].split()[1]) != expect: wrong += 1",
      "            reads += 1",
      "        except Exception as e:",
      "            fails += 1",
      "            sys.stderr.write(f + ': ' + repr(e) + '\\n')",
      "print(reads, fails, wrong)");

  /** Opens a file N times and keeps them open until stdin closes; then reads a few of them. */
  private static final String HOLDER = String.join("\n",
      "import os, sys",
      "f, n = sys.argv[1], int(sys.argv[2])",
      "fds = [os.open(f, os.O_RDONLY) for _ in range(n)]",
      "print('held', len(fds), flush=True)",
      "sys.stdin.read()",
      "ok = sum(1 for fd in fds[::1000] if os.pread(fd, 4096, 0).startswith(b'MemTotal:'))",
      "print('read', ok, flush=True)");

  @BeforeAll
  static void require() {
    Host.require();
    Host.requireTool("python3");
  }

  @Test
  void zeroFailedReadsUnderLoadAndChurn() throws Exception {
    // The holder's 10,000 opens are in one cgroup: above the default cap per cgroup (HandleFloodIT tests the cap).
    try (RunningDaemon d = RunningDaemon.start("--max-handles-per-cgroup", Integer.toString(2 * HELD_OPENS));
         TestCgroup cg = new TestCgroup()) {
      Path root = d.root();
      long pid = d.process().pid();
      medianReadMicros(d.file("proc/meminfo"), 3000); // warm-up: both JVMs compile the read path
      double before = medianReadMicros(d.file("proc/meminfo"), 500);

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger peakThreads = new AtomicInteger();
      AtomicLong peakRss = new AtomicLong();
      Thread sampler = new Thread(() -> {
        while (running.get()) {
          int[] tr = threadsAndRss(pid);
          peakThreads.accumulateAndGet(tr[0], Math::max);
          peakRss.accumulateAndGet(tr[1], Math::max);
          RunningDaemon.sleep(50);
        }
      });
      sampler.start();

      Path readerScript = Files.writeString(tmp.resolve("reader.py"), READER);
      Path holderScript = Files.writeString(tmp.resolve("holder.py"), HOLDER);
      // 10,000 opens held at once for the whole run.
      Process holder = cg.spawn("ulimit -n " + (HELD_OPENS + 100) + " && exec python3 " + holderScript + " "
          + root.resolve("proc/meminfo") + " " + HELD_OPENS, cg.dir("memory", "holder"));
      java.io.BufferedReader holderOut = new java.io.BufferedReader(
          new java.io.InputStreamReader(holder.getInputStream()));
      String held = holderOut.readLine();

      // Steady readers, each in a cgroup of its own with its own limit.
      List<Process> readers = new ArrayList<>();
      for (int i = 0; i < CGROUPS; i++) {
        String sub = "steady-" + i;
        cg.limitMemory(sub, (100 + 10 * i) * MIB);
        readers.add(cg.spawn("exec python3 " + readerScript + " " + root + " " + (100 + 10 * i) * 1024 + " " + SECONDS,
            cg.dir("memory", sub)));
      }

      // Churn: a new process (and often a new cgroup, removed while its reader reads) per read; kills mid-read.
      AtomicInteger churnReads = new AtomicInteger();
      AtomicInteger churnFailures = new AtomicInteger();
      AtomicInteger cgroupsRemoved = new AtomicInteger();
      AtomicInteger killed = new AtomicInteger();
      List<String> failures = new ArrayList<>();
      Thread churn = new Thread(() -> {
        Path meminfo = root.resolve("proc/meminfo");
        int n = 0;
        while (running.get()) {
          String sub = "churn-" + (n++);
          Path dir = cg.dir("memory", sub);
          cg.limitMemory(sub, 64 * MIB);
          try {
            Process p = cg.spawn("exec cat" + (" " + meminfo).repeat(CHURN_READS), dir);
            boolean kill = n % 7 == 0;
            if (kill) {
              RunningDaemon.sleep(ThreadLocalRandom.current().nextInt(3));
              p.destroyForcibly();
              killed.incrementAndGet();
            } else {
              // Once it has joined (and is reading), move it out and remove its cgroup under it.
              String pidText = Long.toString(p.pid());
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
              while (p.isAlive() && System.nanoTime() < deadline
                  && !TestCgroup.read(dir.resolve("cgroup.procs")).contains(pidText)) {
                Thread.onSpinWait();
              }
              try {
                TestCgroup.write(cg.layout().root("memory").resolve("cgroup.procs"), pidText);
                Files.delete(dir);
                cgroupsRemoved.incrementAndGet();
              } catch (Exception e) {
                // it had already ended: its cgroup goes at the end
              }
            }
            if (!kill) {
              String out = new String(p.getInputStream().readAllBytes());
              p.waitFor(10, TimeUnit.SECONDS);
              churnReads.addAndGet(CHURN_READS);
              if (p.exitValue() != 0 || out.split("MemTotal:", -1).length - 1 != CHURN_READS) {
                churnFailures.incrementAndGet();
                synchronized (failures) {
                  failures.add("exit " + p.exitValue() + ": " + out);
                }
              }
            }
          } catch (Exception e) {
            if (running.get()) {
              churnFailures.incrementAndGet();
              synchronized (failures) {
                failures.add(e.toString() + " at " + Arrays.toString(e.getStackTrace()));
              }
            }
          }
        }
      });
      churn.start();

      long steadyReads = 0;
      long steadyFailures = 0;
      long wrong = 0;
      for (Process r : readers) {
        assertTrue(r.waitFor(SECONDS + 60, TimeUnit.SECONDS), "a reader hung");
        String[] out = new String(r.getInputStream().readAllBytes()).trim().split("\\s+");
        assertEquals(3, out.length, "reader output: " + Arrays.toString(out));
        steadyReads += Long.parseLong(out[0]);
        steadyFailures += Long.parseLong(out[1]);
        wrong += Long.parseLong(out[2]);
      }
      running.set(false);
      churn.join(30_000);
      holder.getOutputStream().close();
      String heldRead = holderOut.readLine();
      holder.waitFor(30, TimeUnit.SECONDS);
      sampler.join();
      double after = medianReadMicros(d.file("proc/meminfo"), 500);
      long fallbackLines = d.logText().lines().filter(l -> l.contains("serving the host's file")).count();

      String summary = String.format("StressIT: %d s, %d steady readers in %d cgroups: %d reads, %d failed, %d "
              + "showed another cgroup's figures; churn: %d reads by short-lived processes (%d reads each), %d failed, "
              + "%d cgroups removed under their readers, %d readers killed mid-read; %s opens held (%s of them read "
              + "at the end); peak %d threads, peak RSS %d MB; %d log lines of host-file fallbacks; meminfo read p50 "
              + "%.0f us before, %.0f us after",
          SECONDS, CGROUPS, CGROUPS, steadyReads, steadyFailures, wrong, churnReads.get(), CHURN_READS,
          churnFailures.get(), cgroupsRemoved.get(), killed.get(), String.valueOf(held).replace("held ", ""),
          String.valueOf(heldRead).replace("read ", ""), peakThreads.get(),
          peakRss.get() / 1024, fallbackLines, before, after);
      System.out.println(summary);
      assertEquals("held " + HELD_OPENS, held, summary);
      assertEquals("read " + HELD_OPENS / 1000, heldRead, "held handles still read: " + summary);
      assertEquals(0, steadyFailures, summary);
      assertEquals(0, wrong, "a reader saw another cgroup's limit: " + summary);
      assertEquals(0, churnFailures.get(), summary + "\n" + String.join("\n", failures.subList(0,
          Math.min(5, failures.size()))));
      assertTrue(steadyReads > 1000 && churnReads.get() > 100, "the load ran: " + summary);
      assertTrue(peakThreads.get() <= MAX_THREADS, summary);
      assertTrue(peakRss.get() <= MAX_RSS_KB, summary);
      assertTrue(after < 3 * before + 200, "reads as fast afterwards: " + summary);
    }
  }

  private static double medianReadMicros(Path file, int n) throws Exception {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Files.readAllBytes(file);
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    return t[n / 2] / 1000.0;
  }

  private static int[] threadsAndRss(long pid) {
    int threads = 0;
    int rss = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.substring(8).trim());
        } else if (line.startsWith("VmRSS:")) {
          rss = Integer.parseInt(line.substring(6).replace("kB", "").trim());
        }
      }
    } catch (Exception e) {
      // the daemon is gone: the asserts say so
    }
    return new int[] {threads, rss};
  }
}
