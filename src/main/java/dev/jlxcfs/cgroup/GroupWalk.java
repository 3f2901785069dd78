package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Finds the groups of one hierarchy by walking its directories from the mount point: getdents64 on descriptors
 * opened relative to their parent with O_NOFOLLOW | O_DIRECTORY, so a symlink is never followed and a group renamed
 * during the walk is not looked for under a path that meanwhile names something else. Only entries the kernel types
 * as directories are groups; a name is used as the bytes the kernel gave (a tenant names groups in delegated
 * subtrees: spaces, newlines, non-UTF-8 bytes are all possible). Nothing is written.
 *
 * <p>Bounded: at most {@link #MAX_DEPTH} levels below the mount point (v1 has no depth limit of its own), and the
 * visitor stops the walk when it has enough. One descriptor per level is open while the walk is below it.
 *
 * <p>A group whose directory has 2 links (cgroupfs counts a directory's subdirectories in its links, as tmpfs and
 * ext4 do) has no group below it: it is not opened or read (one statx instead of an open, two getdents64 of its ~17
 * files and a close: most groups are leaves).
 */
public final class GroupWalk {

  /** Levels below the mount point walked at most. */
  public static final int MAX_DEPTH = 32;

  /** What the walk reports. */
  public interface Visitor {
    /**
     * A group below the mount point: its directory, and its absolute path as bytes (no NUL). Returns false to end
     * the walk.
     */
    boolean group(CgroupDir dir, byte[] path);
  }

  private final Hierarchy hierarchy;
  private final byte[] rootPath;
  private final byte[][] buffers = new byte[MAX_DEPTH + 1][];
  private byte[] name = new byte[256];
  private final byte[] statx = new byte[256];

  public GroupWalk(Hierarchy hierarchy) {
    this.hierarchy = hierarchy;
    this.rootPath = hierarchy.mountPoint().toAbsolutePath().toString().getBytes(Texts.PATH_CHARSET);
  }

  public Hierarchy hierarchy() {
    return hierarchy;
  }

  /**
   * Walks every group below the mount point (not the root group itself). Returns false when the mount point cannot
   * be read or the visitor ended the walk.
   */
  public boolean walk(Visitor visitor) {
    if (!Native.canReadDirectories()) {
      return false;
    }
    byte[] root = Arrays.copyOf(rootPath, rootPath.length + 1);
    // The mount point is the daemon's own (a private copy is reached through /proc/self/fd/N, a magic link): followed.
    int fd = Native.openTrustedDirectory(root);
    if (fd < 0) {
      return false;
    }
    try {
      return walk(fd, hierarchy.mountPoint().toAbsolutePath(), rootPath, 0, visitor);
    } finally {
      Native.closeFd(fd);
    }
  }

  private boolean walk(int fd, Path dir, byte[] dirBytes, int depth, Visitor visitor) {
    if (buffers[depth] == null) {
      buffers[depth] = new byte[16384];
    }
    byte[] buf = buffers[depth];
    while (true) {
      int n = Native.readDirectory(fd, buf);
      if (n <= 0) {
        return true; // the end, or a group removed meanwhile
      }
      int off = 0;
      while (off + 19 < n) {
        int reclen = (buf[off + 16] & 0xff) | (buf[off + 17] & 0xff) << 8;
        if (reclen <= 19 || off + reclen > n) {
          return true; // not a record the kernel makes: stop reading this directory
        }
        int type = buf[off + 18];
        int start = off + 19;
        int end = start;
        while (end < off + reclen && buf[end] != 0) {
          end++;
        }
        off += reclen;
        if (type != Native.DT_DIR || isDotOrDotDot(buf, start, end)) {
          continue;
        }
        int len = end - start;
        byte[] childBytes = new byte[dirBytes.length + 1 + len];
        System.arraycopy(dirBytes, 0, childBytes, 0, dirBytes.length);
        childBytes[dirBytes.length] = '/';
        System.arraycopy(buf, start, childBytes, dirBytes.length + 1, len);
        Path child;
        try {
          child = dir.resolve(new String(buf, start, len, Texts.PATH_CHARSET));
        } catch (InvalidPathException e) {
          continue; // a name no Path can hold: no reader can be resolved to it either
        }
        if (!visitor.group(new CgroupDir(hierarchy, child), childBytes)) {
          return false;
        }
        if (depth + 1 >= MAX_DEPTH) {
          continue;
        }
        if (name.length < len + 1) {
          name = new byte[len + 1];
        }
        System.arraycopy(buf, start, name, 0, len);
        name[len] = 0;
        if (Native.linkCount(fd, name, statx) == 2) {
          continue; // no subdirectory (kernfs counts them in a directory's links): no group below it
        }
        int childFd = Native.openDirectory(fd, name);
        if (childFd < 0) {
          continue; // removed meanwhile
        }
        try {
          if (!walk(childFd, child, childBytes, depth + 1, visitor)) {
            return false;
          }
        } finally {
          Native.closeFd(childFd);
        }
      }
    }
  }

  private static boolean isDotOrDotDot(byte[] b, int start, int end) {
    return end - start == 1 && b[start] == '.' || end - start == 2 && b[start] == '.' && b[start + 1] == '.';
  }
}
