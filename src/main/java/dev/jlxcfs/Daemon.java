package dev.jlxcfs;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuList;
import dev.jlxcfs.config.Config;
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
import dev.jlxcfs.files.StatFile;
import dev.jlxcfs.files.SwapsFile;
import dev.jlxcfs.files.UptimeFile;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.fs.FileTree;
import dev.jlxcfs.fs.FuseLoop;
import dev.jlxcfs.fs.JlxcFs;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.SourceFile;
import dev.jlxcfs.util.SourceThread;
import dev.jlxcfs.util.SystemdNotify;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The startup checks ({@link Preflight}), the mount, and an orderly unmount on SIGTERM/SIGINT. */
final class Daemon {

  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final Config config;
  private final List<VirtualFile> extraFiles;
  private volatile boolean stopRequested;
  /** The heal pass's process while it runs (see {@link #heal}). */
  private volatile Process healProcess;

  Daemon(Config config) {
    this(config, List.of());
  }

  /** With files beyond the product's (the benchmark's constant "floor" file, served through the same path). */
  Daemon(Config config, List<VirtualFile> extraFiles) {
    this.config = config;
    this.extraFiles = List.copyOf(extraFiles);
  }

  /**
   * The mount's tree: every emulated file and the per-caller CPU directory, wired from the configuration; the caches
   * that keep tasks and cgroups get their sweeps in {@code housekeeping}.
   */
  static FileTree tree(Config config, Path procRoot, Path sysRoot, CgroupMounts mounts, List<VirtualFile> extraFiles,
                       Housekeeping housekeeping) throws StartupException {
    Ticker ticker = Ticker.systemTicker();
    // procRoot is normally a private copy of /proc (SourceTrees): still the daemon's own procfs.
    ProcFs proc = new ProcFs(procRoot, ProcFs.isSystemProcfs(config.procRoot()));
    Cgroups cgroups = new Cgroups(sysRoot, config.cacheTtl(), config.cpuQuota(), ticker);
    CallerResolver callers = new CallerResolver(proc, mounts, cgroups, config.cacheTtl(), ticker);
    PidNamespaceInits inits = new PidNamespaceInits(proc);
    housekeeping.add("exited callers", callers::sweep);
    housekeeping.add("pid namespaces whose init exited", inits::sweep);
    housekeeping.add("removed cgroups", cgroups::sweep);
    long hz = Native.clockTicksPerSecond();
    CpuAccounting cpuTimes = new CpuAccounting(proc.hostFile("stat"), cgroups, Clock.system(), hz);
    LoadTracker loads = new LoadTracker(procRoot, ticker);
    housekeeping.every(LoadTracker.LOAD_FREQ, "loadavg sampling", loads::sample);

    MeminfoFile meminfo = new MeminfoFile(proc, callers, config.showSwap());
    List<VirtualFile> files = new ArrayList<>(List.of(
        meminfo,
        new SwapsFile(proc, meminfo),
        new UptimeFile(proc.hostFile("uptime"), callers, inits, cpuTimes, hz),
        new CpuinfoFile(proc, callers, config.cacheTtl(), ticker),
        new StatFile(proc.hostFile("stat"), callers, inits, cpuTimes),
        new LoadavgFile(proc.hostFile("loadavg"), callers, loads)));
    files.add(new DiskstatsFile(proc, callers));
    for (String kind : List.of("cpu", "memory", "io")) {
      files.add(new PressureFile(kind, proc, callers));
    }
    for (String range : List.of("online", "possible", "present")) {
      files.add(new CpuRangeFile(callers, sysRoot, range));
    }
    int hostCpus = hostCpuSlots(sysRoot);
    for (int cpu = 0; cpu < hostCpus; cpu++) {
      files.add(new CpuOnlineFile(callers, sysRoot, cpu));
    }
    files.addAll(extraFiles);
    CpuDirectory cpuDir = new CpuDirectory(callers);
    // Opens are counted per tenant (the caller's /proc/PID/cgroup text) against --max-handles-per-cgroup.
    return new FileTree(files, Map.of(CpuDirectory.PATH, cpuDir::list), callers::tenantKey);
  }

  /** How many cpuN entries the tree has: one per CPU the host could ever bring online. */
  private static int hostCpuSlots(Path sysRoot) throws StartupException {
    for (String name : List.of("possible", "present", "online")) {
      Path file = sysRoot.resolve("devices/system/cpu/" + name);
      try {
        BitSet cpus = CpuList.parse(Texts.readValue(file), file);
        if (!cpus.isEmpty()) {
          return cpus.length();
        }
      } catch (IOException | RuntimeException e) {
        // try the next
      }
    }
    throw new StartupException("cannot read the host's CPU list from " + sysRoot.resolve("devices/system/cpu/online"));
  }

  /** How long the start waits for {@link #warmUp} at most. */
  private static final long WARM_UP_MILLIS = 3000;

  int run() throws StartupException {
    new Preflight(config).start(Daemon::said);
    Path mountPoint = MountPoint.canonical(config.mountPoint());
    Path mountinfo = config.procRoot().resolve("self/mountinfo");
    CgroupMounts mounts;
    try {
      mounts = CgroupMounts.load(mountinfo);
    } catch (IOException e) {
      throw new StartupException(Preflight.unreadableMountTable(mountinfo, e));
    }
    SourceTrees sources = new SourceTrees();
    Path procRoot = sources.copy(config.procRoot());
    Path sysRoot = sources.copy(config.sysRoot());
    CgroupMounts privateMounts = sources.copy(mounts);
    if (!sources.isPrivate()) {
      refuseFuseOverSources(mountinfo, mounts);
    }
    Housekeeping housekeeping = new Housekeeping();
    JlxcFs fs = loadFuse(tree(config, procRoot, sysRoot, privateMounts, extraFiles, housekeeping), config);
    new MountPoint(mountPoint, mountinfo).prepare();

    mountFuseControl(mountinfo);
    FuseLoop loop;
    try {
      loop = FuseLoop.mount(fs, mountPoint, mountOptions(mountPoint), config.fuseDebug(), config.fuseThreads(),
          config.requestTimeout());
    } catch (FuseLoop.MountException e) {
      throw new StartupException("mounting " + mountPoint + " failed (run with --fuse-debug for libfuse's "
          + "messages)");
    }
    preloadShutdownClasses();
    installSignalHandlers(mountPoint, loop);
    recordMount(mountPoint);
    housekeeping.start();
    warmUp(fs);
    LOG.info("serving proc/meminfo, proc/uptime, proc/cpuinfo, proc/stat, proc/loadavg, proc/swaps, proc/diskstats, "
        + "proc/pressure, sys/devices/system/cpu at {} with {} FUSE workers ({})", mountPoint, loop.workerCount(),
        config);
    notifySystemd("READY=1\nSTATUS=serving " + mountPoint);
    if (config.heal()) {
      // After serving has started, from a thread of its own (which waits for the pass's process): whatever tenants'
      // mount tables and filesystems do, the mount serves.
      Thread healer = new Thread(() -> heal(mountPoint), "heal");
      healer.setDaemon(true);
      healer.start();
    }

    try {
      loop.awaitUnmounted();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopRequested) {
      // The signal's shutdown thread unmounts, says so and exits the process.
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LOG.info("{} was unmounted from outside: exiting", mountPoint);
    housekeeping.close();
    loop.close();
    LOG.info("unmounted {}", mountPoint);
    return 0;
  }

  /**
   * {@code jlxcfs remount}: one heal pass against the live mount, from a process of its own (the daemon need not be
   * asked: the pass only needs the mount and root). Prints one line per bind; exit 1 if one could not be healed.
   */
  static int remount(Config config) {
    Path mountPoint;
    try {
      if (Native.effectiveUid() != 0) {
        System.err.println("jlxcfs: remount must run as root (it enters other processes' mount namespaces)");
        return 1;
      }
      mountPoint = MountPoint.canonical(config.mountPoint());
    } catch (StartupException e) {
      System.err.println("jlxcfs: " + e.getMessage());
      return 1;
    }
    Healer.Report report;
    try {
      report = new Healer(config.procRoot(), mountPoint, MountLedger.of(config.stateDir(), config.procRoot())).heal();
    } catch (IOException e) {
      System.err.println("jlxcfs: cannot read this boot's id: " + e.getMessage());
      return 1;
    }
    // The lines quote containers' mount paths and processes' names, which tenants choose: escaped, one line each.
    report.healed().forEach(line -> System.out.println("healed: " + Texts.printable(line)));
    report.skipped().forEach(line -> System.out.println("skipped: " + Texts.printable(line)));
    report.failed().forEach(line -> System.out.println("failed: " + Texts.printable(line)));
    report.notes().forEach(line -> System.out.println("note: " + Texts.printable(line)));
    System.out.println(Texts.printable(mountPoint + ": " + report.summary()));
    return report.failed().isEmpty() ? 0 : 1;
  }

  /**
   * Mounts FUSE's control filesystem at {@code /sys/fs/fuse/connections} where nothing is mounted there (systemd
   * mounts it at boot; some hosts and containers do not), before our own mount: its directory times tell a FUSE
   * connection from a later one that got the same device number ({@link MountLedger}). It stays when the daemon
   * ends, so that the next daemon compares times of the same instance. Without it the record holds devices only.
   */
  private static void mountFuseControl(Path mountinfo) {
    Path connections = Path.of("/sys/fs/fuse/connections");
    try {
      if (!Files.isDirectory(connections) || new MountPoint(connections, mountinfo).mountedType() != null) {
        return;
      }
      Native.mountPlain("fusectl", connections.toString());
      LOG.debug("mounted FUSE's control filesystem at {}", connections);
    } catch (StartupException | Native.SyscallException | RuntimeException e) {
      LOG.debug("FUSE's control filesystem is not mounted at {} ({}): the record of mounts holds devices only",
          connections, e.getMessage());
    }
  }

  /**
   * Records the live mount's device in the state directory ({@link MountLedger}): the next daemon on this mount point
   * heals binds of that device, and of no other. Without it a restart cannot heal: said once, and the daemon serves.
   */
  private void recordMount(Path mountPoint) {
    try {
      String device = Healer.liveDevice(config.procRoot(), mountPoint);
      if (device == null) {
        throw new IOException("the mount is not in " + config.procRoot().resolve("self/mountinfo"));
      }
      MountLedger ledger = MountLedger.of(config.stateDir(), config.procRoot());
      ledger.record(device, mountPoint);
      LOG.debug("recorded device {} of {} in {}", device, mountPoint, config.stateDir());
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot record this mount in {} ({}): after a restart, containers' binds of it are not healed",
          config.stateDir(), e.getMessage());
    }
  }

  /**
   * Tells systemd (a unit of {@code Type=notify}, packaging/jlxcfs.service) how the daemon is doing: {@code READY=1}
   * once the mount serves, so that {@code systemctl start} returns, and units ordered after this one start, only
   * then. Without {@code NOTIFY_SOCKET} (not started by such a unit) nothing is sent; a failed send is said once (the
   * unit's start then times out, and the line tells why).
   */
  private static void notifySystemd(String state) {
    try {
      SystemdNotify.send(state);
    } catch (Native.SyscallException | RuntimeException e) {
      LOG.warn("cannot notify systemd ({}): {}", state.replace('\n', ' '), e.getMessage());
    }
  }

  /** How long the start's heal pass may take before its process is given up (see {@link #heal}). */
  private static final long HEAL_PASS_SECONDS = 300;

  /**
   * Replaces the dead binds a predecessor left in running containers (see {@link Healer}), and says what it did.
   *
   * <p>The pass runs in a process of its own, {@code jlxcfs remount} with this JVM and class path, not on a thread of
   * the daemon: it walks paths inside tenants' mount namespaces, and a lookup that reaches a tenant's FUSE server
   * which read the request and never answers waits uninterruptibly. A daemon thread stuck so would keep the daemon
   * from exiting, and with it the FUSE device open: every container's reads would hang instead of failing. A stuck
   * child holds only its own descriptors; the daemon serves, stops and restarts as ever.
   */
  private void heal(Path mountPoint) {
    try {
      long start = System.nanoTime();
      List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xms4m", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:-UsePerfData",
          "-XX:+ExitOnOutOfMemoryError", "-cp", absoluteClassPath(), Main.class.getName(), "remount",
          "--log-level", config.logLevel(), "--proc-root", config.procRoot().toString(),
          "--state-dir", config.stateDir().toString(), mountPoint.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().remove("NOTIFY_SOCKET"); // systemd hears from the daemon only
      Process child = pb.start();
      healProcess = child; // a stop ends it: its copies of the mount die with the daemon
      String[] summary = {null};
      Thread reader = new Thread(() -> logHealOutput(child, mountPoint, summary), "heal-output");
      reader.setDaemon(true);
      reader.start();
      if (!child.waitFor(HEAL_PASS_SECONDS, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        LOG.warn("the heal pass (process {}) did not end within {} s: given up; a filesystem in a container that "
            + "never answers may hold it", child.pid(), HEAL_PASS_SECONDS);
        return;
      }
      reader.join(2000);
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (stopRequested && summary[0] == null) {
        // The stop ended it (see installSignalHandlers): not a failure, and the stop has its own line.
        LOG.debug("the heal pass (process {}) was ended by the stop after {} ms", child.pid(), millis);
      } else if (summary[0] == null) {
        LOG.warn("the heal pass (process {}) exited with {} and no summary", child.pid(), child.exitValue());
      } else if (!summary[0].startsWith("0 healed, 0 skipped, 0 failed")) {
        LOG.info("containers' dead mounts: {} in {} ms", summary[0], millis);
      } else {
        LOG.debug("no dead mounts of {} in other mount namespaces ({} ms)", mountPoint, millis);
      }
    } catch (Throwable t) {
      try {
        LOG.warn("the heal pass failed: {}", t.toString());
      } catch (Throwable ignored) {
        // out of memory: the pass is over either way
      }
    }
  }

  /** Logs the heal process's lines as the daemon's own; the last one ("MOUNTPOINT: N healed, ...") is the summary. */
  private static void logHealOutput(Process child, Path mountPoint, String[] summary) {
    String prefix = Texts.printable(mountPoint.toString()) + ": ";
    try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
        child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("healed: ")) {
          LOG.info("healed {}", line.substring(8));
        } else if (line.startsWith("skipped: ")) {
          LOG.info("not healed: {}", line.substring(9));
        } else if (line.startsWith("failed: ")) {
          LOG.warn("could not heal {}", line.substring(8));
        } else if (line.startsWith("note: ")) {
          LOG.debug("heal: {}", line.substring(6));
        } else if (line.startsWith(prefix) && line.contains(" healed, ")) {
          summary[0] = line.substring(prefix.length());
        } else {
          LOG.warn("heal: {}", line);
        }
      }
    } catch (java.io.IOException e) {
      LOG.debug("reading the heal pass's output: {}", e.toString());
    }
  }

  /** This JVM's class path with every entry absolute (the child may resolve them from another directory). */
  private static String absoluteClassPath() {
    StringBuilder cp = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        cp.append(cp.length() == 0 ? "" : java.io.File.pathSeparator).append(Path.of(entry).toAbsolutePath());
      }
    }
    return cp.toString();
  }

  /** Reading the trees in place: a FUSE file on top of one would be read instead of the kernel's, maybe our own. */
  private void refuseFuseOverSources(Path mountinfo, CgroupMounts mounts) throws StartupException {
    List<Path> roots = new ArrayList<>(List.of(config.procRoot(), config.sysRoot()));
    mounts.hierarchies().forEach(h -> roots.add(h.mountPoint()));
    String over;
    try {
      over = SourceTrees.fuseMountOver(mountinfo, roots);
    } catch (IOException e) {
      throw new StartupException(Preflight.unreadableMountTable(mountinfo, e));
    }
    if (over != null) {
      throw new StartupException("a FUSE filesystem is mounted over a file jlxcfs reads: " + over + "; the daemon "
          + "would read it instead of the kernel's (maybe its own mount): unmount it, or run on Linux 5.2+");
    }
  }

  /** A preflight item the start passed: a warning said once; the cgroup layout at info; the rest at debug. */
  private static void said(Preflight.Item item) {
    if (item.verdict() == Preflight.Verdict.WARN) {
      LOG.warn("{}", item.line());
    } else if (item.name().equals(Preflight.CGROUPS)) {
      LOG.info("{}", item.line());
    } else {
      LOG.debug("{}", item.line());
    }
  }

  static String mountOptions(Path mountPoint) {
    // ro: the kernel refuses writes before they reach us. direct_io: never serve from the page cache (content
    // depends on the caller). allow_other: containers' processes are other users. The tree is static, so its
    // entries and attributes may be cached. fsname: names the mount point in every container's bind of our files,
    // so that a restarted daemon finds the binds its predecessor left (Healer). libfuse splits options at commas.
    String fsName = Healer.fsName(mountPoint).replace("\\", "\\\\").replace(",", "\\,");
    return "ro,allow_other,default_permissions,direct_io,fsname=" + fsName + ",subtype=jlxcfs,"
        + "attr_timeout=60,entry_timeout=60,negative_timeout=60";
  }

  private static JlxcFs loadFuse(FileTree tree, Config config) throws StartupException {
    try {
      return new JlxcFs(tree, config.maxHandlesPerCgroup(), config.maxHandles());
    } catch (LinkageError | RuntimeException t) {
      throw new StartupException("libfuse2: " + Preflight.libfuseMissing(t));
    }
  }

  /**
   * Computes every file and lists every directory once, for the daemon's own process, before the mount is said to
   * be served: the classes, lambdas and native bindings of the read path are loaded and linked here instead of on
   * some container's first read (22 ms for the first meminfo read after start before, ~2 ms after;
   * {@code src/bench/memory-bench.sh}). In the process, not through the mount: a process whose thread waits on its
   * own mount cannot exit once its workers are gone. Bounded: the start waits {@link #WARM_UP_MILLIS} at most (a
   * stuck source holds a read) and leaves the rest to the thread.
   */
  private static void warmUp(JlxcFs fs) {
    long start = System.nanoTime();
    String[] failed = {null};
    // A SourceThread, so that a source stuck at start can be quarantined as a stuck worker's is.
    SourceThread warm = new SourceThread(() -> failed[0] = fs.warmUp((int) ProcessHandle.current().pid()), "warm-up");
    warm.setDaemon(true);
    warm.start();
    try {
      warm.join(WARM_UP_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (warm.isAlive()) {
      SourceFile stuck = warm.reading();
      if (stuck != null) {
        // Readers of it get the host's file at once instead of each waiting for it and the request timeout.
        stuck.quarantine(warm);
      }
      LOG.warn("warm-up: not done after {} ms{}: serving anyway", millis,
          stuck == null ? "" : ", reading " + stuck + " is stuck (quarantined: readers of it get the host's file)");
    } else {
      LOG.debug("warm-up: every file computed once in {} ms{}", millis,
          failed[0].isEmpty() ? "" : "; " + failed[0]);
    }
  }

  /**
   * Loads now what the unmount at exit needs: if the jar is overwritten in place while the daemon runs (a rebuild,
   * a careless upgrade), classes loaded only at exit would fail to load and the mount would be left behind.
   */
  private static void preloadShutdownClasses() {
    for (String name : List.of("dev.jlxcfs.MountPoint", "dev.jlxcfs.util.Native$SyscallException")) {
      try {
        Class.forName(name);
      } catch (ClassNotFoundException | LinkageError e) {
        LOG.warn("cannot preload {}: {}", name, e.toString());
      }
    }
  }

  /**
   * SIGTERM/SIGINT: unmount, then exit 0. A plain JVM exits 143/130 on these signals and libfuse's own handlers are
   * never installed under a JVM, so the daemon takes the signals itself (sun.misc.Signal: the only way in Java 17,
   * exported by jdk.unsupported).
   */
  @SuppressWarnings("restriction")
  private void installSignalHandlers(Path mountPoint, FuseLoop loop) {
    sun.misc.SignalHandler stop = sig -> {
      LOG.info("SIG{}: unmounting {}", sig.getName(), mountPoint);
      stopRequested = true;
      notifySystemd("STOPPING=1");
      Process heal = healProcess;
      if (heal != null) {
        // Its copies of the live mount are about to die: it must not attach them anywhere after the daemon ends.
        heal.destroyForcibly();
      }
      Thread t = new Thread(() -> {
        try {
          // Off the mount point first (lazily: open files and containers' binds keep the connection), then the
          // workers finish the requests they serve. Exiting closes /dev/fuse, which ends the connection for the
          // binds too. A worker stuck in a source read is not waited for beyond 2 s.
          MountPoint.unmount(mountPoint);
          if (!loop.stop(java.time.Duration.ofSeconds(2))) {
            LOG.warn("{} FUSE threads are still in a request: exiting without them", loop.threadCount());
          }
          LOG.info("unmounted {}", mountPoint);
        } catch (Throwable e) {
          LOG.warn("unmounting {}: {}", mountPoint, e.toString());
        } finally {
          System.exit(0);
        }
      }, "shutdown");
      t.start();
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);
  }
}
