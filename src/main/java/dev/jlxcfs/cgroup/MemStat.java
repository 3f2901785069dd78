package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.ReadBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory.stat entries jlxcfs uses, with their names in each cgroup version. v1 names are the hierarchical
 * {@code total_*} ones, so a cgroup's figures include its children's, as v2's always do. A null name means the
 * version does not report the figure.
 */
public enum MemStat {
  ACTIVE_ANON("total_active_anon", "active_anon"),
  INACTIVE_ANON("total_inactive_anon", "inactive_anon"),
  ACTIVE_FILE("total_active_file", "active_file"),
  INACTIVE_FILE("total_inactive_file", "inactive_file"),
  UNEVICTABLE("total_unevictable", "unevictable"),
  /** Page cache, shmem included (as the host's Cached line includes it). */
  CACHE("total_cache", "file"),
  SHMEM("total_shmem", "shmem"),
  MAPPED("total_mapped_file", "file_mapped"),
  DIRTY("total_dirty", "file_dirty"),
  WRITEBACK("total_writeback", "file_writeback"),
  ANON_HUGE("total_rss_huge", "anon_thp"),
  SHMEM_HUGE(null, "shmem_thp"),
  FILE_HUGE(null, "file_thp"),
  SWAP_CACHED("total_swapcached", "swapcached"),
  SLAB_RECLAIMABLE(null, "slab_reclaimable"),
  SLAB_UNRECLAIMABLE(null, "slab_unreclaimable"),
  KERNEL_STACK(null, "kernel_stack"),
  PAGE_TABLES(null, "pagetables"),
  ZSWAP(null, "zswap"),
  ZSWAPPED(null, "zswapped");

  private static final MemStat[] ALL = values();
  private static final KeyedValues V1 = parser(1);
  private static final KeyedValues V2 = parser(2);

  private final String v1Name;
  private final String v2Name;

  MemStat(String v1Name, String v2Name) {
    this.v1Name = v1Name;
    this.v2Name = v2Name;
  }

  private static KeyedValues parser(int version) {
    List<String> names = new ArrayList<>();
    for (MemStat s : ALL) {
      names.add(version == 1 ? s.v1Name : s.v2Name);
    }
    return new KeyedValues(names, ' ');
  }

  /**
   * Parses the text of a memory.stat file of the given cgroup version in one pass: bytes indexed by ordinal, -1
   * where absent.
   */
  static long[] parse(ReadBuffer text, int version, Path source) {
    long[] stat = new long[ALL.length];
    (version == 1 ? V1 : V2).parse(text.bytes(), text.length(), stat, source);
    for (int i = 0; i < stat.length; i++) {
      if (stat[i] == KeyedValues.MISSING) {
        stat[i] = -1;
      }
    }
    return stat;
  }
}
