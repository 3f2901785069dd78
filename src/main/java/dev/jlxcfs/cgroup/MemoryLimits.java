package dev.jlxcfs.cgroup;

/**
 * The memory limits in force for a cgroup: the smallest on the path from it up to the root.
 *
 * @param memory        bytes of RAM, or {@link #NONE}
 * @param swap          bytes of swap the cgroup may use on top of its RAM, or {@link #NONE}
 * @param swapAccounted whether the kernel accounts swap per cgroup (v1 memory.memsw.*, v2 memory.swap.*)
 */
public record MemoryLimits(long memory, long swap, boolean swapAccounted) {

  public static final long NONE = Long.MAX_VALUE;

  /** Values at or above this are "no limit" (v1 writes 9223372036854771712 for unlimited). */
  static final long UNLIMITED_THRESHOLD = 1L << 60;

  static long normalize(long bytes) {
    return bytes >= UNLIMITED_THRESHOLD || bytes < 0 ? NONE : bytes;
  }
}
