package dev.jlxcfs.config;

/** A bad option or config file: reported as one line, and the daemon exits with status 2. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
