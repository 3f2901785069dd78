package dev.jlxcfs.cgroup;

/**
 * What a cgroup uses now.
 *
 * @param memory bytes of RAM charged to it (page cache included)
 * @param swap   bytes of swap it uses, or -1 when swap is not accounted
 * @param stat   memory.stat figures in bytes, indexed by {@link MemStat#ordinal()}; -1 where the cgroup version
 *               does not report the figure
 */
public record MemoryUsage(long memory, long swap, long[] stat) {

  public long get(MemStat s) {
    return stat[s.ordinal()];
  }

  /** The figure, or 0 where the cgroup version does not report it. */
  public long getOrZero(MemStat s) {
    return Math.max(0, stat[s.ordinal()]);
  }
}
