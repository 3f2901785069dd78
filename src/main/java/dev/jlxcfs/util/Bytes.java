package dev.jlxcfs.util;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Parsing helpers over byte ranges of kernel text (procfs, cgroupfs, sysfs): numbers are parsed in place, without
 * Strings, regular expressions or splitting, so that the read path allocates nothing.
 */
public final class Bytes {

  private Bytes() {}

  /** The index of the next '\n' at or after {@code from}, or {@code end}. */
  public static int lineEnd(byte[] b, int from, int end) {
    for (int i = from; i < end; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return end;
  }

  /** The index of the first {@code c} in [from, end), or -1. */
  public static int indexOf(byte[] b, byte c, int from, int end) {
    for (int i = from; i < end; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  public static boolean isSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /** The index of the first byte at or after {@code i} that is not a space (see {@link #isSpace}), or {@code end}. */
  public static int skipSpaces(byte[] b, int i, int end) {
    while (i < end && isSpace(b[i])) {
      i++;
    }
    return i;
  }

  /** The end of the token (bytes that are not spaces) starting at {@code i}: its first space, or {@code end}. */
  public static int tokenEnd(byte[] b, int i, int end) {
    while (i < end && !isSpace(b[i])) {
      i++;
    }
    return i;
  }

  /** Whether [at, end) starts with {@code prefix}. */
  public static boolean startsWith(byte[] b, int at, int end, byte[] prefix) {
    if (end - at < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether [from, to) equals {@code s}. */
  public static boolean equals(byte[] b, int from, int to, byte[] s) {
    return to - from == s.length && startsWith(b, from, to, s);
  }

  /**
   * Parses a decimal number in [from, to), surrounding blanks allowed, an optional minus sign. Throws
   * {@link MalformedException} naming {@code source} for anything else, or for a value that overflows a long.
   */
  public static long parseLong(byte[] b, int from, int to, Path source) {
    int i = from;
    while (i < to && isSpace(b[i])) {
      i++;
    }
    int end = to;
    while (end > i && isSpace(b[end - 1])) {
      end--;
    }
    boolean negative = i < end && b[i] == '-';
    if (negative) {
      i++;
    }
    if (i >= end || end - i > 19) {
      throw notANumber(b, from, to, source);
    }
    long v = 0;
    for (; i < end; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw notANumber(b, from, to, source);
      }
      v = v * 10 + d;
      if (v < 0) {
        throw notANumber(b, from, to, source); // 19 digits beyond Long.MAX_VALUE
      }
    }
    return negative ? -v : v;
  }

  private static MalformedException notANumber(byte[] b, int from, int to, Path source) {
    return new MalformedException(source, "not a number: '" + abbreviate(text(b, from, to)) + "'");
  }

  /** [from, to) as text (ISO-8859-1: one char per byte), for messages and tests. */
  public static String text(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
  }

  public static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  public static String abbreviate(String s) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
  }
}
