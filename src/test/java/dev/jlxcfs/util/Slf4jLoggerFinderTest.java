package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class Slf4jLoggerFinderTest {

  @Test
  void theJdkFindsItThroughTheServiceFile() {
    // What Caffeine gets when it asks for a logger: ours, not java.util.logging's.
    assertInstanceOf(Slf4jLoggerFinder.class, System.LoggerFinder.getLoggerFinder());
    System.Logger logger = System.getLogger("com.github.benmanes.caffeine.cache.Caffeine");
    assertEquals("com.github.benmanes.caffeine.cache.Caffeine", logger.getName());
  }

  @Test
  void levelsMapAndEachEventIsOneFormattedLine() {
    List<String> lines = new ArrayList<>();
    List<String> levels = new ArrayList<>();
    System.Logger logger = Slf4jLoggerFinder.wrap(recordingLogger(Level.INFO, lines, levels));

    assertTrue(logger.isLoggable(System.Logger.Level.WARNING));
    assertTrue(logger.isLoggable(System.Logger.Level.INFO));
    assertFalse(logger.isLoggable(System.Logger.Level.DEBUG));
    assertFalse(logger.isLoggable(System.Logger.Level.OFF));

    logger.log(System.Logger.Level.DEBUG, "not shown");
    assertTrue(lines.isEmpty());

    logger.log(System.Logger.Level.WARNING, "removal listener {0} failed after {1} ms", "L", 12);
    assertEquals(List.of("removal listener L failed after 12 ms"), lines);
    assertEquals(List.of("WARN"), levels);

    logger.log(System.Logger.Level.ERROR, "failed",
        new IllegalStateException("two\nlines", new java.io.IOException("the cause")));
    assertEquals("failed: java.lang.IllegalStateException: two\\nlines; caused by java.io.IOException: the cause",
        lines.get(1));
    assertEquals("ERROR", levels.get(1));

    logger.log(System.Logger.Level.WARNING, "a pattern {0 MessageFormat cannot parse", "x");
    assertEquals("a pattern {0 MessageFormat cannot parse", lines.get(2));
  }

  /** An slf4j logger enabled from {@code threshold} up that keeps each event's message and level. */
  private static Logger recordingLogger(Level threshold, List<String> lines, List<String> levels) {
    return new LegacyAbstractLogger() {
      {
        name = "test";
      }

      private boolean on(Level level) {
        return level.toInt() >= threshold.toInt();
      }

      @Override
      protected String getFullyQualifiedCallerName() {
        return null;
      }

      @Override
      protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                 Throwable throwable) {
        lines.add(MessageFormatter.basicArrayFormat(pattern, arguments));
        levels.add(level.name());
      }

      @Override
      public boolean isTraceEnabled() {
        return on(Level.TRACE);
      }

      @Override
      public boolean isDebugEnabled() {
        return on(Level.DEBUG);
      }

      @Override
      public boolean isInfoEnabled() {
        return on(Level.INFO);
      }

      @Override
      public boolean isWarnEnabled() {
        return on(Level.WARN);
      }

      @Override
      public boolean isErrorEnabled() {
        return on(Level.ERROR);
      }
    };
  }
}
