package dev.jlxcfs.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A caller's cgroup directory in the hierarchy that serves one controller: what identifies a cgroup here. */
public record CgroupDir(Hierarchy hierarchy, Path dir) {

  // equals and hashCode written out: a record's generated ones are bootstrapped through method handles on first use,
  // which spun ~60 classes and cost ~12 ms on the first read after start (measured with -Xlog:class+load).
  @Override
  public boolean equals(Object o) {
    return o instanceof CgroupDir other && Objects.equals(dir, other.dir) && Objects.equals(hierarchy, other.hierarchy);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(dir);
  }

  public int version() {
    return hierarchy.version();
  }

  /** The files of this group (and, for limits, of its ancestors) that {@code kind} is read from. */
  public List<String> filesRead(Figures kind) {
    return CgroupReader.forVersion(version()).filesRead(kind);
  }

  /** The file that lists the group's threads, one id per line (v1 tasks, v2 cgroup.threads). */
  public Path threadList() {
    return dir.resolve(CgroupReader.forVersion(version()).threadList());
  }

  /** The file whose content moves when a task of the group runs ({@link CgroupReader#activityFile}), or null. */
  public Path activityFile() {
    String name = CgroupReader.forVersion(version()).activityFile(hierarchy);
    return name == null ? null : dir.resolve(name);
  }

  /**
   * Whether {@link #activityFile} is v1's cpu.stat, a signal only for groups with a quota of their own
   * ({@link CgroupReader#activityCountsPeriods}).
   */
  public boolean activityCountsPeriods() {
    return CgroupReader.forVersion(version()).activityCountsPeriods(hierarchy);
  }

  /** Whether this is the root cgroup of the whole hierarchy (no cgroup of the caller's own). */
  public boolean isHierarchyRoot() {
    return hierarchy.root().equals("/") && dir.equals(hierarchy.mountPoint());
  }

  /** The directory and each ancestor up to the hierarchy's mount point: the path on which limits are enforced. */
  public List<Path> levels() {
    List<Path> levels = new ArrayList<>(6);
    Path top = hierarchy.mountPoint();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (p.equals(top)) {
        levels.add(top); // the hierarchy's own Path, not a copy per cgroup
        break;
      }
      levels.add(p);
    }
    return List.copyOf(levels);
  }
}
