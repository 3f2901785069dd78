package dev.jlxcfs;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.util.Native;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jlxcfs check}: whether jlxcfs can serve on this host, one verdict per thing it needs, each with what to do
 * when it is missing. "FAIL" lines make the exit status 1; "warn" lines are served around (some callers get the
 * host's files, or restarts do not heal).
 */
final class Check {

  enum Verdict { OK, WARN, FAIL }

  record Item(Verdict verdict, String what, String detail) {
    @Override
    public String toString() {
      // Escaped: a detail may quote a mount table's or a file's content.
      return String.format("%-4s  %-14s %s", verdict.name().toLowerCase(java.util.Locale.ROOT)
          .replace("fail", "FAIL"), what, dev.jlxcfs.util.Texts.printable(detail));
    }
  }

  private final Config config;
  private final Path proc;

  Check(Config config) {
    this.config = config;
    this.proc = config.procRoot();
  }

  /** Prints the verdicts; 0 when nothing failed. */
  int run(PrintStream out) {
    List<Item> items = items();
    items.forEach(out::println);
    long failed = items.stream().filter(i -> i.verdict() == Verdict.FAIL).count();
    out.println(failed == 0 ? "jlxcfs can serve here" : "jlxcfs cannot serve here: " + failed + " problem(s) above");
    return failed == 0 ? 0 : 1;
  }

  List<Item> items() {
    List<Item> items = new ArrayList<>();
    items.add(root());
    items.add(Files.exists(Path.of("/dev/fuse"))
        ? new Item(Verdict.OK, "/dev/fuse", "present")
        : new Item(Verdict.FAIL, "/dev/fuse", "missing: load the fuse module (modprobe fuse) or, in a container, "
            + "pass the device in (--device /dev/fuse)"));
    items.add(libfuse());
    items.addAll(cgroups());
    items.addAll(namespaces());
    items.add(kernel());
    items.add(mountPoint());
    return items;
  }

  private Item root() {
    try {
      int uid = Native.effectiveUid();
      return uid == 0 ? new Item(Verdict.OK, "root", "effective uid 0")
          : new Item(Verdict.FAIL, "root", "effective uid " + uid + ": it must run as root (it mounts with "
              + "allow_other and reads every process's /proc entries and cgroups)");
    } catch (Throwable t) {
      return new Item(Verdict.FAIL, "root", "cannot load libc through jnr-ffi: " + t.getMessage());
    }
  }

  private Item libfuse() {
    try {
      dev.jlxcfs.fs.FuseLoop.libFuse2(); // as the daemon loads it
      return new Item(Verdict.OK, "libfuse2", "libfuse.so.2 loads");
    } catch (Throwable t) {
      return new Item(Verdict.FAIL, "libfuse2", "libfuse.so.2 does not load: install it with 'apt-get install "
          + "libfuse2' (Ubuntu 24.04: libfuse2t64) or 'dnf install fuse-libs'");
    }
  }

  private List<Item> cgroups() {
    List<Item> items = new ArrayList<>();
    CgroupMounts mounts;
    try {
      mounts = CgroupMounts.load(proc.resolve("self/mountinfo"));
    } catch (IOException e) {
      items.add(new Item(Verdict.FAIL, "cgroups", "cannot read " + proc.resolve("self/mountinfo") + ": " + e));
      return items;
    }
    boolean v1 = mounts.hierarchies().stream().anyMatch(h -> h.version() == 1);
    boolean v2 = mounts.hierarchies().stream().anyMatch(h -> h.version() == 2);
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    boolean memoryOnV2 = false;
    for (String controller : List.of("memory", "cpu", "cpuset", "cpuacct")) {
      Hierarchy h = mounts.serving(controller);
      if (h == null) {
        if (!controller.equals("cpuacct")) { // v2 accounts CPU time in "cpu"
          missing.add(controller);
        }
      } else {
        found.add(controller + " v" + h.version() + " at " + h.mountPoint());
        memoryOnV2 |= controller.equals("memory") && h.version() == 2;
      }
    }
    String layout = v1 && v2 ? (memoryOnV2 ? "hybrid, controllers on cgroup2" : "hybrid (v1 controllers, cgroup2 "
        + "beside them)") : v2 ? "cgroup v2" : v1 ? "cgroup v1" : "none mounted";
    items.add(new Item(missing.contains("memory") ? Verdict.FAIL : missing.isEmpty() ? Verdict.OK : Verdict.WARN,
        "cgroups", layout + ": " + String.join(", ", found)
            + (missing.isEmpty() ? "" : "; no hierarchy serves " + String.join(", ", missing)
                + " (files that need it show the host's values)")));
    return items;
  }

  /** The pid and cgroup namespaces: the host's, or what a private one costs (also warned about at startup). */
  List<Item> namespaces() {
    return List.of(
        namespace("pid", "callers outside it cannot be identified and get the host's files: run it in the host's "
            + "(docker: --pid=host, Kubernetes: hostPID: true)"),
        namespace("cgroup", "other processes' cgroups are outside its view and they get the host's files: run it "
            + "in the host's (docker: --cgroupns=host)"));
  }

  /**
   * Whether the daemon would run in the host's namespace of this kind. Compared with the kernel's initial namespace
   * (its inode number is fixed), not with /proc/1's: inside a container, pid 1 is the container's init.
   */
  private Item namespace(String kind, String consequence) {
    try {
      String mine = Files.readSymbolicLink(proc.resolve("self/ns/" + kind)).toString();
      String initial = kind + ":[" + initialNamespaceInode(kind) + "]";
      return mine.equals(initial) ? new Item(Verdict.OK, kind + " ns", "the host's (" + mine + ")")
          : new Item(Verdict.WARN, kind + " ns", "private (" + mine + ", the host's is " + initial + "): "
              + consequence);
    } catch (IOException | RuntimeException e) {
      return new Item(Verdict.WARN, kind + " ns", "cannot read " + proc.resolve("self/ns/" + kind) + ": "
          + e.getMessage());
    }
  }

  private static Item kernel() {
    String release = System.getProperty("os.version", "");
    String[] v = release.split("[.-]");
    try {
      int major = Integer.parseInt(v[0]);
      int minor = Integer.parseInt(v[1]);
      // The heal pass needs open_tree/move_mount (5.2), openat2 (5.6), statx's mount ID (5.8) and RESOLVE_CACHED
      // (5.12: lookups below an overlay, whose layer may be a tenant's FUSE).
      boolean mountApi = major > 5 || (major == 5 && minor >= 12);
      return mountApi ? new Item(Verdict.OK, "kernel", release + ": restarts heal running containers (open_tree, "
          + "move_mount, openat2, statx mount IDs)")
          : new Item(Verdict.WARN, "kernel", release + ": before 5.12, a restart leaves running containers with dead "
              + "mounts until they restart (the heal pass needs openat2's RESOLVE_CACHED and statx's mount ID)");
    } catch (RuntimeException e) {
      return new Item(Verdict.WARN, "kernel", "cannot read the release '" + release + "'");
    }
  }

  private Item mountPoint() {
    Path path;
    try {
      path = MountPoint.canonical(config.mountPoint());
    } catch (StartupException e) {
      return new Item(Verdict.FAIL, "mount point", e.getMessage());
    }
    MountPoint mp = new MountPoint(path, proc.resolve("self/mountinfo"));
    try {
      String type = mp.mountedType();
      if (type == null) {
        return new Item(Verdict.OK, "mount point", path + ": free");
      }
      if (!type.startsWith("fuse")) {
        return new Item(Verdict.FAIL, "mount point", path + ": a " + type + " filesystem is mounted there");
      }
      MountPoint.FuseState state = mp.state();
      if (state == MountPoint.FuseState.DEAD) {
        return new Item(Verdict.WARN, "mount point", path + ": a dead FUSE mount (a daemon was killed): starting "
            + "jlxcfs clears it and heals running containers");
      }
      if (state == MountPoint.FuseState.HUNG) {
        return new Item(Verdict.FAIL, "mount point", path + ": a FUSE mount whose daemon does not answer: stop it, "
            + "or clear the mount with 'umount -l " + path + "'");
      }
      return new Item(Verdict.OK, "mount point", path + ": served by a live " + type + " (another daemon may not "
          + "use it)");
    } catch (StartupException e) {
      return new Item(Verdict.FAIL, "mount point", e.getMessage());
    }
  }

  /**
   * The inode number of the kernel's initial namespace of a kind (include/linux/proc_ns.h: fixed since Linux 3.8):
   * the host's, whatever pid 1 of the daemon's own view is (inside a container, the container's init).
   */
  static long initialNamespaceInode(String kind) {
    return switch (kind) {
      case "pid" -> 0xEFFFFFFCL;
      case "cgroup" -> 0xEFFFFFFBL;
      default -> throw new IllegalArgumentException(kind);
    };
  }
}
