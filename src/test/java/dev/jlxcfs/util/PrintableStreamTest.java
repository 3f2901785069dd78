package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PrintableStreamTest {

  private static final String HOSTILE = "/var/lib/docker/x\n2026-01-01T00:00:00Z [INFO] forged \u001b[31mred\u009b2J\u007f";

  private static String printed(java.util.function.Consumer<PrintStream> print) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintableStream(bytes, StandardCharsets.UTF_8);
    print.accept(stream);
    stream.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aLineHoldingNewlineEscAndC1ComesOutAsOneEscapedLine() {
    String out = printed(s -> s.println("healed " + HOSTILE));
    assertEquals("healed /var/lib/docker/x\\n2026-01-01T00:00:00Z [INFO] forged \\x1b[31mred\\x9b2J\\x7f\n", out);
    assertEquals(out, printed(s -> s.println((Object) ("healed " + HOSTILE))), "println(Object)");
    assertEquals(out, printed(s -> s.println(("healed " + HOSTILE).toCharArray())), "println(char[])");
    assertEquals(out.strip() + "\\n", printed(s -> s.print("healed " + HOSTILE + "\n")), "print: no raw newline");
    assertEquals("\\x1b%\\n", printed(s -> s.printf("\u001b%%%n")), "printf");
  }

  @Test
  void anOrdinaryLineIsByteIdentical() {
    String line = "2026-12-04T23:56:31.298Z [INFO] MountPoint - /tmp/jlxcfs-it é 日本: 262144 kB\tok";
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    PrintStream p = new PrintStream(plain, true, StandardCharsets.UTF_8);
    p.println(line.replace("\t", " "));
    p.println(42);
    assertArrayEquals(plain.toByteArray(),
        printed(s -> {
          s.println(line.replace("\t", " "));
          s.println(42);
        }).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void stackTracesStayOneLinePerFrame() {
    String out = printed(s -> new IllegalStateException("cgroup \u001b]0;title\u0007\nx").printStackTrace(s));
    String first = out.lines().findFirst().orElseThrow();
    assertEquals("java.lang.IllegalStateException: cgroup \\x1b]0;title\\x07\\nx", first);
    assertTrue(out.lines().skip(1).allMatch(l -> l.startsWith("\tat ") || l.startsWith("\\tat ")), out);
  }

  /**
   * The daemon's logger: slf4j-simple looks System.err up per event, so a stream installed after it was initialised
   * still gets every line, and a message whose arguments hold a newline and ESC comes out as one escaped line.
   */
  @Test
  void slf4jSimpleLogsThroughTheInstalledStream() {
    LoggerFactory.getLogger("init").debug("slf4j-simple initialised before the stream is installed");
    PrintStream saved = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      PrintableStream.install();
      PrintableStream.install(); // once
      assertTrue(System.err instanceof PrintableStream);
      LoggerFactory.getLogger("jlxcfs.fallback").warn("{}: serving the host's file: {}", "/proc/meminfo", HOSTILE);
    } finally {
      System.setErr(saved);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(1, out.lines().count(), out);
    assertTrue(out.endsWith("/proc/meminfo: serving the host's file: /var/lib/docker/x\\n2026-01-01T00:00:00Z [INFO] "
        + "forged \\x1b[31mred\\x9b2J\\x7f\n"), out);
    assertFalse(out.chars().anyMatch(c -> (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f)), out);
  }
}
