package dev.jlxcfs.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Parses {@code [options] [MOUNTPOINT]}. Options are {@code --key VALUE} or {@code --key=VALUE} for every
 * {@link Option}; a boolean option alone ({@code --swap}) means true. Plus --config FILE, --help, --version. A
 * first argument {@code remount} asks for a heal pass against the running daemon's mount instead of a daemon.
 */
public final class CommandLine {

  /** What the user asked for. */
  public enum Action { RUN, REMOUNT, HELP, VERSION }

  /** The parsed command line. */
  public record Parsed(Action action, Config config) {}

  private CommandLine() {}

  public static Parsed parse(List<String> arguments) throws ConfigException {
    Action action = Action.RUN;
    List<String> args = arguments;
    if (!args.isEmpty() && args.get(0).equals("remount")) {
      action = Action.REMOUNT;
      args = args.subList(1, args.size());
    }
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
    return new Parsed(action, b.build());
  }

  private static boolean isBool(String s) {
    return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
  }

  public static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: jlxcfs [options] [MOUNTPOINT]\n")
        .append("       jlxcfs remount [options] [MOUNTPOINT]\n\n")
        .append("Serves /proc/meminfo, /proc/uptime (and more) over FUSE at MOUNTPOINT, each computed per read\n")
        .append("from the cgroups of the process that reads it. Runs in the foreground; SIGTERM or SIGINT\n")
        .append("unmounts and exits 0.\n\n")
        .append("remount: in every running container that holds binds of a dead mount of MOUNTPOINT (the daemon\n")
        .append("was killed or restarted), replace them with the live daemon's files; prints what it healed,\n")
        .append("skipped and why; exits 1 if something could not be healed. The daemon does this at start.\n\n")
        .append("Options:\n")
        .append("  --config FILE\n      Read settings from FILE (\"key = value\" lines; see conf/jlxcfs.conf).\n")
        .append("  --help, --version\n");
    for (Option o : Option.values()) {
      b.append("  --").append(o.key()).append(' ').append(o.metavar())
          .append("   (default: ").append(o.defaultValue()).append(")\n      ").append(o.help()).append('\n');
    }
    return b.toString();
  }
}
