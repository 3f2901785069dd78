package dev.jlxcfs.util;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what libraries log through {@link System.Logger} (Caffeine does: a removal listener or executor that
 * failed, a misconfigured cache) to the daemon's own log, one line in its format and at its level, instead of
 * java.util.logging's default two-line records on stderr. Registered in
 * {@code META-INF/services/java.lang.System$LoggerFinder}; found by the JDK the first time a library asks for a
 * logger.
 */
public final class Slf4jLoggerFinder extends System.LoggerFinder {

  @Override
  public System.Logger getLogger(String name, Module module) {
    return wrap(LoggerFactory.getLogger(name));
  }

  static System.Logger wrap(Logger log) {
    return new Slf4jSystemLogger(log);
  }

  private record Slf4jSystemLogger(Logger log) implements System.Logger {

    @Override
    public String getName() {
      return log.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
      return level != Level.OFF && log.isEnabledForLevel(slf4jLevel(level));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      if (!isLoggable(level)) {
        return;
      }
      // One line per event, as everywhere in the daemon's log: the cause and what caused it, not a stack trace.
      StringBuilder line = new StringBuilder(localized(bundle, msg));
      for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
        line.append(t == thrown ? ": " : "; caused by ").append(t);
      }
      emit(level, line.toString());
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      if (!isLoggable(level)) {
        return;
      }
      String pattern = localized(bundle, format);
      String text = pattern;
      if (params != null && params.length > 0) {
        try {
          text = MessageFormat.format(pattern, params);
        } catch (IllegalArgumentException e) {
          text = pattern; // a pattern MessageFormat cannot parse: as the JDK's own loggers do, the raw pattern
        }
      }
      emit(level, text);
    }

    private void emit(Level level, String text) {
      log.atLevel(slf4jLevel(level)).log(Texts.oneLine(text));
    }

    private static org.slf4j.event.Level slf4jLevel(Level level) {
      switch (level) {
        case ALL:
        case TRACE:
          return org.slf4j.event.Level.TRACE;
        case DEBUG:
          return org.slf4j.event.Level.DEBUG;
        case INFO:
          return org.slf4j.event.Level.INFO;
        case WARNING:
          return org.slf4j.event.Level.WARN;
        default:
          return org.slf4j.event.Level.ERROR;
      }
    }

    private static String localized(ResourceBundle bundle, String msg) {
      if (bundle != null && msg != null && bundle.containsKey(msg)) {
        return bundle.getString(msg);
      }
      return String.valueOf(msg);
    }
  }
}
