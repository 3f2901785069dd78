package dev.jlxcfs.util;

import java.io.IOException;
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
