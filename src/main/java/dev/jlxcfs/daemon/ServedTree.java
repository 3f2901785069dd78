package dev.jlxcfs.daemon;

import com.github.benmanes.caffeine.cache.Ticker;
import com.sun.management.UnixOperatingSystemMXBean;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuList;
import dev.jlxcfs.cgroup.GroupWalk;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.files.CarriedState;
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
import dev.jlxcfs.files.SysCpuFile;
import dev.jlxcfs.files.UptimeFile;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.fs.FileTree;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
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
    return build(config, procRoot, sysRoot, mounts, extraFiles, housekeeping, new CarriedState(mounts));
  }

  /** The same, with the holders of the figures a handover carries registered in {@code carried}. */
  static FileTree build(Config config, Path procRoot, Path sysRoot, CgroupMounts mounts, List<VirtualFile> extraFiles,
                        Housekeeping housekeeping, CarriedState carried) throws StartupException {
    Ticker ticker = Ticker.systemTicker();
    // procRoot is normally a private copy of /proc (SourceTrees): still the daemon's own procfs.
    ProcFs proc = new ProcFs(procRoot, ProcFs.isSystemProcfs(config.procRoot()));
    Cgroups cgroups = new Cgroups(sysRoot, config.cacheTtl(), config.cpuQuota(), ticker,
        Cgroups.keptFilesCap(descriptorLimit()));
    CallerResolver callers = new CallerResolver(proc, mounts, cgroups, config.cacheTtl(), ticker);
    PidNamespaceInits inits = new PidNamespaceInits(proc);
    housekeeping.add("exited callers", callers::sweep);
    housekeeping.add("pid namespaces whose init exited", inits::sweep);
    housekeeping.add("removed cgroups", cgroups::sweepPart);
    long hz = Native.clockTicksPerSecond();
    CpuAccounting cpuTimes = new CpuAccounting(proc.hostFile("stat"), cgroups, Clock.system(), hz);
    housekeeping.add("CPU views of exited pid namespaces", cpuTimes::sweep); // after the inits' sweep marks them
    Hierarchy cpuHierarchy = mounts.serving("cpu");
    LoadTracker loads = new LoadTracker(procRoot, cpuHierarchy == null ? null : new GroupWalk(cpuHierarchy), ticker,
        LoadTracker.keptFilesCap(descriptorLimit()));
    housekeeping.every(LoadTracker.LOAD_FREQ, "loadavg sampling", loads::sample, loads::nanosToNextPass);
    carried.track(loads, cpuTimes);

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
    List<VirtualFile> cpuFiles = cpuDirectory(sysRoot, hostCpuSlots(sysRoot));
    files.addAll(cpuFiles);
    files.addAll(extraFiles);
    List<String> others = new ArrayList<>();
    for (VirtualFile f : cpuFiles) {
      String rest = f.path().substring(CpuDirectory.PATH.length() + 1);
      String name = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
      if (!CpuDirectory.isCpu(name) && !others.contains(name)) {
        others.add(name);
      }
    }
    CpuDirectory cpuDir = new CpuDirectory(others);
    // Opens are counted per tenant (the caller's /proc/PID/cgroup text) against --max-handles-per-cgroup.
    return new FileTree(files, cpuListers(cpuDir, cpuFiles), cpuLinks(cpuFiles), callers);
  }

  /** CPUs past this many get only their cpuN/online file, not their topology/ and cache/ directories. */
  static final int MAX_DETAILED_CPUS = 256;
  /** Files taken from one host directory at most (a bound against a kernel with unexpected entries). */
  static final int MAX_FILES_PER_DIRECTORY = 64;
  /** Files of the CPU directory besides cpuN/online: past it no more are taken (whatever the host has). */
  static final int MAX_CPU_FILES = 20_000;

  /**
   * The files of sys/devices/system/cpu, found in the host's sysfs at start: the CPU lists ({@link CpuRangeFile};
   * online, possible and present always), cpuN/online for every CPU slot, cpuN/topology/* and
   * cpuN/cache/index* /* for the first {@link #MAX_DETAILED_CPUS} CPUs, and the regular files at the top and one
   * level below it (vulnerabilities/*, smt/*, cpuidle/* ...). A file is taken only if it is a regular file (no
   * symlink, no uevent) that the daemon could read at start: the tree is static, its content read at read time.
   * At most {@link #MAX_CPU_FILES} files besides one cpuN/online per CPU slot: about 60 per CPU on x86 hosts, so a
   * 4096-CPU host's tree holds its 4096 online files and the first 256 CPUs' ~15,000; this VM's has 152.
   */
  public static List<VirtualFile> cpuDirectory(Path sysRoot, int hostCpus) {
    Path dir = sysRoot.resolve("devices/system/cpu");
    List<VirtualFile> files = new ArrayList<>();
    java.util.Set<String> ranges = new java.util.LinkedHashSet<>(List.of("online", "possible", "present"));
    List<String> top = new ArrayList<>();
    for (String name : sortedNames(dir)) {
      Path p = dir.resolve(name);
      if (CpuRangeFile.NAMES.contains(name) && readable(p)) {
        ranges.add(name);
      } else if (CpuDirectory.isCpu(name)) {
        continue;
      } else if (java.nio.file.Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        for (String child : filesIn(p)) {
          if (top.size() < MAX_CPU_FILES) {
            top.add(name + "/" + child);
          }
        }
      } else if (top.size() < MAX_CPU_FILES && readable(p)) {
        top.add(name);
      }
    }
    for (String name : ranges) {
      files.add(new CpuRangeFile(sysRoot, name));
    }
    for (String relative : top) {
      files.add(new SysCpuFile(sysRoot, relative));
    }
    int detailed = top.size();
    for (int cpu = 0; cpu < hostCpus; cpu++) {
      files.add(new CpuOnlineFile(sysRoot, cpu));
      if (cpu >= MAX_DETAILED_CPUS || detailed >= MAX_CPU_FILES) {
        continue;
      }
      int before = files.size();
      String cpuDir = "cpu" + cpu;
      for (String child : filesIn(dir.resolve(cpuDir).resolve("topology"))) {
        files.add(new SysCpuFile(sysRoot, cpuDir + "/topology/" + child, cpuDir + "/" + HIDDEN + "topology/" + child));
      }
      List<String> indexes = sortedNames(dir.resolve(cpuDir).resolve("cache"));
      int taken = 0;
      for (String index : indexes) {
        if (index.startsWith("index") && taken++ < MAX_FILES_PER_DIRECTORY) {
          for (String child : filesIn(dir.resolve(cpuDir).resolve("cache").resolve(index))) {
            files.add(new SysCpuFile(sysRoot, cpuDir + "/cache/" + index + "/" + child,
                cpuDir + "/" + HIDDEN + "cache/" + index + "/" + child));
          }
        }
      }
      detailed += files.size() - before;
    }
    return files;
  }

  /** The prefix of the directories that cpuN/topology and cpuN/cache lead to (unlisted: ls -a does not show them). */
  static final String HIDDEN = ".";

  /**
   * cpuN/topology and cpuN/cache, for each CPU that has them: links to cpuN/.topology and cpuN/.cache for a caller
   * shown the CPU, to nothing for the others. An offline CPU has neither directory in the kernel's sysfs, and the
   * CPUs a caller is not shown read as offline: lscpu, which reads the topology and caches of every CPU in
   * {@code possible} whose files exist, then counts only the caller's cores and caches. Links, because the kernel
   * caches lookups for all callers alike but asks for a link's target at every path walk.
   */
  public static Map<String, FileTree.Linker> cpuLinks(List<VirtualFile> cpuFiles) {
    Map<String, FileTree.Linker> links = new java.util.HashMap<>();
    for (VirtualFile f : cpuFiles) {
      if (f instanceof SysCpuFile s && s.cpu() >= 0) {
        int cpu = s.cpu();
        String base = CpuDirectory.PATH + "/cpu" + cpu + "/";
        for (String dir : List.of("topology", "cache")) {
          if (f.path().startsWith(base + HIDDEN + dir + "/")) {
            links.computeIfAbsent(base + dir, k -> new FileTree.Linker() {
              @Override
              public String target(dev.jlxcfs.files.ReadContext ctx) throws IOException {
                return ctx.cpuView().shows(cpu) ? HIDDEN + dir : HIDDEN + dir + "-offline";
              }

              @Override
              public String host() {
                return HIDDEN + dir;
              }
            });
          }
        }
      }
    }
    return links;
  }

  /**
   * The per-caller listings: the CPU directory ({@link CpuDirectory}), and each cpuN directory that has more than its
   * online file, which lists topology/ and cache/ only for a CPU the caller is shown (as an offline CPU has none).
   */
  public static Map<String, FileTree.Lister> cpuListers(CpuDirectory cpuDir, List<VirtualFile> cpuFiles) {
    Map<String, FileTree.Lister> listers = new java.util.HashMap<>();
    listers.put(CpuDirectory.PATH, cpuDir::list);
    for (VirtualFile f : cpuFiles) {
      if (f instanceof SysCpuFile s && s.cpu() >= 0) {
        int cpu = s.cpu();
        listers.computeIfAbsent(CpuDirectory.PATH + "/cpu" + cpu, k -> ctx -> ctx.cpuView().shows(cpu)
            ? List.of("cache", "online", "topology") : List.of("online"));
      }
    }
    return listers;
  }

  /** The readable regular files of a directory (not uevent), by name, at most {@link #MAX_FILES_PER_DIRECTORY}. */
  private static List<String> filesIn(Path dir) {
    List<String> names = new ArrayList<>();
    for (String name : sortedNames(dir)) {
      if (names.size() < MAX_FILES_PER_DIRECTORY && readable(dir.resolve(name))) {
        names.add(name);
      }
    }
    return names;
  }

  private static List<String> sortedNames(Path dir) {
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().limit(16384).toList();
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** A regular file, not a symlink, not uevent, that reads now. */
  private static boolean readable(Path file) {
    if (file.getFileName().toString().equals("uevent")
        || !java.nio.file.Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      SourceFile.readOnce(file, new ReadBuffer(4096));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
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
