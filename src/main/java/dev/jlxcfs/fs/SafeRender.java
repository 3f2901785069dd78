package dev.jlxcfs.fs;

import dev.jlxcfs.files.VirtualFile;

/**
 * "A reader never fails": computes a file for a caller and, whatever goes wrong (the caller exited, its cgroup
 * vanished, a file is malformed, a bug), serves the host's own file instead and logs the cause once.
 */
final class SafeRender implements OpenFiles.Producer {

  private final CauseLog causes = new CauseLog();

  @Override
  public byte[] produce(VirtualFile file, int pid) {
    if (pid > 0) {
      try {
        return file.render(pid);
      } catch (Throwable t) { // even an Error (OOM, a bug): the reader gets the host's file
        causes.fellBack(file.path(), t);
      }
    } else {
      // pid 0: the caller is in a pid namespace the daemon cannot see (run the daemon in the host's).
      causes.fellBack(file.path(), new IllegalStateException("caller's pid is not visible to the daemon"));
    }
    try {
      return file.hostContent();
    } catch (Throwable t) {
      causes.hostFailed(file.path(), t);
      return new byte[0];
    }
  }

  /** A directory's entries for the caller; all of them if its listing cannot be computed. */
  java.util.List<String> list(FileTree.Node dir, int pid) {
    if (dir.lister() == null) {
      return dir.children();
    }
    if (pid > 0) {
      try {
        java.util.List<String> names = new java.util.ArrayList<>(dir.lister().list(pid));
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
}
