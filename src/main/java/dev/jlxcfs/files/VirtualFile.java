package dev.jlxcfs.files;

import java.io.IOException;

/**
 * One emulated file (in the manner of sysbox-fs's one handler per file). {@link #render} computes the content for
 * a caller and may throw for any reason; the FUSE layer then serves {@link #hostContent} instead, so that a
 * reader never fails.
 */
public interface VirtualFile {

  /** The file's path under the mount point, e.g. "/proc/meminfo". */
  String path();

  /**
   * The content for the caller with this pid (as the daemon's pid namespace numbers it; always > 0). FUSE reports
   * the calling thread's id; /proc/TID/... answers for it like for a pid.
   */
  byte[] render(int pid) throws Exception;

  /** The host's own file: the fallback. */
  byte[] hostContent() throws IOException;
}
