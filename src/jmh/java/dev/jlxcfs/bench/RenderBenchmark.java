package dev.jlxcfs.bench;

import dev.jlxcfs.cgroup.MemStat;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.cgroup.MemoryUsage;
import dev.jlxcfs.render.Cpuinfo;
import dev.jlxcfs.render.Meminfo;
import dev.jlxcfs.render.Stat;
import dev.jlxcfs.render.Uptime;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.KeyedValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The pure renderers, on this host's own /proc files read once at setup: what a read costs in Java once the
 * sources are in memory.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RenderBenchmark {

  private byte[] meminfo;
  private byte[] stat;
  private Cpuinfo.Parsed cpuinfo;
  private int[] twoCpus;
  private final long[] hostKb = new long[Meminfo.KEYS];
  private final long[] values = new long[Meminfo.KEYS];
  private final int[] lineEnds = new int[128];
  private MemoryUsage usage;
  private final MemoryLimits limits = new MemoryLimits(256L << 20, MemoryLimits.NONE, true);
  private final ByteSink out = new ByteSink();
  private final Path source = Path.of("/proc/meminfo");

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    meminfo = Files.readAllBytes(Path.of("/proc/meminfo"));
    stat = Files.readAllBytes(Path.of("/proc/stat"));
    cpuinfo = Cpuinfo.parse(Files.readAllBytes(Path.of("/proc/cpuinfo")));
    twoCpus = new int[] {0, 1};
    long[] s = new long[MemStat.values().length];
    Arrays.fill(s, 1 << 20);
    usage = new MemoryUsage(64L << 20, 0, s);
  }

  @Benchmark
  public int meminfo() {
    out.reset();
    KeyedValues.Layout layout = Meminfo.parseHost(meminfo, meminfo.length, hostKb, lineEnds, source);
    Meminfo.values(hostKb, limits, usage, true, values);
    Meminfo.render(meminfo, meminfo.length, layout, lineEnds, values, out);
    return out.length();
  }

  @Benchmark
  public int stat() {
    out.reset();
    Stat.render(stat, stat.length, new int[] {0}, new Stat.Times(1000, 500, 10000), out);
    return out.length();
  }

  @Benchmark
  public int cpuinfo() {
    out.reset();
    Cpuinfo.render(cpuinfo, twoCpus, out);
    return out.length();
  }

  @Benchmark
  public int uptime() {
    out.reset();
    Uptime.render(12345.67, 2345.67, out);
    return out.length();
  }
}
