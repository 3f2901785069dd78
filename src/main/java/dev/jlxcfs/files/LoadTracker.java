package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.GroupWalk;
import dev.jlxcfs.render.Loadavg;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import dev.jlxcfs.util.TreePath;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load averages of the CPU cgroups (the groups of the hierarchy that serves the cpu controller), computed as the
 * kernel computes the host's: every {@link #LOAD_FREQ} one sample of the cgroup's active tasks (its threads in state
 * R or D), folded into three fixed-point exponential averages with the kernel's constants and rounding
 * ({@code calc_load}).
 *
 * <p>Every group of the hierarchy is tracked whether or not anyone reads it (given a {@link GroupWalk}): the walk
 * finds the groups at the first pass after the daemon starts and each one made later at the next walk after it
 * appears, so the first read of a container busy for a minute already shows a minute of history. The walk runs every
 * pass while it finds at most {@link #WALK_EVERY_PASS_UP_TO} groups, else every {@link #WALK_SLOW}th pass. A group
 * is tracked while the walk finds it, or (outside the walked hierarchy, or without a walk) from the first read of a
 * caller in it until no caller has read for {@link #TRACK_FOR}; at most {@link #MAX_TRACKED} at once (one log line
 * when reached). {@link #sample} is run by one thread for all of them (the daemon's housekeeping thread); the read
 * path ({@link #load}) only looks up the last result: no task is walked and no lock taken there.
 *
 * <p>A group whose last sample counted no active thread and whose CPU time ({@link CgroupDir#activityFile}, kept
 * open) has not moved since is not sampled again: none of its tasks ran, so none became runnable or entered D, and
 * its averages decay by the kernel's factor towards 0 (still sampled in full every {@link #FULL_EVERY} periods, every
 * {@link #FULL_EVERY_EMPTY} when it had no thread at all).
 * Where v1 mounts cpu without cpuacct, that file is the group's {@code cpu.stat}, whose {@code nr_periods} moves only
 * while a group with a quota of its own runs: a signal only while it is not 0, and dropped for a group once a full
 * sample finds a thread running while it did not move. At most {@link #keptFilesCap} of these files are kept open;
 * past it a group is sampled in full. Otherwise a sample of a cgroup reads its thread list (v1 {@code tasks}, v2
 * {@code cgroup.threads}) and, per thread, the state letter of {@code /proc/TID/task/TID/stat}: not
 * {@code /proc/TID/stat}, which the kernel makes for the whole thread group (it sums every thread's times and faults),
 * so reading it for each of a process's T threads would cost O(T^2) per sample. Files are opened, read into reused
 * buffers and closed with raw system calls: nothing is allocated per thread. A cgroup whose directory is gone is
 * dropped (its kept file closed) or, when callers have read it, marked so (its readers get the host's file, and their
 * cgroups are resolved again); if it reappears at the same path it starts again from 0.
 */
public final class LoadTracker {

  private static final Logger LOG = LoggerFactory.getLogger(LoadTracker.class);

  /** The kernel's sampling period (LOAD_FREQ, 5 s + 1 tick). */
  public static final Duration LOAD_FREQ = Duration.ofSeconds(5);
  /** A cgroup the walk does not find (or without a walk) and not read for this long is no longer sampled. */
  public static final Duration TRACK_FOR = Duration.ofMinutes(10);
  /** At most this many cgroups are tracked; a reader in one more gets the host's file. */
  public static final int MAX_TRACKED = 8192;
  /** An idle group (no active thread, CPU time unchanged) is still sampled in full once per this many periods. */
  static final int FULL_EVERY = 12;
  /**
   * ... and an idle group whose last full sample found no thread at all once per this many (5 minutes). Such a group
   * gains a thread only by a move into it (nothing inside it forks), and a moved thread shows when it runs, which
   * moves the CPU time; the rare periodic sample is for what that signal misses (v1 cpu.stat's {@code nr_periods}
   * need not move for a run shorter than the 1 ms its CPU keeps of the quota; a thread moved in while already in
   * D). Empty groups are many on real nodes (Kubernetes' pod and QoS groups hold their containers' groups, not
   * tasks) and each full sample is an open, read and close of the thread list: at 5,000 groups, half of the idle
   * cost.
   */
  static final int FULL_EVERY_EMPTY = 60;
  /**
   * A group found idle at its last look (no active thread, CPU time unchanged) has its CPU time looked at on every
   * second pass only, half of the groups on even passes and half on odd ones: one {@code pread} of a kernfs file per
   * group and pass was the larger part of the idle daemon's cost with 5,000 groups. What it costs: a group that
   * starts running is found up to one period later than the kernel would count it, so its 1-minute average misses
   * at most that one sample (8% of its active count: (FIXED_1 - EXP_1) / FIXED_1), as a kernel sampling at another
   * phase would.
   */
  static final int IDLE_LOOK_EVERY = 2;
  /**
   * ... and every fourth pass (a quarter of the groups on each) once its last full sample found no thread at all and
   * that was {@link #EMPTY_FOR} periods ago. Such groups are most of a dense node's (Kubernetes' pod and QoS groups,
   * the groups of exited containers): with 5,000 of them, their looks were most of the idle daemon's reads. What it
   * costs: a thread moved into a group that has been empty for 10 s is counted up to three periods late, less than
   * the 30 s in which the walk finds a new group on such a node. A group being set up (made, its first task moved in
   * a moment later) is found at the next pass, or the one after.
   */
  static final int IDLE_LOOK_EVERY_EMPTY = 4;
  /** Periods since a full sample found a group empty after which {@link #IDLE_LOOK_EVERY_EMPTY} applies. */
  static final int EMPTY_FOR = 2;
  /** The walk runs every pass while it finds at most this many groups ... */
  static final int WALK_EVERY_PASS_UP_TO = 500;
  /** ... and every this many passes (30 s) beyond. */
  static final int WALK_SLOW = 6;

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
    /**
     * The directory, as {@link TreePath} splits it: relative to {@link #dirFd} (a private tree copy's descriptor), or
     * absolute with AT_FDCWD; no NUL. The file names below are shared by all entries ({@link #name}).
     */
    final byte[] path;
    final int dirFd;
    /** The thread list file's name. */
    final byte[] tasksName;
    /** The CPU time file's name; null when the hierarchy has none. */
    final byte[] activityName;
    /**
     * The activity file is v1's cpu.stat (cpu without cpuacct): a signal only while its nr_periods is not 0, and
     * dropped for good ({@link #noSignal}) once a full sample finds a running thread while it did not move.
     */
    final boolean periods;
    /**
     * Whether a caller in it has read (then a removed group is kept, marked gone, for its readers to learn it). Not
     * the reader's Cgroup itself: holding one per tracked group kept thousands alive after Cgroups closed them.
     */
    volatile boolean read;
    volatile long lastRead;
    volatile Load load = ZERO;
    volatile boolean gone;
    // Sampler only (under the tracker's monitor).
    boolean sampled;
    long load1;
    long load5;
    long load15;
    int active;
    int total;
    /** The kept-open CPU time file, or -1; the hash of its last content, and whether that is known. */
    int activityFd = -1;
    long activity;
    boolean activityKnown;
    /** Periods since the last full sample. */
    int quiet;
    /**
     * Which passes look at it while it is idle ({@link #IDLE_LOOK_EVERY}, {@link #IDLE_LOOK_EVERY_EMPTY}): by its
     * path's hash, to spread them.
     */
    final int slot;
    /** The activity file proved no signal for this group (see {@link #periods}): sampled in full every time. */
    boolean noSignal;
    /** The number of the last walk that found it (0: none did). */
    long walked;

    /** Tracked from a read by a caller in {@code cgroup}. */
    Entry(Cgroup cgroup, long now) {
      this(cgroup.dir(), bytes(cgroup.dir().dir()), now);
      this.read = true;
    }

    /** Tracked from the walk: {@code path} is the directory's absolute path (no NUL). */
    Entry(CgroupDir dir, byte[] path, long now) {
      this.dir = dir;
      this.slot = (dir.hashCode() & Integer.MAX_VALUE) % IDLE_LOOK_EVERY_EMPTY;
      this.lastRead = now;
      TreePath at = TreePath.of(path);
      this.dirFd = at.dirFd();
      this.path = at.below();
      this.tasksName = name(dir.threadList().getFileName().toString());
      Path activityFile = dir.activityFile();
      this.activityName = activityFile == null ? null : name(activityFile.getFileName().toString());
      this.periods = activityFile != null && dir.activityCountsPeriods();
    }

    /** Closes the kept activity file, if open; returns whether one was. */
    boolean closeActivity() {
      boolean open = activityFd >= 0;
      Native.closeFd(activityFd);
      activityFd = -1;
      activityKnown = false;
      return open;
    }
  }

  private final ConcurrentHashMap<CgroupDir, Entry> entries = new ConcurrentHashMap<>();
  private final Path procRoot;
  private final Ticker ticker;
  private final long freqNanos = LOAD_FREQ.toNanos();
  private final long trackNanos = TRACK_FOR.toNanos();
  private final long touchNanos = Duration.ofSeconds(1).toNanos();

  /** Finds every group of the cpu hierarchy; null: groups are tracked from their first read only. */
  private final GroupWalk walk;
  private final int maxTracked;
  /**
   * At most this many activity files are kept open (one per group): past it a group's is not opened, and the group
   * is sampled in full. So the descriptors the sampler keeps stay within a share of the process's limit.
   */
  private final int maxKeptFiles;
  /** Activity files kept open now (sampler only). */
  private int keptFiles;

  // Sampler state (under the monitor).
  private int procFd = -1;
  private boolean started;
  private long sampledUpTo;
  private long passes;
  /** Sampling passes made (whose idle groups {@link #IDLE_LOOK_EVERY} looks at). */
  private long samplePasses;
  private long walks;
  private int walkEvery = 1;
  private boolean full;
  private boolean walkComplete;
  private int skipped;
  private boolean skipIdle = true;
  private byte[] tasks = new byte[4096];
  /**
   * The activity file's first 256 bytes: what moves is at the start (v2 usage_usec, v1 nr_periods; cpuacct.usage is
   * one number), and a smaller array is less for the FFI call to copy back on every read.
   */
  private final byte[] activityBuf = new byte[256];
  private final byte[] stat = new byte[256];
  private final byte[] statPath = new byte[48];

  /**
   * @param procRoot the procfs whose {@code TID/stat} files give the threads' states
   * @param ticker   the time source of sampling periods and of tracking expiry
   */
  public LoadTracker(Path procRoot, Ticker ticker) {
    this(procRoot, null, ticker);
  }

  /**
   * @param procRoot the procfs whose {@code TID/stat} files give the threads' states
   * @param walk     finds every group of the hierarchy that serves cpu (null: none is tracked before its first read)
   * @param ticker   the time source of sampling periods and of tracking expiry
   */
  public LoadTracker(Path procRoot, GroupWalk walk, Ticker ticker) {
    this(procRoot, walk, ticker, MAX_TRACKED, MAX_TRACKED);
  }

  /**
   * @param maxKeptFiles the activity files (descriptors) kept open at most ({@link #keptFilesCap}); past it groups
   *                     are sampled in full
   */
  public LoadTracker(Path procRoot, GroupWalk walk, Ticker ticker, int maxKeptFiles) {
    this(procRoot, walk, ticker, MAX_TRACKED, maxKeptFiles);
  }

  /** With another bound than {@link #MAX_TRACKED} (tests). */
  LoadTracker(Path procRoot, GroupWalk walk, Ticker ticker, int maxTracked, int maxKeptFiles) {
    this.procRoot = procRoot;
    this.walk = walk;
    this.ticker = ticker;
    this.maxTracked = maxTracked;
    this.maxKeptFiles = maxKeptFiles;
  }

  /**
   * The activity files kept open at most for a process whose descriptor limit is {@code descriptorLimit}: a quarter
   * of it (the cgroups' kept files take half, see {@code Cgroups.keptFilesCap}), at most one per tracked group.
   */
  public static int keptFilesCap(long descriptorLimit) {
    return (int) Math.max(0, Math.min(MAX_TRACKED, descriptorLimit / 4));
  }

  /** Activity files kept open now (tests, the benchmark). */
  public synchronized int keptFiles() {
    return keptFiles;
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
      if (entries.size() >= maxTracked) {
        throw new FileSystemException(dir.dir().toString(), null, "loadavg already tracks " + maxTracked
            + " cgroups");
      }
      e = entries.computeIfAbsent(dir, d -> new Entry(cpu, now));
    }
    if (now - e.lastRead > touchNanos) {
      e.lastRead = now; // written at most once a second: readers of one cgroup do not fight over its cache line
    }
    if (!e.read) {
      e.read = true;
    }
    if (e.gone) {
      cpu.markGone(); // its callers resolve their cgroups again; the housekeeping sweep closes it
      throw new FileSystemException(dir.dir().toString(), null, "cgroup removed");
    }
    return e.load;
  }

  /** How many cgroups are tracked (tests, the benchmark). */
  public int size() {
    return entries.size();
  }

  /**
   * Samples every group in full, idle or not (the benchmark's comparison of the two ways); before the first pass.
   */
  public synchronized LoadTracker sampleIdleGroupsInFull() {
    skipIdle = false;
    return this;
  }

  /** Whether the walk found more groups than may be tracked (and said so once in the log). */
  synchronized boolean full() {
    return full;
  }

  /** How many groups the last pass did not sample in full (idle: their CPU time did not move); the benchmark. */
  public synchronized int skippedLastPass() {
    return skipped;
  }

  /**
   * One sampling pass: finds new groups (when a walk is due), folds every tracked cgroup's active tasks into its
   * averages, once per {@link #LOAD_FREQ} elapsed since the last pass (a late pass applies the missed periods, as the
   * kernel does after a tickless idle), and drops the cgroups that are gone or, when the walk does not find them,
   * not read for {@link #TRACK_FOR}. A pass earlier than half a period after the last does nothing. Returns how many
   * cgroups were sampled.
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
    if (walk != null && passes++ % walkEvery == 0) {
      discover(now);
    }
    samplePasses++;
    int sampled = 0;
    skipped = 0;
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      boolean walked = e.walked != 0 && e.walked == walks;
      if (!walked && now - e.lastRead > trackNanos || !sampleOne(e, e.sampled ? ticks : 1)) {
        close(e);
        it.remove();
        continue;
      }
      sampled++;
    }
    if (full && walkComplete && entries.size() * 10L < maxTracked * 9L) {
      full = false; // log again if it fills again
    }
    return sampled;
  }

  /** Walks the hierarchy: every group found is tracked (from now, if new), up to {@link #MAX_TRACKED}. */
  private void discover(long now) {
    long walk = ++walks;
    int[] found = {0};
    boolean complete = this.walk.walk((dir, path) -> {
      found[0]++;
      Entry e = entries.get(dir);
      if (e == null) {
        if (entries.size() >= maxTracked) {
          if (!full) {
            full = true;
            LOG.warn("loadavg: {} cpu cgroups tracked, the most there may be: groups beyond them are not sampled and "
                + "their readers get the host's file", maxTracked);
          }
          return false;
        }
        e = entries.computeIfAbsent(dir, d -> new Entry(d, path, now));
      }
      e.walked = walk;
      return true;
    });
    walkComplete = complete;
    if (!complete) {
      // Groups the walk did not reach keep being tracked: they count as found.
      for (Entry e : entries.values()) {
        if (e.walked == walk - 1) {
          e.walked = walk;
        }
      }
    }
    walkEvery = found[0] <= WALK_EVERY_PASS_UP_TO ? 1 : WALK_SLOW;
  }

  /** Samples one group; false when it is gone and nobody read it (drop it). */
  private boolean sampleOne(Entry e, int ticks) {
    // Found idle at its last look (quiet > 0), and not its pass to be looked at: taken as unchanged.
    boolean notLooked = skipIdle && e.quiet > 0 && e.activityFd >= 0
        && (samplePasses + e.slot) % (e.total == 0 && e.quiet >= EMPTY_FOR ? IDLE_LOOK_EVERY_EMPTY : IDLE_LOOK_EVERY) != 0;
    boolean unchanged = notLooked || skipIdle && readActivity(e);
    if (unchanged && e.sampled && e.active == 0 && !e.gone
        && e.quiet + ticks < (e.total == 0 ? FULL_EVERY_EMPTY : FULL_EVERY)) {
      // No task of it ran since the last sample, which found none active: none is now.
      e.quiet += ticks;
      skipped++;
      if ((e.load1 | e.load5 | e.load15) != 0) {
        fold(e, 0, ticks);
        e.load = new Load(e.load1, e.load5, e.load15, 0, e.total);
      }
      return true;
    }
    boolean checkSignal = unchanged && !notLooked && e.periods;
    int n = readTasks(e.dirFd, cString(e.path, e.tasksName));
    if (n < 0) {
      close(e);
      if (!Files.isDirectory(e.dir.dir())) {
        if (!e.read) {
          return false; // never read: nobody to tell
        }
        e.gone = true; // its readers get the host's file and resolve their cgroups again
      }
      return true; // otherwise a passing failure: keep the last figures
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
    if (checkSignal && running > 0) {
      // A thread runs and the quota's period counter did not move: the group has no quota of its own now (removed
      // after it ran), or its tasks are not CFS ones. Its cpu.stat says nothing of it: never skip it again.
      e.noSignal = true;
      close(e);
    }
    fold(e, active, ticks);
    e.active = active;
    e.total = total;
    e.quiet = 0;
    e.sampled = true;
    e.load = new Load(e.load1, e.load5, e.load15, running, total);
    return true;
  }

  /** Closes an entry's kept activity file, if open, and uncounts it. */
  private void close(Entry e) {
    if (e.closeActivity()) {
      keptFiles--;
    }
  }

  private static void fold(Entry e, int active, int ticks) {
    long act = active * Loadavg.FIXED_1;
    e.load1 = calcLoadN(e.load1, EXP_1, act, ticks);
    e.load5 = calcLoadN(e.load5, EXP_5, act, ticks);
    e.load15 = calcLoadN(e.load15, EXP_15, act, ticks);
  }

  /**
   * Reads the group's CPU time file (kept open) and returns whether it is the same as at the last sample. False
   * when the group has none, or it cannot be read (then it is closed: a removed group's reads fail with ENODEV).
   */
  private boolean readActivity(Entry e) {
    if (e.activityName == null || e.noSignal) {
      return false;
    }
    if (e.activityFd < 0) {
      if (keptFiles >= maxKeptFiles) {
        return false; // at the cap: sampled in full
      }
      e.activityFd = Native.openReadOnly(e.dirFd, cString(e.path, e.activityName));
      if (e.activityFd < 0) {
        return false;
      }
      keptFiles++;
    }
    int n = Native.readFromStart(e.activityFd, activityBuf);
    if (n < 0) {
      close(e);
      return false;
    }
    long h = 0xcbf29ce484222325L; // FNV-1a
    for (int i = 0; i < n; i++) {
      h = (h ^ (activityBuf[i] & 0xff)) * 0x100000001b3L;
    }
    // v1 cpu.stat: nr_periods 0 is a group without a quota of its own, or one that never ran since it got one.
    boolean same = e.activityKnown && h == e.activity && (!e.periods || periodsCounted(activityBuf, n));
    e.activity = h;
    e.activityKnown = true;
    return same;
  }

  /** Whether v1 cpu.stat's first line, {@code nr_periods N}, has an N other than 0. */
  static boolean periodsCounted(byte[] b, int n) {
    int i = 0;
    while (i < n && b[i] != ' ' && b[i] != '\n') {
      i++;
    }
    if (i != PERIODS.length || i >= n || b[i] != ' ' || !Arrays.equals(b, 0, i, PERIODS, 0, i)) {
      return false;
    }
    for (i++; i < n && b[i] >= '0' && b[i] <= '9'; i++) {
      if (b[i] != '0') {
        return true;
      }
    }
    return false;
  }

  private static final byte[] PERIODS = {'n', 'r', '_', 'p', 'e', 'r', 'i', 'o', 'd', 's'};

  /** Reads a thread list into {@link #tasks} (grown to fit); its length, or -1 when it cannot be read. */
  private int readTasks(int dirFd, byte[] path) {
    while (true) {
      int n = Native.readSmallFile(dirFd, path, tasks);
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

  private static byte[] bytes(Path dir) {
    return dir.toAbsolutePath().toString().getBytes(Texts.PATH_CHARSET);
  }

  /**
   * {@code dir + "/" + name}, NUL-terminated, in {@link #pathBuf} (the sampler's, reused: an entry keeps only its
   * directory's bytes, not a path per file, and thousands of entries are tracked).
   */
  private byte[] cString(byte[] dir, byte[] name) {
    pathBuf = TreePath.child(dir, name, pathBuf);
    return pathBuf;
  }

  private byte[] pathBuf = new byte[256];

  /** The file names entries use, one array each for all of them. */
  private static final java.util.Map<String, byte[]> NAMES = new ConcurrentHashMap<>();

  private static byte[] name(String name) {
    return NAMES.computeIfAbsent(name, n -> n.getBytes(Texts.PATH_CHARSET));
  }

  /** Receives one group's averages (fixed point) for a successor daemon. */
  public interface Carrier {
    void group(CgroupDir dir, long load1, long load5, long load15, int running, int total);
  }

  /** How long ago the last sampling pass was due (nanoseconds), or -1 before the first: carried with the averages. */
  public synchronized long sinceLastPass() {
    return started ? Math.max(0, ticker.read() - sampledUpTo) : -1;
  }

  /** When the next pass is due, in nanoseconds from now: a period before the first pass, unless a clock was resumed. */
  public synchronized long nanosToNextPass() {
    return started ? Math.max(0, sampledUpTo + freqNanos - ticker.read()) : freqNanos;
  }

  /**
   * Carries on a predecessor's sampling clock: the first pass here folds in the periods since the predecessor's last
   * pass (with the thread counts it finds), as a late pass does, so a handover neither skips nor repeats periods.
   */
  public synchronized void resumeClock(long sinceLastPass) {
    if (!started && sinceLastPass >= 0 && sinceLastPass < LOAD_FREQ.toNanos() * MAX_TICKS) {
      started = true;
      sampledUpTo = ticker.read() - sinceLastPass;
    }
  }

  /** Every sampled group's averages, for a daemon taking over from this one ({@link CarriedState}). */
  public synchronized void carry(Carrier out) {
    for (Entry e : entries.values()) {
      if (e.sampled && !e.gone) {
        Load shown = e.load;
        out.group(e.dir, e.load1, e.load5, e.load15, shown.running(), shown.total());
      }
    }
  }

  /**
   * Starts the group at {@code dir} (of the hierarchy the walk covers) from a predecessor's averages, before this
   * tracker's first pass: a handover does not restart a container's load at zero. False when groups are not walked
   * here, the figures are out of range (over 2^20 tasks), or the tracker is full.
   */
  public synchronized boolean resume(Path dir, long load1, long load5, long load15, int running, int total) {
    long max = (long) Loadavg.FIXED_1 << 20;
    if (walk == null || load1 > max || load5 > max || load15 > max || running < 0 || total < running
        || total > 1 << 22 || entries.size() >= maxTracked) {
      return false;
    }
    CgroupDir key = new CgroupDir(walk.hierarchy(), dir);
    long now = ticker.read();
    Entry e = entries.computeIfAbsent(key, d -> new Entry(d, bytes(d.dir()), now));
    e.load1 = load1;
    e.load5 = load5;
    e.load15 = load15;
    e.sampled = true;
    e.load = new Load(load1, load5, load15, running, total); // the thread counts shown until the first pass here
    return true;
  }
}
