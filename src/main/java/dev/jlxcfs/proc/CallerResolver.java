package dev.jlxcfs.proc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.CgroupLine;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.CgroupMounts.Dirs;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.util.Expiring;
import dev.jlxcfs.util.ReadBuffer;
import java.io.IOException;
import java.time.Duration;

/**
 * pid -> {@link Caller}: reads /proc/PID/cgroup and finds, through the mount table, the cgroups that hold the
 * caller's memory and CPU files. A resolution is kept per pid and re-used while (a) the pid still names the same
 * task (one pidfd check, see {@link Task}) and (b) it is younger than the staleness bound; after that the cgroup
 * lines are read again, so a process moved to another cgroup is seen within the bound.
 *
 * <p>The text of /proc/PID/cgroup is kept once per distinct text ({@code dirsByText}), not once per task: the
 * entries of a container's tasks (up to {@link #MAX_CALLERS} of them, e.g. the threads of one process) share the
 * canonical String, which is also the tenant key of {@link #tenantKey}.
 */
public final class CallerResolver {

  /** At most this many tasks are remembered (each may hold a pidfd). */
  static final int MAX_CALLERS = 16_384;

  /** A resolved task; {@code cgroupText} is the canonical String of {@code dirsByText}, shared by many entries. */
  private record Entry(Caller caller, String cgroupText, long expires) {}

  /**
   * At most this many texts are kept resolved. Each holds its text and the six CgroupDirs it names (~1.2 KB in a heap
   * dump): 4,096 of them were a third of the live heap with 5,000 containers (dense-bench.sh), 1,024 a tenth. A text
   * not kept costs the new process whose first read it is a parse and a walk of the mount table (a few us of a ~1 ms
   * first read); a process already known costs nothing more.
   */
  static final int MAX_TEXTS = 512;

  /** Slots of {@link #recent}: a power of two. */
  private static final int RECENT_SLOTS = 4096;

  private final ProcFs proc;
  private final CgroupMounts mounts;
  private final Cgroups cgroups;
  private final Ticker ticker;
  private final long stalenessNanos;
  private final boolean usePidfds;
  private final Cache<Integer, Entry> byTid;
  /**
   * Texts of /proc/PID/cgroup already resolved: the processes of one container share one, so a new process's
   * first read costs one lookup here instead of parsing and a walk of the mount table.
   */
  private final Cache<String, Dirs> dirsByText;
  /**
   * The last entry stored per tid slot (tid modulo the size), for {@link #tenantKey}: a peek without boxing the tid
   * or a system call. Holds only entries still in {@code byTid} (the removal listener clears a slot whose entry
   * goes), but is written without a lock: a slot may keep an entry a race removed meanwhile, which is why a peek
   * also checks the entry's expiry (at most {@code --cache-ttl} old).
   */
  private final Entry[] recent = new Entry[RECENT_SLOTS];

  public CallerResolver(ProcFs proc, CgroupMounts mounts, Cgroups cgroups, Duration staleness, Ticker ticker) {
    this.proc = proc;
    this.mounts = mounts;
    this.cgroups = cgroups;
    this.ticker = ticker;
    this.stalenessNanos = staleness.toNanos();
    // A pidfd names a task of the daemon's own pid namespace: only meaningful when reading the daemon's own /proc.
    this.usePidfds = proc.isOwnProcfs();
    this.byTid = Caffeine.newBuilder()
        .maximumSize(MAX_CALLERS)
        // Entries of exited tasks are dropped when next looked up or, if never, after this.
        .expireAfterAccess(Duration.ofMinutes(1).plus(staleness))
        .ticker(ticker)
        .executor(Runnable::run)
        .<Integer, Entry>removalListener((tid, e, cause) -> {
          if (e != null) {
            if (tid != null && recent[tid & (RECENT_SLOTS - 1)] == e) {
              recent[tid & (RECENT_SLOTS - 1)] = null;
            }
            e.caller().task().release();
          }
        })
        .build();
    this.dirsByText = Caffeine.newBuilder().maximumSize(MAX_TEXTS).executor(Runnable::run).build();
  }

  public CallerResolver(ProcFs proc, CgroupMounts mounts, Cgroups cgroups, Duration staleness) {
    this(proc, mounts, cgroups, staleness, Ticker.systemTicker());
  }

  /** The caller with thread id {@code tid}; its /proc/PID/cgroup is read into {@code text} if need be. */
  public Caller resolve(int tid, ReadBuffer text) throws IOException {
    return resolveEntry(tid, text).caller();
  }

  /**
   * The tenant of caller {@code tid} for the caps on open handles: the text of its /proc/PID/cgroup (one canonical
   * String per distinct text, so a container's processes share it), or null when the caller cannot be resolved
   * (pid 0, a task already gone). A caller resolved within {@code --cache-ttl} is answered from {@link #recent}
   * without a system call, an allocation or the pidfd check (a tid reused within that bound may be charged to the
   * previous task's cgroups once, for one open); otherwise it is resolved as a read would be, and the read that
   * follows the open finds it cached.
   */
  public Object tenantKey(int tid, ReadBuffer text) {
    if (tid <= 0) {
      return null;
    }
    Entry e = recent[tid & (RECENT_SLOTS - 1)];
    if (e != null && e.caller().task().tid() == tid && ticker.read() - e.expires() < 0) {
      return e.cgroupText();
    }
    try {
      return resolveEntry(tid, text).cgroupText();
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  private Entry resolveEntry(int tid, ReadBuffer buffer) throws IOException {
    Entry e = byTid.getIfPresent(tid);
    long now = ticker.read();
    if (e != null) {
      Caller c = e.caller();
      if (c.task().isCurrent()) {
        if (now - e.expires() < 0 && !c.anyCgroupGone()) {
          return e;
        }
        // Stale: the same task, its cgroups read again. Unchanged lines keep the resolved cgroups (and the
        // canonical text: the one just read is garbage at once).
        String text = proc.cgroupText(tid, buffer);
        if (text.equals(e.cgroupText()) && !c.anyCgroupGone()) {
          return keep(tid, new Entry(c, e.cgroupText(), now + stalenessNanos));
        }
        return keep(tid, resolveLines(c.task(), text, now));
      }
    }
    Task task = Task.capture(proc, tid, usePidfds, false);
    try {
      return keep(tid, resolveLines(task, proc.cgroupText(tid, buffer), now));
    } finally {
      task.release(); // the entry holds its own reference
    }
  }

  /** Stores an entry; the cache's removal listener releases the task reference of the one it replaces. */
  private Entry keep(int tid, Entry entry) {
    entry.caller().task().retain();
    byTid.put(tid, entry);
    recent[tid & (RECENT_SLOTS - 1)] = entry;
    return entry;
  }

  private Entry resolveLines(Task task, String cgroupText, long now) {
    Dirs d = dirsByText.getIfPresent(cgroupText);
    if (d == null) {
      d = mounts.dirs(CgroupLine.parseAll(cgroupText, proc.cgroupFile(task.tid())), cgroupText);
      dirsByText.put(cgroupText, d);
    }
    Caller c = new Caller(task, proc, of(d.memory()), of(d.cpu()), of(d.cpuset()), of(d.cpuUsage()), of(d.io()),
        of(d.unifiedGroup()), new Expiring<>(ticker, stalenessNanos));
    return new Entry(c, d.text(), now + stalenessNanos);
  }

  private dev.jlxcfs.cgroup.Cgroup of(CgroupDir dir) {
    return dir == null ? null : cgroups.of(dir);
  }

  /** The CPUs the caller is shown: cached with it for the staleness bound (its limits read into {@code text}). */
  public CpuView cpuView(Caller caller, ReadBuffer text) throws IOException {
    CpuView v = caller.cpuView().fresh();
    return v != null ? v : caller.cpuView().keep(cgroups.cpuView(caller.cpuset(), caller.cpu(), text));
  }

  public Cgroups cgroups() {
    return cgroups;
  }

  /**
   * Forgets the tasks that exited: their entries would otherwise hold a pidfd each until idle expiry. Run by the
   * daemon's housekeeping thread; one pidfd check per remembered task. Returns how many were dropped.
   */
  public int sweep() {
    return Task.removeExited(byTid.asMap(), e -> e.caller().task());
  }

  /** The text of /proc/PID/cgroup kept for {@code tid}, the very String (for tests: shared, not copied). */
  String cgroupTextOf(int tid) {
    Entry e = byTid.getIfPresent(tid);
    return e == null ? null : e.cgroupText();
  }

  /** How many tasks are remembered (for tests and the benchmark's leak check). */
  public long size() {
    byTid.cleanUp();
    return byTid.estimatedSize();
  }
}
