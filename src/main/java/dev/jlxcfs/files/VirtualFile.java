package dev.jlxcfs.files;

import dev.jlxcfs.util.ByteSink;
import java.io.IOException;

/**
 * One emulated file (in the manner of sysbox-fs's one handler per file). {@link #render} writes the content for a
 * caller and may throw for any reason; the FUSE layer then serves {@link #host} instead, so that a reader never
 * fails. Both work with the request's {@link ReadContext}: its caller and its buffers.
 */
public interface VirtualFile {

  /** The file's path under the mount point, e.g. "/proc/meminfo". */
  String path();

  /** Writes the content for the request's caller ({@link ReadContext#caller}; its pid is > 0) into {@code out}. */
  void render(ReadContext ctx, ByteSink out) throws Exception;

  /** Writes the host's own file: the fallback. */
  void host(ReadContext ctx, ByteSink out) throws IOException;
}
