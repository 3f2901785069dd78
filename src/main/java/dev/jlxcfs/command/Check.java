package dev.jlxcfs.command;

import dev.jlxcfs.config.Config;
import dev.jlxcfs.daemon.Preflight;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code jlxcfs check}: whether jlxcfs can serve on this host. Prints every {@link Preflight} item, the very list the
 * daemon's start runs, one verdict line each; "FAIL" lines make the exit status 1.
 */
public final class Check {

  private final Preflight preflight;

  public Check(Config config) {
    this.preflight = new Preflight(config);
  }

  /** Prints the verdicts; 0 when nothing failed. */
  public int run(PrintStream out) {
    List<Preflight.Item> items = preflight.items();
    items.forEach(out::println);
    long failed = items.stream().filter(i -> i.verdict() == Preflight.Verdict.FAIL).count();
    out.println(failed == 0 ? "jlxcfs can serve here" : "jlxcfs cannot serve here: " + failed + " problem(s) above");
    return failed == 0 ? 0 : 1;
  }
}
