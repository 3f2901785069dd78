package dev.jlxcfs.util;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whole-file reads as text, for what is read once or once per staleness bound (mount tables, cgroup lines). */
public final class Texts {

  private Texts() {}

  /**
   * How the JVM turns file names into bytes (sun.jnu.encoding, from the locale). Files that hold paths
   * (/proc/PID/cgroup, mountinfo) are decoded with it so that a path read from them names the same file again.
   * Under a non-UTF-8 locale (LANG=C) non-ASCII cgroup names cannot be represented; Daemon warns about it.
   */
  public static final Charset PATH_CHARSET = pathCharset();

  private static Charset pathCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (IllegalArgumentException e) {
      return StandardCharsets.UTF_8;
    }
  }

  /** {@code text} on one line, as every log line is: newlines and carriage returns as {@code \n} and {@code \r}. */
  public static String oneLine(String text) {
    return printable(text);
  }

  /**
   * {@code text} safe to print on an administrator's terminal: it may hold what a tenant chose (a mount path, a
   * process's comm, a cgroup name). Newline, carriage return and tab become {@code \n}, {@code \r}, {@code \t};
   * every other C0 control, DEL and C1 control (U+0080..U+009F, which some terminals obey as ESC sequences) becomes
   * {@code \xNN}; line and paragraph separators and bidirectional overrides become a backslash, u and the code
   * point in braces. Returns {@code text} itself when nothing needs escaping (the common case allocates nothing).
   */
  public static String printable(String text) {
    return escape(text, false);
  }

  /**
   * As {@link #printable}, but newlines and tabs are kept: for multi-line text a program made (a rendered file's
   * body) that is printed as it is laid out, with nothing in it that a terminal would obey beyond line and column.
   */
  public static String printableLines(String text) {
    return escape(text, true);
  }

  private static String escape(String text, boolean keepLayout) {
    int i = 0;
    while (i < text.length() && !needsEscape(text.charAt(i), keepLayout)) {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!needsEscape(c, keepLayout)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c <= 0xff) {
        out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
      } else {
        out.append("\\u{").append(Integer.toHexString(c)).append('}');
      }
    }
    return out.toString();
  }

  private static boolean needsEscape(char c, boolean keepLayout) {
    if (keepLayout && (c == '\n' || c == '\t')) {
      return false;
    }
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
  }

  /** Reads a small kernel file that holds paths (see {@link #PATH_CHARSET}). */
  public static String readPaths(Path file) throws IOException {
    return new String(Files.readAllBytes(file), PATH_CHARSET);
  }

  /** The file's first line, trimmed; for single-value files such as /sys/devices/system/cpu/online. */
  public static String readValue(Path file) throws IOException {
    String s = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
  }
}
