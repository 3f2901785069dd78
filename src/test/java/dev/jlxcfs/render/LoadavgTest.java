package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.util.ByteSink;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LoadavgTest {

  private static String render(long l1, long l5, long l15, int running, int total, String host) {
    ByteSink out = new ByteSink();
    byte[] h = host.getBytes(StandardCharsets.ISO_8859_1);
    Loadavg.render(l1, l5, l15, running, total, h, h.length, out);
    return out.toString();
  }

  @Test
  void printsTheKernelsFixedPointLikeTheKernel() {
    // 1299/2048 = 0.634 -> 0.63; 2040/2048 = 0.996 -> 1.00 (the kernel adds FIXED_1/200 before cutting).
    assertEquals("0.63 0.18 0.06 1/5 31610\n", render(1299, 378, 132, 1, 5, "1.91 2.13 1.66 4/112 31610\n"));
    assertEquals("1.00 0.64 0.29 2/3 7\n", render(2040, 1317, 590, 2, 3, "0.00 0.00 0.00 1/1 7\n"));
    assertEquals("0.00 0.00 0.00 0/0 31610\n", render(0, 0, 0, 0, 0, "1.91 2.13 1.66 4/112 31610\n"));
    // 1.995 is shown as 2.00, as the kernel rounds; big loads keep their integer part.
    assertEquals("2.00 100.00 0.01 0/1 1\n", render(4086, 100 * 2048, 11, 0, 1, "a b c d 1\n"));
  }

  @Test
  void takesTheLastPidFromTheHostsLastField() {
    assertEquals("0.00 0.00 0.00 0/0 4194303\n", render(0, 0, 0, 0, 0, "9.99 9.99 9.99 9/999 4194303"));
    assertEquals("0.00 0.00 0.00 0/0 12\n", render(0, 0, 0, 0, 0, "0.00 0.00 0.00 1/1 12 \n"));
    assertEquals("0.00 0.00 0.00 0/0 0\n", render(0, 0, 0, 0, 0, ""), "an empty host file: 0");
    // A malformed host file (found by HandlerFuzzTest): its first line only, and only a number, never its bytes.
    assertEquals("0.00 0.00 0.00 0/0 31610\n", render(0, 0, 0, 0, 0, "1.91 2.13 1.66 4/112 31610\naaaa bbbb\n"));
    assertEquals("0.00 0.00 0.00 0/0 0\n", render(0, 0, 0, 0, 0, "1.91 2.13 1.66 4/112 x31610\n"));
    assertEquals("0.00 0.00 0.00 0/0 0\n", render(0, 0, 0, 0, 0, "1.91 2.13 1.66 4/112 123456789012345\n"));
  }

  @Test
  void neverPrintsANegativeLoad() {
    assertEquals("0.00 0.00 0.00 0/0 1\n", render(-5, -1, Long.MIN_VALUE / 4, 0, 0, "1"));
  }
}
