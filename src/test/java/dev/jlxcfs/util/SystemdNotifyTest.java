package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SystemdNotifyTest {

  private static byte[] family() {
    // AF_UNIX = 1, a native-order unsigned short
    return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? new byte[] {1, 0} : new byte[] {0, 1};
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = new byte[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void aPathIsNulTerminated() {
    assertArrayEquals(concat(family(), "/run/systemd/notify\0".getBytes()),
        SystemdNotify.address("/run/systemd/notify"));
  }

  @Test
  void anAbstractNameStartsWithNulAndHasNoTerminator() {
    assertArrayEquals(concat(family(), "\0sd-notify".getBytes()), SystemdNotify.address("@sd-notify"));
  }

  @Test
  void refusesWhatIsNotAnAddress() {
    assertThrows(IllegalArgumentException.class, () -> SystemdNotify.address("run/systemd/notify"));
    assertThrows(IllegalArgumentException.class, () -> SystemdNotify.address("/" + "x".repeat(107)));
  }
}
