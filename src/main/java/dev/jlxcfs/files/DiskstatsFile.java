package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Diskstats;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * /proc/diskstats from the caller's I/O cgroup (see {@link Diskstats} for the layout rules). Where the figures come
 * from:
 *
 * <ul>
 *   <li>cgroup v2: {@code io.stat} of the caller's group (rbytes, wbytes, rios, wios, dbytes, dios per device).
 *   <li>cgroup v1: {@code blkio.throttle.io_serviced_recursive} and {@code blkio.throttle.io_service_bytes_recursive}
 *       (the non-recursive ones on kernels without them); with the bfq scheduler, {@code blkio.bfq.*} where the
 *       throttle files count nothing. Mind that v1 kernels count a group's I/O in the throttle files only once a
 *       throttle limit is set on it (any, even one never reached, as {@code docker run --device-write-bps} sets),
 *       or in the bfq files with the bfq scheduler: without either, a v1 container's figures are zeros.
 *   <li>A caller in the root group, or where no hierarchy serves blkio/io: the host's file.
 * </ul>
 *
 * <p>The caller's group is resolved as for every file ({@link CallerResolver}); its counter files are kept open
 * ({@link Cgroup#ioCounters}) and read afresh on every read, and parsed in place.
 */
public final class DiskstatsFile implements VirtualFile {

  /** Per thread: the caller's figures, reused by every read (the second for v1's bfq counters). */
  private static final ThreadLocal<Diskstats.Io> IO = ThreadLocal.withInitial(Diskstats.Io::new);
  private static final ThreadLocal<Diskstats.Io> BFQ_IO = ThreadLocal.withInitial(Diskstats.Io::new);

  private static final byte[] READ = Bytes.ascii("Read");
  private static final byte[] WRITE = Bytes.ascii("Write");
  private static final byte[] DISCARD = Bytes.ascii("Discard");
  private static final byte[] RBYTES = Bytes.ascii("rbytes");
  private static final byte[] WBYTES = Bytes.ascii("wbytes");
  private static final byte[] RIOS = Bytes.ascii("rios");
  private static final byte[] WIOS = Bytes.ascii("wios");
  private static final byte[] DBYTES = Bytes.ascii("dbytes");
  private static final byte[] DIOS = Bytes.ascii("dios");

  private final CallerResolver callers;
  private final SourceFile hostFile;

  public DiskstatsFile(ProcFs proc, CallerResolver callers) {
    this.callers = callers;
    this.hostFile = proc.hostFile("diskstats");
  }

  @Override
  public String path() {
    return "/proc/diskstats";
  }

  @Override
  public void render(int pid, ByteSink out) throws IOException {
    Cgroup group = callers.resolve(pid).io();
    if (group == null || group.isHierarchyRoot()) {
      host(out); // a host process (or no I/O controller mounted): the host's figures are its own
      return;
    }
    Diskstats.Io io = IO.get().clear();
    if (group.version() == 2) {
      ReadBuffer stat = group.ioCounters(false, false, ReadBuffer.local(1));
      parseIoStat(stat.bytes(), stat.length(), io, group.dir().dir());
    } else {
      v1(group, false, io);
      if (!io.anyOps()) {
        Diskstats.Io bfq = BFQ_IO.get().clear(); // the throttle files count nothing: bfq's, if the group has them
        if (v1(group, true, bfq)) {
          io = bfq;
        }
      }
    }
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    Diskstats.render(host.bytes(), host.length(), io, out);
  }

  /** Fills {@code io} from the v1 throttle (or bfq) counters; false when the group has no such files. */
  private static boolean v1(Cgroup group, boolean bfq, Diskstats.Io io) throws IOException {
    Path source = group.dir().dir();
    ReadBuffer ops = group.ioCounters(bfq, false, ReadBuffer.local(1));
    if (ops == null) {
      return false;
    }
    parseBlkio(ops.bytes(), ops.length(), false, io, source);
    ReadBuffer bytes = group.ioCounters(bfq, true, ReadBuffer.local(1));
    if (bytes != null) {
      parseBlkio(bytes.bytes(), bytes.length(), true, io, source);
    }
    return true;
  }

  /**
   * Parses v1 blkio "MAJ:MIN Read|Write|Sync|Async|Discard|Total N" lines into {@code io}: operations, or with
   * {@code bytes} bytes. Lines of another shape ("Total N", blank ones) are skipped.
   */
  public static void parseBlkio(byte[] b, int len, boolean bytes, Diskstats.Io io, Path source) {
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
        int figure = Bytes.equals(b, opFrom, opTo, READ) ? (bytes ? Diskstats.READ_BYTES : Diskstats.READ_OPS)
            : Bytes.equals(b, opFrom, opTo, WRITE) ? (bytes ? Diskstats.WRITE_BYTES : Diskstats.WRITE_OPS)
            : Bytes.equals(b, opFrom, opTo, DISCARD) ? (bytes ? Diskstats.DISCARD_BYTES : Diskstats.DISCARD_OPS)
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
  public static void parseIoStat(byte[] b, int len, Diskstats.Io io, Path source) {
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
            int figure = Bytes.equals(b, i, eq, RBYTES) ? Diskstats.READ_BYTES
                : Bytes.equals(b, i, eq, WBYTES) ? Diskstats.WRITE_BYTES
                : Bytes.equals(b, i, eq, RIOS) ? Diskstats.READ_OPS
                : Bytes.equals(b, i, eq, WIOS) ? Diskstats.WRITE_OPS
                : Bytes.equals(b, i, eq, DBYTES) ? Diskstats.DISCARD_BYTES
                : Bytes.equals(b, i, eq, DIOS) ? Diskstats.DISCARD_OPS
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

  @Override
  public void host(ByteSink out) throws IOException {
    hostFile.copyTo(out);
  }
}
