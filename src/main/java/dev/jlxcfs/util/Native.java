package dev.jlxcfs.util;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;

/** The few libc calls the daemon needs, bound once through jnr-ffi (which jnr-fuse brings in anyway). */
public final class Native {

  /** The libc functions, as jnr-ffi binds them. */
  public interface LibC {
    int clock_gettime(int clockId, @Out long[] timespec);

    long sysconf(int name);

    int geteuid();
  }

  private static final int CLOCK_BOOTTIME = 7;
  private static final int SC_CLK_TCK = 2;

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
