package dev.jlxcfs.testing;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.files.CpuAccounting;
import dev.jlxcfs.files.CpuDirectory;
import dev.jlxcfs.files.CpuOnlineFile;
import dev.jlxcfs.files.CpuRangeFile;
import dev.jlxcfs.files.CpuinfoFile;
import dev.jlxcfs.files.DiskstatsFile;
import dev.jlxcfs.files.LoadTracker;
import dev.jlxcfs.files.LoadavgFile;
import dev.jlxcfs.files.MeminfoFile;
import dev.jlxcfs.files.PressureFile;
import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.StatFile;
import dev.jlxcfs.files.SwapsFile;
import dev.jlxcfs.files.UptimeFile;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The daemon's files wired over a fixture tree the way Daemon wires them over the host, with a hand-driven clock
 * and no caching by default (so edits to the fixture show at once).
 */
public final class TestHost {

  public final ProcFs proc;
  public final Cgroups cgroups;
  public final CallerResolver callers;
  public final PidNamespaceInits inits;
  public final CpuAccounting cpuTimes;
  private final FixtureTree tree;
  private final boolean showSwap;
  private final Duration staleness;
  private final Ticker ticker;

  public TestHost(FixtureTree t, Clock clock, boolean showSwap, boolean cpuQuota, Duration staleness,
                  Ticker ticker) throws IOException {
    this.tree = t;
    this.showSwap = showSwap;
    this.staleness = staleness;
    this.ticker = ticker;
    proc = new ProcFs(t.proc());
    cgroups = new Cgroups(t.sys(), staleness, cpuQuota, ticker);
    callers = new CallerResolver(proc, CgroupMounts.load(t.proc().resolve("self/mountinfo")), cgroups, staleness,
        ticker);
    inits = new PidNamespaceInits(proc);
    cpuTimes = new CpuAccounting(proc.hostFile("stat"), cgroups, clock, 100);
  }

  public TestHost(FixtureTree t, Clock clock, boolean showSwap, boolean cpuQuota) throws IOException {
    this(t, clock, showSwap, cpuQuota, Duration.ZERO, Ticker.systemTicker());
  }

  public TestHost(FixtureTree t) throws IOException {
    this(t, () -> 1000L * 1_000_000_000L, true, true);
  }

  public MeminfoFile meminfo() {
    return made(new MeminfoFile(proc, showSwap));
  }

  public DiskstatsFile diskstats() {
    return made(new DiskstatsFile(proc));
  }

  public PressureFile pressure(String kind) {
    return made(new PressureFile(kind, proc));
  }

  public SwapsFile swaps() {
    return made(new SwapsFile(proc, meminfo()));
  }

  public UptimeFile uptime() {
    return made(new UptimeFile(proc.hostFile("uptime"), inits, cpuTimes, 100));
  }

  public CpuinfoFile cpuinfo() {
    return made(new CpuinfoFile(proc, staleness, ticker));
  }

  public StatFile stat() {
    return made(new StatFile(proc.hostFile("stat"), inits, cpuTimes));
  }

  /** /proc/loadavg with a tracker of its own over this tree's procfs, driven by {@code ticker}. */
  public LoadavgFile loadavg(LoadTracker tracker) {
    return made(new LoadavgFile(proc.hostFile("loadavg"), tracker));
  }

  public CpuRangeFile range(String name) {
    return made(new CpuRangeFile(tree.sys(), name));
  }

  public CpuOnlineFile online(int cpu) {
    return made(new CpuOnlineFile(tree.sys(), cpu));
  }

  public CpuDirectory cpuDirectory() {
    return new CpuDirectory(java.util.List.of("online", "possible", "present"));
  }

  /** Another file of sys/devices/system/cpu, by its path under it ("cpu1/topology/thread_siblings_list"). */
  public dev.jlxcfs.files.SysCpuFile sysCpu(String relative) {
    return made(new dev.jlxcfs.files.SysCpuFile(tree.sys(), relative));
  }

  /** A request's context for the caller with this pid, as a FUSE worker begins one. */
  public ReadContext context(int pid) {
    return new ReadContext(callers).begin(pid);
  }

  /**
   * The resolver of each file made here: {@link #read} works with the file alone (as tests have it), and a
   * context must resolve callers with the resolver the file's host was made with.
   */
  private static final Map<VirtualFile, CallerResolver> RESOLVERS = Collections.synchronizedMap(new WeakHashMap<>());

  private <F extends VirtualFile> F made(F file) {
    RESOLVERS.put(file, callers);
    return file;
  }

  /** The file as the caller with this pid reads it (in a fresh context, as a new worker would). */
  public static String read(VirtualFile f, int pid) throws Exception {
    ByteSink out = new ByteSink();
    f.render(new ReadContext(RESOLVERS.get(f)).begin(pid), out);
    return out.toString();
  }

  /** The host's own file, as served when rendering fails. */
  public static String host(VirtualFile f) throws IOException {
    ByteSink out = new ByteSink();
    f.host(new ReadContext(null), out);
    return out.toString();
  }

  /** A clock that tests move by hand. */
  public static final class ManualClock implements Clock {
    private volatile long nanos;

    public ManualClock(double seconds) {
      set(seconds);
    }

    public void set(double seconds) {
      nanos = (long) (seconds * 1e9);
    }

    @Override
    public long bootTimeNanos() {
      return nanos;
    }
  }

  /** A ticker that tests move by hand (cache expiry). */
  public static final class ManualTicker implements Ticker {
    private volatile long nanos;

    public void advance(Duration d) {
      nanos += d.toNanos();
    }

    @Override
    public long read() {
      return nanos;
    }
  }
}
