package dev.jlxcfs.daemon;

import com.github.benmanes.caffeine.cache.Ticker;
import com.sun.management.UnixOperatingSystemMXBean;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuList;
import dev.jlxcfs.cgroup.GroupWalk;
import dev.jlxcfs.cgroup.Hierarchy;
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
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The mount's tree, wired from the configuration: every emulated file and the per-caller CPU directory, over the
 * caches that keep tasks and cgroups. What the daemon serves, and what {@code jlxcfs show} computes.
 */
public final class ServedTree {

  private ServedTree() {}

  /**
   * @param procRoot     the procfs to read (the daemon's private copy of {@code config.procRoot()}, or it)
   * @param sysRoot      the sysfs to read, likewise
   * @param mounts       the cgroup hierarchies, each read where {@code mounts} says
   * @param extraFiles   files beyond the product's (the benchmark's constant "floor" file)
   * @param housekeeping gets the sweeps of the caches and the load sampler
   */
  public static FileTree build(Config config, Path procRoot, Path sysRoot, CgroupMounts mounts,
                               List<VirtualFile> extraFiles, Housekeeping housekeeping) throws StartupException {
    Ticker ticker = Ticker.systemTicker();
    // procRoot is normally a private copy of /proc (SourceTrees): still the daemon's own procfs.
    ProcFs proc = new ProcFs(procRoot, ProcFs.isSystemProcfs(config.procRoot()));
    Cgroups cgroups = new Cgroups(sysRoot, config.cacheTtl(), config.cpuQuota(), ticker,
        Cgroups.keptFilesCap(descriptorLimit()));
    CallerResolver callers = new CallerResolver(proc, mounts, cgroups, config.cacheTtl(), ticker);
    PidNamespaceInits inits = new PidNamespaceInits(proc);
    housekeeping.add("exited callers", callers::sweep);
    housekeeping.add("pid namespaces whose init exited", inits::sweep);
    housekeeping.add("removed cgroups", cgroups::sweep);
    long hz = Native.clockTicksPerSecond();
    CpuAccounting cpuTimes = new CpuAccounting(proc.hostFile("stat"), cgroups, Clock.system(), hz);
    Hierarchy cpuHierarchy = mounts.serving("cpu");
    LoadTracker loads = new LoadTracker(procRoot, cpuHierarchy == null ? null : new GroupWalk(cpuHierarchy), ticker);
    housekeeping.every(LoadTracker.LOAD_FREQ, "loadavg sampling", loads::sample);

    MeminfoFile meminfo = new MeminfoFile(proc, config.showSwap());
    List<VirtualFile> files = new ArrayList<>(List.of(
        meminfo,
        new SwapsFile(proc, meminfo),
        new UptimeFile(proc.hostFile("uptime"), inits, cpuTimes, hz),
        new CpuinfoFile(proc, config.cacheTtl(), ticker),
        new StatFile(proc.hostFile("stat"), inits, cpuTimes),
        new LoadavgFile(proc.hostFile("loadavg"), loads)));
    files.add(new DiskstatsFile(proc));
    for (String kind : List.of("cpu", "memory", "io")) {
      files.add(new PressureFile(kind, proc));
    }
    for (String range : List.of("online", "possible", "present")) {
      files.add(new CpuRangeFile(sysRoot, range));
    }
    int hostCpus = hostCpuSlots(sysRoot);
    for (int cpu = 0; cpu < hostCpus; cpu++) {
      files.add(new CpuOnlineFile(sysRoot, cpu));
    }
    files.addAll(extraFiles);
    CpuDirectory cpuDir = new CpuDirectory();
    // Opens are counted per tenant (the caller's /proc/PID/cgroup text) against --max-handles-per-cgroup.
    return new FileTree(files, Map.of(CpuDirectory.PATH, cpuDir::list), callers);
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

  /** This process's descriptor limit (the soft one, which the JVM raises to the hard one at start). */
  private static long descriptorLimit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return 1024;
  }
}
