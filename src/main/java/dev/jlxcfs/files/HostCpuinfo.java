package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.render.Cpuinfo;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/**
 * The host's /proc/cpuinfo, split for rendering ({@link Cpuinfo#parse}) and kept for the staleness bound. The
 * kernel computes it per read (reading it costs ~20 us, more than the rest of a read), and what changes in it is at
 * most its "cpu MHz" lines: those may lag by up to the bound. It is split again only when its bytes changed.
 */
final class HostCpuinfo {

  private record Timed(Cpuinfo.Parsed parsed, long expires) {}

  private final SourceFile file;
  private final Ticker ticker;
  private final long stalenessNanos;
  private volatile Timed current;

  HostCpuinfo(SourceFile file, Duration staleness, Ticker ticker) {
    this.file = file;
    this.stalenessNanos = staleness.toNanos();
    this.ticker = ticker;
  }

  Cpuinfo.Parsed get() throws IOException {
    Timed t = current;
    long now = ticker.read();
    if (t == null || now - t.expires() >= 0) {
      ReadBuffer text = file.read(ReadBuffer.local(0));
      Cpuinfo.Parsed parsed;
      if (t != null && Arrays.equals(t.parsed().host(), 0, t.parsed().host().length, text.bytes(), 0,
          text.length())) {
        parsed = t.parsed();
      } else {
        parsed = Cpuinfo.parse(Arrays.copyOf(text.bytes(), text.length()));
      }
      t = new Timed(parsed, now + stalenessNanos);
      current = t;
    }
    return t.parsed();
  }

  SourceFile file() {
    return file;
  }
}
