package dev.jlxcfs.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.files.LoadTracker;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.ReadBuffer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of one loadavg sampling pass ({@link LoadTracker#sample}) over real cgroups: registers the CPU cgroup
 * of each pid given (as a read of /proc/loadavg by that process would), then times passes, each as one period
 * later. Run by src/bench/loadavg-bench.sh, which makes the cgroups and processes.
 *   java LoadSampleBench PASSES PID...
 */
public final class LoadSampleBench {

  public static void main(String[] args) throws Exception {
    int passes = Integer.parseInt(args[0]);
    AtomicLong now = new AtomicLong();
    Ticker ticker = now::get;
    ProcFs proc = new ProcFs(Path.of("/proc"));
    Cgroups cgroups = new Cgroups(Path.of("/sys"), Duration.ofSeconds(1), true, ticker);
    CallerResolver callers = new CallerResolver(proc, CgroupMounts.load(Path.of("/proc/self/mountinfo")), cgroups,
        Duration.ofSeconds(1), ticker);
    LoadTracker tracker = new LoadTracker(Path.of("/proc"), ticker);
    Set<Path> dirs = new HashSet<>();
    List<Cgroup> cpus = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      Cgroup cpu = callers.resolve(Integer.parseInt(args[i]), new ReadBuffer(4096)).cpu();
      tracker.load(cpu);
      cpus.add(cpu);
      dirs.add(cpu.dir().dir());
    }
    var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long[] micros = new long[passes];
    long allocated = 0;
    int sampled = 0;
    int threads = 0;
    for (int p = 0; p < passes; p++) {
      now.addAndGet(LoadTracker.LOAD_FREQ.toNanos());
      for (Cgroup cpu : cpus) {
        tracker.load(cpu); // still read: stays tracked
      }
      long a0 = threadBean.getThreadAllocatedBytes(tid);
      long t0 = System.nanoTime();
      sampled = tracker.sample();
      micros[p] = (System.nanoTime() - t0) / 1000;
      long a = threadBean.getThreadAllocatedBytes(tid) - a0;
      if (p >= passes / 2) {
        allocated += a;
      }
    }
    for (Path d : dirs) {
      threads += java.nio.file.Files.readAllLines(d.resolve(java.nio.file.Files.exists(d.resolve("tasks"))
          ? "tasks" : "cgroup.threads")).size();
    }
    // The first half warms up the JIT (the daemon's C1 compiles the pass after a few runs).
    long[] warm = Arrays.copyOfRange(micros, passes / 2, passes);
    Arrays.sort(warm);
    System.out.printf("loadavg sampling pass: %d cgroups, %d threads; over the last %d of %d passes: p50 %.2f ms, "
            + "max %.2f ms, %.2f us per thread, %d bytes allocated per pass; first pass %.2f ms%n",
        sampled, threads, warm.length, passes, warm[warm.length / 2] / 1000.0, warm[warm.length - 1] / 1000.0,
        (double) warm[warm.length / 2] / Math.max(1, threads), allocated / warm.length, micros[0] / 1000.0);
  }
}
