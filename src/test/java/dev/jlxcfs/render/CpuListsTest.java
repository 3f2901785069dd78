package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CpuListsTest {

  private static final Path SRC = Path.of("list");

  private static String list(int... cpus) {
    ByteSink out = new ByteSink();
    CpuLists.write(out, cpus);
    return out.toString();
  }

  private static String others(int max, int... cpus) {
    ByteSink out = new ByteSink();
    CpuLists.writeOthers(out, cpus, max);
    return out.toString();
  }

  private static String cut(String host, int... cpus) {
    byte[] b = Bytes.ascii(host);
    ByteSink out = new ByteSink();
    CpuLists.cut(b, b.length, cpus, out, SRC);
    return out.toString();
  }

  private static String mask(String host, int... cpus) {
    byte[] b = Bytes.ascii(host);
    ByteSink out = new ByteSink();
    CpuLists.cutMask(b, b.length, cpus, out, SRC);
    return out.toString();
  }

  @Test
  void listsInTheKernelsSyntax() {
    assertEquals("1\n", list(1));
    assertEquals("0-3\n", list(0, 1, 2, 3));
    assertEquals("1,3\n", list(1, 3));
    assertEquals("0-2,5,7-8\n", list(0, 1, 2, 5, 7, 8));
    assertEquals("\n", list());
  }

  @Test
  void othersAreTheGapsUpToTheMax() {
    assertEquals("0\n", others(1, 1));
    assertEquals("0-1\n", others(3, 2, 3));
    assertEquals("2-7\n", others(7, 0, 1));
    assertEquals("0,2\n", others(3, 1, 3));
    assertEquals("\n", others(1, 0, 1));
  }

  @Test
  void cutsAHostListToTheCpusShown() {
    assertEquals("1\n", cut("0-3\n", 1));
    assertEquals("2-3\n", cut("0-7\n", 2, 3));
    assertEquals("\n", cut("0,2\n", 1, 3));
    assertEquals("1,3,5-6\n", cut("0-1,3,5-9\n", 1, 3, 4, 5, 6));
    assertEquals("\n", cut("\n", 1));
    for (String bad : new String[] {"x\n", "3-1\n", "1,,2\n", "-1\n", "2,1\n", "99999999999\n"}) {
      assertThrows(MalformedException.class, () -> cut(bad, 1), bad);
    }
  }

  @Test
  void cutsAHostMaskInItsOwnLayout() {
    assertEquals("2\n", mask("3\n", 1));
    assertEquals("0\n", mask("5\n", 1, 3));
    assertEquals("00000000,00000002\n", mask("00000000,0000000f\n", 1));
    assertEquals("00000001,00000000\n", mask("ffffffff,ffffffff\n", 32));
    assertEquals("c\n", mask("f\n", 2, 3));
    for (String bad : new String[] {"\n", "xyz\n", "0x3\n"}) {
      assertThrows(MalformedException.class, () -> mask(bad, 1), bad);
    }
  }
}
