package dev.jlxcfs.util;

import static dev.jlxcfs.util.Native.check;
import static dev.jlxcfs.util.Native.libc;

import dev.jlxcfs.util.Native.SyscallException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The system calls of the heal pass, which acts inside mount namespaces a tenant controls. Nothing here takes a path
 * on trust: paths are resolved with openat2 below a root descriptor, without following any symlink or magic link, and
 * the mount found is named by its mount ID (statx) before it is touched; the unmount and the attach act on
 * descriptors, so a path swapped under the pass (a directory exchanged with a symlink) cannot redirect them. Needs
 * Linux 5.12 (openat2: 5.6, STATX_MNT_ID: 5.8, RESOLVE_CACHED: 5.12, open_tree/move_mount: 5.2).
 */
public final class MountCalls {

  /** Syscall numbers above 423 are the same on every architecture. */
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_OPENAT2 = 437;
  private static final int O_PATH = 010000000;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_NOFOLLOW = 0400000;
  private static final int O_CLOEXEC = 02000000;
  private static final int O_RDONLY = 0;
  private static final long RESOLVE_NO_MAGICLINKS = 0x02;
  private static final long RESOLVE_NO_SYMLINKS = 0x04;
  private static final long RESOLVE_BENEATH = 0x08;
  private static final long RESOLVE_IN_ROOT = 0x10;
  private static final long RESOLVE_CACHED = 0x20;
  private static final int AT_EMPTY_PATH = 0x1000;
  /** statx must not ask a FUSE daemon (a dead one answers nothing; a tenant's may never answer). */
  private static final int AT_STATX_DONT_SYNC = 0x4000;
  private static final int STATX_TYPE = 0x1;
  private static final int STATX_MNT_ID = 0x1000;
  private static final int OPEN_TREE_CLONE = 1;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;
  private static final int MOVE_MOUNT_BENEATH = 0x200;
  private static final int MNT_DETACH = 2;
  private static final int S_IFMT = 0170000;
  private static final int S_IFLNK = 0120000;
  private static final byte[] EMPTY = {0};

  /** What openBeneath with cachedOnly fails with where the dentry cache is not enough. */
  public static final int EAGAIN = 11;

  private MountCalls() {}

  /** What statx says of a file: its mount, its filesystem's device, whether it is a symlink. */
  public record Stat(long mountId, int devMajor, int devMinor, int mode) {
    public String device() {
      return devMajor + ":" + devMinor;
    }

    public boolean isSymlink() {
      return (mode & S_IFMT) == S_IFLNK;
    }
  }

  /** NUL-terminated bytes of a path. */
  public static byte[] cString(byte[] path) {
    return Arrays.copyOf(path, path.length + 1);
  }

  public static byte[] cString(String path) {
    return cString(path.getBytes(Texts.PATH_CHARSET));
  }

  /**
   * An O_PATH descriptor of {@code path} resolved below {@code rootFd} as if it were the root ("/" and ".." stay
   * inside it), following no symlink and no magic link, the last component included (a symlink there is returned
   * as itself: see {@link Stat#isSymlink}).
   */
  public static int openInRoot(int rootFd, byte[] path, boolean directory) throws SyscallException {
    return openat2(rootFd, path, directory, RESOLVE_IN_ROOT);
  }

  /**
   * The same for one name in a directory descriptor, which the lookup may not leave. With {@code cachedOnly} the
   * lookup is made from the kernel's dentry cache alone (RESOLVE_CACHED, Linux 5.12+), failing with EAGAIN where it
   * would have to ask the filesystem (or a layer under it) to look up or revalidate: what a directory of a stacked
   * filesystem, whose layer may be a tenant's FUSE, needs.
   */
  public static int openBeneath(int dirFd, byte[] name, boolean cachedOnly) throws SyscallException {
    return openat2(dirFd, name, false, RESOLVE_BENEATH | (cachedOnly ? RESOLVE_CACHED : 0));
  }

  private static int openat2(int dirFd, byte[] path, boolean directory, long scope) throws SyscallException {
    long[] how = {O_PATH | O_CLOEXEC | O_NOFOLLOW | (directory ? O_DIRECTORY : 0), 0,
        scope | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    return check(libc().syscall(SYS_OPENAT2, dirFd, cString(path), how, 24L), "openat2");
  }

  /** statx of a descriptor itself, without asking its filesystem's daemon. */
  public static Stat stat(int fd) throws SyscallException {
    return statAt(fd, EMPTY, AT_EMPTY_PATH);
  }

  private static Stat statAt(int dirFd, byte[] cPath, int flags) throws SyscallException {
    byte[] buf = new byte[256];
    check(libc().statx(dirFd, cPath, flags | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_MNT_ID, buf), "statx");
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.nativeOrder());
    if ((b.getInt(0) & STATX_MNT_ID) == 0) {
      throw new SyscallException("statx (no mount ID before Linux 5.8)", Native.ENOSYS);
    }
    // struct statx: stx_mode at 28, stx_dev_major/minor at 136/140, stx_mnt_id at 144.
    return new Stat(b.getLong(144), b.getInt(136), b.getInt(140), b.getShort(28) & 0xffff);
  }

  /**
   * A detached copy of the mount at {@code path} below {@code dirFd} (open_tree OPEN_TREE_CLONE), for the daemon's
   * own files: the path was checked to be one of them.
   */
  public static int cloneTree(int dirFd, byte[] path) throws SyscallException {
    return check(libc().syscall(SYS_OPEN_TREE, dirFd, cString(path), OPEN_TREE_CLONE | O_CLOEXEC),
        "open_tree");
  }

  /**
   * A detached copy of the mount {@code mountFd} is the root of (open_tree with AT_EMPTY_PATH): no path is looked up,
   * so nothing is asked of the filesystem (a FUSE daemon's own mount would otherwise get a request from itself, which
   * under load may wait past its request timeout).
   */
  public static int cloneMount(int mountFd) throws SyscallException {
    return check(libc().syscall(SYS_OPEN_TREE, mountFd, EMPTY, OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH),
        "open_tree");
  }

  /**
   * Takes the mount whose root {@code mountFd} is off its mount point (MNT_DETACH), by that descriptor: the path
   * handed to umount2 is the descriptor's magic link in a procfs the daemon opened itself ({@code procFd}, the
   * host's), so nothing the tenant can change between the check and the unmount is looked up.
   */
  public static void detach(int procFd, int mountFd) throws SyscallException {
    // umount2 has no descriptor form: the lookup starts at the working directory, set to our own procfs.
    check(libc().fchdir(procFd), "fchdir");
    check(libc().umount2(cString("thread-self/fd/" + mountFd), MNT_DETACH), "umount2");
  }

  /**
   * Takes the mount whose root {@code mountFd} is off its mount point (MNT_DETACH), in the daemon's own mount
   * namespace, where /proc is the host's (the daemon's own mount, never a tenant's: see {@link #detach} for those).
   */
  public static void detachOwn(int mountFd) throws SyscallException {
    check(libc().umount2(cString("/proc/self/fd/" + mountFd), MNT_DETACH), "umount2");
  }

  /** Attaches the detached tree {@code treeFd} on the file {@code targetFd} is (move_mount between descriptors). */
  public static void attach(int treeFd, int targetFd) throws SyscallException {
    check(libc().syscall(SYS_MOVE_MOUNT, treeFd, EMPTY, targetFd, EMPTY,
        MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH), "move_mount");
  }

  /**
   * Attaches the detached tree {@code treeFd} beneath the mount whose root {@code topFd} is, at the same place
   * (move_mount MOVE_MOUNT_BENEATH, Linux 6.5+): the top mount still shows until it is taken off ({@link #detach}),
   * and then the new one does, so a path that had a live mount never shows anything else. EINVAL on an older kernel
   * (an unknown flag) and where the kernel refuses it (the top is a namespace's root, or propagation would overmount
   * it).
   */
  public static void attachBeneath(int treeFd, int topFd) throws SyscallException {
    check(libc().syscall(SYS_MOVE_MOUNT, treeFd, EMPTY, topFd, EMPTY,
        MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH | MOVE_MOUNT_BENEATH), "move_mount beneath");
  }

  /** Makes the working directory the calling thread's root (needs its own fs_struct: unshare(CLONE_FS)). */
  public static void chrootHere(int dirFd) throws SyscallException {
    check(libc().fchdir(dirFd), "fchdir");
    check(libc().chroot(cString(".")), "chroot");
  }

  /** A read-only descriptor of {@code path} below {@code dirFd} (the daemon's own procfs), or -1. */
  public static int openReadOnly(int dirFd, String path) {
    return libc().openat(dirFd, cString(path), O_RDONLY | O_CLOEXEC);
  }

  /** read(2): the bytes read, 0 at end of file, negative on error. */
  public static int read(int fd, byte[] buf) {
    return (int) libc().read(fd, buf, buf.length);
  }
}
