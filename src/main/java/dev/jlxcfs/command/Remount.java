package dev.jlxcfs.command;

import dev.jlxcfs.config.Config;
import dev.jlxcfs.daemon.MountPoint;
import dev.jlxcfs.daemon.StartupException;
import dev.jlxcfs.heal.Healer;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code jlxcfs remount}: one heal pass against the live mount, from a process of its own (the daemon need not be
 * asked: the pass only needs the mount and root). Prints one line per bind and the summary last; exit 1 if one could
 * not be healed. The daemon's start runs it as a child process ({@link dev.jlxcfs.heal.HealPass}), which reads
 * these lines.
 */
public final class Remount {

  private final Config config;

  public Remount(Config config) {
    this.config = config;
  }

  public int run(PrintStream out, PrintStream err) {
    Path mountPoint;
    try {
      if (Native.effectiveUid() != 0) {
        err.println("jlxcfs: remount must run as root (it enters other processes' mount namespaces)");
        return 1;
      }
      mountPoint = MountPoint.canonical(config.mountPoint());
    } catch (StartupException e) {
      err.println("jlxcfs: " + e.getMessage());
      return 1;
    }
    Healer.Report report;
    try {
      report = Healer.of(config.procRoot(), config.stateDir(), mountPoint).heal();
    } catch (IOException e) {
      err.println("jlxcfs: cannot read this boot's id: " + e.getMessage());
      return 1;
    }
    // The lines quote containers' mount paths and processes' names, which tenants choose: escaped, one line each.
    report.healed().forEach(line -> out.println("healed: " + Texts.printable(line)));
    report.skipped().forEach(line -> out.println("skipped: " + Texts.printable(line)));
    report.failed().forEach(line -> out.println("failed: " + Texts.printable(line)));
    report.notes().forEach(line -> out.println("note: " + Texts.printable(line)));
    out.println(Texts.printable(mountPoint + ": " + report.summary()));
    return report.failed().isEmpty() ? 0 : 1;
  }
}
