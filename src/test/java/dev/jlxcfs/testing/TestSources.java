package dev.jlxcfs.testing;

import dev.jlxcfs.cgroup.CgroupFigures;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.files.Sources;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.proc.PidNamespaceInits;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.Clock;
import java.io.IOException;
import java.time.Duration;

/** Wires {@link Sources} over a fixture tree, with a hand-driven clock and no caching (so edits show at once). */
public final class TestSources {
  private TestSources() {}

  public static Sources of(FixtureTree t, Clock clock, boolean showSwap, boolean cpuQuota) throws IOException {
    ProcFs proc = new ProcFs(t.proc());
    CgroupMounts mounts = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    return Sources.of(proc, new CallerResolver(proc, mounts, Duration.ZERO),
        new CgroupFigures(t.sys(), Duration.ZERO, cpuQuota), new PidNamespaceInits(proc), clock, 100, showSwap,
        t.sys());
  }

  public static Sources of(FixtureTree t) throws IOException {
    return of(t, () -> 1000L * 1_000_000_000L, true, true);
  }

  /** A clock that tests move by hand. */
  public static final class ManualClock implements Clock {
    private volatile long nanos;

    public ManualClock(double seconds) {
      set(seconds);
    }

    public void set(double seconds) {
      nanos = (long) (seconds * 1e9);
    }

    @Override
    public long bootTimeNanos() {
      return nanos;
    }
  }
}
