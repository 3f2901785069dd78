package dev.jlxcfs.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The daemon's settings, immutable once built. Precedence: built-in defaults, then the file named by
 * {@code --config}, then the command line.
 */
public final class Config {

  private final Map<Option, String> values;

  private Config(Map<Option, String> values) {
    this.values = values;
  }

  /** All defaults. */
  public static Config defaults() {
    return new Builder().build0();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.values.putAll(values);
    return b;
  }

  public String raw(Option o) {
    return values.get(o);
  }

  public Path mountPoint() {
    return Path.of(raw(Option.MOUNTPOINT)).toAbsolutePath().normalize();
  }

  public String logLevel() {
    return raw(Option.LOG_LEVEL);
  }

  public Duration cacheTtl() {
    return parseDuration(raw(Option.CACHE_TTL));
  }

  public boolean showSwap() {
    return Boolean.parseBoolean(raw(Option.SWAP));
  }

  public boolean cpuQuota() {
    return Boolean.parseBoolean(raw(Option.CPU_QUOTA));
  }

  public Path procRoot() {
    return Path.of(raw(Option.PROC_ROOT));
  }

  public Path sysRoot() {
    return Path.of(raw(Option.SYS_ROOT));
  }

  public int fuseThreads() {
    return Integer.parseInt(raw(Option.FUSE_THREADS));
  }

  public Duration requestTimeout() {
    return parseDuration(raw(Option.REQUEST_TIMEOUT));
  }

  public Path stateDir() {
    return Path.of(raw(Option.STATE_DIR)).toAbsolutePath().normalize();
  }

  public int maxHandlesPerCgroup() {
    return Integer.parseInt(raw(Option.MAX_HANDLES_PER_CGROUP));
  }

  public int maxHandles() {
    return Integer.parseInt(raw(Option.MAX_HANDLES));
  }

  public boolean heal() {
    return Boolean.parseBoolean(raw(Option.HEAL));
  }

  public boolean fuseDebug() {
    return Boolean.parseBoolean(raw(Option.FUSE_DEBUG));
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Option o : Option.values()) {
      b.append(b.length() == 0 ? "" : ", ").append(o.key()).append('=').append(raw(o));
    }
    return b.toString();
  }

  /** Collects and validates settings. */
  public static final class Builder {
    private final Map<Option, String> values = new EnumMap<>(Option.class);

    private Builder() {
      for (Option o : Option.values()) {
        values.put(o, o.defaultValue());
      }
    }

    /** Sets an option from text, validating it; {@code where} names the source in error messages. */
    public Builder set(Option o, String value, String where) throws ConfigException {
      String v = value.trim();
      String problem = validate(o, v);
      if (problem != null) {
        throw new ConfigException(where + ": " + o.key() + " '" + value + "': " + problem);
      }
      values.put(o, o.isBoolean() ? v.toLowerCase(Locale.ROOT) : v);
      return this;
    }

    /** Reads a config file: "key = value" lines, '#' comments, keys as in {@link Option}. */
    public Builder file(Path file) throws ConfigException {
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new ConfigException("config file " + file + " does not exist");
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        int hash = line.indexOf('#');
        String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
        if (content.isEmpty()) {
          continue;
        }
        String where = file + ":" + (i + 1);
        int eq = content.indexOf('=');
        if (eq < 0) {
          throw new ConfigException(where + ": expected 'key = value', got '" + content + "'");
        }
        String key = content.substring(0, eq).trim();
        Option o = Option.byKey(key);
        if (o == null) {
          throw new ConfigException(where + ": unknown setting '" + key + "'");
        }
        set(o, content.substring(eq + 1), where);
      }
      return this;
    }

    public Config build() {
      return build0();
    }

    private Config build0() {
      return new Config(new EnumMap<>(values));
    }
  }

  static String validate(Option o, String v) {
    switch (o) {
      case LOG_LEVEL:
        return List.of("error", "warn", "info", "debug", "trace").contains(v.toLowerCase(Locale.ROOT)) ? null
            : "expected error, warn, info, debug or trace";
      case CACHE_TTL:
        try {
          Duration d = parseDuration(v);
          return d.isNegative() ? "must not be negative" : d.compareTo(Duration.ofSeconds(60)) > 0 ? "at most 60s"
              : null;
        } catch (IllegalArgumentException e) {
          return e.getMessage();
        }
      case REQUEST_TIMEOUT:
        try {
          Duration d = parseDuration(v);
          return d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0
              ? "expected 100ms to 60s" : null;
        } catch (IllegalArgumentException e) {
          return e.getMessage();
        }
      case FUSE_THREADS:
        try {
          int n = Integer.parseInt(v);
          return n < 0 || n > Option.MAX_FUSE_THREADS ? "expected 0 (one per CPU) to " + Option.MAX_FUSE_THREADS
              : null;
        } catch (NumberFormatException e) {
          return "expected a number of threads (0 = one per CPU)";
        }
      case MAX_HANDLES_PER_CGROUP:
      case MAX_HANDLES:
        try {
          int n = Integer.parseInt(v);
          return n < 1 || n > 1 << 20 ? "expected 1 to 1048576" : null;
        } catch (NumberFormatException e) {
          return "expected a number of handles";
        }
      case MOUNTPOINT:
      case PROC_ROOT:
      case SYS_ROOT:
        return v.isEmpty() ? "expected a path" : null;
      default:
        if (o.isBoolean()) {
          String lower = v.toLowerCase(Locale.ROOT);
          return lower.equals("true") || lower.equals("false") ? null : "expected true or false";
        }
        return null;
    }
  }

  /** "0", "250ms", "1s", "2m". */
  static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.equals("0")) {
        return Duration.ZERO;
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      }
      if (s.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("expected a duration such as 500ms, 1s or 0");
  }
}
