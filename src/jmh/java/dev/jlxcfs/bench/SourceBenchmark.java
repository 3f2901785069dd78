package dev.jlxcfs.bench;

import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Reading a kernel file kept open (pread at offset 0, as the daemon does) against opening it for every read (as
 * the daemon did before), for the files a meminfo read needs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SourceBenchmark {

  @Param({"/proc/meminfo", "memory.stat", "memory.usage_in_bytes", "/proc/stat"})
  public String file;

  private Path path;
  private SourceFile kept;
  private final ReadBuffer buffer = new ReadBuffer(8192);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    path = file.startsWith("/") ? Path.of(file) : ownMemoryCgroup().resolve(file);
    kept = new SourceFile(path);
  }

  /** This process's memory cgroup directory on a v1 host (the benchmark runs in a limited one). */
  static Path ownMemoryCgroup() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      if (f[1].equals("memory")) {
        return Path.of("/sys/fs/cgroup/memory" + f[2]);
      }
      if (f[0].equals("0") && Files.exists(Path.of("/sys/fs/cgroup" + f[2] + "/memory.stat"))) {
        return Path.of("/sys/fs/cgroup" + f[2]);
      }
    }
    throw new IllegalStateException("no memory cgroup");
  }

  /** libc's pread and open through jnr-ffi: what a kept file costs without FileChannel's bookkeeping. */
  public interface RawLibC {
    @jnr.ffi.annotations.IgnoreError
    long pread(int fd, @jnr.ffi.annotations.Out byte[] buf, long count, long offset);

    int open(String path, int flags);

    int close(int fd);
  }

  private static final RawLibC LIBC = jnr.ffi.LibraryLoader.create(RawLibC.class).load("c");
  private int fd = -1;
  private final byte[] raw = new byte[8192];

  @TearDown
  public void tearDown() {
    kept.close();
    if (fd >= 0) {
      LIBC.close(fd);
    }
  }

  @Benchmark
  public long rawPread() {
    if (fd < 0) {
      fd = LIBC.open(path.toString(), 0);
    }
    return LIBC.pread(fd, raw, raw.length, 0);
  }

  @Benchmark
  public int keptOpen() throws Exception {
    return kept.read(buffer).length();
  }

  @Benchmark
  public int openEachTime() throws Exception {
    return Files.readAllBytes(path).length;
  }
}
