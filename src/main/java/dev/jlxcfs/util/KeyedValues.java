package dev.jlxcfs.util;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a fixed set of keys in "key value" text in one pass: memory.stat, cpu.stat and cpuacct.stat ("key 123"),
 * meminfo ("Key:   123 kB"). The kernel writes such a file's lines in the same order every time, so the line ->
 * key assignment learnt on one read is kept and only checked on the next (one label comparison per line, no
 * hashing, no Strings); a file whose lines differ (another kernel, a fixture) is matched the slow way once and its
 * layout learnt again. Thread-safe: a layout is immutable and replaced whole.
 */
public final class KeyedValues {

  /** The value of a key the text does not have. */
  public static final long MISSING = Long.MIN_VALUE;

  /** The line -> key assignment of one file's text. */
  public static final class Layout {
    private final byte[][] labels;
    private final int[] keys;

    Layout(byte[][] labels, int[] keys) {
      this.labels = labels;
      this.keys = keys;
    }

    /** The key index of line {@code line}, or -1 for a line with none of the keys. */
    public int keyOfLine(int line) {
      return line < keys.length ? keys[line] : -1;
    }
  }

  private final Map<String, Integer> index = new HashMap<>();
  private final int keyCount;
  private final byte separator;
  private volatile Layout layout;

  /**
   * @param keys      the keys, in the order of the values array
   * @param separator what ends a key: ' ' for cgroup "key value" files, ':' for meminfo
   */
  public KeyedValues(List<String> keys, char separator) {
    for (int i = 0; i < keys.size(); i++) {
      if (keys.get(i) != null) {
        index.putIfAbsent(keys.get(i), i);
      }
    }
    this.keyCount = keys.size();
    this.separator = (byte) separator;
  }

  public int keyCount() {
    return keyCount;
  }

  /**
   * Parses {@code text[0..len)} into {@code values} (one per key, {@link #MISSING} where absent; a value is the
   * number after the separator, a trailing unit such as " kB" ignored) and returns the layout it matched.
   */
  public Layout parse(byte[] text, int len, long[] values, Path source) {
    Arrays.fill(values, 0, keyCount, MISSING);
    Layout l = layout;
    int line = 0;
    int pos = 0;
    boolean matches = l != null;
    while (pos < len) {
      int eol = Bytes.lineEnd(text, pos, len);
      int sep = labelEnd(text, pos, eol);
      if (matches && (line >= l.labels.length || !Bytes.equals(text, pos, sep, l.labels[line]))) {
        matches = false;
      }
      int key = matches ? l.keys[line] : lookup(text, pos, sep);
      if (key >= 0 && values[key] == MISSING) {
        values[key] = value(text, sep + 1, eol, source);
      }
      line++;
      pos = eol + 1;
    }
    if (matches && line == l.labels.length) {
      return l;
    }
    Layout learnt = learn(text, len);
    layout = learnt;
    return learnt;
  }

  private int labelEnd(byte[] text, int from, int eol) {
    int sep = Bytes.indexOf(text, separator, from, eol);
    return sep < 0 ? eol : sep;
  }

  private int lookup(byte[] text, int from, int to) {
    Integer k = index.get(Bytes.text(text, from, to));
    return k == null ? -1 : k;
  }

  private Layout learn(byte[] text, int len) {
    List<byte[]> labels = new ArrayList<>();
    List<Integer> keys = new ArrayList<>();
    boolean[] seen = new boolean[keyCount];
    int pos = 0;
    while (pos < len) {
      int eol = Bytes.lineEnd(text, pos, len);
      int sep = labelEnd(text, pos, eol);
      labels.add(Arrays.copyOfRange(text, pos, sep));
      int key = lookup(text, pos, sep);
      if (key >= 0 && seen[key]) {
        key = -1; // a repeated key: the first line holds the value
      } else if (key >= 0) {
        seen[key] = true;
      }
      keys.add(key);
      pos = eol + 1;
    }
    return new Layout(labels.toArray(new byte[0][]), keys.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The number after the separator: blanks, digits (maybe a minus sign), then anything (a unit) ignored. */
  private static long value(byte[] text, int from, int eol, Path source) {
    int i = from;
    while (i < eol && (text[i] == ' ' || text[i] == '\t')) {
      i++;
    }
    int end = i;
    if (end < eol && text[end] == '-') {
      end++;
    }
    while (end < eol && text[end] >= '0' && text[end] <= '9') {
      end++;
    }
    return Bytes.parseLong(text, i, end, source);
  }
}
