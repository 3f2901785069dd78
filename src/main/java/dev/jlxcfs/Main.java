package dev.jlxcfs;

import dev.jlxcfs.command.Check;
import dev.jlxcfs.command.Flags;
import dev.jlxcfs.command.Remount;
import dev.jlxcfs.command.Show;
import dev.jlxcfs.config.CommandLine;
import dev.jlxcfs.config.ConfigException;
import dev.jlxcfs.daemon.Daemon;
import dev.jlxcfs.daemon.StartupException;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.PrintableStream;
import java.util.Arrays;
import java.util.List;

/** The command-line entry point. Problems are one line on stderr and a non-zero exit, never a stack trace. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    return run(args, List.of());
  }

  /** With files beyond the product's: the benchmark's floor file (see src/jmh/java/dev/jlxcfs/BenchDaemon). */
  static int run(String[] args, List<VirtualFile> extraFiles) {
    // Before anything logs: every line on stderr (the log) escaped, whatever a tenant put into a path or name.
    PrintableStream.install();
    CommandLine.Parsed parsed;
    try {
      parsed = CommandLine.parse(Arrays.asList(args));
    } catch (ConfigException e) {
      System.err.println("jlxcfs: " + e.getMessage() + " (see --help)");
      return 2;
    }
    switch (parsed.action()) {
      case HELP:
        System.out.print(CommandLine.usage());
        return 0;
      case VERSION:
        System.out.println("jlxcfs " + version());
        System.out.println("commands: serve (the default), check, flags, show, remount; see --help");
        return 0;
      default:
        break;
    }
    // slf4j-simple reads its level once, when the first logger is made: set it before anything logs.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", parsed.config().logLevel());
    try {
      switch (parsed.action()) {
        case REMOUNT:
          return new Remount(parsed.config()).run(System.out, System.err);
        case CHECK:
          return new Check(parsed.config()).run(System.out);
        case FLAGS:
          return Flags.run(parsed.operands(), parsed.config(), System.out, System.err);
        case SHOW:
          List<String> o = parsed.operands();
          return new Show(parsed.config()).run(Integer.parseInt(o.get(0)), o.size() > 1 ? o.get(1) : null,
              System.out, System.err);
        default:
          break;
      }
    } catch (RuntimeException | LinkageError e) {
      System.err.println("jlxcfs: unexpected error: " + e);
      return 1;
    }
    try {
      return new Daemon(parsed.config(), extraFiles, Main.class.getName()).run();
    } catch (StartupException e) {
      System.err.println("jlxcfs: " + e.getMessage());
      return 1;
    } catch (RuntimeException | LinkageError e) {
      System.err.println("jlxcfs: unexpected error at startup: " + e);
      return 1;
    }
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }
}
