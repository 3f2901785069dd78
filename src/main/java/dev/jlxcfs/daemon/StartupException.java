package dev.jlxcfs.daemon;

/** A reason the daemon cannot start, phrased for the operator: printed as one line, exit status 1. */
public final class StartupException extends Exception {
  StartupException(String message) {
    super(message);
  }
}
