package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;

/**
 * A cgroup's I/O per device ("major:minor"), as the parsers of its counter files fill it (v1's blkio files, v2's
 * io.stat: {@link Cgroup#ioCounters}): a few devices, looked up linearly, in arrays a reader reuses read after read
 * (nothing allocated once they are big enough).
 */
public final class IoCounters {

  /** The figures kept per device, in a row. */
  public static final int READ_OPS = 0;
  public static final int WRITE_OPS = 1;
  public static final int READ_BYTES = 2;
  public static final int WRITE_BYTES = 3;
  public static final int DISCARD_OPS = 4;
  public static final int DISCARD_BYTES = 5;
  private static final int FIGURES = 6;

  private static final byte[] READ = Bytes.ascii("Read");
  private static final byte[] WRITE = Bytes.ascii("Write");
  private static final byte[] DISCARD = Bytes.ascii("Discard");
  private static final byte[] RBYTES = Bytes.ascii("rbytes");
  private static final byte[] WBYTES = Bytes.ascii("wbytes");
  private static final byte[] RIOS = Bytes.ascii("rios");
  private static final byte[] WIOS = Bytes.ascii("wios");
  private static final byte[] DBYTES = Bytes.ascii("dbytes");
  private static final byte[] DIOS = Bytes.ascii("dios");

  private long[] devices = new long[8];
  private long[] figures = new long[8 * FIGURES];
  private int size;

  public IoCounters clear() {
    size = 0;
    return this;
  }

  public int size() {
    return size;
  }

  /** Adds device {@code major:minor} (its figures 0) unless it is there. */
  public IoCounters add(long major, long minor) {
    row(key(major, minor), true);
    return this;
  }

  /** Sets a figure of device {@code major:minor}. */
  public IoCounters set(long major, long minor, int figure, long value) {
    int row = row(key(major, minor), true);
    figures[row * FIGURES + figure] = value;
    return this;
  }

  /** A figure of device {@code major:minor}; 0 for a device the cgroup never used. */
  public long get(long major, long minor, int figure) {
    int row = row(key(major, minor), false);
    return row < 0 ? 0 : figures[row * FIGURES + figure];
  }

  /** Whether any operation was counted (v1's throttle files count nothing unless a limit is set). */
  public boolean anyOps() {
    for (int r = 0; r < size; r++) {
      int at = r * FIGURES;
      if (figures[at + READ_OPS] + figures[at + WRITE_OPS] + figures[at + DISCARD_OPS] > 0) {
        return true;
      }
    }
    return false;
  }

  private static long key(long major, long minor) {
    return major << 32 | (minor & 0xFFFF_FFFFL);
  }

  private int row(long key, boolean add) {
    for (int r = 0; r < size; r++) {
      if (devices[r] == key) {
        return r;
      }
    }
    if (!add) {
      return -1;
    }
    if (size == devices.length) {
      devices = java.util.Arrays.copyOf(devices, size * 2);
      figures = java.util.Arrays.copyOf(figures, size * 2 * FIGURES);
    }
    devices[size] = key;
    java.util.Arrays.fill(figures, size * FIGURES, (size + 1) * FIGURES, 0);
    return size++;
  }

  /**
   * Parses v1 blkio "MAJ:MIN Read|Write|Sync|Async|Discard|Total N" lines into {@code io}: operations, or with
   * {@code bytes} bytes. Lines of another shape ("Total N", blank ones) are skipped.
   */
  public static void parseBlkio(byte[] b, int len, boolean bytes, IoCounters io, Path source) {
    int pos = 0;
    while (pos < len) {
      int eol = Bytes.lineEnd(b, pos, len);
      int devFrom = Bytes.skipSpaces(b, pos, eol);
      int devTo = Bytes.tokenEnd(b, devFrom, eol);
      int opFrom = Bytes.skipSpaces(b, devTo, eol);
      int opTo = Bytes.tokenEnd(b, opFrom, eol);
      int nFrom = Bytes.skipSpaces(b, opTo, eol);
      int nTo = Bytes.tokenEnd(b, nFrom, eol);
      int colon = Bytes.indexOf(b, (byte) ':', devFrom, devTo);
      if (colon > 0 && nFrom < nTo && Bytes.skipSpaces(b, nTo, eol) == eol) {
        int figure = Bytes.equals(b, opFrom, opTo, READ) ? (bytes ? READ_BYTES : READ_OPS)
            : Bytes.equals(b, opFrom, opTo, WRITE) ? (bytes ? WRITE_BYTES : WRITE_OPS)
            : Bytes.equals(b, opFrom, opTo, DISCARD) ? (bytes ? DISCARD_BYTES : DISCARD_OPS)
            : -1;
        if (figure >= 0) {
          io.set(count(b, devFrom, colon, source), count(b, colon + 1, devTo, source), figure,
              count(b, nFrom, nTo, source));
        }
      }
      pos = eol + 1;
    }
  }

  /**
   * Parses v2 io.stat, "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" lines (keys in any order; others,
   * such as io.cost's decimals, skipped), into {@code io}.
   */
  public static void parseIoStat(byte[] b, int len, IoCounters io, Path source) {
    int pos = 0;
    while (pos < len) {
      int eol = Bytes.lineEnd(b, pos, len);
      int devFrom = Bytes.skipSpaces(b, pos, eol);
      int devTo = Bytes.tokenEnd(b, devFrom, eol);
      int colon = Bytes.indexOf(b, (byte) ':', devFrom, devTo);
      if (colon > 0 && devTo < eol) {
        long major = count(b, devFrom, colon, source);
        long minor = count(b, colon + 1, devTo, source);
        io.add(major, minor); // listed: a row, even with no key this parser knows
        for (int i = Bytes.skipSpaces(b, devTo, eol); i < eol; ) {
          int end = Bytes.tokenEnd(b, i, eol);
          int eq = Bytes.indexOf(b, (byte) '=', i, end);
          if (eq > 0) {
            int figure = Bytes.equals(b, i, eq, RBYTES) ? READ_BYTES
                : Bytes.equals(b, i, eq, WBYTES) ? WRITE_BYTES
                : Bytes.equals(b, i, eq, RIOS) ? READ_OPS
                : Bytes.equals(b, i, eq, WIOS) ? WRITE_OPS
                : Bytes.equals(b, i, eq, DBYTES) ? DISCARD_BYTES
                : Bytes.equals(b, i, eq, DIOS) ? DISCARD_OPS
                : -1;
            if (figure >= 0) {
              io.set(major, minor, figure, count(b, eq + 1, end, source));
            }
          }
          i = Bytes.skipSpaces(b, end, eol);
        }
      }
      pos = eol + 1;
    }
  }

  /** A count: a decimal number, not negative. */
  private static long count(byte[] b, int from, int to, Path source) {
    long v = Bytes.parseLong(b, from, to, source);
    if (v < 0) {
      throw new MalformedException(source, "a negative count: '" + Bytes.abbreviate(Bytes.text(b, from, to)) + "'");
    }
    return v;
  }
}
