package dev.jlxcfs.cgroup;

import java.util.BitSet;

/**
 * The CPUs a caller is shown: a coherent virtual machine of {@link #count()} CPUs numbered 0..count-1, each
 * backed by one host CPU.
 *
 * @param hostCpus the host CPU ids behind virtual CPUs 0..count-1, in ascending order
 * @param quota    the CFS quota in CPUs, or +Infinity when there is none or the quota rule is off
 */
public record CpuView(int[] hostCpus, double quota) {

  public int count() {
    return hostCpus.length;
  }

  /** The CPU time per second the view can use: its CPU count, or its quota when that is smaller. */
  public double capacity() {
    return Math.min(count(), quota);
  }

  /**
   * The rule: the CPUs of the effective cpuset that are online on the host; when a quota is set (and the quota
   * rule is on), only the first ceil(quota) of them; never fewer than one.
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
    return new CpuView(ids, quota);
  }
}
