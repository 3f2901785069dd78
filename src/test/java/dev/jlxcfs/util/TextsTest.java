package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TextsTest {

  @Test
  void plainTextIsReturnedAsItIs() {
    String s = "/var/lib/jlxcfs/proc/meminfo é ü 日本";
    assertSame(s, Texts.printable(s));
  }

  @Test
  void controlsThatATerminalWouldObeyAreEscaped() {
    assertEquals("a\\nb\\rc\\td", Texts.printable("a\nb\rc\td"));
    assertEquals("\\x1b[31mred\\x07", Texts.printable("\u001b[31mred\u0007"));
    assertEquals("del\\x7f c1\\x9b2J nul\\x00", Texts.printable("del\u007f c1\u009b2J nul\u0000"));
    assertEquals("x\\u{202e}y\\u{2028}z", Texts.printable("x\u202ey\u2028z"));
  }

  @Test
  void oneLineIsPrintable() {
    assertEquals("a\\nb\\x1b", Texts.oneLine("a\nb\u001b"));
  }

  @Test
  void printableLinesKeepsTheLayoutOnly() {
    String body = "MemTotal:\t262144 kB\nMemFree: 1 kB\n";
    assertSame(body, Texts.printableLines(body));
    assertEquals("model\t: \\x1b[2Jx\\r\n", Texts.printableLines("model\t: \u001b[2Jx\r\n"));
  }
}
