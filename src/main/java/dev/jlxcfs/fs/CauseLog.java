package dev.jlxcfs.fs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jlxcfs.util.Texts;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs why a read fell back to the host's file, once per cause rather than once per read: a cause is the file plus
 * the error with its numbers (pids) masked, so "process 812 exited" and "process 977 exited" are one cause. A
 * cause still recurring an hour after it was logged is logged again.
 */
final class CauseLog {

  private static final Logger LOG = LoggerFactory.getLogger("jlxcfs.fallback");
  /** Numbers (pids) and long hex runs (container ids) vary between instances of one cause. */
  private static final Pattern NUMBERS = Pattern.compile("[0-9a-f]{12,}|\\d+");

  private final Cache<String, Boolean> seen =
      Caffeine.newBuilder().maximumSize(4096).expireAfterWrite(Duration.ofHours(1)).build();
  private final LongAdder fallbacks = new LongAdder();
  private final LongAdder logged = new LongAdder();

  void fellBack(String path, Throwable cause) {
    fallbacks.increment();
    log(path, "serving the host's file", cause);
  }

  /** The host's file itself could not be read: the reader gets EIO. */
  void hostFailed(String path, Throwable cause) {
    log(path, "cannot read the host's file either: the read fails with EIO", cause);
  }

  /** A FUSE operation failed outside any file's rendering (a bug): the caller got EIO. */
  void operationFailed(String where, Throwable cause) {
    log(where, "failed with EIO", cause);
  }

  private void log(String path, String what, Throwable cause) {
    String detail = describe(cause);
    // What was done is part of the cause: a fallback that then fails too is its own line.
    String key = path + '|' + what + '|' + NUMBERS.matcher(detail).replaceAll("N");
    if (seen.asMap().putIfAbsent(key, Boolean.TRUE) == null) {
      logged.increment();
      LOG.warn("{}: {}: {}", path, what, detail);
    }
  }

  long fallbacks() {
    return fallbacks.sum();
  }

  /** Lines logged so far: one per distinct cause. */
  long logged() {
    return logged.sum();
  }

  /** The cause on one line: messages may quote paths and file content holding newlines (a cgroup named so). */
  static String describe(Throwable t) {
    String msg = t.getMessage() == null ? null : Texts.oneLine(t.getMessage());
    String type = t.getClass().getSimpleName();
    if (t instanceof java.nio.file.NoSuchFileException) {
      return "missing file " + msg;
    }
    return msg == null ? type : type + ": " + msg;
  }
}
