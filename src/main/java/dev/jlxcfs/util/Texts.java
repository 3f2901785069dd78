package dev.jlxcfs.util;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small, allocation-light helpers for the text formats of /proc and cgroupfs. */
public final class Texts {

  private Texts() {}

  /** Reads a whole small kernel file (procfs and cgroupfs files report size 0, so no size hint is used). */
  public static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
  }

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

  /** Reads a small kernel file that holds paths (see {@link #PATH_CHARSET}). */
  public static String readPaths(Path file) throws IOException {
    return new String(Files.readAllBytes(file), PATH_CHARSET);
  }

  /** The file's first line, trimmed; for single-value cgroup files such as memory.max. */
  public static String readValue(Path file) throws IOException {
    String s = read(file);
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
  }

  /** Parses a non-negative decimal number, or throws {@link MalformedException} naming the file. */
  public static long parseLong(String s, Path source) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new MalformedException(source, "not a number: '" + abbreviate(s) + "'");
    }
  }

  /**
   * Finds {@code key} at the start of a line in a "key value" file (memory.stat, cpu.stat) and returns its value,
   * or {@code missing} when the key is absent.
   */
  public static long keyedValue(String text, String key, long missing, Path source) {
    int from = 0;
    int n = text.length();
    while (from < n) {
      int eol = text.indexOf('\n', from);
      if (eol < 0) {
        eol = n;
      }
      if (text.startsWith(key, from) && from + key.length() < eol && text.charAt(from + key.length()) == ' ') {
        return parseLong(text.substring(from + key.length() + 1, eol), source);
      }
      from = eol + 1;
    }
    return missing;
  }

  public static String abbreviate(String s) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
  }
}
