package dev.jlxcfs.files;

import dev.jlxcfs.util.ByteSink;
import java.io.IOException;

/**
 * One emulated file (in the manner of sysbox-fs's one handler per file). {@link #render} writes the content for a
 * caller and may throw for any reason; the FUSE layer then serves {@link #host} instead, so that a reader never
 * fails.
 */
public interface VirtualFile {

  /** The file's path under the mount point, e.g. "/proc/meminfo". */
  String path();

  /**
   * Writes the content for the caller with this pid (as the daemon's pid namespace numbers it; always > 0) into
   * {@code out}. FUSE reports the calling thread's id; /proc/TID/... answers for it like for a pid.
   */
  void render(int pid, ByteSink out) throws Exception;

  /** Writes the host's own file: the fallback. */
  void host(ByteSink out) throws IOException;
}
