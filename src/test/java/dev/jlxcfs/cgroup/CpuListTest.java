package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class CpuListTest {

  private static final Path SOURCE = Path.of("/sys/fs/cgroup/cpuset.cpus");

  @Test
  void listsAndRanges() {
    BitSet expected = new BitSet();
    expected.set(0, 4);
    expected.set(8);
    expected.set(10, 12);
    assertEquals(expected, CpuList.parse("0-3,8,10-11\n", SOURCE));
    assertEquals(new BitSet(), CpuList.parse(" \n", SOURCE));
    assertEquals(CpuList.MAX_CPU, CpuList.parse(Integer.toString(CpuList.MAX_CPU), SOURCE).nextSetBit(0));
  }

  /** Fuzz finding: a single CPU number had no bound (ranges had), so "18446744" made a 2 MiB BitSet. */
  @Test
  void aSingleCpuPastTheBoundIsMalformedLikeARange() {
    assertThrows(MalformedException.class, () -> CpuList.parse("18446744", SOURCE));
    assertThrows(MalformedException.class, () -> CpuList.parse("0-3,65537", SOURCE));
    assertThrows(MalformedException.class, () -> CpuList.parse("2147483647", SOURCE));
    assertThrows(MalformedException.class, () -> CpuList.parse("0-65537", SOURCE));
    assertThrows(MalformedException.class, () -> CpuList.parse("-1", SOURCE));
  }
}
