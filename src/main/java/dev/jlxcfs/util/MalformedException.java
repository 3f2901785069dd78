package dev.jlxcfs.util;

import java.nio.file.Path;

/** A kernel file whose content is not what its format promises. The reader then gets the host's file. */
public final class MalformedException extends RuntimeException {
  public MalformedException(Path source, String what) {
    super("malformed " + source + ": " + what);
  }
}
