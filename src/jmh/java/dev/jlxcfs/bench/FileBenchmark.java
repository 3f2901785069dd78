package dev.jlxcfs.bench;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.util.ByteSink;
import java.time.Duration;
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
 * One read of each emulated file on the live host, as the daemon computes it for a caller (this benchmark's
 * thread, in whatever cgroup the benchmark runs), without FUSE: caller lookup (cached), source reads, render.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FileBenchmark {

  private LiveHost host;
  private ReadContext ctx;
  private final ByteSink out = new ByteSink();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    host = new LiveHost(Duration.ofSeconds(1));
    ctx = host.context(); // as a FUSE worker holds one
  }

  @Benchmark
  public int meminfo() throws Exception {
    out.reset();
    host.meminfo.render(ctx.begin(host.tid), out);
    return out.length();
  }

  @Benchmark
  public int stat() throws Exception {
    out.reset();
    host.stat.render(ctx.begin(host.tid), out);
    return out.length();
  }

  @Benchmark
  public int cpuinfo() throws Exception {
    out.reset();
    host.cpuinfo.render(ctx.begin(host.tid), out);
    return out.length();
  }

  @Benchmark
  public int uptime() throws Exception {
    out.reset();
    host.uptime.render(ctx.begin(host.tid), out);
    return out.length();
  }
}
