package dev.jlxcfs.testing;

/** Host files as a 6.x kernel writes them (from a 24 GiB, no-swap test machine). */
public final class HostFiles {
  private HostFiles() {}

  /** The "Key: N kB" lines of a meminfo text, as key -> kB (for assertions). */
  public static java.util.Map<String, Long> parseKb(String text) {
    java.util.Map<String, Long> values = new java.util.LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.endsWith(" kB")) {
        values.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
      }
    }
    return values;
  }

  public static final String MEMINFO = ""
      + "MemTotal:       24683620 kB\n"
      + "MemFree:        24314012 kB\n"
      + "MemAvailable:   24373636 kB\n"
      + "Buffers:            9556 kB\n"
      + "Cached:           237712 kB\n"
      + "SwapCached:            0 kB\n"
      + "Active:           102140 kB\n"
      + "Inactive:         186012 kB\n"
      + "Active(anon):        640 kB\n"
      + "Inactive(anon):    48716 kB\n"
      + "Active(file):     101500 kB\n"
      + "Inactive(file):   137296 kB\n"
      + "Unevictable:           0 kB\n"
      + "Mlocked:               0 kB\n"
      + "SwapTotal:       1048572 kB\n"
      + "SwapFree:        1048572 kB\n"
      + "Zswap:                 0 kB\n"
      + "Zswapped:              0 kB\n"
      + "Dirty:                76 kB\n"
      + "Writeback:             0 kB\n"
      + "AnonPages:         48484 kB\n"
      + "Mapped:            49676 kB\n"
      + "Shmem:              8444 kB\n"
      + "KReclaimable:      61816 kB\n"
      + "Slab:              98148 kB\n"
      + "SReclaimable:      61816 kB\n"
      + "SUnreclaim:        36332 kB\n"
      + "KernelStack:        3360 kB\n"
      + "PageTables:         1568 kB\n"
      + "SecPageTables:         0 kB\n"
      + "NFS_Unstable:          0 kB\n"
      + "Bounce:                0 kB\n"
      + "WritebackTmp:          0 kB\n"
      + "CommitLimit:    13390380 kB\n"
      + "Committed_AS:     367268 kB\n"
      + "VmallocTotal:   34359738367 kB\n"
      + "VmallocUsed:       13880 kB\n"
      + "VmallocChunk:          0 kB\n"
      + "Percpu:              992 kB\n"
      + "HardwareCorrupted:     0 kB\n"
      + "AnonHugePages:         0 kB\n"
      + "ShmemHugePages:        0 kB\n"
      + "ShmemPmdMapped:        0 kB\n"
      + "FileHugePages:         0 kB\n"
      + "FilePmdMapped:         0 kB\n"
      + "Unaccepted:            0 kB\n"
      + "HugePages_Total:       0\n"
      + "HugePages_Free:        0\n"
      + "HugePages_Rsvd:        0\n"
      + "HugePages_Surp:        0\n"
      + "Hugepagesize:       2048 kB\n"
      + "Hugetlb:               0 kB\n"
      + "DirectMap4k:      141172 kB\n"
      + "DirectMap2M:     6150144 kB\n"
      + "DirectMap1G:    19922944 kB\n";

  /** A v1 memory.stat (hierarchical total_* lines included), bytes. */
  public static String v1MemoryStat(long cache, long shmem, long activeAnon, long inactiveAnon, long activeFile,
                                    long inactiveFile) {
    return "cache " + cache + "\nrss " + (activeAnon + inactiveAnon) + "\nshmem " + shmem + "\nmapped_file 4096\n"
        + "active_anon " + activeAnon + "\ninactive_anon " + inactiveAnon + "\nactive_file " + activeFile
        + "\ninactive_file " + inactiveFile + "\nunevictable 0\n"
        + "hierarchical_memory_limit 9223372036854771712\n"
        + "total_cache " + cache + "\ntotal_rss " + (activeAnon + inactiveAnon) + "\ntotal_rss_huge 0\n"
        + "total_shmem " + shmem + "\ntotal_mapped_file 4096\ntotal_dirty 8192\ntotal_writeback 0\n"
        + "total_swapcached 0\ntotal_inactive_anon " + inactiveAnon + "\ntotal_active_anon " + activeAnon
        + "\ntotal_inactive_file " + inactiveFile + "\ntotal_active_file " + activeFile + "\ntotal_unevictable 0\n";
  }

  /** A v2 memory.stat, bytes. */
  public static String v2MemoryStat(long anon, long file, long shmem, long activeFile, long inactiveFile,
                                    long slabReclaimable, long slabUnreclaimable) {
    return "anon " + anon + "\nfile " + file + "\nkernel " + (slabReclaimable + slabUnreclaimable + 65536)
        + "\nkernel_stack 32768\npagetables 16384\nsec_pagetables 0\npercpu 0\nsock 0\nvmalloc 0\nshmem " + shmem
        + "\nzswap 0\nzswapped 0\nfile_mapped 8192\nfile_dirty 4096\nfile_writeback 0\nswapcached 0\nanon_thp 0\n"
        + "file_thp 0\nshmem_thp 0\ninactive_anon " + anon + "\nactive_anon 0\ninactive_file " + inactiveFile
        + "\nactive_file " + activeFile + "\nunevictable 0\nslab_reclaimable " + slabReclaimable
        + "\nslab_unreclaimable " + slabUnreclaimable + "\nslab " + (slabReclaimable + slabUnreclaimable) + "\n";
  }
}
