package dev.jlxcfs.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Parses {@code [options] [MOUNTPOINT]}. Options are {@code --key VALUE} or {@code --key=VALUE} for every
 * {@link Option}; a boolean option alone ({@code --swap}) means true. Plus --config FILE, --help, --version.
 */
public final class CommandLine {

  /** What the user asked for. */
  public enum Action { RUN, HELP, VERSION }

  /** The parsed command line. */
  public record Parsed(Action action, Config config) {}

  private CommandLine() {}

  public static Parsed parse(List<String> args) throws ConfigException {
    Path configFile = null;
    // First pass: --help/--version win wherever they are, and --config must be applied before the other options.
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        return new Parsed(Action.HELP, Config.defaults());
      }
      if (a.equals("--version") || a.equals("-V")) {
        return new Parsed(Action.VERSION, Config.defaults());
      }
      if (a.equals("--config")) {
        if (i + 1 >= args.size()) {
          throw new ConfigException("--config needs a file");
        }
        configFile = Path.of(args.get(++i));
      } else if (a.startsWith("--config=")) {
        configFile = Path.of(a.substring("--config=".length()));
      }
    }
    Config.Builder b = Config.builder();
    if (configFile != null) {
      b.file(configFile);
    }
    boolean positional = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--config")) {
        i++;
        continue;
      }
      if (a.startsWith("--config=")) {
        continue;
      }
      if (a.startsWith("--")) {
        int eq = a.indexOf('=');
        String key = eq < 0 ? a.substring(2) : a.substring(2, eq);
        Option o = Option.byKey(key);
        if (o == null) {
          throw new ConfigException("unknown option --" + key);
        }
        String value;
        if (eq >= 0) {
          value = a.substring(eq + 1);
        } else if (o.isBoolean() && (i + 1 >= args.size() || !isBool(args.get(i + 1)))) {
          value = "true";
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          throw new ConfigException("--" + key + " needs a value (" + o.metavar() + ")");
        }
        b.set(o, value, "--" + key);
      } else if (a.startsWith("-") && a.length() > 1) {
        throw new ConfigException("unknown option " + a);
      } else {
        if (positional) {
          throw new ConfigException("unexpected argument '" + a + "' (only one MOUNTPOINT)");
        }
        positional = true;
        b.set(Option.MOUNTPOINT, a, "MOUNTPOINT");
      }
    }
    return new Parsed(Action.RUN, b.build());
  }

  private static boolean isBool(String s) {
    return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
  }

  public static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: java -jar jlxcfs.jar [options] [MOUNTPOINT]\n\n")
        .append("Serves /proc/meminfo, /proc/uptime (and more) over FUSE at MOUNTPOINT, each computed per read\n")
        .append("from the cgroups of the process that reads it. Runs in the foreground; SIGTERM or SIGINT\n")
        .append("unmounts and exits 0.\n\nOptions:\n")
        .append("  --config FILE\n      Read settings from FILE (\"key = value\" lines; see conf/jlxcfs.conf).\n")
        .append("  --help, --version\n");
    for (Option o : Option.values()) {
      b.append("  --").append(o.key()).append(' ').append(o.metavar())
          .append("   (default: ").append(o.defaultValue()).append(")\n      ").append(o.help()).append('\n');
    }
    return b.toString();
  }
}
