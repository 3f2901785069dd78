package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Diskstats;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

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
 * <p>The caller's group is resolved as for every file ({@link CallerResolver}); its I/O figures are read afresh on
 * every read.
 */
public final class DiskstatsFile implements VirtualFile {

  /** Compiled once: String.split with a regex compiles it on every call, i.e. per line of every read. */
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

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
    CgroupDir dir = callers.resolve(pid).io();
    if (dir == null || dir.dir().equals(dir.hierarchy().mountPoint())) {
      host(out); // a host process (or no I/O controller mounted): the host's figures are its own
      return;
    }
    Map<String, Diskstats.Io> io = dir.hierarchy().version() == 2
        ? v2(read(dir.dir().resolve("io.stat")), dir.dir().resolve("io.stat")) : v1(dir.dir());
    ReadBuffer host = hostFile.read(ReadBuffer.local(0));
    Diskstats.render(new String(host.bytes(), 0, host.length(), StandardCharsets.ISO_8859_1), io, out);
  }

  private static Map<String, Diskstats.Io> v1(Path dir) throws IOException {
    Map<String, Diskstats.Io> throttle = v1(dir, "blkio.throttle.io_serviced", "blkio.throttle.io_service_bytes");
    if (throttle.values().stream().anyMatch(io -> io.readOps() + io.writeOps() + io.discardOps() > 0)
        || !Files.exists(dir.resolve("blkio.bfq.io_serviced"))) {
      return throttle;
    }
    return v1(dir, "blkio.bfq.io_serviced", "blkio.bfq.io_service_bytes");
  }

  private static Map<String, Diskstats.Io> v1(Path dir, String serviced, String bytes) throws IOException {
    return v1(readRecursive(dir, serviced), readRecursive(dir, bytes), dir);
  }

  /** The _recursive file (the group and its descendants), or the plain one on kernels without it. */
  private static String readRecursive(Path dir, String name) throws IOException {
    try {
      return read(dir.resolve(name + "_recursive")); // one open instead of a stat and an open
    } catch (NoSuchFileException e) {
      return read(dir.resolve(name));
    }
  }

  /** Parses v1 blkio "MAJ:MIN Read|Write|Sync|Async|Discard|Total N" lines (ops, then bytes). */
  static Map<String, Diskstats.Io> v1(String servicedText, String bytesText, Path source)
      throws MalformedException {
    Map<String, long[]> ops = v1Counts(servicedText, source);
    Map<String, long[]> bytes = v1Counts(bytesText, source);
    Map<String, Diskstats.Io> io = new HashMap<>();
    for (String dev : ops.keySet()) {
      long[] o = ops.get(dev);
      long[] b = bytes.getOrDefault(dev, new long[3]);
      io.put(dev, new Diskstats.Io(o[0], o[1], b[0], b[1], o[2], b[2]));
    }
    for (String dev : bytes.keySet()) {
      long[] b = bytes.get(dev);
      io.putIfAbsent(dev, new Diskstats.Io(0, 0, b[0], b[1], 0, b[2]));
    }
    return io;
  }

  private static Map<String, long[]> v1Counts(String text, Path source) throws MalformedException {
    Map<String, long[]> counts = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = WHITESPACE.split(line.trim());
      if (f.length != 3 || f[0].indexOf(':') < 0) {
        continue; // "Total N", blank lines
      }
      int which = switch (f[1]) {
        case "Read" -> 0;
        case "Write" -> 1;
        case "Discard" -> 2;
        default -> -1;
      };
      if (which >= 0) {
        counts.computeIfAbsent(f[0], k -> new long[3])[which] = number(f[2], line, source);
      }
    }
    return counts;
  }

  /** Parses v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" (keys in any order). */
  static Map<String, Diskstats.Io> v2(String ioStat, Path source) throws MalformedException {
    Map<String, Diskstats.Io> io = new HashMap<>();
    for (String line : ioStat.split("\n")) {
      String[] f = WHITESPACE.split(line.trim());
      if (f.length < 2 || f[0].indexOf(':') < 0) {
        continue;
      }
      long rbytes = 0, wbytes = 0, rios = 0, wios = 0, dbytes = 0, dios = 0;
      for (int i = 1; i < f.length; i++) {
        int eq = f[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String key = f[i].substring(0, eq);
        String value = f[i].substring(eq + 1);
        switch (key) {
          case "rbytes" -> rbytes = number(value, line, source);
          case "wbytes" -> wbytes = number(value, line, source);
          case "rios" -> rios = number(value, line, source);
          case "wios" -> wios = number(value, line, source);
          case "dbytes" -> dbytes = number(value, line, source);
          case "dios" -> dios = number(value, line, source);
          default -> { } // cost.*, latency figures of io.cost/io.latency (decimals): not diskstats fields
        }
      }
      io.put(f[0], new Diskstats.Io(rios, wios, rbytes, wbytes, dios, dbytes));
    }
    return io;
  }

  private static long number(String s, String line, Path source) throws MalformedException {
    try {
      long v = Long.parseLong(s);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new MalformedException(source, "not a count in '" + line + "'");
    }
  }

  private static String read(Path file) throws IOException {
    ReadBuffer b = SourceFile.readOnce(file, ReadBuffer.local(1));
    return new String(b.bytes(), 0, b.length(), StandardCharsets.ISO_8859_1);
  }

  @Override
  public void host(ByteSink out) throws IOException {
    hostFile.copyTo(out);
  }
}
