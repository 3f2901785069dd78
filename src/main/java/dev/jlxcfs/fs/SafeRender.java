package dev.jlxcfs.fs;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;
import java.util.ArrayList;
import java.util.List;

/**
 * "A reader never fails": computes a file for a caller and, whatever goes wrong (the caller exited, its cgroup
 * vanished, a file is malformed, a bug), serves the host's own file instead and logs the cause once.
 */
final class SafeRender implements OpenFiles.Producer {

  private final CauseLog causes = new CauseLog();

  @Override
  public void produce(VirtualFile file, ReadContext ctx, ByteSink out) {
    if (ctx.pid() > 0) {
      try {
        file.render(ctx, out);
        return;
      } catch (Throwable t) { // even an Error (OOM, a bug): the reader gets the host's file
        causes.fellBack(file.path(), t);
      }
    } else {
      // pid 0: the caller is in a pid namespace the daemon cannot see (run the daemon in the host's).
      causes.fellBack(file.path(), new IllegalStateException("caller's pid is not visible to the daemon"));
    }
    out.reset();
    try {
      file.host(ctx, out);
    } catch (Throwable t) {
      out.reset();
      causes.hostFailed(file.path(), t);
      // An error, not an empty file: an empty /proc/loadavg read as a success breaks its parsers in a way that
      // looks like data (seen under load: a source quarantined after a stall served 0 bytes to every container).
      throw Unreadable.INSTANCE;
    }
  }

  /** Neither the caller's file nor the host's could be made: the read fails with EIO. */
  static final class Unreadable extends RuntimeException {
    static final Unreadable INSTANCE = new Unreadable();

    private Unreadable() {
      super("neither the caller's file nor the host's could be read", null, false, false);
    }
  }

  /** A link's target for the caller; the host's if it cannot be computed (one log line per cause). */
  String target(FileTree.Node link, ReadContext ctx) {
    if (ctx.pid() > 0) {
      try {
        return link.link().target(ctx);
      } catch (Throwable t) {
        causes.fellBack(link.path(), t);
      }
    }
    return link.link().host();
  }

  /** A directory's entries for the caller; all of them if its listing cannot be computed. */
  List<String> list(FileTree.Node dir, ReadContext ctx) {
    if (dir.lister() == null) {
      return dir.children();
    }
    if (ctx.pid() > 0) {
      try {
        List<String> names = new ArrayList<>(dir.lister().list(ctx));
        names.retainAll(dir.children()); // never list what lookups would not find
        return names;
      } catch (Throwable t) {
        causes.fellBack(dir.path(), t);
      }
    }
    return dir.children();
  }

  /** A FUSE callback failed outside any file's rendering (a bug): logged once per cause. */
  void callbackFailed(String op, String path, Throwable t) {
    causes.operationFailed(op + " " + path, t);
  }

  long fallbacks() {
    return causes.fallbacks();
  }

  /** Lines the cause log wrote: one per distinct cause (tests check that bad input does not flood the log). */
  long logged() {
    return causes.logged();
  }
}
