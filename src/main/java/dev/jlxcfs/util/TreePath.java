package dev.jlxcfs.util;

import java.nio.file.Path;

/**
 * A directory as the kernel is handed it by the sampler and the sweep: a directory descriptor and the bytes of the
 * path below it.
 *
 * <p>Why: the daemon reads its sources through private tree copies reached as {@code /proc/self/fd/N/REST} (see
 * {@code SourceTrees}), and resolving that prefix is four procfs lookups ({@code proc}, {@code self}, {@code fd},
 * the magic link {@code N}) on every open and stat. Measured here (kernel 6.18, a C loop): a stat of a cgroup
 * directory costs 3.3 us through the prefix and 1.3 us relative to N; an open, read and close of its {@code tasks}
 * file 7.3 us and 5.1 us. With 5,000 groups the idle daemon makes ~1,250 such stats and ~1,000 such opens every 5 s.
 * A path under a copy is split into N and REST; any other path (fixture trees, trees read in place) is kept whole,
 * with {@link Native#AT_FDCWD}. The copies' descriptors stay open for the daemon's life, so N stays valid.
 */
public final class TreePath {

  private static final byte[] PREFIX = {'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 'f', 'd', '/'};

  private final int dirFd;
  private final byte[] below;

  private TreePath(int dirFd, byte[] below) {
    this.dirFd = dirFd;
    this.below = below;
  }

  /**
   * {@code dir} split as {@link #of(byte[])} does. Built from its names, not {@code dir.toString()}: a JDK path keeps
   * the string it once made for good, and the sweep looks at thousands of kept cgroups' paths (~100 bytes each).
   */
  public static TreePath of(Path dir) {
    StringBuilder abs = new StringBuilder(96);
    for (Path name : dir.toAbsolutePath()) {
      abs.append('/').append(name);
    }
    return of((abs.length() == 0 ? "/" : abs.toString()).getBytes(Texts.PATH_CHARSET));
  }

  /** {@code path}: absolute, without a NUL. */
  public static TreePath of(byte[] path) {
    int n = path.length;
    if (n <= PREFIX.length || !java.util.Arrays.equals(path, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
      return new TreePath(Native.AT_FDCWD, path);
    }
    int i = PREFIX.length;
    long fd = 0;
    while (i < n && path[i] >= '0' && path[i] <= '9' && fd <= Integer.MAX_VALUE) {
      fd = fd * 10 + (path[i++] - '0');
    }
    if (i == PREFIX.length || fd > Integer.MAX_VALUE || i < n && path[i] != '/') {
      return new TreePath(Native.AT_FDCWD, path); // not a descriptor's magic link: resolved as it is
    }
    while (i < n && path[i] == '/') {
      i++;
    }
    return new TreePath((int) fd, java.util.Arrays.copyOfRange(path, i, n));
  }

  /** The descriptor the path is relative to, or {@link Native#AT_FDCWD}. */
  public int dirFd() {
    return dirFd;
  }

  /** The path below {@link #dirFd} (empty: the directory itself), or the whole absolute path; no NUL. */
  public byte[] below() {
    return below;
  }

  /**
   * {@code below + "/" + name} (just {@code name} when below is empty), NUL-terminated, in {@code buf} if it fits,
   * else in a new array; returns the array used. For {@code openat(dirFd, ...)}.
   */
  public static byte[] child(byte[] below, byte[] name, byte[] buf) {
    int sep = below.length == 0 ? 0 : 1;
    int len = below.length + sep + name.length + 1;
    byte[] out = buf.length >= len ? buf : new byte[Math.max(len, 2 * buf.length)];
    System.arraycopy(below, 0, out, 0, below.length);
    if (sep == 1) {
      out[below.length] = '/';
    }
    System.arraycopy(name, 0, out, below.length + sep, name.length);
    out[len - 1] = 0;
    return out;
  }

  /** {@link #below} NUL-terminated in {@code buf} (or a new array); "." when it is empty. */
  public byte[] cString(byte[] buf) {
    return below.length == 0 ? child(below, DOT, buf) : child(EMPTY, below, buf);
  }

  private static final byte[] DOT = {'.'};
  private static final byte[] EMPTY = {};
}
