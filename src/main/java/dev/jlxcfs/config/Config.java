package dev.jlxcfs.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The daemon's settings: one typed, immutable value, parsed and validated once when it is built. Precedence: the
 * defaults in {@link Option}, then the file named by {@code --config}, then the command line ({@link Builder}; see
 * {@link CommandLine#parse}). Each component is the setting of the {@link Option} of the same name.
 *
 * @param mountPoint          {@link Option#MOUNTPOINT}, absolute and normalized
 * @param logLevel            {@link Option#LOG_LEVEL}: error, warn, info, debug or trace (lower case)
 * @param cacheTtl            {@link Option#CACHE_TTL}: 0 to 60 s
 * @param showSwap            {@link Option#SWAP}
 * @param cpuQuota            {@link Option#CPU_QUOTA}
 * @param procRoot            {@link Option#PROC_ROOT}, as given
 * @param sysRoot             {@link Option#SYS_ROOT}, as given
 * @param fuseThreads         {@link Option#FUSE_THREADS}: 0 (one per CPU) to {@link Option#MAX_FUSE_THREADS}
 * @param requestTimeout      {@link Option#REQUEST_TIMEOUT}: 100 ms to 60 s
 * @param maxHandlesPerCgroup {@link Option#MAX_HANDLES_PER_CGROUP}: 1 to 1048576
 * @param maxHandles          {@link Option#MAX_HANDLES}: 1 to 1048576
 * @param heal                {@link Option#HEAL}
 * @param stateDir            {@link Option#STATE_DIR}, absolute and normalized
 * @param takeover            {@link Option#TAKEOVER}
 * @param handoverDrain       {@link Option#HANDOVER_DRAIN}: 0 to 1 h
 * @param fuseDebug           {@link Option#FUSE_DEBUG}
 */
public record Config(Path mountPoint, String logLevel, Duration cacheTtl, boolean showSwap, boolean cpuQuota,
                     Path procRoot, Path sysRoot, int fuseThreads, Duration requestTimeout, int maxHandlesPerCgroup,
                     int maxHandles, boolean heal, Path stateDir, boolean takeover, Duration handoverDrain,
                     boolean fuseDebug) {

  private static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");
  private static final int MAX_HANDLES_LIMIT = 1 << 20;

  /** Checks every setting as {@link Builder#set} does; a bad one is an {@link IllegalArgumentException}. */
  public Config {
    mountPoint = Objects.requireNonNull(mountPoint, "mountPoint").toAbsolutePath().normalize();
    stateDir = Objects.requireNonNull(stateDir, "stateDir").toAbsolutePath().normalize();
    logLevel = Objects.requireNonNull(logLevel, "logLevel").toLowerCase(Locale.ROOT);
    Objects.requireNonNull(procRoot, "procRoot");
    Objects.requireNonNull(sysRoot, "sysRoot");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(handoverDrain, "handoverDrain");
    Map<Option, Object> values = new EnumMap<>(Option.class);
    values.put(Option.LOG_LEVEL, logLevel);
    values.put(Option.CACHE_TTL, cacheTtl);
    values.put(Option.FUSE_THREADS, fuseThreads);
    values.put(Option.REQUEST_TIMEOUT, requestTimeout);
    values.put(Option.HANDOVER_DRAIN, handoverDrain);
    values.put(Option.MAX_HANDLES_PER_CGROUP, maxHandlesPerCgroup);
    values.put(Option.MAX_HANDLES, maxHandles);
    for (Map.Entry<Option, Object> e : values.entrySet()) {
      String problem = problem(e.getKey(), e.getValue());
      if (problem != null) {
        throw new IllegalArgumentException(e.getKey().key() + " " + format(e.getValue()) + ": " + problem);
      }
    }
  }

  /** Every setting at its default. */
  public static Config defaults() {
    return new Builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The setting of one option, typed as its component (for {@link #toString} and tests). */
  Object value(Option o) {
    return switch (o) {
      case MOUNTPOINT -> mountPoint;
      case LOG_LEVEL -> logLevel;
      case CACHE_TTL -> cacheTtl;
      case SWAP -> showSwap;
      case CPU_QUOTA -> cpuQuota;
      case PROC_ROOT -> procRoot;
      case SYS_ROOT -> sysRoot;
      case FUSE_THREADS -> fuseThreads;
      case REQUEST_TIMEOUT -> requestTimeout;
      case MAX_HANDLES_PER_CGROUP -> maxHandlesPerCgroup;
      case MAX_HANDLES -> maxHandles;
      case HEAL -> heal;
      case STATE_DIR -> stateDir;
      case TAKEOVER -> takeover;
      case HANDOVER_DRAIN -> handoverDrain;
      case FUSE_DEBUG -> fuseDebug;
    };
  }

  /** "mountpoint=/var/lib/jlxcfs, log-level=info, cache-ttl=1s, ...": every option, as the config file spells it. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Option o : Option.values()) {
      b.append(b.length() == 0 ? "" : ", ").append(o.key()).append('=').append(format(value(o)));
    }
    return b.toString();
  }

  /** Collects settings from text (the config file's lines, the command line's options), each checked as it comes. */
  public static final class Builder {
    private final Map<Option, Object> values = new EnumMap<>(Option.class);

    private Builder() {
      for (Option o : Option.values()) {
        try {
          values.put(o, checked(o, o.defaultValue()));
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("the default of " + o.key() + " is invalid: " + e.getMessage(), e);
        }
      }
    }

    /**
     * Sets an option from text, validating it; {@code where} names the source in the error message ("FILE:LINE",
     * "--key", "MOUNTPOINT").
     */
    public Builder set(Option o, String value, String where) throws ConfigException {
      String text = value.trim();
      try {
        values.put(o, checked(o, text));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": " + o.key() + " '" + text + "': " + e.getMessage());
      }
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
      Map<Option, Object> v = values;
      return new Config((Path) v.get(Option.MOUNTPOINT), (String) v.get(Option.LOG_LEVEL),
          (Duration) v.get(Option.CACHE_TTL), (Boolean) v.get(Option.SWAP), (Boolean) v.get(Option.CPU_QUOTA),
          (Path) v.get(Option.PROC_ROOT), (Path) v.get(Option.SYS_ROOT), (Integer) v.get(Option.FUSE_THREADS),
          (Duration) v.get(Option.REQUEST_TIMEOUT), (Integer) v.get(Option.MAX_HANDLES_PER_CGROUP),
          (Integer) v.get(Option.MAX_HANDLES), (Boolean) v.get(Option.HEAL), (Path) v.get(Option.STATE_DIR),
          (Boolean) v.get(Option.TAKEOVER), (Duration) v.get(Option.HANDOVER_DRAIN), (Boolean) v.get(Option.FUSE_DEBUG));
    }
  }

  /** The text parsed and its value checked; the problem, phrased for the operator, as an IllegalArgumentException. */
  private static Object checked(Option o, String text) {
    Object value = parse(o, text);
    String problem = problem(o, value);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return value;
  }

  /** The typed value of an option's text (a Path, String, Duration, Boolean or Integer), or what is wrong with it. */
  static Object parse(Option o, String v) {
    return switch (o) {
      case MOUNTPOINT, PROC_ROOT, SYS_ROOT, STATE_DIR -> {
        if (v.isEmpty()) {
          throw new IllegalArgumentException("expected a path");
        }
        try {
          Path p = Path.of(v);
          yield o == Option.MOUNTPOINT || o == Option.STATE_DIR ? p.toAbsolutePath().normalize() : p;
        } catch (InvalidPathException e) {
          throw new IllegalArgumentException("expected a path (" + e.getReason() + ")");
        }
      }
      case LOG_LEVEL -> {
        String level = v.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
          throw new IllegalArgumentException("expected error, warn, info, debug or trace");
        }
        yield level;
      }
      case CACHE_TTL, REQUEST_TIMEOUT, HANDOVER_DRAIN -> parseDuration(v);
      case SWAP, CPU_QUOTA, HEAL, TAKEOVER, FUSE_DEBUG -> {
        String lower = v.toLowerCase(Locale.ROOT);
        if (!lower.equals("true") && !lower.equals("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        yield Boolean.parseBoolean(lower);
      }
      case FUSE_THREADS -> integer(v, "expected a number of threads (0 = one per CPU)");
      case MAX_HANDLES_PER_CGROUP, MAX_HANDLES -> integer(v, "expected a number of handles");
    };
  }

  /** What is wrong with a typed value of an option (its range), or null. */
  private static String problem(Option o, Object value) {
    switch (o) {
      case LOG_LEVEL:
        return LEVELS.contains(value) ? null : "expected error, warn, info, debug or trace";
      case CACHE_TTL: {
        Duration d = (Duration) value;
        return d.isNegative() ? "must not be negative" : d.compareTo(Duration.ofSeconds(60)) > 0 ? "at most 60s"
            : null;
      }
      case HANDOVER_DRAIN: {
        Duration d = (Duration) value;
        return d.isNegative() ? "must not be negative" : d.compareTo(Duration.ofHours(1)) > 0 ? "at most 1h" : null;
      }
      case REQUEST_TIMEOUT: {
        Duration d = (Duration) value;
        return d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0
            ? "expected 100ms to 60s" : null;
      }
      case FUSE_THREADS: {
        int n = (Integer) value;
        return n < 0 || n > Option.MAX_FUSE_THREADS ? "expected 0 (one per CPU) to " + Option.MAX_FUSE_THREADS
            : null;
      }
      case MAX_HANDLES_PER_CGROUP:
      case MAX_HANDLES: {
        int n = (Integer) value;
        return n < 1 || n > MAX_HANDLES_LIMIT ? "expected 1 to " + MAX_HANDLES_LIMIT : null;
      }
      default:
        return null; // paths and booleans: any value that parses
    }
  }

  private static int integer(String v, String problem) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** "0", "250ms", "1s", "1.5s", "2m". */
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
        return Duration.ofSeconds(Math.multiplyExact(Long.parseLong(s.substring(0, s.length() - 1)), 60));
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // fall through
    }
    throw new IllegalArgumentException("expected a duration such as 500ms, 1s or 0");
  }

  /** A value as the config file spells it: durations as "0", "250ms" or "2s". */
  static String format(Object value) {
    if (value instanceof Duration d) {
      long ms = d.toMillis();
      return ms == 0 ? "0" : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
    return String.valueOf(value);
  }
}
