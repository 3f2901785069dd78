package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;

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
    List<String> lines = new java.util.ArrayList<>();
    AtomicReference<Level> lastLevel = new AtomicReference<>();
    RecordingLogger slf4j = new RecordingLogger(Level.INFO, lines, lastLevel);
    System.Logger logger = Slf4jLoggerFinder.wrap(slf4j);

    assertTrue(logger.isLoggable(System.Logger.Level.WARNING));
    assertTrue(logger.isLoggable(System.Logger.Level.INFO));
    assertFalse(logger.isLoggable(System.Logger.Level.DEBUG));
    assertFalse(logger.isLoggable(System.Logger.Level.OFF));

    logger.log(System.Logger.Level.DEBUG, "not shown");
    assertTrue(lines.isEmpty());

    logger.log(System.Logger.Level.WARNING, "removal listener {0} failed after {1} ms", "L", 12);
    assertEquals("removal listener L failed after 12 ms", lines.get(0));
    assertEquals(Level.WARN, lastLevel.get());

    logger.log(System.Logger.Level.ERROR, "failed", new IllegalStateException("two\nlines"));
    assertEquals("failed: java.lang.IllegalStateException: two\\nlines", lines.get(1));
    assertEquals(Level.ERROR, lastLevel.get());
  }

  /** An slf4j logger at a fixed level that keeps the formatted messages. */
  private static final class RecordingLogger extends AbstractLogger {
    private final Level threshold;
    private final List<String> lines;
    private final AtomicReference<Level> lastLevel;

    RecordingLogger(Level threshold, List<String> lines, AtomicReference<Level> lastLevel) {
      this.threshold = threshold;
      this.lines = lines;
      this.lastLevel = lastLevel;
      this.name = "test";
    }

    private boolean on(Level level) {
      return level.toInt() >= threshold.toInt();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                                               Throwable throwable) {
      lines.add(org.slf4j.helpers.MessageFormatter.basicArrayFormat(messagePattern, arguments));
      lastLevel.set(level);
    }

    @Override
    public boolean isTraceEnabled() {
      return on(Level.TRACE);
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return on(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return on(Level.DEBUG);
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return on(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return on(Level.INFO);
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return on(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return on(Level.WARN);
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return on(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return on(Level.ERROR);
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return on(Level.ERROR);
    }
  }
}
