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

  /** Whether the task a pidfd refers to is still alive (signal 0: no signal is sent). */
  public static boolean pidfdAlive(int pidfd) {
    return libc().syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, 0, 0, 0) == 0;
  }

  public static void closeFd(int fd) {
    if (fd >= 0) {
      libc().close(fd);
    }
  }

  static final Clock BOOT_CLOCK = new Clock() {
    // One buffer per thread: FUSE workers call this concurrently and the read path should not allocate.
    private final ThreadLocal<long[]> buffers = ThreadLocal.withInitial(() -> new long[2]);

    @Override
    public long bootTimeNanos() {
      long[] ts = buffers.get();
      if (libc().clock_gettime(CLOCK_BOOTTIME, ts) != 0) {
        throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
      }
      return ts[0] * 1_000_000_000L + ts[1];
    }

    @Override
    public String toString() {
      return "Clock.system()";
    }
  };
}
