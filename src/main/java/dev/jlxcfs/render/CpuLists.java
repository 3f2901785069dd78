package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The kernel's CPU lists ("0-3,8,10-11", as in /sys/devices/system/cpu/online and every {@code *_list} file) and
 * masks (comma-separated 32-bit hex words, most significant first, as in {@code thread_siblings} and
 * {@code shared_cpu_map}) for a CPU view: pure functions that allocate nothing. An empty list is an empty line, as
 * the kernel writes it.
 */
public final class CpuLists {

  private CpuLists() {}

  /** {@code cpus} (ascending) in list syntax, with a newline. */
  public static void write(ByteSink out, int[] cpus) {
    boolean first = true;
    int i = 0;
    while (i < cpus.length) {
      int j = i;
      while (j + 1 < cpus.length && cpus[j + 1] == cpus[j] + 1) {
        j++;
      }
      first = range(out, first, cpus[i], cpus[j]);
      i = j + 1;
    }
    out.write('\n');
  }

  /** The CPUs 0..max that are not in {@code cpus} (ascending), in list syntax, with a newline. */
  public static void writeOthers(ByteSink out, int[] cpus, int max) {
    boolean first = true;
    int next = 0;
    for (int cpu : cpus) {
      if (cpu > max) {
        break;
      }
      if (cpu > next) {
        first = range(out, first, next, cpu - 1);
      }
      next = cpu + 1;
    }
    if (next <= max) {
      range(out, first, next, max);
    }
    out.write('\n');
  }

  /**
   * The host's list {@code text[0..len)} cut to {@code cpus} (ascending), with a newline.
   *
   * @throws MalformedException when the text is not a CPU list
   */
  public static void cut(byte[] text, int len, int[] cpus, ByteSink out, Path source) {
    boolean first = true;
    int end = trimmedEnd(text, len);
    int pos = 0;
    int lastTo = -1;
    while (pos < end) {
      int from = 0;
      int start = pos;
      while (pos < end && isDigit(text[pos])) {
        from = digits(from, text[pos++], source);
      }
      int to = from;
      if (pos == start) {
        throw new MalformedException(source, "not a CPU list");
      }
      if (pos < end && text[pos] == '-') {
        start = ++pos;
        to = 0;
        while (pos < end && isDigit(text[pos])) {
          to = digits(to, text[pos++], source);
        }
        if (pos == start || to < from) {
          throw new MalformedException(source, "not a CPU list");
        }
      }
      if (pos < end && text[pos++] != ',' || from <= lastTo) {
        throw new MalformedException(source, "not a CPU list"); // ascending ranges, comma-separated
      }
      lastTo = to;
      int i = Arrays.binarySearch(cpus, from);
      i = i < 0 ? -i - 1 : i;
      while (i < cpus.length && cpus[i] <= to) {
        int j = i;
        while (j + 1 < cpus.length && cpus[j + 1] == cpus[j] + 1 && cpus[j + 1] <= to) {
          j++;
        }
        first = range(out, first, cpus[i], cpus[j]);
        i = j + 1;
      }
    }
    out.write('\n');
  }

  /**
   * The host's mask {@code text[0..len)} with the bits of CPUs not in {@code cpus} (ascending) cleared, in the
   * host's own layout (its width and commas), with a newline.
   *
   * @throws MalformedException when the text is not a mask
   */
  public static void cutMask(byte[] text, int len, int[] cpus, ByteSink out, Path source) {
    int end = trimmedEnd(text, len);
    int nibbles = 0;
    for (int i = 0; i < end; i++) {
      if (hex(text[i]) >= 0) {
        nibbles++;
      } else if (text[i] != ',') {
        throw new MalformedException(source, "not a CPU mask");
      }
    }
    if (nibbles == 0) {
      throw new MalformedException(source, "not a CPU mask");
    }
    int index = nibbles; // index of the current nibble from the right, plus one
    for (int i = 0; i < end; i++) {
      int v = hex(text[i]);
      if (v < 0) {
        out.write(',');
        continue;
      }
      index--;
      int kept = 0;
      for (int bit = 0; bit < 4; bit++) {
        if ((v & (1 << bit)) != 0 && Arrays.binarySearch(cpus, index * 4 + bit) >= 0) {
          kept |= 1 << bit;
        }
      }
      out.write((byte) "0123456789abcdef".charAt(kept));
    }
    out.write('\n');
  }

  private static boolean range(ByteSink out, boolean first, int from, int to) {
    if (!first) {
      out.write(',');
    }
    out.write(from);
    if (to > from) {
      out.write('-').write(to);
    }
    return false;
  }

  private static int trimmedEnd(byte[] text, int len) {
    int end = len;
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' ')) {
      end--;
    }
    return end;
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static int digits(int value, byte b, Path source) {
    if (value > 1 << 20) {
      throw new MalformedException(source, "a CPU number out of range");
    }
    return value * 10 + (b - '0');
  }

  private static int hex(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    if (b >= 'A' && b <= 'F') {
      return b - 'A' + 10;
    }
    return -1;
  }
}
