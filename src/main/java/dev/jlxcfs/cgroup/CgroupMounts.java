package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cgroup hierarchies mounted on this host, read from a mountinfo file, and the rule that picks which one
 * serves a controller: a v1 hierarchy that has it, else the unified hierarchy if the controller is bound there.
 * This one rule covers pure v1, pure v2 and hybrid hosts (where a {@code 0::} line exists but cgroup2 holds no
 * memory or cpu controller), without looking at fixed paths.
 */
public final class CgroupMounts {

  private final List<Hierarchy> hierarchies;

  public CgroupMounts(List<Hierarchy> hierarchies) {
    this.hierarchies = List.copyOf(hierarchies);
  }

  public List<Hierarchy> hierarchies() {
    return hierarchies;
  }

  /** Parses a mountinfo file (normally /proc/self/mountinfo) and reads cgroup.controllers of cgroup2 mounts. */
  public static CgroupMounts load(Path mountinfo) throws IOException {
    List<Hierarchy> found = new ArrayList<>();
    for (String line : Texts.readPaths(mountinfo).split("\n")) {
      Hierarchy h = parseLine(line);
      if (h != null) {
        found.add(h);
      }
    }
    return new CgroupMounts(found);
  }

  static Hierarchy parseLine(String line) throws IOException {
    MountInfo m = MountInfo.parseLine(line);
    if (m == null || m.superOptions().isEmpty()) {
      return null;
    }
    String fsType = m.fsType();
    String root = m.root();
    Path mountPoint;
    try {
      mountPoint = Path.of(m.mountPoint());
    } catch (InvalidPathException e) {
      // A mount point no Path can name (a NUL from "\000", a character the file name encoding lacks under LANG=C):
      // no file under it can be opened either, so it serves nothing.
      return null;
    }
    if (fsType.equals("cgroup")) {
      Set<String> controllers = new HashSet<>(Arrays.asList(m.superOptions().split(",")));
      return new Hierarchy(1, mountPoint, root, Set.copyOf(controllers));
    }
    if (fsType.equals("cgroup2")) {
      Set<String> controllers = Set.of();
      try {
        String list = Texts.readValue(mountPoint.resolve("cgroup.controllers"));
        controllers = list.isEmpty() ? Set.of() : Set.of(list.split("\\s+"));
      } catch (IOException e) {
        // A cgroup2 mount of a sub-tree may lack the file; without it we assume no controllers are bound.
      }
      return new Hierarchy(2, mountPoint, root, controllers);
    }
    return null;
  }

  /** Undoes mountinfo's octal escapes of space, tab, newline and backslash. */
  public static String unescapeMountField(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '7') {
        return false;
      }
    }
    return true;
  }

  /**
   * Where a process whose /proc/PID/cgroup is {@code lines} ({@code text}) has its figures read from: the
   * directories of its cgroups (null: not mounted), and the text itself. {@code cpuUsage} is the group that accounts
   * CPU time (v1's cpuacct, v2's cpu: cpu.stat); {@code io} the I/O controller's (v1 blkio, v2 io); {@code unified}
   * its cgroup2 group ({@code unifiedGroup}), which holds the pressure files whatever controllers are bound there.
   */
  public record Dirs(CgroupDir memory, CgroupDir cpu, CgroupDir cpuset, CgroupDir cpuUsage, CgroupDir io,
                     CgroupDir unifiedGroup, String text) {

    /** The directory of its cgroup2 group, or null. */
    public Path unified() {
      return unifiedGroup == null ? null : unifiedGroup.dir();
    }

    /** The group {@code kind} is read from, or null. */
    public CgroupDir of(Figures kind) {
      return switch (kind) {
        case MEMORY -> memory;
        case CPU_QUOTA -> cpu;
        case CPUSET -> cpuset;
        case CPU_TIME -> cpuUsage;
        case IO -> io;
      };
    }
  }

  /** The {@link Dirs} of a process whose /proc/PID/cgroup is {@code lines} ({@code text}). */
  public Dirs dirs(List<CgroupLine> lines, String text) {
    CgroupDir cpu = locate("cpu", lines);
    CgroupDir cpuacct = locate("cpuacct", lines);
    // v2 keeps CPU accounting in the "cpu" controller's cpu.stat; v1 in the separate "cpuacct" controller.
    CgroupDir usage = cpuacct != null && cpuacct.version() == 1 ? cpuacct
        : cpu != null && cpu.version() == 2 ? cpu : null;
    // I/O: v1 names the controller blkio, v2 io.
    CgroupDir io = locate("blkio", lines);
    return new Dirs(locate("memory", lines), cpu, locate("cpuset", lines), usage,
        io != null ? io : locate("io", lines), unifiedGroup(lines), text);
  }

  /**
   * Where the caller's {@code controller} files are: the hierarchy that serves the controller and, in it, the
   * directory of the caller's cgroup. Null when no mounted hierarchy serves the controller, or the caller's
   * cgroup is outside what is mounted.
   */
  public CgroupDir locate(String controller, List<CgroupLine> callerLines) {
    CgroupDir v1 = locateIn(1, controller, callerLines);
    return v1 != null ? v1 : locateIn(2, controller, callerLines);
  }

  /** The hierarchy that serves {@code controller} to a process in the root groups, or null (startup, check). */
  public Hierarchy serving(String controller) {
    CgroupDir root = locate(controller, List.of(new CgroupLine(0, List.of(), "/"),
        new CgroupLine(1, List.of(controller), "/")));
    return root == null ? null : root.hierarchy();
  }

  /**
   * The caller's own group on a mounted cgroup2 hierarchy (its {@code 0::} line), whatever controllers are bound
   * there (PSI files are kept for every group); null for the root group, without a {@code 0::} line or a cgroup2
   * mount, or when the group lies outside what is mounted.
   */
  public Path unifiedDir(List<CgroupLine> callerLines) {
    CgroupDir group = unifiedGroup(callerLines);
    return group == null ? null : group.dir();
  }

  /** {@link #unifiedDir} with its hierarchy: the caller's own cgroup2 group, or null. */
  public CgroupDir unifiedGroup(List<CgroupLine> callerLines) {
    String path = null;
    for (CgroupLine line : callerLines) {
      if (line.isUnified()) {
        path = line.path();
      }
    }
    if (path == null || path.equals("/")) {
      return null;
    }
    for (Hierarchy h : hierarchies) {
      if (h.version() == 2) {
        Path dir = h.dirOf(path);
        if (dir != null && !dir.equals(h.mountPoint())) {
          return new CgroupDir(h, dir);
        }
      }
    }
    return null;
  }

  private CgroupDir locateIn(int version, String controller, List<CgroupLine> callerLines) {
    String path = null;
    for (CgroupLine line : callerLines) {
      boolean match = version == 1 ? line.controllers().contains(controller) : line.isUnified();
      if (match) {
        path = line.path();
        break;
      }
    }
    if (path == null) {
      return null;
    }
    CgroupDir best = null;
    for (Hierarchy h : hierarchies) {
      if (h.version() != version || !h.controllers().contains(controller)) {
        continue;
      }
      Path dir = h.dirOf(path);
      // Of several mounts of one hierarchy, prefer the one that shows most of the tree (the shortest root).
      if (dir != null && (best == null || h.root().length() < best.hierarchy().root().length())) {
        best = new CgroupDir(h, dir);
      }
    }
    return best;
  }
}
