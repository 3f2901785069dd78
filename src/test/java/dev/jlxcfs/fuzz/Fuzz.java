package dev.jlxcfs.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jlxcfs.util.MalformedException;
import java.io.IOException;
import java.time.Duration;

/**
 * How a fuzz target runs: a fixed seed per target (so the build is reproducible), cases derived from it one by one
 * (so one case replays alone), and a time budget for the whole batch (so a hang fails instead of stalling the
 * build). System properties change all three:
 * <ul>
 *   <li>{@code -Djlxcfs.fuzz.seed=N}: the seed of every target (a failure message prints the one it used);
 *   <li>{@code -Djlxcfs.fuzz.iterations=N}: cases per target instead of each target's default;
 *   <li>{@code -Djlxcfs.fuzz.case=N}: only case N (with the seed of the failure, to replay it).
 * </ul>
 */
final class Fuzz {

  /** The default seed: fixed, so that a plain build runs the same cases every time. */
  private static final long DEFAULT_SEED = 0x6a6c7863L;

  private Fuzz() {}

  /** One case: gets its own generator; throws on a finding. */
  interface Case {
    void run(Mutations m) throws Throwable;
  }

  static long seed(String target) {
    Long chosen = Long.getLong("jlxcfs.fuzz.seed");
    return chosen != null ? chosen : DEFAULT_SEED ^ target.hashCode();
  }

  static int iterations(int defaultCases) {
    return Integer.getInteger("jlxcfs.fuzz.iterations", defaultCases);
  }

  /** Runs {@code cases} cases of {@code target} within {@code budget}; a failure names its seed and case. */
  static void run(String target, int cases, Duration budget, Case body) {
    long seed = seed(target);
    int n = iterations(cases);
    Integer only = Integer.getInteger("jlxcfs.fuzz.case");
    assertTimeoutPreemptively(budget, () -> {
      for (int i = 0; i < n; i++) {
        if (only != null && only != i) {
          continue;
        }
        Mutations m = new Mutations(caseSeed(seed, i));
        try {
          body.run(m);
        } catch (Throwable t) {
          throw new AssertionError(target + " case " + i + " failed (replay: -Djlxcfs.fuzz.seed=" + seed
              + " -Djlxcfs.fuzz.case=" + i + "): " + t + "\n  input: " + m.trail(), t);
        }
      }
    }, () -> target + ": " + n + " cases did not finish within " + budget + " (a hang?); seed " + seed);
  }

  /** A case's own seed: case i of a seed is the same whether or not the cases before it ran. */
  static long caseSeed(long seed, int i) {
    long z = seed + 0x9E3779B97F4A7C15L * (i + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Something a parser is allowed to throw: a checked IOException, or its documented "malformed" signal. */
  static boolean allowed(Throwable t) {
    return t instanceof IOException || t instanceof MalformedException;
  }

  /** What a parse gives: its value, or the allowed exception it threw. Anything else fails the case. */
  record Outcome<T>(T value, Throwable error) {
    boolean ok() {
      return error == null;
    }
  }

  interface Parse<T> {
    T get() throws Exception;
  }

  static <T> Outcome<T> attempt(Parse<T> parse) {
    try {
      return new Outcome<>(parse.get(), null);
    } catch (Throwable t) {
      if (allowed(t)) {
        return new Outcome<>(null, t);
      }
      throw new AssertionError("an unchecked exception escaped: " + t, t);
    }
  }
}
