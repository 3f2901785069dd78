package dev.jlxcfs.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code [SUBCOMMAND] [options] [MOUNTPOINT]}. Options are {@code --key VALUE} or {@code --key=VALUE} for every
 * {@link Option}; a boolean option alone ({@code --swap}) means true. Plus --config FILE, --help, --version. The
 * subcommand (the first word, "serve" when there is none) says what to do; {@code flags} also takes
 * {@code --format F}, {@code show} takes {@code PID [FILE]} instead of a mount point.
 */
public final class CommandLine {

  /** What the user asked for. */
  public enum Action {
    RUN("serve"), REMOUNT("remount"), CHECK("check"), FLAGS("flags"), SHOW("show"), HELP("--help"),
    VERSION("--version");

    private final String word;

    Action(String word) {
      this.word = word;
    }

    static Action byWord(String word) {
      for (Action a : values()) {
        if (a.word.equals(word) && !word.startsWith("-")) {
          return a;
        }
      }
      return null;
    }
  }

  /** The formats {@code flags} prints. */
  public static final List<String> FORMATS = List.of("docker", "podman", "compose", "k8s");

  /**
   * The parsed command line.
   *
   * @param operands {@code flags}: the format and, when the mount point was given as a positional argument (which
   *     must then be a live jlxcfs mount: see {@code Main}), that argument; {@code show}: the pid and, when given,
   *     the file
   */
  public record Parsed(Action action, Config config, List<String> operands) {
    public Parsed(Action action, Config config) {
      this(action, config, List.of());
    }
  }

  private CommandLine() {}

  public static Parsed parse(List<String> arguments) throws ConfigException {
    Action action = Action.RUN;
    List<String> args = new ArrayList<>(arguments);
    if (!args.isEmpty() && Action.byWord(args.get(0)) != null) {
      action = Action.byWord(args.remove(0));
    }
    List<String> operands = new ArrayList<>();
    if (action == Action.FLAGS) {
      operands.add(takeFormat(args));
    } else if (action == Action.SHOW) {
      operands.addAll(takeShowOperands(args));
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
        if (action == Action.FLAGS && FORMATS.contains(a)) {
          // `jlxcfs flags docker` would otherwise print binds of a mount point named "docker" in the current
          // directory, and exit 0.
          throw new ConfigException("'" + a + "' is a format, not a mount point: jlxcfs flags --format " + a
              + " [--mountpoint DIR]");
        }
        positional = true;
        if (action == Action.FLAGS) {
          operands.add(a);
        }
        b.set(Option.MOUNTPOINT, a, "MOUNTPOINT");
      }
    }
    return new Parsed(action, b.build(), List.copyOf(operands));
  }

  /** Removes {@code --format F} (or {@code --format=F}) from the arguments: F, docker by default. */
  private static String takeFormat(List<String> args) throws ConfigException {
    String format = "docker";
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--format")) {
        if (i + 1 >= args.size()) {
          throw new ConfigException("--format needs one of " + String.join(", ", FORMATS));
        }
        args.remove(i);
        format = args.remove(i);
        i--;
      } else if (a.startsWith("--format=")) {
        format = args.remove(i).substring("--format=".length());
        i--;
      }
    }
    if (!FORMATS.contains(format)) {
      throw new ConfigException("--format '" + format + "': expected one of " + String.join(", ", FORMATS));
    }
    return format;
  }

  /** Removes {@code PID [FILE]} (the arguments that are not options) from the arguments. */
  private static List<String> takeShowOperands(List<String> args) throws ConfigException {
    List<String> found = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.startsWith("-")) {
        Option o = a.startsWith("--") ? Option.byKey(a.substring(2)) : null;
        boolean takesValue = a.equals("--config") || (o != null && !o.isBoolean());
        boolean boolValue = o != null && o.isBoolean() && i + 1 < args.size() && isBool(args.get(i + 1));
        if (!a.contains("=") && (takesValue || boolValue)) {
          i++; // its value
        }
        continue;
      }
      found.add(args.remove(i));
      i--;
    }
    if (found.isEmpty() || !found.get(0).matches("[0-9]{1,9}") || found.size() > 2) {
      throw new ConfigException("show needs PID [FILE], e.g. 'show 1234 /proc/meminfo'");
    }
    return found;
  }

  private static boolean isBool(String s) {
    return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
  }

  /**
   * Every file the daemon serves, as --help lists them (a test checks the list against the daemon's file tree):
   * MOUNTPOINT/proc/... and MOUNTPOINT/sys/... stand in for the /proc and /sys files of the same names.
   */
  static final String SERVED = ""
      + "  /proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /proc/swaps /proc/diskstats\n"
      + "  /proc/pressure/cpu /proc/pressure/memory /proc/pressure/io\n"
      + "  /sys/devices/system/cpu/online /sys/devices/system/cpu/possible /sys/devices/system/cpu/present\n"
      + "  /sys/devices/system/cpu/cpuN/online (one directory per CPU the reader is shown, by its own number)\n"
      + "  /sys/devices/system/cpu/cpuN/topology/* /sys/devices/system/cpu/cpuN/cache/index*/* (as the host has\n"
      + "    them, their CPU lists and masks cut to the CPUs the reader is shown)\n"
      + "  /sys/devices/system/cpu/* /sys/devices/system/cpu/*/* (the host's other files there: offline, isolated,\n"
      + "    kernel_max, vulnerabilities/* ...)\n";

  public static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: jlxcfs [serve] [options] [MOUNTPOINT]\n")
        .append("       jlxcfs check [options] [MOUNTPOINT]\n")
        .append("       jlxcfs flags [--format docker|podman|compose|k8s] [--mountpoint DIR]\n")
        .append("       jlxcfs show PID [FILE] [options]\n")
        .append("       jlxcfs remount [options] [MOUNTPOINT]\n\n")
        .append("serve (the default): serves these files over FUSE at MOUNTPOINT, each computed per read from the\n")
        .append("cgroups of the process that reads it (MOUNTPOINT/proc/meminfo for /proc/meminfo ...):\n")
        .append(SERVED)
        .append("Runs in the foreground; SIGTERM or SIGINT unmounts and exits 0.\n\n")
        .append("check: one verdict line per thing jlxcfs needs here (root, /dev/fuse, libfuse2, cgroups,\n")
        .append("namespaces, kernel, file names, the mount point), the same checks serve makes at start; exits 0\n")
        .append("when it can serve, 1 when it cannot (FAIL). serve stops at the first FAIL, or at a mount point\n")
        .append("already served (busy), in one line.\n\n")
        .append("flags: the options that bind the served files into a container, for docker/podman run ($(jlxcfs\n")
        .append("flags)), a compose service's volumes, or a Kubernetes pod's volumes and volumeMounts.\n\n")
        .append("show: what process PID reads in each file (or FILE), and the cgroup files and limits the\n")
        .append("figures come from.\n\n")
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
