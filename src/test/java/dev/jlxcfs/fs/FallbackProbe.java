package dev.jlxcfs.fs;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;

/** The daemon's fallback ({@link SafeRender} and its cause log) for tests outside this package. */
public final class FallbackProbe {

  private final SafeRender render = new SafeRender();

  /** What a reader gets: the rendering, or the host's file when rendering failed; null for EIO (neither could be). */
  public byte[] produce(VirtualFile file, ReadContext ctx) {
    ByteSink out = new ByteSink();
    try {
      render.produce(file, ctx, out);
    } catch (SafeRender.Unreadable e) {
      return null;
    }
    return out.toByteArray();
  }

  /** Lines the cause log wrote so far. */
  public long logged() {
    return render.logged();
  }

  /** The text a cause is logged with. */
  public static String describe(Throwable t) {
    return CauseLog.describe(t);
  }
}
