package dev.jlxcfs.daemon;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.cgroup.MountInfo;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Private copies of the trees the daemon reads (procfs, sysfs, each cgroup hierarchy), so that what it reads is
 * always the kernel's files, whatever gets mounted over them later.
 *
 * <p>Why: the daemon reads /proc/meminfo to make /proc/meminfo. If its own file (or lxcfs's) is bound over the
 * host's /proc/meminfo (a wrong {@code mount --bind}, or a daemon started in a container whose /proc is already
 * virtualized), every read would read the daemon's own mount and wait on itself. Each tree is taken with
 * open_tree(OPEN_TREE_CLONE): a copy of just that mount, in no mount namespace, so nothing mounted on top of its
 * files, now or later, shows in it. The daemon reads it through the descriptor: {@code /proc/self/fd/N/meminfo}.
 * Reads of files kept open cost the same; opening a file costs one more path step.
 *
 * <p>Where the kernel has no open_tree (before Linux 5.2) or refuses it, the trees are read in place (said once), and
 * {@link #fuseMountOver} lets startup refuse a FUSE mount already sitting on a source file.
 */
final class SourceTrees {

  private static final Logger LOG = LoggerFactory.getLogger(SourceTrees.class);

  private boolean usable = true;

  /** The path to read {@code dir} through: its private copy, or {@code dir} itself when copies cannot be made. */
  Path copy(Path dir) {
    if (!usable) {
      return dir;
    }
    try {
      return Path.of("/proc/self/fd/" + Native.openTreeClone(dir.toString()));
    } catch (Native.SyscallException e) {
      usable = false;
      LOG.warn("cannot take private copies of the trees it reads ({}{}): they are read in place, so a jlxcfs or "
          + "lxcfs file bound over one of them would be read back", e.getMessage(),
          e.errno() == Native.ENOSYS ? "; Linux 5.2+ has it" : "");
      return dir;
    }
  }

  /** The cgroup hierarchies, each read through its private copy. */
  CgroupMounts copy(CgroupMounts mounts) {
    List<Hierarchy> copies = new ArrayList<>();
    for (Hierarchy h : mounts.hierarchies()) {
      copies.add(new Hierarchy(h.version(), copy(h.mountPoint()), h.root(), h.controllers()));
    }
    return new CgroupMounts(copies);
  }

  /** Whether the trees are read through private copies. */
  boolean isPrivate() {
    return usable;
  }

  /**
   * With the trees read in place (no private copies), refuses to start if a FUSE filesystem is mounted at or under
   * one of {@code roots}: the daemon would read it instead of the kernel's file, maybe its own mount.
   */
  void refuseFuseOverSourcesReadInPlace(Path mountinfo, List<Path> roots) throws StartupException {
    if (usable) {
      return;
    }
    String over;
    try {
      over = fuseMountOver(mountinfo, roots);
    } catch (IOException e) {
      throw new StartupException(Preflight.unreadableMountTable(mountinfo, e));
    }
    if (over != null) {
      throw new StartupException("a FUSE filesystem is mounted over a file jlxcfs reads: " + over + "; the daemon "
          + "would read it instead of the kernel's (maybe its own mount): unmount it, or run on Linux 5.2+");
    }
  }

  /**
   * The first FUSE mount (as "PATH (TYPE)") found at or under one of {@code roots} in a mountinfo file, or null:
   * with the trees read in place, such a mount would make the daemon read a FUSE file, maybe its own.
   */
  static String fuseMountOver(Path mountinfo, List<Path> roots) throws IOException {
    for (MountInfo m : MountInfo.parse(Texts.readPaths(mountinfo))) {
      if (m.isFuse()) {
        for (Path root : roots) {
          if (m.mountPoint().equals(root.toString()) || m.mountPoint().startsWith(root + "/")) {
            return m.mountPoint() + " (" + m.fsType() + ")";
          }
        }
      }
    }
    return null;
  }
}
