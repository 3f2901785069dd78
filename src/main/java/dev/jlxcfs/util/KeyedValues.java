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
 * key assignment learnt on one read is kept and only checked on the next (each line's label compared in place, no
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

    /** How many lines the text it was matched to has. */
    public int lines() {
      return labels.length;
    }

    /** The length of line {@code line}'s label (the text before its separator). */
    public int labelLength(int line) {
      return labels[line].length;
    }
  }

  private final Map<String, Integer> index = new HashMap<>();
  private final int keyCount;
  private final byte separator;
  private volatile Layout layout;

  /**
   * @param keys      the keys, in the order of the values array (null: a key this text format does not have)
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

  /**
   * Parses {@code text[0..len)} into {@code values} (one per key, {@link #MISSING} where absent; a value is the
   * number after the separator, a trailing unit such as " kB" ignored) and returns the layout it matched.
   */
  public Layout parse(byte[] text, int len, long[] values, Path source) {
    return parse(text, len, values, null, source);
  }

  /**
   * As {@link #parse(byte[], int, long[], Path)}, also storing where each line ends (the index of its newline, or
   * {@code len}) in {@code lineEnds} when it has room for every line.
   */
  public Layout parse(byte[] text, int len, long[] values, int[] lineEnds, Path source) {
    Layout l = layout;
    if (l != null) {
      Arrays.fill(values, 0, keyCount, MISSING);
      if (parseWith(l, text, len, values, lineEnds, source)) {
        return l;
      }
    }
    Layout learnt = learn(text, len);
    layout = learnt;
    Arrays.fill(values, 0, keyCount, MISSING);
    parseWith(learnt, text, len, values, lineEnds, source);
    return learnt;
  }

  /** One pass with a known layout; false as soon as a line is not where the layout has it. */
  private boolean parseWith(Layout l, byte[] text, int len, long[] values, int[] lineEnds, Path source) {
    if (lineEnds != null && lineEnds.length < l.labels.length) {
      lineEnds = null;
    }
    byte[][] labels = l.labels;
    int[] keys = l.keys;
    int lines = labels.length;
    int pos = 0;
    int line = 0;
    while (pos < len) {
      if (line >= lines) {
        return false;
      }
      byte[] label = labels[line];
      int sep = pos + label.length;
      // The label, then the separator (or the line's end, for a line without one).
      if (sep > len || !Bytes.startsWith(text, pos, len, label)
          || (sep < len && text[sep] != separator && text[sep] != '\n')) {
        return false;
      }
      int key = keys[line];
      if (key >= 0 && (sep >= len || text[sep] != separator)) {
        return false; // a key's line without its separator: learnt again, as a line of no key (see learn)
      }
      int i = sep + 1;
      if (key >= 0) {
        while (i < len && (text[i] == ' ' || text[i] == '\t')) {
          i++;
        }
        int start = i;
        if (i < len && text[i] == '-') {
          i++;
        }
        while (i < len && text[i] >= '0' && text[i] <= '9') {
          i++;
        }
        values[key] = Bytes.parseLong(text, start, i, source);
      }
      int eol = sep >= len || text[sep] == '\n' ? Math.min(sep, len) : Bytes.lineEnd(text, Math.max(i, sep), len);
      if (lineEnds != null) {
        lineEnds[line] = eol;
      }
      pos = eol + 1;
      line++;
    }
    return line == lines;
  }

  private Layout learn(byte[] text, int len) {
    List<byte[]> labels = new ArrayList<>();
    List<Integer> keys = new ArrayList<>();
    boolean[] seen = new boolean[keyCount];
    int pos = 0;
    while (pos < len) {
      int eol = Bytes.lineEnd(text, pos, len);
      int sep = Bytes.indexOf(text, separator, pos, eol);
      boolean hasSeparator = sep >= 0;
      if (!hasSeparator) {
        sep = eol;
      }
      labels.add(Arrays.copyOfRange(text, pos, sep));
      // A line without a separator has no value, so it holds no key even if it reads like one ("MemFree" cut
      // short): were it a key's line, the meminfo renderer would rewrite it as "label: value" and take the
      // separator it lacks from past the line's end.
      Integer k = hasSeparator ? index.get(Bytes.text(text, pos, sep)) : null;
      int key = k == null ? -1 : k;
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
}
