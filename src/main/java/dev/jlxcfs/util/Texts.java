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
    return text.replace("\n", "\\n").replace("\r", "\\r");
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
