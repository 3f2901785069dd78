package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class CpuViewTest {

  private static final double NONE = Double.POSITIVE_INFINITY;
  private static final Path SRC = Path.of("cpuset.cpus");

  private static BitSet cpus(String list) {
    return CpuList.parse(list, SRC);
  }

  @Test
  void cpuLists() {
    assertEquals(BitSet.valueOf(new long[] {0b1101_0000_1111L}), cpus("0-3,8,10-11"));
    assertEquals(BitSet.valueOf(new long[] {0b10_0000L}), cpus(" 5\n"));
    assertEquals(0, cpus("").cardinality());
    assertThrows(MalformedException.class, () -> cpus("3-1"));
    assertThrows(MalformedException.class, () -> cpus("a"));
    assertThrows(MalformedException.class, () -> cpus("1,,2"));
  }

  @Test
  void cpusetIntersectedWithOnline() {
    CpuView v = CpuView.of(cpus("0-3,8,10-11"), cpus("0-15"), NONE, true);
    assertArrayEquals(new int[] {0, 1, 2, 3, 8, 10, 11}, v.hostCpus());
    assertEquals(7, CpuView.of(cpus("0-3,8,10-11"), cpus("0-15"), NONE, true).count());
    assertEquals(6, CpuView.of(cpus("0-3,8,10-11"), cpus("0-9,11"), NONE, true).count(), "CPU 10 offline");
    assertEquals(16, CpuView.of(null, cpus("0-15"), NONE, true).count(), "no cpuset: the host's");
  }

  @Test
  void quotaCeilsAndNeverGoesBelowOne() {
    assertEquals(1, CpuView.of(null, cpus("0-1"), 0.5, true).count());
    assertEquals(2, CpuView.of(null, cpus("0-3"), 1.5, true).count());
    assertEquals(2, CpuView.of(null, cpus("0-3"), 2.0, true).count(), "200000/100000 is 2, not 3");
    assertEquals(1, CpuView.of(null, cpus("0-3"), 0.001, true).count());
    assertEquals(2, CpuView.of(cpus("4-5"), cpus("0-7"), 6.0, true).count(), "quota above the cpuset");
    assertArrayEquals(new int[] {4}, CpuView.of(cpus("4-5"), cpus("0-7"), 0.7, true).hostCpus());
    assertEquals(5, CpuView.of(cpus("4-5"), cpus("0-7"), 0.7, true).allowedMax(), "possible covers the whole cpuset");
    assertEquals(7, CpuView.of(null, cpus("0-7"), 1.5, true).allowedMax(), "a quota alone: any host CPU");
    assertArrayEquals(new int[] {0, 1}, CpuView.of(null, cpus("0-7"), 1.5, true).hostCpus());
    assertEquals(4, CpuView.of(null, cpus("0-3"), 0.5, false).count(), "quota rule off");
  }

  @Test
  void aCpusetOfOfflineCpusShowsTheHost() {
    assertEquals(2, CpuView.of(cpus("7"), cpus("0-1"), NONE, true).count());
  }
}
