package dev.jlxcfs.util;

import java.util.Arrays;

/**
 * A growable byte buffer that a file is rendered into. One per FUSE worker thread, reused for every read, so the
 * read path does not allocate once the buffer has grown to the largest file it served. Numbers are written as
 * ASCII digits directly, without going through String.
 */
public final class ByteSink {

  private byte[] buf;
  private int len;

  public ByteSink(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  public ByteSink() {
    this(4096);
  }

  public void reset() {
    len = 0;
  }

  public int length() {
    return len;
  }

  /** The backing array: valid from 0 to {@link #length()}, until the next write. */
  public byte[] array() {
    return buf;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  public ByteSink write(byte b) {
    ensure(1);
    buf[len++] = b;
    return this;
  }

  public ByteSink write(char c) {
    return write((byte) c);
  }

  public ByteSink write(byte[] src, int from, int to) {
    int n = to - from;
    ensure(n);
    System.arraycopy(src, from, buf, len, n);
    len += n;
    return this;
  }

  public ByteSink write(byte[] src) {
    return write(src, 0, src.length);
  }

  /** Appends a string of ASCII (or ISO-8859-1) characters. */
  public ByteSink write(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** Appends n copies of a byte. */
  public ByteSink repeat(byte b, int n) {
    if (n > 0) {
      ensure(n);
      Arrays.fill(buf, len, len + n, b);
      len += n;
    }
    return this;
  }

  /** Appends a decimal number. */
  public ByteSink write(long v) {
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        return write(Long.toString(v));
      }
      write('-');
      v = -v;
    }
    int digits = digits(v);
    ensure(digits);
    int end = len + digits;
    int i = end - 1;
    // Long division is a runtime call in C1-compiled code: use ints once the number fits.
    while (v > Integer.MAX_VALUE) {
      buf[i--] = (byte) ('0' + v % 10);
      v /= 10;
    }
    int w = (int) v;
    for (; i >= len; i--) {
      buf[i] = (byte) ('0' + w % 10);
      w /= 10;
    }
    len = end;
    return this;
  }

  /** Appends a decimal number right-aligned in {@code width} columns (no padding when it is wider). */
  public ByteSink writeRightAligned(long v, int width) {
    int digits = v < 0 ? Long.toString(v).length() : digits(v);
    repeat((byte) ' ', width - digits);
    return write(v);
  }

  /** Appends a non-negative number of hundredths as "I.FF", the way the kernel prints /proc/uptime. */
  public ByteSink writeHundredths(long hundredths) {
    long h = Math.max(0, hundredths);
    write(h / 100).write('.');
    long frac = h % 100;
    return write((char) ('0' + frac / 10)).write((char) ('0' + frac % 10));
  }

  static int digits(long v) {
    int d = 1;
    long p = 10;
    while (d < 19 && v >= p) {
      p *= 10;
      d++;
    }
    return d;
  }

  @Override
  public String toString() {
    return new String(buf, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
