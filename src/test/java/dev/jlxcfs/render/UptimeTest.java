package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jlxcfs.util.ByteSink;
import org.junit.jupiter.api.Test;

class UptimeTest {

  private static String render(double uptime, double idle) {
    ByteSink out = new ByteSink();
    Uptime.render(uptime, idle, out);
    return out.toString();
  }

  @Test
  void formatsLikeTheKernel() {
    assertEquals("12.30 4.57\n", render(12.3, 4.567));
    assertEquals("0.00 0.00\n", render(0, 0));
    assertEquals("110.50 191.00\n", render(110.5, 191.0));
    assertEquals("1234567.05 0.09\n", render(1234567.05, 0.094));
    assertEquals("0.00 0.00\n", render(-3, -0.5), "never negative");
  }
}
