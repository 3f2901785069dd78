package dev.jlxcfs.util;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/** The few libc calls the daemon needs, bound once through jnr-ffi (which jnr-fuse brings in anyway). */
public final class Native {

  /** The libc functions, as jnr-ffi binds them. */
  public interface LibC {
    @IgnoreError
    int clock_gettime(int clockId, @Out long[] timespec);

    long sysconf(int name);

    int geteuid();

    @IgnoreError
    int poll(Pointer fds, long nfds, int timeoutMillis);

    int fcntl(int fd, int cmd, int arg);

    int sched_getaffinity(int pid, long size, @Out long[] mask);

    int sched_setaffinity(int pid, long size, @In long[] mask);

    /** For system calls glibc 2.35 has no wrapper of (pidfd_open, pidfd_send_signal). */
    @IgnoreError
    long syscall(long number, long a, long b, long c, long d);

    @IgnoreError
    int close(int fd);

    // The mount calls below keep errno (no @IgnoreError): their failures are reported with the reason.

    /** open_tree(2) and move_mount(2), which glibc 2.36 wraps but older ones do not. */
    int syscall(long number, int dirfd, String path, int flags);

    int syscall(long number, int fromDirfd, String fromPath, int toDirfd, String toPath, int flags);

    int open(String path, int flags);

    int unshare(int flags);

    int setns(int fd, int nstype);

    int fchdir(int fd);

    int umount2(String target, int flags);

    int mount(String source, String target, String type, long flags, Pointer data);

    @IgnoreError
    long write(int fd, Pointer buf, long count);

    /** For the load sampler's reads of many small files: no String, no FileChannel per open. */
    @IgnoreError
    int openat(int dirfd, @In byte[] path, int flags);

    @IgnoreError
    long pread(int fd, @Out byte[] buf, long count, long offset);

    /**
     * Into native memory (KeptFile): nothing copied in, and only what was read copied out. errno kept: a failure
     * (ENODEV, a removed cgroup's file) is reported with it.
     */
    long pread(int fd, Pointer buf, long count, long offset);

    // The heal pass's calls (see Healer): paths as NUL-terminated bytes, exactly as the mount table names them.

    /** openat2(2), which glibc does not wrap: (SYS_openat2, dirfd, path, struct open_how, its size). */
    int syscall(long number, int dirfd, @In byte[] path, @In long[] how, long size);

    /** move_mount(2) between two descriptors (both paths empty). */
    int syscall(long number, int fromDirfd, @In byte[] fromPath, int toDirfd, @In byte[] toPath, int flags);

    /** open_tree(2) relative to a directory descriptor. */
    int syscall(long number, int dirfd, @In byte[] path, int flags);

    int statx(int dirfd, @In byte[] path, int flags, int mask, @Out byte[] statx);

    int chroot(@In byte[] path);

    int umount2(@In byte[] target, int flags);

    long read(int fd, @Out byte[] buf, long count);

    // systemd's readiness notification (SystemdNotify): one datagram to an AF_UNIX socket.

    int socket(int domain, int type, int protocol);

    long sendto(int fd, @In byte[] buf, long len, int flags, @In byte[] address, int addressLength);
  }

  private static final int CLOCK_BOOTTIME = 7;
  private static final int SC_CLK_TCK = 2;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = 04000;
  /** Syscall numbers above 423 are the same on every architecture. */
  private static final long SYS_PIDFD_SEND_SIGNAL = 424;
  private static final long SYS_PIDFD_OPEN = 434;
  /** pidfd_open flag (Linux 6.9+): a pidfd of a thread rather than of a thread-group leader. */
  private static final long PIDFD_THREAD = 0200;

  private static final long SYS_OPEN_TREE = 428;
  public static final int AT_FDCWD = -100;
  private static final int OPEN_TREE_CLONE = 1;
  private static final int O_CLOEXEC = 02000000;
  private static final int O_RDONLY = 0;
  private static final int O_PATH = 010000000;
  private static final int CLONE_FS = 0x200;
  private static final int CLONE_NEWNS = 0x20000;
  private static final int MNT_DETACH = 2;
  private static final int UMOUNT_NOFOLLOW = 8;
  public static final int ENOSYS = 38;
  static final int EPERM = 1;

  private static volatile LibC libc;

  private Native() {}

  public static LibC libc() {
    LibC l = libc;
    if (l == null) {
      synchronized (Native.class) {
        if (libc == null) {
          libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        }
        l = libc;
      }
    }
    return l;
  }

  /** USER_HZ: the unit of start times in /proc/PID/stat and of the tick columns of /proc/stat. */
  public static long clockTicksPerSecond() {
    long hz = libc().sysconf(SC_CLK_TCK);
    return hz > 0 ? hz : 100;
  }

  public static int effectiveUid() {
    return libc().geteuid();
  }

  public static void setNonBlocking(int fd) {
    int flags = libc().fcntl(fd, F_GETFL, 0);
    if (flags < 0 || libc().fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
      throw new IllegalStateException("fcntl(O_NONBLOCK) failed on fd " + fd);
    }
  }

  /** The CPUs the calling thread may run on (its affinity mask), as CPU numbers. */
  public static int[] allowedCpus() {
    long[] mask = new long[16]; // 1024 CPUs
    if (libc().sched_getaffinity(0, mask.length * 8L, mask) != 0) {
      return new int[0];
    }
    java.util.BitSet set = java.util.BitSet.valueOf(mask);
    return set.stream().toArray();
  }

  /** Restricts the calling thread to one CPU; false when the kernel refuses (CPU offline, cpuset). */
  public static boolean pinCurrentThread(int cpu) {
    long[] mask = new long[cpu / 64 + 1];
    mask[cpu / 64] = 1L << (cpu % 64);
    return libc().sched_setaffinity(0, mask.length * 8L, mask) == 0;
  }

  /**
   * A pidfd for the task {@code tid} (a process, or on Linux 6.9+ any thread), or -1 when the kernel cannot give
   * one (the task is gone, Linux before 5.3, a non-leader thread before 6.9).
   */
  public static int pidfdOpen(int tid) {
    long fd = libc().syscall(SYS_PIDFD_OPEN, tid, 0, 0, 0);
    if (fd < 0) {
      fd = libc().syscall(SYS_PIDFD_OPEN, tid, PIDFD_THREAD, 0, 0);
    }
    return (int) fd;
  }

  /**
   * Whether the task a pidfd refers to is still alive (signal 0: no signal is sent). EPERM counts as alive: the
   * kernel finds the task before it checks the permission (an exited one gives ESRCH), so the daemon needs no
   * CAP_KILL to ask this about other users' tasks (without it every such caller was taken for gone and resolved
   * again on each read).
   */
  public static boolean pidfdAlive(int pidfd) {
    return libc().syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, 0, 0, 0) == 0
        || jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime()) == EPERM;
  }

  public static void closeFd(int fd) {
    if (fd >= 0) {
      libc().close(fd);
    }
  }

  /** A failed system call: its errno and the call's description. */
  public static final class SyscallException extends Exception {
    private final int errno;

    public SyscallException(String call, int errno) {
      super(call + ": " + describe(errno));
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }

  /** "ENOENT (No such file or directory)". */
  public static String describe(int errno) {
    jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
    return e == null || e == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno
        : e.name() + " (" + e.description() + ")";
  }

  /** The errno of this thread's last call bound without {@code @IgnoreError}. */
  public static int lastErrno() {
    return jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime());
  }

  static int check(int result, String call) throws SyscallException {
    if (result < 0) {
      throw new SyscallException(call, jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime()));
    }
    return result;
  }

  /**
   * A detached copy of the mount at {@code path} (open_tree with OPEN_TREE_CLONE, Linux 5.2+): only that mount, rooted
   * at {@code path}, without what is mounted on top of it or below it. Nothing can later be mounted onto the copy,
   * since it is in no mount namespace; it lives as long as the descriptor.
   */
  public static int openTreeClone(String path) throws SyscallException {
    return check(libc().syscall(SYS_OPEN_TREE, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC), "open_tree " + path);
  }

  /** An O_PATH descriptor of a directory (for namespace files and roots seen through /proc/PID). */
  public static int openPath(String path) throws SyscallException {
    return check(libc().open(path, O_PATH | O_CLOEXEC), "open " + path);
  }

  /**
   * Opens {@code path} (NUL-terminated bytes; relative to {@code dirFd}, or absolute) read-only, reads up to
   * {@code buf.length} bytes from its start and closes it. Returns the count read, or -1 when it cannot be opened
   * or read (a task that exited, a removed cgroup). Allocates nothing.
   */
  public static int readSmallFile(int dirFd, byte[] path, byte[] buf) {
    LibC c = libc();
    int fd = c.openat(dirFd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return -1;
    }
    try {
      return (int) c.pread(fd, buf, buf.length, 0);
    } finally {
      c.close(fd);
    }
  }

  /** getdents64's number: x86-64 217, arm64 (and the other asm-generic tables) 61; -1 where unknown. */
  private static final long SYS_GETDENTS64 = switch (System.getProperty("os.arch", "")) {
    case "amd64", "x86_64" -> 217;
    case "aarch64", "riscv64", "loongarch64" -> 61;
    default -> -1;
  };
  private static final int O_DIRECTORY = 0200000;
  private static final int O_NOFOLLOW = 0400000;
  /** A directory entry's d_type for a directory. */
  public static final int DT_DIR = 4;

  /** Whether {@link #readDirectory} works on this architecture. */
  public static boolean canReadDirectories() {
    return SYS_GETDENTS64 > 0;
  }

  /**
   * Opens the directory {@code name} (NUL-terminated; relative to {@code dirFd}) read-only, never through a symlink
   * (O_NOFOLLOW | O_DIRECTORY). Returns the descriptor, or -1.
   */
  public static int openDirectory(int dirFd, byte[] name) {
    return libc().openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }

  /**
   * Reads directory entries (struct linux_dirent64: d_ino 8, d_off 8, d_reclen 2, d_type 1, the NUL-terminated
   * name) into {@code buf}; the byte count, 0 at the end, -1 on failure. Allocates nothing.
   */
  public static int readDirectory(int fd, byte[] buf) {
    if (SYS_GETDENTS64 < 0) {
      return -1;
    }
    // Through native memory of the thread's own: a byte[] passed to the untyped syscall() is not copied back.
    Pointer p = DIRENT_MEMORY.get();
    if (p.size() < buf.length) {
      p = jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), buf.length);
      DIRENT_MEMORY.set(p);
    }
    int n = (int) libc().syscall(SYS_GETDENTS64, fd, p.address(), buf.length, 0);
    if (n > 0) {
      p.get(0, buf, 0, n);
    }
    return n;
  }

  private static final ThreadLocal<Pointer> DIRENT_MEMORY =
      ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 16384));

  /**
   * Opens the directory {@code path} (NUL-terminated) read-only, following a symlink in its last component: for a
   * root the daemon chose itself (a private tree copy is reached through the magic link /proc/self/fd/N). -1 on
   * failure.
   */
  public static int openTrustedDirectory(byte[] path) {
    return libc().openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }

  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int AT_STATX_DONT_SYNC = 0x4000;
  private static final int STATX_NLINK = 0x4;

  /**
   * The link count of {@code name} (NUL-terminated; relative to {@code dirFd}, a symlink not followed), read into
   * {@code statx} (256 bytes, struct statx), or -1. A directory's is 2 + its subdirectories on cgroupfs (kernfs),
   * tmpfs and ext4; btrfs and others say 1. Allocates nothing.
   */
  public static int linkCount(int dirFd, byte[] name, byte[] statx) {
    if (libc().statx(dirFd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_NLINK, statx) != 0
        || (statx[0] & STATX_NLINK) == 0) {
      return -1;
    }
    // struct statx: stx_mask (u32), stx_blksize (u32), stx_attributes (u64), stx_nlink (u32, host order) at 16.
    return (statx[16] & 0xff) | (statx[17] & 0xff) << 8 | (statx[18] & 0xff) << 16 | (statx[19] & 0xff) << 24;
  }

  private static final int STATX_TYPE = 0x1;

  /**
   * Whether {@code name} (NUL-terminated; relative to {@code dirFd}) is a directory or a symlink to one (a v1
   * hierarchy's mount point may be one: cpu -> cpu,cpuacct), read into {@code statx} (256 bytes, struct statx).
   * Allocates nothing.
   */
  public static boolean isDirectory(int dirFd, byte[] name, byte[] statx) {
    if (libc().statx(dirFd, name, AT_STATX_DONT_SYNC, STATX_TYPE, statx) != 0
        || (statx[0] & STATX_TYPE) == 0) {
      return false;
    }
    // struct statx: stx_mode (u16, host order) at 28; S_IFMT 0170000, S_IFDIR 0040000.
    int mode = (statx[28] & 0xff) | (statx[29] & 0xff) << 8;
    return (mode & 0170000) == 0040000;
  }

  /** Opens {@code path} (NUL-terminated bytes, relative to {@code dirFd}) read-only; the descriptor, or -1. */
  public static int openReadOnly(int dirFd, byte[] path) {
    return libc().openat(dirFd, path, O_RDONLY | O_CLOEXEC);
  }

  /** Reads up to {@code buf.length} bytes from the start of {@code fd}; the count, or -1. Allocates nothing. */
  public static int readFromStart(int fd, byte[] buf) {
    return (int) libc().pread(fd, buf, buf.length, 0);
  }

  /** A read-only descriptor (setns needs a real one for namespace files on older kernels). */
  public static int openReadOnly(String path) throws SyscallException {
    return check(libc().open(path, O_RDONLY | O_CLOEXEC), "open " + path);
  }

  /**
   * Moves the calling thread (only it) into the mount namespace {@code nsFd}: it first stops sharing its root and
   * working directory with the other threads, which setns requires of a multi-threaded process.
   */
  public static void enterMountNamespace(int nsFd) throws SyscallException {
    check(libc().unshare(CLONE_FS), "unshare(CLONE_FS)");
    check(libc().setns(nsFd, CLONE_NEWNS), "setns(CLONE_NEWNS)");
  }

  /** mount(2) of a filesystem that takes no source and no options (FUSE's control filesystem). */
  public static void mountPlain(String type, String target) throws SyscallException {
    check(libc().mount(type, target, type, 0, null), "mount " + type + " " + target);
  }

  /** umount2(path, MNT_DETACH): takes the mount off the path now, frees it when its last user is gone. */
  public static void detachMount(String path) throws SyscallException {
    // For the daemon's own mount point (root's); UMOUNT_NOFOLLOW all the same: a symlink there is not followed.
    check(libc().umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW), "umount " + path);
  }

  static final Clock BOOT_CLOCK = new Clock() {
    /**
     * CLOCK_BOOTTIME minus CLOCK_MONOTONIC (System.nanoTime on Linux), and when it was measured. The two clocks
     * differ by the time the host spent suspended, which changes only across a suspend: the offset is measured
     * again once a second, so a reading is a vDSO clock read and an addition, with no buffer and no lock.
     */
    private record Offset(long nanos, long measuredAt) {}

    private volatile Offset offset;

    @Override
    public long bootTimeNanos() {
      long now = System.nanoTime();
      Offset o = offset;
      if (o == null || now - o.measuredAt() >= 1_000_000_000L) {
        long[] ts = new long[2];
        if (libc().clock_gettime(CLOCK_BOOTTIME, ts) != 0) {
          throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
        }
        long after = System.nanoTime();
        o = new Offset(ts[0] * 1_000_000_000L + ts[1] - (now + (after - now) / 2), after);
        offset = o;
        now = after;
      }
      return now + o.nanos();
    }
  };
}
