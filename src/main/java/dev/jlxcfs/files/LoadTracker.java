package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.render.Loadavg;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The load averages of the CPU cgroups that readers of /proc/loadavg are in, computed as the kernel computes the
 * host's: every {@link #LOAD_FREQ} one sample of the cgroup's active tasks (its threads in state R or D), folded
 * into three fixed-point exponential averages with the kernel's constants and rounding ({@code calc_load}).
 *
 * <p>A cgroup is tracked from the first read of a caller in it (its averages start at 0, like the kernel's at boot)
 * until no caller has read for {@link #TRACK_FOR}; at most {@link #MAX_TRACKED} at once. {@link #sample} is run by
 * one thread for all of them (the daemon's housekeeping thread); the read path ({@link #load}) only looks up the
 * last result: no task is walked and no lock taken there.
 *
 * <p>A sample of a cgroup reads its thread list (v1 {@code tasks}, v2 {@code cgroup.threads}) and, per thread, the
 * state letter of {@code /proc/TID/task/TID/stat}: not {@code /proc/TID/stat}, which the kernel makes for the whole
 * thread group (it sums every thread's times and faults), so reading it for each of a process's T threads would
 * cost O(T^2) per sample, and any container could make that happen by reading its loadavg. Files are opened, read
 * into reused buffers and closed with raw system calls: nothing is allocated per thread, and no descriptor is kept
 * (so a removed cgroup is not kept alive by us). A cgroup whose directory is gone is marked so (its readers get the
 * host's file, and their cgroups are resolved again); if it reappears at the same path it starts again from 0.
 */
public final class LoadTracker {

  /** The kernel's sampling period (LOAD_FREQ, 5 s + 1 tick). */
  public static final Duration LOAD_FREQ = Duration.ofSeconds(5);
  /** A cgroup not read for this long is no longer sampled. */
  public static final Duration TRACK_FOR = Duration.ofMinutes(10);
  /** At most this many cgroups are tracked; a reader in one more gets the host's file. */
  public static final int MAX_TRACKED = 4096;

  /** The kernel's decay factors per LOAD_FREQ for 1, 5 and 15 minutes: FIXED_1 / exp(5 s / 1, 5, 15 min). */
  static final long EXP_1 = 1884;
  static final long EXP_5 = 2014;
  static final long EXP_15 = 2037;
  /** Beyond 15 minutes of missed samples (a suspended host) the averages have converged anyway. */
  private static final int MAX_TICKS = 180;

  /** What a read shows: the three averages (fixed point, FSHIFT bits) and the last sample's thread counts. */
  public record Load(long load1, long load5, long load15, int running, int total) {}

  private static final Load ZERO = new Load(0, 0, 0, 0, 0);

  private static final class Entry {
    final CgroupDir dir;
    /** The thread list file's absolute path, NUL-terminated. */
    final byte[] tasksPath;
    volatile Cgroup cgroup;
    volatile long lastRead;
    volatile Load load = ZERO;
    volatile boolean gone;
    // Sampler only (under the tracker's monitor).
    boolean sampled;
    long load1;
    long load5;
    long load15;

    Entry(Cgroup cgroup, long now) {
      this.dir = cgroup.dir();
      this.cgroup = cgroup;
      this.lastRead = now;
      this.tasksPath = cString(cgroup.threadList().toAbsolutePath().toString());
    }
  }

  private final ConcurrentHashMap<CgroupDir, Entry> entries = new ConcurrentHashMap<>();
  private final Path procRoot;
  private final Ticker ticker;
  private final long freqNanos = LOAD_FREQ.toNanos();
  private final long trackNanos = TRACK_FOR.toNanos();
  private final long touchNanos = Duration.ofSeconds(1).toNanos();

  // Sampler state (under the monitor).
  private int procFd = -1;
  private boolean started;
  private long sampledUpTo;
  private byte[] tasks = new byte[4096];
  private final byte[] stat = new byte[256];
  private final byte[] statPath = new byte[48];

  /**
   * @param procRoot the procfs whose {@code TID/stat} files give the threads' states
   * @param ticker   the time source of sampling periods and of tracking expiry
   */
  public LoadTracker(Path procRoot, Ticker ticker) {
    this.procRoot = procRoot;
    this.ticker = ticker;
  }

  /**
   * The load of {@code cpu} (the caller's cgroup in the hierarchy that serves the cpu controller) as of the last
   * sample; all zero until its first sample. Starts tracking it if it is not yet tracked.
   *
   * @throws IOException when the cgroup was found removed, or too many cgroups are tracked (the reader gets the
   *                     host's file)
   */
  public Load load(Cgroup cpu) throws IOException {
    CgroupDir dir = cpu.dir();
    long now = ticker.read();
    Entry e = entries.get(dir);
    if (e == null) {
      if (entries.size() >= MAX_TRACKED) {
        throw new FileSystemException(dir.dir().toString(), null, "loadavg already tracks " + MAX_TRACKED
            + " cgroups");
      }
      e = entries.computeIfAbsent(dir, d -> new Entry(cpu, now));
    }
    if (now - e.lastRead > touchNanos) {
      e.lastRead = now; // written at most once a second: readers of one cgroup do not fight over its cache line
    }
    if (e.cgroup != cpu) {
      e.cgroup = cpu;
    }
    if (e.gone) {
      throw new FileSystemException(dir.dir().toString(), null, "cgroup removed");
    }
    return e.load;
  }

  /** How many cgroups are tracked (tests, the benchmark). */
  public int size() {
    return entries.size();
  }

  /**
   * One sampling pass: folds every tracked cgroup's active tasks into its averages, once per {@link #LOAD_FREQ}
   * elapsed since the last pass (a late pass applies the missed periods, as the kernel does after a tickless
   * idle), and drops the cgroups not read for {@link #TRACK_FOR}. A pass earlier than half a period after the last
   * does nothing. Returns how many cgroups were sampled.
   */
  public synchronized int sample() {
    long now = ticker.read();
    int ticks;
    if (!started) {
      started = true;
      sampledUpTo = now;
      ticks = 1;
    } else {
      long k = (now - sampledUpTo + freqNanos / 2) / freqNanos;
      if (k <= 0) {
        return 0;
      }
      ticks = (int) Math.min(k, MAX_TICKS);
      sampledUpTo = k > MAX_TICKS ? now : sampledUpTo + k * freqNanos;
    }
    if (procFd < 0) {
      try {
        procFd = Native.openPath(procRoot.toAbsolutePath().toString());
      } catch (Native.SyscallException e) {
        throw new IllegalStateException("cannot open " + procRoot + ": " + e.getMessage(), e);
      }
    }
    int sampled = 0;
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (now - e.lastRead > trackNanos) {
        it.remove();
        continue;
      }
      sampleOne(e, e.sampled ? ticks : 1);
      sampled++;
    }
    return sampled;
  }

  private void sampleOne(Entry e, int ticks) {
    int n = readTasks(e.tasksPath);
    if (n < 0) {
      if (!Files.isDirectory(e.dir.dir())) {
        if (!e.gone) {
          e.gone = true;
          e.cgroup.close(); // its callers resolve their cgroups again
        }
      }
      return; // otherwise a passing failure: keep the last figures
    }
    if (e.gone) {
      // Made again at the same path: a new cgroup, from 0.
      e.gone = false;
      e.load1 = e.load5 = e.load15 = 0;
    }
    int running = 0;
    int active = 0;
    int total = 0;
    byte[] b = tasks;
    int i = 0;
    while (i < n) {
      int start = i;
      while (i < n && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      int end = i;
      while (i < n && (b[i] < '0' || b[i] > '9')) {
        i++; // the newline (and anything else that is not a digit)
      }
      if (end == start || end - start > 9) {
        continue;
      }
      char state = threadState(b, start, end);
      if (state == 0) {
        continue; // exited meanwhile
      }
      total++;
      if (state == 'R') {
        running++;
        active++;
      } else if (state == 'D') {
        active++;
      }
    }
    long act = active * Loadavg.FIXED_1;
    e.load1 = calcLoadN(e.load1, EXP_1, act, ticks);
    e.load5 = calcLoadN(e.load5, EXP_5, act, ticks);
    e.load15 = calcLoadN(e.load15, EXP_15, act, ticks);
    e.sampled = true;
    e.load = new Load(e.load1, e.load5, e.load15, running, total);
  }

  /** Reads a thread list into {@link #tasks} (grown to fit); its length, or -1 when it cannot be read. */
  private int readTasks(byte[] path) {
    while (true) {
      int n = Native.readSmallFile(Native.AT_FDCWD, path, tasks);
      if (n < tasks.length) {
        return n;
      }
      tasks = Arrays.copyOf(tasks, tasks.length * 2);
    }
  }

  /** The state letter of thread {@code b[start..end)} (its digits), or 0 when it cannot be read. */
  private char threadState(byte[] b, int start, int end) {
    int len = end - start;
    byte[] p = statPath;
    int j = 0;
    System.arraycopy(b, start, p, j, len);
    j += len;
    for (byte c : TASK) {
      p[j++] = c;
    }
    System.arraycopy(b, start, p, j, len);
    j += len;
    for (byte c : STAT) {
      p[j++] = c;
    }
    p[j] = 0;
    int m = Native.readSmallFile(procFd, p, stat);
    if (m <= 0) {
      return 0;
    }
    // "TID (comm) S ...": the command may hold spaces and ')', and nothing after it does.
    for (int k = m - 1; k >= 0; k--) {
      if (stat[k] == ')') {
        return k + 2 < m ? (char) stat[k + 2] : 0;
      }
    }
    return 0;
  }

  private static final byte[] TASK = {'/', 't', 'a', 's', 'k', '/'};
  private static final byte[] STAT = {'/', 's', 't', 'a', 't'};

  /** The kernel's calc_load: one period's decay of {@code load} towards {@code active} (both fixed point). */
  static long calcLoad(long load, long exp, long active) {
    long newload = load * exp + active * (Loadavg.FIXED_1 - exp);
    if (active >= load) {
      newload += Loadavg.FIXED_1 - 1;
    }
    return newload / Loadavg.FIXED_1;
  }

  /** The kernel's calc_load_n: {@code n} periods at once, the decay factor raised by fixed_power_int. */
  static long calcLoadN(long load, long exp, long active, int n) {
    return n == 1 ? calcLoad(load, exp, active) : calcLoad(load, fixedPowerInt(exp, Loadavg.FSHIFT, n), active);
  }

  /** The kernel's fixed_power_int: x^n in fixed point with {@code fracBits} bits of fraction, rounded per step. */
  static long fixedPowerInt(long x, int fracBits, int n) {
    long result = 1L << fracBits;
    long half = 1L << (fracBits - 1);
    while (n > 0) {
      if ((n & 1) != 0) {
        result = (result * x + half) >> fracBits;
      }
      n >>= 1;
      if (n == 0) {
        break;
      }
      x = (x * x + half) >> fracBits;
    }
    return result;
  }

  private static byte[] cString(String s) {
    byte[] b = s.getBytes(Texts.PATH_CHARSET);
    return Arrays.copyOf(b, b.length + 1);
  }
}
