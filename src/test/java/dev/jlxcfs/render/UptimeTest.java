package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UptimeTest {

  @Test
  void formatsLikeTheKernel() {
    assertEquals("12.30 4.57\n", Uptime.render(12.3, 4.567));
    assertEquals("0.00 0.00\n", Uptime.render(0, 0));
  }

  @Test
  void idleIsUnusedCapacityClamped() {
    assertEquals(150.0, Uptime.idle(100, 2, 50), 1e-9);
    assertEquals(25.0, Uptime.idle(100, 0.5, 25), 1e-9);
    assertEquals(0.0, Uptime.idle(100, 1, 500), 1e-9);
    assertEquals(200.0, Uptime.idle(100, 2, -1), 1e-9);
  }

  @Test
  void parses() {
    assertArrayEquals(new double[] {442.65, 803.88}, Uptime.parse("442.65 803.88\n"), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> Uptime.parse("442.65\n"));
  }
}
