package dev.jlxcfs.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of bad kernel text: realistic content (a fixture) bent the ways a kernel, a race or a hostile
 * container can bend it. Deterministic for a seed, so a failing case is replayed by its seed alone. Records what
 * it did ({@link #trail}) so that a failure message says which input broke what.
 */
final class Mutations {

  /** The ways a text is bent; {@link #mutate} stacks one to three of them. */
  enum Kind {
    RANDOM_BYTES, OVERWRITE_SPAN, TRUNCATE, GIANT_NUMBER, NEGATIVE_NUMBER, MAX, ODD_NUMBER, EMPTY, DROP_LINE,
    DUPLICATE_LINE, MANY_LINES, SHUFFLE_LINES, CRLF, NUL, LONG_LINE, NON_UTF8, SPECIAL_CHARS, FLIP_BYTE,
    NO_FINAL_NEWLINE, DROP_SEPARATOR
  }

  /** Numbers at and past the edges of long: 2^63 - 1, 2^63, 2^64 - 1, 2^64, and beyond. */
  static final String[] GIANT = {
    "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
    "99999999999999999999999", "9223372036854771712", "4294967296", "2147483648", "1152921504606846976",
    "000000000000000000000000001",
  };

  /** Numbers a parser may take for numbers but should not: signs, bases, exponents, fractions, empties. */
  static final String[] ODD = {
    "-1", "-0", "-", "+5", "0x10", "1e9", "1.5", "", " ", "--1", "-9223372036854775808", "-9223372036854775809",
    "0", "65536", "65537", "2147483647", "max", "MAX", "maxx", "nan", "١٢٣", "1_000",
  };

  /** Bytes that mean something to one of the formats: separators, escapes, parentheses, path tricks. */
  static final String[] SPECIAL = {
    ":", "::", "\n", "\n\n", ")", "(", ") (", " ", "  ", "\t", "\\", "\\040", "\\012", "\\134", "\\011", "\\9",
    "\\00", "\\000", "\\777", ",", "-", ",,", "0-", "-3", "/..", "/../..", "//", " - ", "kB", "\r", "#",
  };

  /** Byte sequences that are not UTF-8 (a lone continuation byte, an overlong form, a surrogate, a cut one). */
  private static final byte[][] NOT_UTF8 = {
    {(byte) 0xff}, {(byte) 0x80}, {(byte) 0xc3, 0x28}, {(byte) 0xc0, (byte) 0xaf},
    {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xfe, (byte) 0xfe},
  };

  private static final Kind[] KINDS = Kind.values();

  private final Random random;
  private final StringBuilder trail = new StringBuilder();

  Mutations(long seed) {
    this.random = new Random(seed);
  }

  Random random() {
    return random;
  }

  /** What this generator produced so far, for a failure message. */
  String trail() {
    return trail.toString();
  }

  /** Adds a note to the trail (e.g. which file a mutant went to). */
  void note(String what) {
    trail.append(what).append("; ");
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  boolean nextBoolean() {
    return random.nextBoolean();
  }

  <T> T pick(T[] options) {
    return options[random.nextInt(options.length)];
  }

  <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  /** One to three mutations of {@code seed}, recorded in the trail with the result. */
  byte[] mutate(byte[] seed) {
    int count = 1 + random.nextInt(3);
    byte[] b = seed;
    List<Kind> applied = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Kind k = pick(KINDS);
      applied.add(k);
      b = apply(k, b);
    }
    note(applied + " -> " + show(b));
    return b;
  }

  byte[] mutate(String seed) {
    return mutate(bytes(seed));
  }

  byte[] apply(Kind kind, byte[] in) {
    switch (kind) {
      case RANDOM_BYTES:
        return randomBytes(random.nextInt(300));
      case OVERWRITE_SPAN: {
        if (in.length == 0) {
          return randomBytes(1 + random.nextInt(16));
        }
        byte[] out = in.clone();
        int at = random.nextInt(in.length);
        int n = Math.min(in.length - at, 1 + random.nextInt(16));
        for (int i = 0; i < n; i++) {
          out[at + i] = (byte) random.nextInt(256);
        }
        return out;
      }
      case TRUNCATE:
        return Arrays.copyOf(in, in.length == 0 ? 0 : random.nextInt(in.length));
      case GIANT_NUMBER:
        return replaceNumber(in, pick(GIANT));
      case NEGATIVE_NUMBER:
        return replaceNumber(in, null);
      case MAX:
        return replaceNumber(in, "max");
      case ODD_NUMBER:
        return replaceNumber(in, pick(ODD));
      case EMPTY:
        return new byte[0];
      case DROP_LINE: {
        List<byte[]> lines = lines(in);
        if (!lines.isEmpty()) {
          lines.remove(random.nextInt(lines.size()));
        }
        return join(lines);
      }
      case DUPLICATE_LINE: {
        List<byte[]> lines = lines(in);
        if (!lines.isEmpty()) {
          int i = random.nextInt(lines.size());
          lines.add(random.nextInt(lines.size() + 1), lines.get(i));
        }
        return join(lines);
      }
      case MANY_LINES: {
        // Far more lines than any kernel writes: parsers that size tables by the usual count must cope.
        List<byte[]> lines = lines(in);
        if (lines.isEmpty()) {
          lines.add(bytes("x 1"));
        }
        byte[] line = lines.get(random.nextInt(lines.size()));
        int copies = 100 + random.nextInt(300);
        for (int i = 0; i < copies; i++) {
          lines.add(random.nextInt(lines.size() + 1), random.nextBoolean() ? line : bytes("Extra" + i + ": 1 kB"));
        }
        return join(lines);
      }
      case SHUFFLE_LINES: {
        List<byte[]> lines = lines(in);
        java.util.Collections.shuffle(lines, random);
        return join(lines);
      }
      case CRLF:
        return replaceAll(in, (byte) '\n', bytes("\r\n"));
      case NUL:
        return insert(in, random.nextBoolean() ? new byte[] {0} : new byte[] {0, 0, 0, 0});
      case LONG_LINE: {
        int n = 1000 + random.nextInt(70_000);
        byte[] run = new byte[n];
        Arrays.fill(run, random.nextBoolean() ? (byte) '9' : (byte) 'a');
        return insert(in, run);
      }
      case NON_UTF8:
        return insert(in, pick(NOT_UTF8));
      case SPECIAL_CHARS:
        return insert(in, bytes(pick(SPECIAL)));
      case FLIP_BYTE: {
        if (in.length == 0) {
          return in;
        }
        byte[] out = in.clone();
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
      }
      case NO_FINAL_NEWLINE:
        return in.length > 0 && in[in.length - 1] == '\n' ? Arrays.copyOf(in, in.length - 1) : in;
      case DROP_SEPARATOR: {
        // "Key: 1 kB" -> "Key 1 kB", "key 1" -> "key1": a line whose label runs into its value.
        byte sep = random.nextBoolean() ? (byte) ':' : (byte) ' ';
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
          if (in[i] == sep) {
            at.add(i);
          }
        }
        if (at.isEmpty()) {
          return in;
        }
        int i = pick(at);
        byte[] out = new byte[in.length - 1];
        System.arraycopy(in, 0, out, 0, i);
        System.arraycopy(in, i + 1, out, i, in.length - i - 1);
        return out;
      }
      default:
        throw new AssertionError(kind);
    }
  }

  byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    // Half the time from an alphabet of the formats' own characters, which gets further into a parser than noise.
    if (random.nextBoolean()) {
      random.nextBytes(b);
    } else {
      byte[] alphabet = bytes("0123456789 :-,\n()\\maxkB\t/");
      for (int i = 0; i < n; i++) {
        b[i] = alphabet[random.nextInt(alphabet.length)];
      }
    }
    return b;
  }

  /** Replaces one run of digits with {@code with}; null: negates it. No digits: appends it to a random line. */
  private byte[] replaceNumber(byte[] in, String with) {
    List<int[]> runs = new ArrayList<>();
    for (int i = 0; i < in.length; ) {
      if (in[i] >= '0' && in[i] <= '9') {
        int start = i;
        while (i < in.length && in[i] >= '0' && in[i] <= '9') {
          i++;
        }
        runs.add(new int[] {start, i});
      } else {
        i++;
      }
    }
    if (runs.isEmpty()) {
      return insert(in, bytes(with == null ? "-1" : with));
    }
    int[] run = pick(runs);
    byte[] replacement = with != null ? bytes(with)
        : bytes("-" + new String(in, run[0], run[1] - run[0], StandardCharsets.ISO_8859_1));
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + replacement.length);
    out.write(in, 0, run[0]);
    out.writeBytes(replacement);
    out.write(in, run[1], in.length - run[1]);
    return out.toByteArray();
  }

  private byte[] insert(byte[] in, byte[] what) {
    int at = in.length == 0 ? 0 : random.nextInt(in.length + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + what.length);
    out.write(in, 0, at);
    out.writeBytes(what);
    out.write(in, at, in.length - at);
    return out.toByteArray();
  }

  private static byte[] replaceAll(byte[] in, byte b, byte[] with) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 2);
    for (byte c : in) {
      if (c == b) {
        out.writeBytes(with);
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  /** The lines of a text, without their newlines (a final newline does not make an empty last line). */
  static List<byte[]> lines(byte[] in) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '\n') {
        lines.add(Arrays.copyOfRange(in, start, i));
        start = i + 1;
      }
    }
    if (start < in.length) {
      lines.add(Arrays.copyOfRange(in, start, in.length));
    }
    return lines;
  }

  static byte[] join(List<byte[]> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] l : lines) {
      out.writeBytes(l);
      out.write('\n');
    }
    return out.toByteArray();
  }

  // Generators of the inputs whose oddities are structural rather than byte-level.

  /**
   * A command name as the kernel may show it in /proc/PID/stat: up to 15 bytes of anything but NUL, spaces,
   * parentheses, ") (" and newlines included (prctl(PR_SET_NAME) and exec of a file so named set it).
   */
  String commName() {
    String[] parts = {"a", " ", "(", ")", ") (", ") S 1 ", "\n", ")\n", "9", "x y", "((", "))", ":", "\t", "\u00ff"};
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      s.append(pick(parts));
    }
    String name = s.length() > 15 ? s.substring(0, 15) : s.toString();
    note("comm " + show(bytes(name)));
    return name;
  }

  /** A cgroup path with the characters the kernel allows in one: colons, spaces, newlines, escapes, "..". */
  String cgroupPath() {
    String[] parts = {"a", "b:c", "with space", "new\nline", "x::y", "\\040", "..", ".", "0::", "\t", "\u00e9",
        "docker-4f9c0e1a2b3c.scope", "-", ","};
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      s.append('/').append(pick(parts));
    }
    String path = s.length() == 0 ? "/" : s.toString();
    note("cgroup path " + show(bytes(path)));
    return path;
  }

  /** A mountinfo field with escapes, good and bad: \040 \011 \012 \134, \9, a cut \04, a lone backslash. */
  String mountField() {
    String[] parts = {"/sys/fs/cgroup", "/a", "\\040", "\\011", "\\012", "\\134", "\\9", "\\04", "\\", "\\000",
        "\\777", "b c", ":", "\u00e9", "-"};
    StringBuilder s = new StringBuilder();
    int n = 1 + random.nextInt(5);
    for (int i = 0; i < n; i++) {
      s.append(pick(parts));
    }
    return s.toString();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A short, printable rendering of bytes for messages: escapes, and the middle of a long text elided. */
  static String show(byte[] b) {
    StringBuilder s = new StringBuilder("\"");
    int limit = 160;
    for (int i = 0; i < b.length; i++) {
      if (b.length > limit && i == limit / 2) {
        s.append("...(").append(b.length - limit).append(" bytes)...");
        i = b.length - limit / 2;
      }
      int c = b[i] & 0xff;
      if (c == '\n') {
        s.append("\\n");
      } else if (c == '\r') {
        s.append("\\r");
      } else if (c == '\t') {
        s.append("\\t");
      } else if (c == '\\') {
        s.append("\\\\");
      } else if (c == '"') {
        s.append("\\\"");
      } else if (c < 0x20 || c >= 0x7f) {
        s.append(String.format("\\x%02x", c));
      } else {
        s.append((char) c);
      }
    }
    return s.append('"').toString();
  }
}
