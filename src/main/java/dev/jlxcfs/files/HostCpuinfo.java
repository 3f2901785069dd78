package dev.jlxcfs.files;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jlxcfs.render.Cpuinfo;
import dev.jlxcfs.util.Expiring;
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

  private final SourceFile file;
  private final Expiring<Cpuinfo.Parsed> current;

  HostCpuinfo(SourceFile file, Duration staleness, Ticker ticker) {
    this.file = file;
    this.current = new Expiring<>(ticker, staleness);
  }

  /** The parsed file, read into {@code text} when the one kept is stale. */
  Cpuinfo.Parsed get(ReadBuffer text) throws IOException {
    Cpuinfo.Parsed parsed = current.fresh();
    if (parsed == null) {
      file.read(text);
      Cpuinfo.Parsed last = current.last();
      parsed = current.keep(last != null && Arrays.equals(last.host(), 0, last.host().length, text.bytes(), 0,
          text.length()) ? last : Cpuinfo.parse(Arrays.copyOf(text.bytes(), text.length())));
    }
    return parsed;
  }

  SourceFile file() {
    return file;
  }
}
