package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatTest {

  private static String render(String host, int n, Stat.Times t) {
    return render(host, java.util.stream.IntStream.range(0, n).toArray(), t);
  }

  private static String render(String host, int[] cpus, Stat.Times t) {
    byte[] b = Bytes.ascii(host);
    ByteSink out = new ByteSink();
    Stat.render(b, b.length, cpus, t, out);
    return out.toString();
  }

  @Test
  void cpuLinesCarryTheCpusOwnNumbers() throws Exception {
    String host = CpuinfoTest.fixture("stat-4cpu.txt");
    List<String> lines = render(host, new int[] {1, 3}, new Stat.Times(1001, 500, 20000)).lines().toList();
    assertEquals("cpu  1001 0 500 20000 0 0 0 0 0 0", lines.get(0));
    assertEquals("cpu1 501 0 250 10000 0 0 0 0 0 0", lines.get(1));
    assertEquals("cpu3 500 0 250 10000 0 0 0 0 0 0", lines.get(2));
    assertEquals("intr", lines.get(3).substring(0, 4));
  }

  @Test
  void replacesCpuLinesAndKeepsTheRest() throws Exception {
    String host = CpuinfoTest.fixture("stat-4cpu.txt");
    String out = render(host, 2, new Stat.Times(1001, 500, 20000));
    List<String> lines = out.lines().toList();
    assertEquals("cpu  1001 0 500 20000 0 0 0 0 0 0", lines.get(0));
    assertEquals("cpu0 501 0 250 10000 0 0 0 0 0 0", lines.get(1));
    assertEquals("cpu1 500 0 250 10000 0 0 0 0 0 0", lines.get(2));
    assertEquals(host.lines().skip(5).toList(), lines.subList(3, lines.size()), "intr, ctxt, btime ... the host's");
    assertEquals(2, out.lines().filter(l -> l.matches("cpu\\d+ .*")).count());
  }

  @Test
  void keepsTheHostsFieldCount() {
    String old = "cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\nintr 0\n";
    assertEquals("cpu  9 0 8 7 0 0 0\ncpu0 9 0 8 7 0 0 0\nintr 0\n", render(old, 1, new Stat.Times(9, 8, 7)));
  }

  @Test
  void stealIsTheEighthFieldSpreadLikeTheOthers() {
    String host = "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 0\n";
    assertEquals("cpu  9 0 8 7 0 0 0 5 0 0\ncpu0 5 0 4 4 0 0 0 3 0 0\ncpu1 4 0 4 3 0 0 0 2 0 0\nintr 0\n",
        render(host, 2, new Stat.Times(9, 8, 7, 5)));
  }

  @Test
  void aHostLineTooShortForStealLeavesItOut() {
    String old = "cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\nintr 0\n";
    assertEquals("cpu  9 0 8 7 0 0 0\ncpu0 9 0 8 7 0 0 0\nintr 0\n", render(old, 1, new Stat.Times(9, 8, 7, 5)));
  }

  @Test
  void theHostsAggregateTimes() {
    byte[] b = Bytes.ascii("cpu  10 1 20 300 4 5 6 0 0 0\ncpu0 1 1 1 1 1 1 1 0 0 0\n");
    assertArrayEquals(new long[] {11, 31, 304}, Stat.hostTimes(b, b.length, Path.of("stat")));
    byte[] bad = Bytes.ascii("intr 1\n");
    assertThrows(MalformedException.class, () -> Stat.hostTimes(bad, bad.length, Path.of("stat")));
  }

  @Test
  void theCpuLineIsTheSumAndSharesAreMonotonic() {
    for (long total = 0; total < 50; total++) {
      long sum = 0;
      for (int k = 0; k < 7; k++) {
        sum += Stat.share(total, 7, k);
        assertEquals(true, Stat.share(total + 1, 7, k) >= Stat.share(total, 7, k));
      }
      assertEquals(total, sum);
    }
  }
}
