package dev.jlxcfs.cgroup;

import java.util.BitSet;

/**
 * The CPUs a caller is shown, by their own (the host's) numbers, so that every CPU a caller is shown is one it can
 * pin to.
 *
 * @param hostCpus   the CPUs shown, in ascending order: the caller's online, present and {@code cpuN} entries
 * @param quota      the CFS quota in CPUs, or +Infinity when there is none or the quota rule is off
 * @param allowedMax the highest CPU the caller may run on (of its cpuset, online on the host), before the quota cut:
 *                   {@code possible} reads {@code 0-allowedMax}, so glibc's _SC_NPROCESSORS_CONF exceeds every CPU
 *                   number sched_getcpu() can give the caller
 */
public record CpuView(int[] hostCpus, double quota, int allowedMax) {

  public int count() {
    return hostCpus.length;
  }

  /** The CPU time per second the view can use: its CPU count, or its quota when that is smaller. */
  public double capacity() {
    return Math.min(count(), quota);
  }

  /**
   * The rule: the CPUs of the effective cpuset that are online on the host; when a quota is set (and the quota
   * rule is on), only the lowest-numbered ceil(quota) of them; never fewer than one. They keep their numbers.
   */
  public static CpuView of(BitSet cpuset, BitSet hostOnline, double quota, boolean quotaRule) {
    BitSet visible = (BitSet) hostOnline.clone();
    if (cpuset != null) {
      visible.and(cpuset);
    }
    if (visible.isEmpty()) {
      // A cpuset naming only offline CPUs cannot run anything; show the host's CPUs rather than none.
      visible = (BitSet) hostOnline.clone();
    }
    int n = visible.cardinality();
    if (!quotaRule) {
      quota = Double.POSITIVE_INFINITY; // a plain cpuset view, as lxcfs shows without --enable-cfs
    }
    if (quota < n) {
      // 1e-9 absorbs float noise so that 200000/100000 is 2, not 3.
      n = (int) Math.max(1, Math.min(n, Math.ceil(quota - 1e-9)));
    }
    int[] ids = new int[n];
    for (int i = 0, cpu = visible.nextSetBit(0); i < n; i++, cpu = visible.nextSetBit(cpu + 1)) {
      ids[i] = cpu;
    }
    return new CpuView(ids, quota, visible.length() - 1);
  }

  /** Whether the caller is shown host CPU {@code cpu}. */
  public boolean shows(int cpu) {
    return java.util.Arrays.binarySearch(hostCpus, cpu) >= 0;
  }
}
