package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

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

  final String v1Name;
  final String v2Name;

  MemStat(String v1Name, String v2Name) {
    this.v1Name = v1Name;
    this.v2Name = v2Name;
  }

  String name(int version) {
    return version == 1 ? v1Name : v2Name;
  }

  /** Parses a memory.stat file of the given cgroup version into bytes indexed by ordinal, -1 where absent. */
  static long[] read(Path file, int version) throws IOException {
    String text = Texts.read(file);
    long[] stat = new long[ALL.length];
    Arrays.fill(stat, -1);
    for (MemStat s : ALL) {
      String name = s.name(version);
      if (name != null) {
        stat[s.ordinal()] = Texts.keyedValue(text, name, -1, file);
      }
    }
    return stat;
  }
}
