package dev.jlxcfs.cgroup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;

/**
 * The figures the emulated files are made of, read from a caller's cgroups. Limits (which change rarely and cost a
 * walk up the tree) are cached per cgroup for at most the staleness bound; usage figures are read fresh on every
 * call.
 */
public final class CgroupFigures {

  private record CpuKey(Path cpuset, Path cpu) {}

  private final Path hostOnlineFile;
  private final boolean quotaRule;
  private final Cache<Path, MemoryLimits> memoryLimits;
  private final Cache<CpuKey, CpuView> cpuViews;
  private final Cache<String, BitSet> hostOnline;

  /**
   * @param sysRoot    the sysfs root (normally /sys), for the host's online CPUs
   * @param staleness  how long a limit may be served from cache
   * @param quotaRule  whether a CFS quota reduces the visible CPU count
   */
  public CgroupFigures(Path sysRoot, Duration staleness, boolean quotaRule) {
    this.hostOnlineFile = sysRoot.resolve("devices/system/cpu/online");
    this.quotaRule = quotaRule;
    this.memoryLimits = Caffeine.newBuilder().expireAfterWrite(staleness).maximumSize(16_384).build();
    this.cpuViews = Caffeine.newBuilder().expireAfterWrite(staleness).maximumSize(16_384).build();
    this.hostOnline = Caffeine.newBuilder().expireAfterWrite(staleness).maximumSize(1).build();
  }

  public MemoryLimits memoryLimits(CgroupDir memory) throws IOException {
    return cached(memoryLimits, memory.dir(), () -> reader(memory).memoryLimits(memory.levels()));
  }

  public MemoryUsage memoryUsage(CgroupDir memory, MemoryLimits limits) throws IOException {
    return reader(memory).memoryUsage(memory.levels(), limits.swapAccounted());
  }

  /** The CPUs shown to a caller whose cpuset and cpu cgroups are these (either may be null: not mounted). */
  public CpuView cpuView(CgroupDir cpuset, CgroupDir cpu) throws IOException {
    CpuKey key = new CpuKey(cpuset == null ? null : cpuset.dir(), cpu == null ? null : cpu.dir());
    return cached(cpuViews, key, () -> {
      BitSet set = cpuset == null ? null : reader(cpuset).cpuset(cpuset.levels());
      double quota = cpu == null ? Double.POSITIVE_INFINITY : reader(cpu).cpuQuota(cpu.levels());
      return CpuView.of(set, hostOnlineCpus(), quota, quotaRule);
    });
  }

  public CpuUsage cpuUsage(CgroupDir usage) throws IOException {
    return reader(usage).cpuUsage(usage.levels());
  }

  /** The host's online CPUs (/sys/devices/system/cpu/online), cached like a limit: CPU hotplug is rare. */
  public BitSet hostOnlineCpus() throws IOException {
    return cached(hostOnline, "", () -> CpuList.parse(Texts.readValue(hostOnlineFile), hostOnlineFile));
  }

  private static CgroupReader reader(CgroupDir dir) {
    return CgroupReader.forVersion(dir.version());
  }

  private interface IoSupplier<V> {
    V get() throws IOException;
  }

  private static <K, V> V cached(Cache<K, V> cache, K key, IoSupplier<V> loader) throws IOException {
    try {
      return cache.get(key, k -> {
        try {
          return loader.get();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
