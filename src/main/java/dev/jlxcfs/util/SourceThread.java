package dev.jlxcfs.util;

/**
 * A thread that reads source files on behalf of readers (a FUSE worker), and says which one it is reading, so that
 * a watchdog that finds it stuck can quarantine that file ({@link SourceFile#quarantine}): later reads of it fail at
 * once instead of getting stuck too, each in a thread of its own.
 */
public class SourceThread extends Thread {

  volatile SourceFile reading;

  public SourceThread(Runnable task, String name) {
    super(task, name);
  }

  /** The source file this thread is reading now, or null. */
  public SourceFile reading() {
    return reading;
  }
}
