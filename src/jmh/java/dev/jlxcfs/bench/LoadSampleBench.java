package dev.jlxcfs.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.GroupWalk;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.files.LoadTracker;
import dev.jlxcfs.util.Native;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The cost of loadavg sampling over the real cpu hierarchy, by each way of counting a group's active tasks, on the
 * same groups in one run (src/bench/loadavg-bench.sh makes them):
 * <ul>
 *   <li>{@code walk}: only the discovery walk of the hierarchy ({@link GroupWalk}), every group's directory read;
 *   <li>{@code threads}: {@link LoadTracker#sample} reading every group's thread list and each thread's state;
 *   <li>{@code skip-idle}: {@link LoadTracker#sample} as the daemon runs it (a group whose CPU time did not move
 *       and that had no active thread is not sampled again), walk included;
 *   <li>{@code taskstats}: taskstats' CGROUPSTATS_CMD_GET over generic netlink, one request per group with a
 *       descriptor of its directory opened for it (v1 hierarchies only: the kernel answers EINVAL for cgroup2).
 * </ul>
 * Each is timed over PASSES passes, each one period after the last; the first half warms the JIT up. The hierarchy is
 * the one that serves cpu, or the one mounted at MOUNT (a cgroup2 mount of a hybrid host: cpu.stat in every group).
 *   java LoadSampleBench PASSES [MOUNT]
 */
public final class LoadSampleBench {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    int passes = Integer.parseInt(args[0]);
    CgroupMounts mounts = CgroupMounts.load(Path.of("/proc/self/mountinfo"));
    Hierarchy cpu = args.length > 1 ? mounts.hierarchies().stream()
        .filter(h -> h.mountPoint().equals(Path.of(args[1]))).findFirst().orElseThrow() : mounts.serving("cpu");
    GroupWalk walk = new GroupWalk(cpu);
    List<byte[]> paths = new ArrayList<>();
    walk.walk((dir, path) -> paths.add(path) || true);
    int groups = paths.size();
    System.out.printf("hierarchy %s (v%d), %d groups, CPU time file: %s%n", cpu.mountPoint(), cpu.version(), groups,
        new CgroupDir(cpu, cpu.mountPoint()).activityFile());

    int[] seen = new int[1];
    report("walk", passes, groups, () -> {
      seen[0] = 0;
      walk.walk((dir, path) -> ++seen[0] > 0);
      return seen[0];
    }, null);
    for (boolean skip : new boolean[] {false, true}) {
      AtomicLong now = new AtomicLong();
      Ticker ticker = now::get;
      LoadTracker tracker = new LoadTracker(Path.of("/proc"), new GroupWalk(cpu), ticker);
      if (!skip) {
        tracker.sampleIdleGroupsInFull();
      }
      report(skip ? "skip-idle" : "threads", passes, groups, () -> {
        now.addAndGet(LoadTracker.LOAD_FREQ.toNanos());
        return tracker.sample();
      }, skip ? tracker : null);
    }
    if (cpu.version() == 1) {
      try (CgroupStats stats = new CgroupStats()) {
        long[] counts = new long[5];
        report("taskstats", passes, groups, () -> {
          int n = 0;
          for (byte[] p : paths) {
            if (stats.query(p, counts)) {
              n++;
            }
          }
          return n;
        }, null);
      }
    }
  }

  private static void report(String method, int passes, int groups, IntSupplier pass, LoadTracker tracker) {
    long tid = Thread.currentThread().getId();
    long[] micros = new long[passes];
    long allocated = 0;
    int done = 0;
    long skipped = 0;
    for (int p = 0; p < passes; p++) {
      long a0 = THREADS.getThreadAllocatedBytes(tid);
      long t0 = System.nanoTime();
      done = pass.getAsInt();
      micros[p] = (System.nanoTime() - t0) / 1000;
      long a = THREADS.getThreadAllocatedBytes(tid) - a0;
      if (p >= passes / 2) {
        allocated += a;
        if (tracker != null) {
          skipped += tracker.skippedLastPass();
        }
      }
    }
    long[] warm = Arrays.copyOfRange(micros, passes / 2, passes);
    Arrays.sort(warm);
    double mean = Arrays.stream(warm).average().orElse(0);
    System.out.printf("%-9s %d groups: mean %.2f ms (p50 %.2f, max %.2f) per pass, %.2f us per group, %d bytes "
            + "allocated per pass%s (last %d of %d passes; first pass %.2f ms)%n", method, done, mean / 1000.0,
        warm[warm.length / 2] / 1000.0, warm[warm.length - 1] / 1000.0, mean / Math.max(1, done),
        allocated / warm.length,
        tracker == null ? "" : String.format(", %.0f%% of groups not sampled in full", 100.0 * skipped
            / Math.max(1, (long) done * warm.length)), warm.length, passes, micros[0] / 1000.0);
  }

  /**
   * taskstats' CGROUPSTATS_CMD_GET (linux/cgroupstats.h) on a generic netlink socket: the kernel counts the tasks of
   * the group whose directory descriptor it is given by state (cgroupstats_build: v1 only, under cgroup_mutex).
   */
  static final class CgroupStats implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int NETLINK_GENERIC = 16;
    private static final int GENL_ID_CTRL = 0x10;
    private static final int CTRL_CMD_GETFAMILY = 3;
    private static final int CTRL_ATTR_FAMILY_ID = 1;
    private static final int CTRL_ATTR_FAMILY_NAME = 2;
    private static final int CGROUPSTATS_CMD_GET = 4;
    private static final int CGROUPSTATS_CMD_ATTR_FD = 1;
    private static final int CGROUPSTATS_TYPE_CGROUP_STATS = 1;
    private static final int NLMSG_ERROR = 2;
    private static final byte[] KERNEL = {AF_NETLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private final int fd;
    private final int family;
    private final byte[] out = new byte[28];
    private final byte[] in = new byte[4096];
    private int seq;

    CgroupStats() {
      fd = Native.libc().socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
      if (fd < 0) {
        throw new IllegalStateException("no generic netlink socket");
      }
      byte[] name = "TASKSTATS\0".getBytes();
      byte[] msg = new byte[16 + 4 + 4 + 12];
      header(msg, msg.length, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
      put16(msg, 20, 4 + name.length);
      put16(msg, 22, CTRL_ATTR_FAMILY_NAME);
      System.arraycopy(name, 0, msg, 24, name.length);
      int n = exchange(msg);
      int f = -1;
      for (int off = 20; off + 4 <= n; ) {
        int len = get16(in, off);
        if (len < 4) {
          break;
        }
        if (get16(in, off + 2) == CTRL_ATTR_FAMILY_ID) {
          f = get16(in, off + 4);
        }
        off += (len + 3) & ~3;
      }
      if (f < 0) {
        throw new IllegalStateException("no TASKSTATS generic netlink family");
      }
      family = f;
    }

    private void header(byte[] msg, int len, int type, int cmd) {
      put32(msg, 0, len);
      put16(msg, 4, type);
      put16(msg, 6, 1); // NLM_F_REQUEST
      put32(msg, 8, ++seq);
      put32(msg, 12, 0);
      msg[16] = (byte) cmd;
      msg[17] = 1; // version
    }

    private int exchange(byte[] msg) {
      if (Native.libc().sendto(fd, msg, msg.length, 0, KERNEL, KERNEL.length) < 0) {
        return -1;
      }
      return (int) Native.libc().read(fd, in, in.length);
    }

    /** The group's {sleeping, running, stopped, uninterruptible, io_wait}; false when the kernel refuses. */
    boolean query(byte[] dirPath, long[] counts) {
      byte[] path = Arrays.copyOf(dirPath, dirPath.length + 1);
      int dir = Native.openDirectory(Native.AT_FDCWD, path);
      if (dir < 0) {
        return false;
      }
      try {
        header(out, out.length, family, CGROUPSTATS_CMD_GET);
        put16(out, 20, 8);
        put16(out, 22, CGROUPSTATS_CMD_ATTR_FD);
        put32(out, 24, dir);
        int n = exchange(out);
        if (n < 20 || get16(in, 4) == NLMSG_ERROR) {
          return false;
        }
        for (int off = 20; off + 4 <= n; ) {
          int len = get16(in, off);
          if (len < 4) {
            break;
          }
          if (get16(in, off + 2) == CGROUPSTATS_TYPE_CGROUP_STATS && len >= 4 + 40) {
            for (int i = 0; i < 5; i++) {
              counts[i] = get64(in, off + 4 + 8 * i);
            }
            return true;
          }
          off += (len + 3) & ~3;
        }
        return false;
      } finally {
        Native.closeFd(dir);
      }
    }

    @Override
    public void close() {
      Native.closeFd(fd);
    }

    private static void put16(byte[] b, int off, int v) {
      b[off] = (byte) v;
      b[off + 1] = (byte) (v >> 8);
    }

    private static void put32(byte[] b, int off, int v) {
      put16(b, off, v);
      put16(b, off + 2, v >> 16);
    }

    private static int get16(byte[] b, int off) {
      return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    private static long get64(byte[] b, int off) {
      long v = 0;
      for (int i = 7; i >= 0; i--) {
        v = v << 8 | (b[off + i] & 0xff);
      }
      return v;
    }
  }
}
