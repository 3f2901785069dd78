package dev.jlxcfs.util;

/**
 * The time source for every figure that depends on "now" (uptime, CPU deltas). Injected so that tests can
 * drive time by hand, in the manner of Caffeine's {@code Ticker}.
 */
public interface Clock {

  /** Nanoseconds since the host booted, suspend included: the kernel's CLOCK_BOOTTIME, which /proc/uptime shows. */
  long bootTimeNanos();

  /** The real clock: CLOCK_BOOTTIME, as the monotonic clock plus an offset re-read from libc once a second. */
  static Clock system() {
    return Native.BOOT_CLOCK;
  }
}
