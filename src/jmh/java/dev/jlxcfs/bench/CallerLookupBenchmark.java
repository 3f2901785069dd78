package dev.jlxcfs.bench;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.cgroup.MemoryUsage;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.util.ReadBuffer;
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
 * The per-read lookup on the live host: pid -> cgroups (cached: the pid-reuse check only; uncached: /proc/PID/stat
 * and /proc/PID/cgroup read and resolved through the mount table), and the cgroup's memory figures (limits cached,
 * usage read fresh from the kept-open files).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CallerLookupBenchmark {

  private LiveHost cached;
  private LiveHost uncached;
  private Cgroup memory;
  private ReadContext cachedCtx;
  private final ReadBuffer text = new ReadBuffer(8192);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    cached = new LiveHost(Duration.ofSeconds(60));
    uncached = new LiveHost(Duration.ZERO);
    memory = cached.callers.resolve(cached.tid, text).memory();
    cachedCtx = cached.context();
  }

  @Benchmark
  public Caller resolveCached() throws Exception {
    return cached.callers.resolve(cached.tid, text);
  }

  @Benchmark
  public Caller resolveUncached() throws Exception {
    return uncached.callers.resolve(uncached.tid, text);
  }

  @Benchmark
  public MemoryUsage memoryUsage() throws Exception {
    return memory.memoryUsage(true, text);
  }

  @Benchmark
  public Object cpuView() throws Exception {
    return cachedCtx.begin(cached.tid).cpuView();
  }
}
