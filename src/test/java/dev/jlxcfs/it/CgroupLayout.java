package dev.jlxcfs.it;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Hierarchy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the integration tests make their cgroups on this machine, and the names of the files they write there:
 * for each controller the tests use, the hierarchy that serves it (a v1 hierarchy that has it, else cgroup2 if the
 * controller is bound there: pure v1, pure v2 and hybrid hosts alike), and the v1 or v2 way to set a limit.
 * Detected from a mount table, so unit tests can point it at fixture trees.
 */
final class CgroupLayout {

  /** The controllers the tests limit or account with. v2 has no "cpuacct": its CPU accounting is in "cpu". */
  static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "cpuset");

  /** One file write that sets something in a cgroup directory. */
  record Setting(String file, String value) {}

  private static CgroupLayout host;

  private final List<Hierarchy> hierarchies;

  CgroupLayout(List<Hierarchy> hierarchies) {
    this.hierarchies = List.copyOf(hierarchies);
  }

  /** Reads a mount table (normally /proc/self/mountinfo) and the cgroup.controllers of its cgroup2 mounts. */
  static CgroupLayout load(Path mountinfo) {
    try {
      return new CgroupLayout(CgroupMounts.load(mountinfo).hierarchies());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + mountinfo + ": " + e.getMessage(), e);
    }
  }

  /** This machine's layout, read once. */
  static synchronized CgroupLayout host() {
    if (host == null) {
      host = load(Path.of("/proc/self/mountinfo"));
    }
    return host;
  }

  /** The hierarchy that serves {@code controller}, or null. Whole-tree mounts only: tests make cgroups at the top. */
  private Hierarchy serving(String controller) {
    for (Hierarchy h : hierarchies) {
      if (h.version() == 1 && h.root().equals("/") && h.controllers().contains(controller)) {
        return h;
      }
    }
    String v2Name = controller.equals("cpuacct") ? "cpu" : controller;
    for (Hierarchy h : hierarchies) {
      if (h.version() == 2 && h.root().equals("/") && h.controllers().contains(v2Name)) {
        return h;
      }
    }
    return null;
  }

  /** The top directory of the hierarchy that serves {@code controller}; fails if none does. */
  Path root(String controller) {
    Hierarchy h = serving(controller);
    if (h == null) {
      throw new IllegalStateException("no mounted cgroup hierarchy serves " + controller);
    }
    return h.mountPoint();
  }

  /** True when {@code controller} is served by cgroup2 (one directory per cgroup for all such controllers). */
  boolean isV2(String controller) {
    Hierarchy h = serving(controller);
    return h != null && h.version() == 2;
  }

  /** True when {@code dir} is the top of a mounted hierarchy (a root cgroup, if the mount is the whole tree's). */
  boolean isHierarchyTop(Path dir) {
    for (Hierarchy h : hierarchies) {
      if (h.mountPoint().equals(dir)) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code dir} lies in a cgroup2 hierarchy (the deepest mount that holds it is cgroup2). */
  boolean isV2Dir(Path dir) {
    Hierarchy best = null;
    for (Hierarchy h : hierarchies) {
      if (dir.startsWith(h.mountPoint())
          && (best == null || h.mountPoint().getNameCount() > best.mountPoint().getNameCount())) {
        best = h;
      }
    }
    return best != null && best.version() == 2;
  }

  /**
   * The v2 controllers a child of a test cgroup needs enabled in its parent's cgroup.subtree_control, in the
   * kernel's names ("cpuacct" has none of its own).
   */
  List<String> v2SubtreeControllers() {
    List<String> out = new ArrayList<>();
    for (String c : List.of("memory", "cpu", "cpuset")) {
      if (isV2(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /** What the tests need and this machine lacks, or null. */
  String missing() {
    List<String> lacking = new ArrayList<>();
    for (String c : CONTROLLERS) {
      if (serving(c) == null) {
        lacking.add(c);
      }
    }
    return lacking.isEmpty() ? null : "no mounted cgroup hierarchy (v1, or cgroup2 with the controller in its "
        + "cgroup.controllers) serves " + String.join(", ", lacking);
  }

  /** The write that limits memory to {@code bytes}: v1 memory.limit_in_bytes, v2 memory.max. */
  List<Setting> memoryLimit(long bytes) {
    return List.of(new Setting(isV2("memory") ? "memory.max" : "memory.limit_in_bytes", Long.toString(bytes)));
  }

  /**
   * The writes that set a CFS quota: v1 period then quota (the kernel checks a quota against the period already
   * set), v2 both at once in cpu.max.
   */
  List<Setting> cpuLimit(long quotaUs, long periodUs) {
    if (isV2("cpu")) {
      return List.of(new Setting("cpu.max", quotaUs + " " + periodUs));
    }
    return List.of(new Setting("cpu.cfs_period_us", Long.toString(periodUs)),
        new Setting("cpu.cfs_quota_us", Long.toString(quotaUs)));
  }

  /**
   * The write that sets a cgroup's CPU weight from v1 shares (1024 the default): v1 cpu.shares, v2 cpu.weight
   * converted as runc converts it (1 + (shares - 2) * 9999 / 262142).
   */
  List<Setting> cpuShares(long shares) {
    if (isV2("cpu")) {
      return List.of(new Setting("cpu.weight", Long.toString(1 + (shares - 2) * 9999 / 262142)));
    }
    return List.of(new Setting("cpu.shares", Long.toString(shares)));
  }

  /**
   * The mount point of the whole cgroup2 tree, or null when the host has none: on a v2 host the one hierarchy, on a
   * hybrid host the cgroup2 mount beside the v1 ones (which holds no controllers, but a pressure file per group).
   */
  Path unifiedRoot() {
    for (Hierarchy h : hierarchies) {
      if (h.version() == 2 && h.root().equals("/")) {
        return h.mountPoint();
      }
    }
    return null;
  }

  /** The write that restricts a cgroup to {@code cpus} (a list such as "0" or "0-2"): same name in v1 and v2. */
  List<Setting> cpus(String cpus) {
    return List.of(new Setting("cpuset.cpus", cpus));
  }
}
