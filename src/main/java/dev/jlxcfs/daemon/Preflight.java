package dev.jlxcfs.daemon;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.fs.FuseLoop;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What jlxcfs needs of the host, one item per thing, each with one wording and what to do when it is missing: the one
 * list that both the daemon's start ({@link #start}) and {@code jlxcfs check} ({@link #items}) run.
 *
 * <p>Verdicts: {@code ok}; {@code warn}, served around (some callers get the host's files, or a restart does not
 * heal), said at start and the daemon serves; {@code FAIL}, the daemon cannot start; {@code busy}, the mount point is
 * served already: the host serves (check passes), but no second daemon can start there.
 */
public final class Preflight {

  public enum Verdict {
    OK, WARN, FAIL, BUSY;

    /** Whether a daemon cannot start with an item of this verdict. */
    boolean stopsStart() {
      return this == FAIL || this == BUSY;
    }
  }

  public record Item(String name, Verdict verdict, String detail) {

    /** The daemon's line: "NAME: DETAIL". */
    String line() {
      return name + ": " + detail;
    }

    /** {@code check}'s line: the verdict, the name and the detail in columns. */
    @Override
    public String toString() {
      // Escaped: a detail may quote a mount table's or a file's content.
      String v = verdict == Verdict.FAIL ? "FAIL" : verdict.name().toLowerCase(Locale.ROOT);
      return String.format("%-4s  %-14s %s", v, name, Texts.printable(detail));
    }
  }

  /** The item the daemon logs at info when it passes (the layout it serves from); the others at debug. */
  static final String CGROUPS = "cgroups";

  private final Config config;
  private final Path proc;

  public Preflight(Config config) {
    this.config = config;
    this.proc = config.procRoot();
  }

  /** The items in the order they run, each made when it runs. */
  private List<Supplier<Item>> steps() {
    return List.of(
        this::root,
        Preflight::devFuse,
        Preflight::libfuse,
        this::cgroups,
        () -> namespace("pid", "callers outside it cannot be identified and get the host's files: run it in the "
            + "host's (docker: --pid=host, Kubernetes: hostPID: true)"),
        () -> namespace("cgroup", "other processes' cgroups are outside its view and they get the host's files: "
            + "run it in the host's (docker: --cgroupns=host)"),
        () -> kernel(System.getProperty("os.version", "")),
        () -> fileNames(Texts.PATH_CHARSET.name(), locale()),
        this::mountPoint);
  }

  /** Every item ({@code jlxcfs check}). */
  public List<Item> items() {
    List<Item> items = new ArrayList<>();
    for (Supplier<Item> step : steps()) {
      items.add(step.get());
    }
    return items;
  }

  /**
   * The daemon's start: the same items in the same order, each passed to {@code report} as it is made (ok and warn
   * ones), up to the first that stops a start ({@link Verdict#stopsStart}), which is thrown as its {@link Item#line}.
   */
  void start(Consumer<Item> report) throws StartupException {
    for (Supplier<Item> step : steps()) {
      Item item = step.get();
      if (item.verdict().stopsStart()) {
        throw new StartupException(item.line());
      }
      report.accept(item);
    }
  }

  private static Item ok(String name, String detail) {
    return new Item(name, Verdict.OK, detail);
  }

  private static Item warn(String name, String detail) {
    return new Item(name, Verdict.WARN, detail);
  }

  private static Item fail(String name, String detail) {
    return new Item(name, Verdict.FAIL, detail);
  }

  private Item root() {
    int uid;
    try {
      uid = Native.effectiveUid();
    } catch (Throwable t) {
      return fail("root", "cannot load libc through jnr-ffi: " + t.getMessage());
    }
    return uid == 0 ? ok("root", "effective uid 0")
        : fail("root", "effective uid " + uid + ": it must run as root (it mounts with allow_other and reads every "
            + "process's /proc entries and cgroups)");
  }

  private static Item devFuse() {
    return Files.exists(Path.of("/dev/fuse")) ? ok("/dev/fuse", "present")
        : fail("/dev/fuse", "does not exist: load the fuse module (modprobe fuse) or, in a container, pass the device "
            + "in (--device /dev/fuse)");
  }

  private static Item libfuse() {
    try {
      FuseLoop.libFuse2(); // as the daemon loads it
      return ok("libfuse2", "libfuse.so.2 loads");
    } catch (Throwable t) {
      return fail("libfuse2", libfuseMissing(t));
    }
  }

  /** Why libfuse.so.2 cannot be used, and how to install it (also when the file system cannot be made with it). */
  static String libfuseMissing(Throwable t) {
    return "libfuse.so.2 does not load (" + t.getClass().getSimpleName() + "): install it with 'apt-get install "
        + "libfuse2' (Debian, Ubuntu; libfuse2t64 on Ubuntu 24.04) or 'dnf install fuse-libs' (Fedora, RHEL)";
  }

  /** "cannot read the mount table FILE: REASON". */
  static String unreadableMountTable(Path mountinfo, IOException e) {
    return "cannot read the mount table " + mountinfo + ": " + MountPoint.reason(e);
  }

  /**
   * The hierarchy serving each controller the files need. A missing one is a warning, not a failure: the files that
   * need it show the host's values, as for any caller the daemon cannot place.
   */
  private Item cgroups() {
    Path mountinfo = proc.resolve("self/mountinfo");
    CgroupMounts mounts;
    try {
      mounts = CgroupMounts.load(mountinfo);
    } catch (IOException e) {
      return fail(CGROUPS, unreadableMountTable(mountinfo, e));
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
    String detail = layout + ": " + String.join(", ", found);
    return missing.isEmpty() ? ok(CGROUPS, detail)
        : warn(CGROUPS, detail + "; no hierarchy serves " + String.join(", ", missing) + " (files that need it show "
            + "the host's values)");
  }

  /**
   * Whether the daemon would run in the host's namespace of this kind. Compared with the kernel's initial namespace
   * (its inode number is fixed), not with /proc/1's: inside a container, pid 1 is the container's init.
   */
  private Item namespace(String kind, String consequence) {
    String name = kind + " ns";
    try {
      String mine = Files.readSymbolicLink(proc.resolve("self/ns/" + kind)).toString();
      String initial = kind + ":[" + initialNamespaceInode(kind) + "]";
      return mine.equals(initial) ? ok(name, "the host's (" + mine + ")")
          : warn(name, "private (" + mine + ", the host's is " + initial + "): " + consequence);
    } catch (IOException | RuntimeException e) {
      return warn(name, "cannot read " + proc.resolve("self/ns/" + kind) + ": " + e.getMessage());
    }
  }

  /** Whether a restart can heal running containers on this kernel (release as uname -r gives it). */
  static Item kernel(String release) {
    String[] v = release.split("[.-]");
    try {
      int major = Integer.parseInt(v[0]);
      int minor = Integer.parseInt(v[1]);
      // The heal pass needs open_tree/move_mount (5.2), openat2 (5.6), statx's mount ID (5.8) and RESOLVE_CACHED
      // (5.12: lookups below an overlay, whose layer may be a tenant's FUSE).
      boolean mountApi = major > 5 || (major == 5 && minor >= 12);
      return mountApi ? ok("kernel", release + ": restarts heal running containers (open_tree, move_mount, openat2, "
          + "statx mount IDs)")
          : warn("kernel", release + ": before 5.12, a restart leaves running containers with dead mounts until they "
              + "restart (the heal pass needs openat2's RESOLVE_CACHED and statx's mount ID)");
    } catch (RuntimeException e) {
      return warn("kernel", "cannot read the release '" + release + "'");
    }
  }

  /** The locale that sets the file names' encoding, as LC_ALL, LC_CTYPE, LANG: "LC_ALL=C", or "unset". */
  private static String locale() {
    for (String name : List.of("LC_ALL", "LC_CTYPE", "LANG")) {
      String value = System.getenv(name);
      if (value != null && !value.isEmpty()) {
        return name + "=" + value;
      }
    }
    return "unset";
  }

  /** Whether file names decode as UTF-8 (cgroup names are any bytes; sun.jnu.encoding follows the locale). */
  static Item fileNames(String charset, String lang) {
    return charset.equalsIgnoreCase("UTF-8") ? ok("file names", "decoded as UTF-8")
        : warn("file names", "decoded as " + charset + " (locale " + lang + "): cgroups with non-ASCII names cannot "
            + "be resolved; run with LANG=C.UTF-8");
  }

  private Item mountPoint() {
    String name = "mount point";
    Path path;
    try {
      path = MountPoint.canonical(config.mountPoint());
    } catch (StartupException e) {
      return fail(name, e.getMessage());
    }
    MountPoint mp = new MountPoint(path, proc.resolve("self/mountinfo"));
    try {
      String type = mp.mountedType();
      if (type == null) {
        return ok(name, path + ": free");
      }
      if (!type.startsWith("fuse")) {
        return ok(name, path + ": a " + type + " filesystem is mounted there (jlxcfs mounts over it)");
      }
      return switch (mp.state()) {
        case DEAD -> warn(name, MountPoint.dead(path));
        case HUNG -> fail(name, MountPoint.hung(path));
        case LIVE -> config.takeover() && type.equals(MountPoint.JLXCFS_TYPE)
            ? ok(name, MountPoint.live(path, type, true))
            : new Item(name, Verdict.BUSY, MountPoint.live(path, type, config.takeover()));
      };
    } catch (StartupException e) {
      return fail(name, e.getMessage());
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
