package dev.jlxcfs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The three ways a host lays out its cgroups, as fixture builders, so that one handler test runs on each (a JUnit
 * {@code @ParameterizedTest} with {@code @EnumSource(Layout.class)}), the way Jimfs runs one suite per file system
 * configuration. A test says what a container has (memory limit and usage, swap, CPU quota, cpuset, CPU time, I/O
 * counts, pressure, its threads) through a {@link Group}, which writes it in the layout's own files as the kernel
 * writes them; the test derives what it expects from the same inputs.
 *
 * <ul>
 *   <li>{@link #V1}: each hierarchy a v1 mount of its own (co-mounted controllers share one, as the kernel's
 *       {@code cpu,cpuacct}), beside systemd's named hierarchy; {@code /proc/PID/cgroup} has one
 *       {@code ID:CONTROLLERS:/path} line per hierarchy and no {@code 0::} line.
 *   <li>{@link #V2}: one cgroup2 mount with the controllers bound to it; {@code /proc/PID/cgroup} is the one line
 *       {@code 0::/path}.
 *   <li>{@link #HYBRID}: V1's hierarchies and a cgroup2 mount without controllers (systemd's
 *       {@code /sys/fs/cgroup/unified}); {@code /proc/PID/cgroup} has V1's lines and {@code 0::/path}.
 * </ul>
 *
 * <p>The mount table and the {@code /proc/PID/cgroup} files are written by {@link FixtureTree} (its {@code v1},
 * {@code v2} and {@code process}), as the single-layout tests write them.
 */
public enum Layout {
  V1, V2, HYBRID;

  /**
   * The hierarchies a host mounts unless a test names others, in v1's terms (one entry per v1 mount, co-mounted
   * controllers comma-separated as in the super options): as Debian's and systemd's v1 and hybrid hosts mount them.
   */
  public static final List<String> DEFAULT_HIERARCHIES = List.of("memory", "cpu,cpuacct", "cpuset", "blkio");

  /** What v1 writes for "no limit" (PAGE_COUNTER_MAX pages in bytes, on 4 KiB pages). */
  public static final String V1_UNLIMITED = "9223372036854771712";

  /** A limit of "none" for {@link Group#memoryLimit} and {@link Group#swap}. */
  public static final long UNLIMITED = -1;

  /** USER_HZ: v1's cpuacct.stat counts ticks of this many per second. */
  public static final long USER_HZ = 100;

  /** The kernel's order of v2 controllers in cgroup.controllers. */
  private static final List<String> V2_ORDER = List.of("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma",
      "misc");

  /** The cgroup version whose files hold this controller's figures (memory, cpu, cpuacct, cpuset, blkio/io). */
  public int version(String controller) {
    return this == V2 ? 2 : 1;
  }

  /** Whether the host has a cgroup2 mount (so a {@code 0::} line and pressure files per group). */
  public boolean hasUnified() {
    return this != V1;
  }

  /** A host of this layout at {@code root} with {@link #DEFAULT_HIERARCHIES}. */
  public Host host(Path root) {
    return host(root, DEFAULT_HIERARCHIES.toArray(String[]::new));
  }

  /**
   * A host of this layout at {@code root} whose controllers are these, in v1's terms: each a v1 mount on V1 and
   * HYBRID ("cpu,cpuacct" one mount of both); on V2 the union bound to cgroup2 (v1's cpuacct is v2's cpu, blkio is
   * io). None at all: a host where no hierarchy serves a controller.
   */
  public Host host(Path root, String... hierarchies) {
    return new Host(this, new FixtureTree(root), List.of(hierarchies));
  }

  /** v1's name for a controller written either way. */
  private static String v1Name(String controller) {
    return controller.equals("io") ? "blkio" : controller;
  }

  /** v2's name for a controller written either way. */
  private static String v2Name(String controller) {
    return switch (controller) {
      case "cpuacct" -> "cpu";
      case "blkio" -> "io";
      default -> controller;
    };
  }

  /** Figures of a memory.stat, in bytes, whatever the version (each writes them under its own names). */
  public record MemoryStat(long cache, long shmem, long activeAnon, long inactiveAnon, long activeFile,
                           long inactiveFile, long slabReclaimable, long slabUnreclaimable) {

    public static final MemoryStat ZERO = new MemoryStat(0, 0, 0, 0, 0, 0, 0, 0);

    /** v1's, with the hierarchical total_* lines ({@link HostFiles#v1MemoryStat}); v1 reports no slab figures. */
    String v1() {
      return HostFiles.v1MemoryStat(cache, shmem, activeAnon, inactiveAnon, activeFile, inactiveFile);
    }

    /** v2's, in the layout of {@link HostFiles#v2MemoryStat}. */
    String v2() {
      long anon = activeAnon + inactiveAnon;
      return "anon " + anon + "\nfile " + cache + "\nkernel " + (slabReclaimable + slabUnreclaimable + 65536)
          + "\nkernel_stack 32768\npagetables 16384\nsec_pagetables 0\npercpu 0\nsock 0\nvmalloc 0\nshmem " + shmem
          + "\nzswap 0\nzswapped 0\nfile_mapped 8192\nfile_dirty 4096\nfile_writeback 0\nswapcached 0\nanon_thp 0\n"
          + "file_thp 0\nshmem_thp 0\ninactive_anon " + inactiveAnon + "\nactive_anon " + activeAnon
          + "\ninactive_file " + inactiveFile + "\nactive_file " + activeFile + "\nunevictable 0\nslab_reclaimable "
          + slabReclaimable + "\nslab_unreclaimable " + slabUnreclaimable + "\nslab "
          + (slabReclaimable + slabUnreclaimable) + "\n";
    }
  }

  /** A fixture host of one layout: its procfs and cgroup trees, and the groups made in them. */
  public static final class Host {

    private static final String SYSTEMD = "name=systemd";

    private final Layout layout;
    private final FixtureTree tree;
    /** v1 mounts (V1, HYBRID): the super options' controllers -> mount point, systemd's named one first. */
    private final Map<String, Path> v1 = new LinkedHashMap<>();
    /** The cgroup2 mount (V2, HYBRID), or null. */
    private final Path unified;
    /** The controllers bound to cgroup2 (V2), v2's names. */
    private final Set<String> v2Controllers = new LinkedHashSet<>();
    private final String hostCpus;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private boolean swapAccounting = true;

    private Host(Layout layout, FixtureTree tree, List<String> hierarchies) {
      this.layout = layout;
      this.tree = tree;
      this.hostCpus = read(tree.sys().resolve("devices/system/cpu/online")).trim();
      if (layout == V2) {
        Set<String> wanted = new LinkedHashSet<>();
        for (String h : hierarchies) {
          for (String c : h.split(",")) {
            wanted.add(v2Name(c));
          }
        }
        for (String c : V2_ORDER) {
          if (wanted.remove(c)) {
            v2Controllers.add(c);
          }
        }
        v2Controllers.addAll(wanted);
        unified = tree.v2(String.join(" ", v2Controllers));
      } else {
        v1.put(SYSTEMD, tree.v1(SYSTEMD));
        for (String h : hierarchies) {
          v1.put(h, tree.v1(h));
        }
        unified = layout == HYBRID ? tree.v2("") : null;
      }
      group("/");
    }

    public Layout layout() {
      return layout;
    }

    public FixtureTree tree() {
      return tree;
    }

    /**
     * How many of a caller's cgroups the resolver keeps apart: the v1 hierarchies that serve a controller (V1,
     * HYBRID: a hybrid host's cgroup2 holds none), or V2's one group.
     */
    public int controllerHierarchies() {
      if (layout == V2) {
        return v2Controllers.isEmpty() ? 0 : 1;
      }
      return v1.size() - 1;
    }

    /** The group at {@code path} ("/" the root), made with its ancestors, with the kernel's files, on first use. */
    public Group group(String path) {
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("a cgroup path starts with '/': " + path);
      }
      Group g = groups.get(path);
      if (g == null) {
        if (!path.equals("/")) {
          group(parentOf(path));
        }
        g = new Group(this, path);
        groups.put(path, g);
        g.create();
      }
      return g;
    }

    /**
     * Turns swap accounting off (v1 swapaccount=0, v2 a kernel without CONFIG_MEMCG_SWAP): no group has the swap
     * files, v1's memory.memsw.* or v2's memory.swap.*, from now on.
     */
    public Host withoutSwapAccounting() {
      swapAccounting = false;
      for (Group g : groups.values()) {
        g.dropSwapFiles();
      }
      return this;
    }

    /** /proc/PID/cgroup of a process in the group at {@code path} in every hierarchy. */
    public String cgroupText(String path) {
      return cgroupText(path, Map.of());
    }

    /**
     * /proc/PID/cgroup of a process in the group at {@code path}, but in {@code elsewhere}'s group in the
     * hierarchy of that controller (v1 only: on V2 a process is in one group for every controller).
     */
    public String cgroupText(String path, Map<String, String> elsewhere) {
      StringBuilder b = new StringBuilder();
      if (layout != V2) {
        List<String> lines = new ArrayList<>();
        int id = 1;
        for (String h : v1.keySet()) {
          String p = path;
          for (String c : h.split(",")) {
            p = elsewhere.getOrDefault(c, p);
          }
          lines.add(id++ + ":" + h + ":" + p + "\n");
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
          b.append(lines.get(i)); // the kernel lists hierarchies from the highest id down
        }
      } else if (elsewhere.values().stream().anyMatch(p -> !p.equals(path))) {
        throw new IllegalArgumentException("on cgroup v2 a process is in one group for every controller");
      }
      if (layout != V1) {
        b.append("0::").append(path).append('\n');
      }
      return b.toString();
    }

    /** A process in the group at {@code path} (see {@link FixtureTree#process}). */
    public void process(int pid, long startTicks, String path, int ppid, String ns, int... nsPids) {
      tree.process(pid, startTicks, cgroupText(path), ppid, ns, nsPids);
    }

    /** The mount whose files hold {@code controller}'s figures, or null when none does. */
    private Path mountOf(String controller) {
      if (layout == V2) {
        return v2Controllers.contains(v2Name(controller)) ? unified : null;
      }
      String name = v1Name(controller);
      for (Map.Entry<String, Path> e : v1.entrySet()) {
        if (List.of(e.getKey().split(",")).contains(name)) {
          return e.getValue();
        }
      }
      return null;
    }

    private boolean serves(String controller) {
      return mountOf(controller) != null;
    }

    private static String parentOf(String path) {
      int slash = path.lastIndexOf('/');
      return slash == 0 ? "/" : path.substring(0, slash);
    }

    /** v2's cpuset.cpus.effective: the group's own cpus, else its parent's (the root: the host's online CPUs). */
    private String effectiveCpus(Group g) {
      for (Group at = g; ; at = groups.get(parentOf(at.path))) {
        if (at.cpus != null && !at.cpus.isEmpty()) {
          return at.cpus;
        }
        if (at.path.equals("/")) {
          return hostCpus;
        }
      }
    }

    private void cpusChanged() {
      if (layout == V2 && serves("cpuset")) {
        for (Group g : groups.values()) {
          write(g.unifiedDir().resolve("cpuset.cpus.effective"), effectiveCpus(g) + "\n");
        }
      }
    }
  }

  /**
   * One cgroup of a {@link Host}, at the same path in each hierarchy. Setters write the figure in the file(s) the
   * layout keeps it in and return the group.
   */
  public static final class Group {

    private final Host host;
    private final String path;
    private long memoryLimit = UNLIMITED;
    private long memoryUsage;
    private long swapLimit = UNLIMITED;
    private long swapUsage;
    private String cpus;
    private long userNanos;
    private long systemNanos;
    private long throttledNanos;
    private final Map<String, long[]> io = new LinkedHashMap<>();

    private Group(Host host, String path) {
      this.host = host;
      this.path = path;
    }

    public String path() {
      return path;
    }

    private boolean isRoot() {
      return path.equals("/");
    }

    private Path in(Path mount) {
      return isRoot() ? mount : mount.resolve(path.substring(1));
    }

    /** The directory that holds {@code controller}'s files for this group (v2: the group's one directory). */
    public Path dir(String controller) {
      Path mount = host.mountOf(controller);
      if (mount == null) {
        throw new IllegalStateException("no hierarchy serves " + controller + " on this " + host.layout + " host");
      }
      return in(mount);
    }

    /** The group's directory on the cgroup2 mount (V2 and HYBRID). */
    public Path unifiedDir() {
      if (host.unified == null) {
        throw new IllegalStateException("a " + host.layout + " host has no cgroup2 mount");
      }
      return in(host.unified);
    }

    /** The file of the thread list the load sampler reads: v1 {@code tasks} of the cpu hierarchy, v2 cgroup.threads. */
    public Path threadsFile() {
      return dir("cpu").resolve(host.layout.version("cpu") == 1 ? "tasks" : "cgroup.threads");
    }

    /** The kernel's files of a new group (the root's as at boot), where a test has not written them already. */
    private void create() {
      for (Map.Entry<String, Path> e : host.v1.entrySet()) {
        Path d = in(e.getValue());
        initial(d.resolve("cgroup.procs"), "");
        initial(d.resolve("tasks"), "");
        List<String> controllers = List.of(e.getKey().split(","));
        if (controllers.contains("memory")) {
          initial(d.resolve("memory.limit_in_bytes"), V1_UNLIMITED + "\n");
          initial(d.resolve("memory.usage_in_bytes"), "0\n");
          if (host.swapAccounting) { // swapaccount=1: memsw files in every group
            initial(d.resolve("memory.memsw.limit_in_bytes"), V1_UNLIMITED + "\n");
            initial(d.resolve("memory.memsw.usage_in_bytes"), "0\n");
          }
          initial(d.resolve("memory.stat"), MemoryStat.ZERO.v1());
        }
        if (controllers.contains("cpu")) {
          initial(d.resolve("cpu.cfs_quota_us"), "-1\n");
          initial(d.resolve("cpu.cfs_period_us"), "100000\n");
          initial(d.resolve("cpu.shares"), "1024\n");
          initial(d.resolve("cpu.stat"), v1CpuStat(0));
          initial(d.resolve("cpu.stat.local"), "throttled_time 0\n");
        }
        if (controllers.contains("cpuacct")) {
          initial(d.resolve("cpuacct.usage"), "0\n");
          initial(d.resolve("cpuacct.stat"), "user 0\nsystem 0\n");
        }
        if (controllers.contains("cpuset")) {
          // A new v1 cpuset names no CPU (cgroup.clone_children 0): the walk goes up to the root's.
          String own = isRoot() ? host.hostCpus : "";
          initial(d.resolve("cpuset.cpus"), own + "\n");
          initial(d.resolve("cpuset.effective_cpus"), own + "\n");
        }
        if (controllers.contains("blkio")) {
          for (String f : new String[] {"io_serviced", "io_service_bytes"}) {
            initial(d.resolve("blkio.throttle." + f), "Total 0\n");
            initial(d.resolve("blkio.throttle." + f + "_recursive"), "Total 0\n");
          }
        }
      }
      if (host.unified != null) {
        Path d = unifiedDir();
        Set<String> c = host.v2Controllers;
        if (!isRoot()) { // the root's cgroup.controllers is the mount's, written by FixtureTree.v2
          initial(d.resolve("cgroup.controllers"), String.join(" ", c) + "\n");
        }
        initial(d.resolve("cgroup.subtree_control"), String.join(" ", c) + "\n");
        initial(d.resolve("cgroup.procs"), "");
        initial(d.resolve("cgroup.threads"), "");
        // Core files: in every group, whatever controllers are bound.
        initial(d.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
        if (!isRoot()) {
          for (String kind : new String[] {"cpu", "memory", "io"}) {
            initial(d.resolve(kind + ".pressure"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
          }
        }
        if (c.contains("memory") && !isRoot()) { // the root has no limit files and no memory.current
          initial(d.resolve("memory.max"), "max\n");
          initial(d.resolve("memory.current"), "0\n");
          if (host.swapAccounting) {
            initial(d.resolve("memory.swap.max"), "max\n");
            initial(d.resolve("memory.swap.current"), "0\n");
          }
          initial(d.resolve("memory.stat"), MemoryStat.ZERO.v2());
        }
        if (c.contains("cpu") && !isRoot()) {
          initial(d.resolve("cpu.max"), "max 100000\n");
          initial(d.resolve("cpu.weight"), "100\n");
        }
        if (c.contains("cpuset")) {
          if (!isRoot()) {
            initial(d.resolve("cpuset.cpus"), "\n");
          }
          initial(d.resolve("cpuset.cpus.effective"), host.effectiveCpus(this) + "\n");
        }
        if (c.contains("io") && !isRoot()) {
          initial(d.resolve("io.stat"), "");
        }
      }
    }

    /** The memory limit in bytes, or {@link #UNLIMITED}: v1 memory.limit_in_bytes, v2 memory.max. */
    public Group memoryLimit(long bytes) {
      memoryLimit = bytes;
      if (v1("memory")) {
        write(dir("memory").resolve("memory.limit_in_bytes"), (bytes < 0 ? V1_UNLIMITED : bytes) + "\n");
      } else {
        write(dir("memory").resolve("memory.max"), (bytes < 0 ? "max" : Long.toString(bytes)) + "\n");
      }
      return memsw();
    }

    /** The memory charged now, page cache included: v1 memory.usage_in_bytes, v2 memory.current. */
    public Group memoryUsage(long bytes) {
      memoryUsage = bytes;
      write(dir("memory").resolve(v1("memory") ? "memory.usage_in_bytes" : "memory.current"), bytes + "\n");
      return memsw();
    }

    /** memory.stat: v1's with its hierarchical total_* lines, v2's under its own names. */
    public Group memoryStat(MemoryStat stat) {
      write(dir("memory").resolve("memory.stat"), v1("memory") ? stat.v1() : stat.v2());
      return this;
    }

    /**
     * The swap the group may use beyond its memory ({@link #UNLIMITED}: no limit) and uses now. v2: memory.swap.max
     * and memory.swap.current. v1 counts memory and swap together: memory.memsw.limit_in_bytes = the memory limit
     * + this (no limit when either has none), memory.memsw.usage_in_bytes = memory usage + this.
     */
    public Group swap(long limitBytes, long usedBytes) {
      swapLimit = limitBytes;
      swapUsage = usedBytes;
      if (!host.swapAccounting) {
        throw new IllegalStateException("swap is not accounted on this host");
      }
      if (!v1("memory")) {
        write(dir("memory").resolve("memory.swap.max"), (limitBytes < 0 ? "max" : Long.toString(limitBytes)) + "\n");
        write(dir("memory").resolve("memory.swap.current"), usedBytes + "\n");
      }
      return memsw();
    }

    private Group memsw() {
      if (v1("memory") && host.swapAccounting) {
        boolean unlimited = memoryLimit < 0 || swapLimit < 0;
        write(dir("memory").resolve("memory.memsw.limit_in_bytes"),
            (unlimited ? V1_UNLIMITED : Long.toString(memoryLimit + swapLimit)) + "\n");
        write(dir("memory").resolve("memory.memsw.usage_in_bytes"), memoryUsage + swapUsage + "\n");
      }
      return this;
    }

    private void dropSwapFiles() {
      if (host.serves("memory")) {
        Path d = dir("memory");
        for (String f : v1("memory") ? new String[] {"memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes"}
            : new String[] {"memory.swap.max", "memory.swap.current"}) {
          delete(d.resolve(f));
        }
      }
    }

    /** A CFS quota: v1 cpu.cfs_quota_us and cpu.cfs_period_us, v2 cpu.max "QUOTA PERIOD". */
    public Group cpuQuota(long quotaUs, long periodUs) {
      if (v1("cpu")) {
        write(dir("cpu").resolve("cpu.cfs_quota_us"), quotaUs + "\n");
        write(dir("cpu").resolve("cpu.cfs_period_us"), periodUs + "\n");
      } else {
        write(dir("cpu").resolve("cpu.max"), quotaUs + " " + periodUs + "\n");
      }
      return this;
    }

    /** No quota: v1 cpu.cfs_quota_us -1, v2 cpu.max "max 100000". */
    public Group noCpuQuota() {
      if (v1("cpu")) {
        write(dir("cpu").resolve("cpu.cfs_quota_us"), "-1\n");
        write(dir("cpu").resolve("cpu.cfs_period_us"), "100000\n");
      } else {
        write(dir("cpu").resolve("cpu.max"), "max 100000\n");
      }
      return this;
    }

    /**
     * The group's CPU list: v1 cpuset.cpus and cpuset.effective_cpus; v2 cpuset.cpus, and cpuset.cpus.effective
     * of it and of every group below that names none of its own.
     */
    public Group cpuset(String list) {
      cpus = list;
      write(dir("cpuset").resolve("cpuset.cpus"), list + "\n");
      if (v1("cpuset")) {
        write(dir("cpuset").resolve("cpuset.effective_cpus"), list + "\n");
      }
      host.cpusChanged();
      return this;
    }

    /**
     * The CPU time used so far, in ns. v1: cpuacct.usage the sum, cpuacct.stat each part in USER_HZ ticks
     * (rounded down, as the kernel's are); v2: cpu.stat usage_usec, user_usec and system_usec.
     */
    public Group cpuUsage(long userNanos, long systemNanos) {
      this.userNanos = userNanos;
      this.systemNanos = systemNanos;
      if (v1("cpuacct")) {
        Path d = dir("cpuacct");
        long perTick = 1_000_000_000L / USER_HZ;
        write(d.resolve("cpuacct.usage"), userNanos + systemNanos + "\n");
        write(d.resolve("cpuacct.stat"), "user " + userNanos / perTick + "\nsystem " + systemNanos / perTick + "\n");
      } else {
        writeV2CpuStat();
      }
      return this;
    }

    /**
     * The time a CFS quota has held the group's tasks back so far, in ns: v1 the cpu controller's cpu.stat
     * {@code throttled_time} and cpu.stat.local's; v2 cpu.stat and cpu.stat.local {@code throttled_usec} (a kernel
     * of 6.7 or later, which has cpu.stat.local).
     */
    public Group cpuThrottled(long nanos) {
      throttledNanos = nanos;
      if (v1("cpu")) {
        write(dir("cpu").resolve("cpu.stat"), v1CpuStat(nanos));
        write(dir("cpu").resolve("cpu.stat.local"), "throttled_time " + nanos + "\n");
      } else {
        writeV2CpuStat();
        write(dir("cpu").resolve("cpu.stat.local"), "throttled_usec " + nanos / 1000 + "\n");
      }
      return this;
    }

    /**
     * The {@code some} and {@code full} totals of the group's cpu.pressure, both {@code usec} (its cgroup2 group: V2
     * and HYBRID; a V1 host keeps no pressure per group): a group whose waiting tasks all wait at once (one task).
     */
    public Group cpuWait(long usec) {
      return cpuWait(usec, usec);
    }

    /** The {@code some} and {@code full} totals of the group's cpu.pressure, in us (see {@link #cpuWait(long)}). */
    public Group cpuWait(long someUsec, long fullUsec) {
      return pressure("cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=" + someUsec + "\n"
          + "full avg10=0.00 avg60=0.00 avg300=0.00 total=" + fullUsec + "\n");
    }

    private static String v1CpuStat(long throttledNanos) {
      long periods = throttledNanos / 100_000_000L;
      return "nr_periods " + periods + "\nnr_throttled " + periods + "\nthrottled_time " + throttledNanos
          + "\nnr_bursts 0\nburst_time 0\n";
    }

    private void writeV2CpuStat() {
      long periods = throttledNanos / 100_000_000L;
      write(dir("cpu").resolve("cpu.stat"), "usage_usec " + (userNanos + systemNanos) / 1000 + "\nuser_usec "
          + userNanos / 1000 + "\nsystem_usec " + systemNanos / 1000 + "\nnr_periods " + periods
          + "\nnr_throttled " + periods + "\nthrottled_usec " + throttledNanos / 1000 + "\n");
    }

    /**
     * The group's I/O on device MAJOR:MINOR (no discards). v2: a line of io.stat; v1: blkio.throttle.io_serviced
     * and io_service_bytes (and their _recursive twins, the same here: the group has no children doing I/O).
     */
    public Group io(int major, int minor, long readOps, long writeOps, long readBytes, long writeBytes) {
      io.put(major + ":" + minor, new long[] {readOps, writeOps, readBytes, writeBytes});
      if (v1("blkio")) {
        String ops = blkio(0);
        String bytes = blkio(2);
        Path d = dir("blkio");
        write(d.resolve("blkio.throttle.io_serviced"), ops);
        write(d.resolve("blkio.throttle.io_serviced_recursive"), ops);
        write(d.resolve("blkio.throttle.io_service_bytes"), bytes);
        write(d.resolve("blkio.throttle.io_service_bytes_recursive"), bytes);
      } else {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, long[]> e : io.entrySet()) {
          long[] v = e.getValue();
          b.append(e.getKey()).append(" rbytes=").append(v[2]).append(" wbytes=").append(v[3]).append(" rios=")
              .append(v[0]).append(" wios=").append(v[1]).append(" dbytes=0 dios=0\n");
        }
        write(dir("io").resolve("io.stat"), b.toString());
      }
      return this;
    }

    /** A v1 blkio file: reads and writes from column {@code from} (0: operations, 2: bytes). */
    private String blkio(int from) {
      StringBuilder b = new StringBuilder();
      long all = 0;
      for (Map.Entry<String, long[]> e : io.entrySet()) {
        String dev = e.getKey();
        long read = e.getValue()[from];
        long write = e.getValue()[from + 1];
        b.append(dev).append(" Read ").append(read).append('\n').append(dev).append(" Write ").append(write)
            .append('\n').append(dev).append(" Sync ").append(read + write).append('\n').append(dev)
            .append(" Async 0\n").append(dev).append(" Discard 0\n").append(dev).append(" Total ")
            .append(read + write).append('\n');
        all += read + write;
      }
      return b.append("Total ").append(all).append('\n').toString();
    }

    /**
     * Removes the group's I/O counter files: v2's io.stat (io not enabled in the parent's subtree_control), v1's
     * throttle files (a kernel without CONFIG_BLK_DEV_THROTTLING).
     */
    public Group withoutIoCounters() {
      Path d = dir(v1("blkio") ? "blkio" : "io");
      for (String f : v1("blkio") ? new String[] {"blkio.throttle.io_serviced", "blkio.throttle.io_service_bytes",
          "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_service_bytes_recursive"}
          : new String[] {"io.stat"}) {
        delete(d.resolve(f));
      }
      return this;
    }

    /** The group's KIND.pressure on the cgroup2 mount (V2, HYBRID: a V1 host keeps no pressure per group). */
    public Group pressure(String kind, String text) {
      write(unifiedDir().resolve(kind + ".pressure"), text);
      return this;
    }

    /** Removes the group's KIND.pressure (PSI off for it). */
    public Group withoutPressure(String kind) {
      delete(unifiedDir().resolve(kind + ".pressure"));
      return this;
    }

    /** The group's thread list ({@link #threadsFile}); their states are the test's ({@link FixtureTree#thread}). */
    public Group threads(int... tids) {
      StringBuilder b = new StringBuilder();
      for (int tid : tids) {
        b.append(tid).append('\n');
      }
      write(threadsFile(), b.toString());
      return this;
    }

    /** Removes the group's directory from every hierarchy (an rmdir of each, its files with it). */
    public void remove() {
      List<Path> mounts = new ArrayList<>(host.v1.values());
      if (host.unified != null) {
        mounts.add(host.unified);
      }
      for (Path mount : mounts) {
        Path d = in(mount);
        if (Files.exists(d)) {
          try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(Layout::delete);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
      host.groups.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
    }

    /** Whether {@code controller}'s files are v1's on this host. */
    private boolean v1(String controller) {
      dir(controller); // throws where no hierarchy serves it
      return host.layout.version(controller) == 1;
    }

    @Override
    public String toString() {
      return host.layout + " " + path;
    }
  }

  private static void initial(Path file, String content) {
    if (!Files.exists(file)) {
      write(file, content);
    }
  }

  private static void write(Path file, String content) {
    FixtureTree.write(file, content);
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
