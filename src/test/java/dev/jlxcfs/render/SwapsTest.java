package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.util.ByteSink;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SwapsTest {

  private static final String HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
  private static final String HOST = HEADER + "/dev/vda2                               partition\t1048572\t\t1024\t\t-2\n";

  private static String render(String host, long size, long used) {
    ByteSink out = new ByteSink();
    byte[] b = host.getBytes(StandardCharsets.US_ASCII);
    Swaps.render(b, b.length, size, used, out);
    return out.toString();
  }

  @Test
  void oneVirtualDeviceInTheKernelsLayout() {
    // The kernel pads the name to 40 columns and adds a second tab after figures under 10^7.
    assertEquals(HEADER + "none                                    virtual\t32768\t\t1024\t\t0\n", render(HOST, 32768, 1024));
    assertEquals(HEADER + "none                                    virtual\t16777216\t0\t\t0\n", render(HOST, 16777216, 0));
  }

  @Test
  void noSwapIsTheHeaderAlone() {
    assertEquals(HEADER, render(HOST, 0, 0));
  }

  @Test
  void usedNeverAboveSizeNorNegative() {
    assertEquals(HEADER + "none                                    virtual\t100\t\t100\t\t0\n", render(HOST, 100, 500));
    assertEquals(HEADER + "none                                    virtual\t100\t\t0\t\t0\n", render(HOST, 100, -5));
  }

  @Test
  void aHostFileWithoutAHeaderLineGetsTheKernels() {
    assertEquals(HEADER, render("", 0, 0));
    assertEquals(HEADER, render("no newline at all", 0, 0));
  }
}
