package dev.jlxcfs.fs;

import dev.jlxcfs.util.SourceThread;

/**
 * A FUSE worker's thread ({@link FuseLoop}): it holds the worker's reused state, which {@link JlxcFs} finds through
 * the thread that serves a request (libfuse calls back on it with nothing else that could carry it).
 */
final class WorkerThread extends SourceThread {

  private final JlxcFs fs;
  private final JlxcFs.WorkerState worker;

  WorkerThread(Runnable task, String name, JlxcFs fs) {
    super(task, name);
    this.fs = fs;
    this.worker = fs.newWorker();
  }

  JlxcFs fs() {
    return fs;
  }

  JlxcFs.WorkerState worker() {
    return worker;
  }
}
