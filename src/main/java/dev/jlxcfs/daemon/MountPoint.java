package dev.jlxcfs.daemon;

import dev.jlxcfs.cgroup.MountInfo;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes the mount point ready: created if missing, a stale FUSE mount cleared, a live one refused. */
public final class MountPoint {

  private static final Logger LOG = LoggerFactory.getLogger(MountPoint.class);

  private final Path path;
  private final Path mountinfo;

  MountPoint(Path path, Path mountinfo) {
    this.path = path;
    this.mountinfo = mountinfo;
  }

  /**
   * The path as the mount table will show it: symlinks in it resolved (e.g. /var/run -> /run), without touching the
   * last component itself when it is not a link (it may be a dead FUSE mount, where stat fails). Missing parents
   * are created.
   */
  public static Path canonical(Path path) throws StartupException {
    Path parent = path.getParent();
    if (parent == null) {
      return path;
    }
    try {
      Files.createDirectories(parent);
      Path resolved = parent.toRealPath().resolve(path.getFileName());
      // readlink, not lstat: lstat of a FUSE mount whose cached attributes have expired asks its daemon, which may
      // be dead or hung; readlink is answered by the kernel alone.
      try {
        Files.readSymbolicLink(resolved);
        return resolved.toRealPath();
      } catch (java.nio.file.NotLinkException | java.nio.file.NoSuchFileException e) {
        return resolved;
      }
    } catch (IOException e) {
      throw new StartupException("cannot resolve mount point " + path + ": " + reason(e));
    }
  }

  /** The type a jlxcfs daemon's mount has in the mount table. */
  static final String JLXCFS_TYPE = "fuse.jlxcfs";

  /**
   * Clears a dead FUSE mount left at the path, refuses a live or hung one (as {@link Preflight}'s "mount point" item
   * words them: the state may have changed since), and makes the path an empty directory. With {@code takeover}, a
   * live jlxcfs mount is not refused: true is returned, and the path left as it is (the caller takes over).
   */
  boolean prepare(boolean takeover) throws StartupException {
    String fsType = mountedType();
    if (fsType != null && fsType.startsWith("fuse")) {
      switch (state()) {
        case HUNG -> throw new StartupException(hung(path));
        case LIVE -> {
          if (takeover && fsType.equals(JLXCFS_TYPE)) {
            return true;
          }
          throw new StartupException(live(path, fsType, takeover));
        }
        case DEAD -> {
          LOG.debug("{}: clearing the dead FUSE mount ({})", path, fsType);
          unmount(path);
          if (mountedType() != null && state() == FuseState.DEAD) {
            throw new StartupException(path + " holds a dead FUSE mount that could not be cleared: run 'umount -l "
                + path + "'");
          }
        }
      }
    }
    try {
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(path);
      }
    } catch (IOException e) {
      throw new StartupException("cannot create mount point " + path + ": " + reason(e));
    }
    if (!Files.isDirectory(path)) {
      throw new StartupException("mount point " + path + " is not a directory");
    }
    List<String> removed = removeEngineSkeleton(path);
    if (!removed.isEmpty()) {
      LOG.warn("{}: removed the empty directories a container engine made at the binds' sources while no daemon "
          + "served here ({}); containers started meanwhile with those binds failed to start, and start now",
          path, String.join(", ", removed));
    }
    try (DirectoryStream<Path> d = Files.newDirectoryStream(path)) {
      if (d.iterator().hasNext()) {
        throw new StartupException("mount point " + path + " is not empty");
      }
    } catch (IOException e) {
      throw new StartupException("cannot read mount point " + path + ": " + reason(e));
    }
    return false;
  }

  /** Whether a FUSE mount whose daemon answers is on top at the path. */
  boolean isLive() {
    try {
      String type = mountedType();
      return type != null && type.startsWith("fuse") && state() == FuseState.LIVE;
    } catch (StartupException e) {
      return false;
    }
  }

  /**
   * Removes the empty directories a container engine made at the binds' sources while nothing was mounted at
   * {@code mountPoint}: {@code docker run -v MNT/proc/meminfo:/proc/meminfo} creates a missing source as a directory
   * on the host (MNT/proc, MNT/proc/meminfo ... MNT/sys/devices/system/cpu), and the container then fails to start
   * (a directory onto a file). Left there, they would keep every later start of the daemon from mounting ("not
   * empty") until removed by hand. Only directories on the binds' paths ({@link Binds#ALL}) are considered, each
   * only if every component down to it is a directory and not a symlink, and only rmdir is used: a file, a link or a
   * directory with anything else in it stays (and the mount point is then refused as not empty). Returns the paths
   * removed, relative to the mount point.
   */
  static List<String> removeEngineSkeleton(Path mountPoint) {
    Map<String, Object> tree = new TreeMap<>();
    for (Binds.Bind bind : Binds.ALL) {
      Map<String, Object> level = tree;
      for (String name : bind.path().substring(1).split("/")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> next = (Map<String, Object>) level.computeIfAbsent(name, k -> new TreeMap<>());
        level = next;
      }
    }
    List<String> removed = new ArrayList<>();
    removeEmpty(mountPoint, "", tree, removed);
    return removed;
  }

  private static void removeEmpty(Path dir, String rel, Map<String, Object> children, List<String> removed) {
    for (Map.Entry<String, Object> e : children.entrySet()) {
      Path child = dir.resolve(e.getKey());
      String childRel = rel.isEmpty() ? e.getKey() : rel + "/" + e.getKey();
      if (!Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        continue; // missing, a file, or a link: not the engine's
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> grandChildren = (Map<String, Object>) e.getValue();
      removeEmpty(child, childRel, grandChildren, removed);
      try {
        Files.delete(child); // rmdir: only when empty
        removed.add(childRel);
      } catch (IOException notEmpty) {
        LOG.debug("{} stays: {}", child, reason(notEmpty));
      }
    }
  }

  /** The filesystem type mounted exactly at the path (the last such mount), or null. */
  String mountedType() throws StartupException {
    String text;
    try {
      text = Texts.readPaths(mountinfo);
    } catch (IOException e) {
      throw new StartupException("cannot read " + mountinfo + ": " + reason(e));
    }
    String type = null;
    for (MountInfo m : MountInfo.parse(text)) {
      if (m.mountPoint().equals(path.toString())) {
        type = m.fsType();
      }
    }
    return type;
  }

  /** A FUSE mount at the path whose daemon is gone: what the start does about it. */
  static String dead(Path path) {
    return path + ": a dead FUSE mount (a daemon was killed): starting jlxcfs clears it and heals running containers";
  }

  /** A FUSE mount at the path whose daemon does not answer: the start refuses it. */
  static String hung(Path path) {
    return path + ": a FUSE mount whose daemon does not answer (statfs waited " + PROBE_MILLIS / 1000 + " s): stop "
        + "that daemon, or clear the mount with 'umount -l " + path + "'";
  }

  /**
   * A FUSE mount at the path that serves: the host is served; a second daemon takes over from it only if it is
   * jlxcfs's and takeovers are on.
   */
  static String live(Path path, String fsType, boolean takeover) {
    if (fsType.equals(JLXCFS_TYPE)) {
      return takeover ? path + ": served by a live jlxcfs daemon: a start here takes over from it (handover)"
          : path + ": served by a live jlxcfs daemon: already mounted, and --takeover is off, so no second daemon can "
              + "start here (stop that one, choose another mount point, or start with --takeover to hand over "
              + "without a failed read)";
    }
    return path + ": served by a live " + fsType + ", which is not jlxcfs: already mounted, so no second daemon can "
        + "start here (stop that one, or choose another mount point)";
  }

  /** What answers at a FUSE mount. */
  enum FuseState { LIVE, DEAD, HUNG }

  /** How long the daemon behind a mount gets to answer statfs. */
  private static final long PROBE_MILLIS = 3000;

  /**
   * Whether the FUSE mount at the path has lost its daemon. stat() alone cannot tell: the kernel answers it from
   * the attributes it cached (for attr_timeout), but statfs() always asks the daemon; one that is alive but stuck
   * never answers, so the probe runs on a thread of its own and is given {@link #PROBE_MILLIS}.
   */
  FuseState state() {
    java.util.concurrent.CompletableFuture<FuseState> probe = new java.util.concurrent.CompletableFuture<>();
    Thread t = new Thread(() -> probe.complete(probeNow()), "statfs " + path);
    t.setDaemon(true); // left behind if it never returns
    t.start();
    try {
      return probe.get(PROBE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return FuseState.HUNG;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FuseState.HUNG;
    } catch (java.util.concurrent.ExecutionException e) {
      return FuseState.LIVE;
    }
  }

  private FuseState probeNow() {
    try {
      Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
      Files.getFileStore(path).getTotalSpace(); // statfs(2)
      return FuseState.LIVE;
    } catch (FileSystemException e) {
      String r = String.valueOf(e.getReason());
      return r.contains("not connected") || r.contains("Input/output error") ? FuseState.DEAD : FuseState.LIVE;
    } catch (IOException e) {
      return FuseState.LIVE;
    }
  }

  /**
   * Takes the mount off the path lazily (open files and containers' binds keep their connection until closed):
   * umount2(MNT_DETACH), which the daemon may call as root, so neither the setuid fusermount nor any other tool is
   * needed. `umount -l` (util-linux) only if the call cannot be made (libc not loadable). Returns whether the path
   * was unmounted.
   */
  static boolean unmount(Path path) {
    try {
      Native.detachMount(path.toString());
      return true;
    } catch (Native.SyscallException e) {
      LOG.debug("umount2({}, MNT_DETACH): {}", path, e.getMessage());
      return false;
    } catch (LinkageError | RuntimeException e) {
      LOG.debug("umount2 not callable ({}): umount -l {}", e.toString(), path);
    }
    try {
      Process p = new ProcessBuilder("umount", "-l", path.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(10, TimeUnit.SECONDS)) {
        return p.exitValue() == 0;
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // not installed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  static String reason(IOException e) {
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
