package dev.jlxcfs.proc;

import java.io.IOException;

/** The caller (or a process we looked at for it) exited before we could read its /proc entries. */
public final class ProcessGoneException extends IOException {
  public ProcessGoneException(int pid) {
    super("process " + pid + " exited");
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // an expected event on the read path: no stack trace to pay for
  }
}
