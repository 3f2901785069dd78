package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.KeptFile;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/** The reading helpers both cgroup versions share: one-value files, walks up the levels, CPU lists. */
final class Levels {

  private Levels() {}

  /** How one level's limit file reads: bytes of text to a limit, or {@link MemoryLimits#NONE}. */
  interface LimitParser {
    long parse(byte[] text, int from, int to, Path file);
  }

  /**
   * The smallest value of {@code fileName} over the levels, each read into {@code text}. A level without the file
   * has no limit there when {@code missingIsNone}; otherwise a missing file throws (the cgroup is gone).
   */
  static long smallest(List<Path> levels, String fileName, LimitParser parser, boolean missingIsNone,
                       ReadBuffer text) throws IOException {
    long min = MemoryLimits.NONE;
    for (Path level : levels) {
      Path file = level.resolve(fileName);
      try {
        SourceFile.readOnce(file, text);
      } catch (NoSuchFileException e) {
        if (missingIsNone) {
          continue;
        }
        throw e;
      }
      int end = firstLineEnd(text);
      min = Math.min(min, parser.parse(text.bytes(), 0, end, file));
    }
    return min;
  }

  /** Whether any level has the file. */
  static boolean anyHas(List<Path> levels, String fileName) {
    for (Path level : levels) {
      if (Files.exists(level.resolve(fileName))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The nearest level (the cgroup's own first) that has the file; throws when none has, or when a level on the way
   * does not exist (a removed cgroup must not be answered for by its parent).
   */
  static Path nearestWith(List<Path> levels, String fileName) throws NoSuchFileException {
    for (Path level : levels) {
      if (Files.exists(level.resolve(fileName))) {
        return level;
      }
      if (!Files.isDirectory(level)) {
        break;
      }
    }
    throw new NoSuchFileException(levels.get(0).resolve(fileName).toString());
  }

  /** A one-number file, read once into {@code text} (limits). */
  static long readLong(Path file, ReadBuffer text) throws IOException {
    SourceFile.readOnce(file, text);
    return Bytes.parseLong(text.bytes(), 0, firstLineEnd(text), file);
  }

  /** A one-number file kept open (usage): re-read from its start into {@code text}. */
  static long readLong(KeptFile file, ReadBuffer text) throws IOException {
    file.read(text);
    return Bytes.parseLong(text.bytes(), 0, firstLineEnd(text), file.path());
  }

  /**
   * The value of {@code key} (given with its trailing space, e.g. {@code "throttled_usec "}) in a "key value" file
   * kept open, re-read into {@code text}; 0 where the file has no such line.
   */
  static long keyedValue(KeptFile file, byte[] key, ReadBuffer text) throws IOException {
    file.read(text);
    byte[] b = text.bytes();
    int len = text.length();
    for (int pos = 0; pos < len; ) {
      int eol = Bytes.lineEnd(b, pos, len);
      if (Bytes.startsWith(b, pos, eol, key)) {
        return Bytes.parseLong(b, pos + key.length, eol, file.path());
      }
      pos = eol + 1;
    }
    return 0;
  }

  private static final byte[] TOTAL = Bytes.ascii("total=");

  /**
   * The {@code total=} (microseconds) of the line of a pressure file that starts with {@code label} ("full ", as in
   * "full avg10=0.00 avg60=0.00 avg300=0.00 total=123"), or -1 when the file has no such line. Throws {@link
   * MalformedException} for such a line without a total.
   */
  static long pressureTotal(byte[] b, int len, byte[] label, Path source) {
    for (int pos = 0; pos < len; ) {
      int eol = Bytes.lineEnd(b, pos, len);
      if (Bytes.startsWith(b, pos, eol, label)) {
        for (int i = pos + label.length; i < eol; i = Bytes.tokenEnd(b, i, eol) + 1) {
          if (Bytes.startsWith(b, i, eol, TOTAL)) {
            return Bytes.parseLong(b, i + TOTAL.length, Bytes.tokenEnd(b, i, eol), source);
          }
        }
        throw new MalformedException(source, "a '" + Bytes.text(label, 0, label.length).trim() + "' line without "
            + "total=");
      }
      pos = eol + 1;
    }
    return -1;
  }

  /** The first line of a file (read into {@code text}), trimmed, or null when the file does not exist. */
  static String readFirstLine(Path file, ReadBuffer text) throws IOException {
    try {
      SourceFile.readOnce(file, text);
    } catch (NoSuchFileException e) {
      return null;
    }
    return Bytes.text(text.bytes(), 0, firstLineEnd(text)).trim();
  }

  /** The CPUs of {@code fileName} at the nearest level where it names any; null when no level does. */
  static BitSet nearestCpuList(List<Path> levels, String fileName, ReadBuffer text) throws IOException {
    for (Path level : levels) {
      Path file = level.resolve(fileName);
      String list = readFirstLine(file, text);
      if (list == null) {
        continue;
      }
      BitSet cpus = CpuList.parse(list, file);
      if (!cpus.isEmpty()) {
        return cpus;
      }
    }
    return null;
  }

  static int firstLineEnd(ReadBuffer text) {
    return Bytes.lineEnd(text.bytes(), 0, text.length());
  }

  /** A limit written as a number (v1), with v1's huge "unlimited" values folded into NONE. */
  static long v1Limit(byte[] text, int from, int to, Path file) {
    return MemoryLimits.normalize(Bytes.parseLong(text, from, to, file));
  }

  /** A limit written as "max" or a number (v2). */
  static long v2Limit(byte[] text, int from, int to, Path file) {
    int f = from;
    int t = to;
    while (f < t && Bytes.isSpace(text[f])) {
      f++;
    }
    while (t > f && Bytes.isSpace(text[t - 1])) {
      t--;
    }
    if (t - f == 3 && text[f] == 'm' && text[f + 1] == 'a' && text[f + 2] == 'x') {
      return MemoryLimits.NONE;
    }
    if (f == t) {
      throw new MalformedException(file, "empty limit");
    }
    return MemoryLimits.normalize(Bytes.parseLong(text, f, t, file));
  }
}
