package dev.jlxcfs;

import dev.jlxcfs.cgroup.MountInfo;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Heals the containers a restart of the daemon broke. A container that bound the daemon's files keeps binds of the
 * dead mount after the daemon ends ("Transport endpoint is not connected"); nothing in the container can fix them.
 * Each such bind is replaced in place by the same file of the live mount:
 *
 * <ol>
 *   <li>one process per mount namespace is found through /proc; its mountinfo names the stale binds: type
 *       {@code fuse.jlxcfs}, source {@link #fsName} of this mount point, and a device other than the live mount's;
 *   <li>in the daemon's namespace, open_tree(OPEN_TREE_CLONE) takes a detached copy of the live file;
 *   <li>a thread of its own (setns applies to one thread, and needs it to stop sharing its root and working
 *       directory) enters the container's mount namespace, takes the dead mount off the path (umount2 MNT_DETACH)
 *       and attaches the copy there (move_mount). The thread then ends; the daemon's other threads never move.
 * </ol>
 *
 * <p>No tool is needed inside the container. Paths in a mountinfo are relative to that process's root, so the work
 * is done from a descriptor of {@code /proc/PID/root}. Needs Linux 5.2+ (open_tree, move_mount).
 */
final class Healer {

  /** What one pass did, one line per stale bind (and per reason a namespace was left alone). */
  record Report(List<String> healed, List<String> skipped, List<String> failed) {

    String summary() {
      return healed.size() + " healed, " + skipped.size() + " skipped, " + failed.size() + " failed";
    }
  }

  /** A stale bind in one mount namespace: where it is mounted and which file of the mount it showed. */
  record StaleBind(String mountPoint, String fileInMount, boolean legacy) {}

  /** The source name of mounts made before it named the mount point (see {@link #fsName}). */
  static final String LEGACY_FS_NAME = "jlxcfs";

  /** How long one container's heal may take. */
  private static final long NAMESPACE_TIMEOUT_MILLIS = 10_000;

  private final Path proc;
  private final Path mountPoint;

  /**
   * @param proc       the host's procfs, to find processes and their mount namespaces
   * @param mountPoint the live mount whose dead predecessors are replaced
   */
  Healer(Path proc, Path mountPoint) {
    this.proc = proc;
    this.mountPoint = mountPoint;
  }

  /**
   * The FUSE source name the daemon mounts with ("jlxcfs:" and the mount point): containers' binds keep it, so a
   * stale bind tells which mount point it came from, and a pass never touches another daemon's mounts.
   */
  static String fsName(Path mountPoint) {
    return "jlxcfs:" + mountPoint;
  }

  /** Finds and replaces every stale bind of this mount point in every mount namespace. */
  Report heal() {
    List<String> healed = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    String liveDevice;
    try {
      liveDevice = deviceAt(Texts.readPaths(proc.resolve("self/mountinfo")), mountPoint.toString());
    } catch (IOException e) {
      failed.add("cannot read " + proc.resolve("self/mountinfo") + ": " + e.getMessage());
      return new Report(healed, skipped, failed);
    }
    if (liveDevice == null) {
      failed.add("nothing is mounted at " + mountPoint + ": start the daemon first");
      return new Report(healed, skipped, failed);
    }
    String self = String.valueOf(ProcessHandle.current().pid());
    Set<String> namespaces = new HashSet<>();
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
      for (Path pidDir : pids) {
        String pid = pidDir.getFileName().toString();
        String ns;
        String mountinfo;
        try {
          ns = Files.readSymbolicLink(pidDir.resolve("ns/mnt")).toString();
          if (pid.equals(self) || !namespaces.add(ns)) {
            continue;
          }
          mountinfo = Texts.readPaths(pidDir.resolve("mountinfo"));
        } catch (IOException e) {
          continue; // exited meanwhile, or a kernel thread
        }
        List<StaleBind> stale = staleBinds(mountinfo, fsName(mountPoint), liveDevice);
        if (!stale.isEmpty() && !healNamespace(pid, ns, stale, healed, skipped, failed)) {
          break; // the kernel cannot do it: said once
        }
      }
    } catch (IOException e) {
      failed.add("cannot list " + proc + ": " + e.getMessage());
    }
    return new Report(healed, skipped, failed);
  }

  /** Heals one namespace's stale binds; false when the kernel lacks the calls (no namespace can be healed). */
  private boolean healNamespace(String pid, String ns, List<StaleBind> stale, List<String> healed,
                                List<String> skipped, List<String> failed) {
    String who = "pid " + pid + " (" + comm(pid) + ", " + ns + ")";
    List<Integer> trees = new ArrayList<>();
    List<StaleBind> todo = new ArrayList<>();
    for (StaleBind b : stale) {
      if (b.legacy() && !isDead(pid, b.mountPoint())) {
        skipped.add(who + ": " + b.mountPoint() + ": a jlxcfs mount from before this version that still answers: "
            + "another daemon's");
        continue;
      }
      String file = mountPoint + (b.fileInMount().equals("/") ? "" : b.fileInMount());
      try {
        trees.add(Native.openTreeClone(file));
        todo.add(b);
      } catch (Native.SyscallException e) {
        if (e.errno() == Native.ENOSYS) {
          failed.add("this kernel has no open_tree/move_mount (Linux 5.2+): containers keep their dead mounts of "
              + mountPoint + " until they restart");
          trees.forEach(Native::closeFd);
          return false;
        }
        skipped.add(who + ": " + b.mountPoint() + ": " + b.fileInMount() + " is not served any more ("
            + e.getMessage() + ")");
      }
    }
    int rootFd = -1;
    int nsFd = -1;
    try {
      nsFd = Native.openReadOnly(proc.resolve(pid).resolve("ns/mnt").toString());
      rootFd = Native.openPath(proc.resolve(pid).resolve("root").toString());
      // The pid must still be the process whose mount table was read: the namespace opened must be the one it named,
      // and the process must still be in it after its root was opened (else it exited and the pid was reused).
      if (!ns.equals(readLink(Path.of("/proc/self/fd/" + nsFd)))
          || !ns.equals(readLink(proc.resolve(pid).resolve("ns/mnt")))) {
        skipped.add(who + ": it exited meanwhile");
        return true;
      }
      int root = rootFd;
      int nsDesc = nsFd;
      List<String> outcome = new ArrayList<>();
      Thread t = new Thread(() -> {
        try {
          Native.enterMountNamespace(nsDesc);
          Native.changeDirectory(root);
        } catch (Native.SyscallException e) {
          outcome.add("!cannot enter the mount namespace: " + e.getMessage());
          return;
        }
        for (int i = 0; i < todo.size(); i++) {
          String path = relative(todo.get(i).mountPoint());
          try {
            Native.detachMount(path);
          } catch (Native.SyscallException e) {
            outcome.add("!" + todo.get(i).mountPoint() + ": taking the dead mount off failed: " + e.getMessage());
            continue;
          }
          try {
            Native.moveMount(trees.get(i), path);
            outcome.add(todo.get(i).mountPoint());
          } catch (Native.SyscallException e) {
            outcome.add("!" + todo.get(i).mountPoint() + ": the dead mount is off but attaching the live file "
                + "failed, the container now sees its own file there: " + e.getMessage());
          }
        }
      }, "heal-" + pid);
      t.setDaemon(true);
      t.start();
      // A path lookup in the container may wait on a filesystem of its own that never answers: give up on it then.
      t.join(NAMESPACE_TIMEOUT_MILLIS);
      if (t.isAlive()) {
        failed.add(who + ": healing took over " + NAMESPACE_TIMEOUT_MILLIS / 1000 + " s: left to finish on its own");
        trees.clear(); // the thread may still use them: they are closed with the process
        return true;
      }
      for (String o : outcome) {
        if (o.startsWith("!")) {
          failed.add(who + ": " + o.substring(1));
        } else {
          healed.add(who + ": " + o);
        }
      }
    } catch (Native.SyscallException e) {
      skipped.add(who + ": " + e.getMessage() + " (exited meanwhile?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Native.closeFd(rootFd);
      Native.closeFd(nsFd);
      trees.forEach(Native::closeFd);
    }
    return true;
  }

  /**
   * The binds of a dead mount of ours in one mountinfo text: our source name, a device other than the live one, and
   * nothing mounted on the same path after them (only the topmost mount at a path is taken off and replaced).
   * Binds of a daemon from before the source name carried the mount point ({@link #LEGACY_FS_NAME}) are taken too,
   * marked {@code legacy}: they may belong to another mount point, so they are healed only if found dead.
   */
  static List<StaleBind> staleBinds(String mountinfo, String fsName, String liveDevice) {
    List<MountInfo> mounts = MountInfo.parse(mountinfo);
    List<StaleBind> stale = new ArrayList<>();
    for (int i = 0; i < mounts.size(); i++) {
      MountInfo m = mounts.get(i);
      boolean legacy = m.source().equals(LEGACY_FS_NAME);
      if (!m.fsType().equals("fuse.jlxcfs") || !(m.source().equals(fsName) || legacy)
          || m.device().equals(liveDevice) || coveredLater(mounts, i)) {
        continue;
      }
      stale.add(new StaleBind(m.mountPoint(), m.root(), legacy));
    }
    return stale;
  }

  private static boolean coveredLater(List<MountInfo> mounts, int i) {
    for (int j = i + 1; j < mounts.size(); j++) {
      if (mounts.get(j).mountPoint().equals(mounts.get(i).mountPoint())) {
        return true;
      }
    }
    return false;
  }

  /** The device ("major:minor") of the last mount at {@code path} in a mountinfo text, or null. */
  static String deviceAt(String mountinfo, String path) {
    String device = null;
    for (MountInfo m : MountInfo.parse(mountinfo)) {
      if (m.mountPoint().equals(path)) {
        device = m.device();
      }
    }
    return device;
  }

  /** Whether the mount at {@code mountPoint} in that process's view has lost its daemon (statfs: ENOTCONN). */
  private boolean isDead(String pid, String mountPoint) {
    try {
      Files.getFileStore(proc.resolve(pid).resolve("root").resolve(relative(mountPoint))).getTotalSpace();
      return false;
    } catch (java.nio.file.FileSystemException e) {
      return String.valueOf(e.getReason()).contains("not connected");
    } catch (IOException e) {
      return false;
    }
  }

  private static String readLink(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return "";
    }
  }

  private static String relative(String path) {
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    return p.isEmpty() ? "." : p;
  }

  private String comm(String pid) {
    try {
      return Files.readString(proc.resolve(pid).resolve("comm")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static boolean isPid(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) < '0' || name.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
