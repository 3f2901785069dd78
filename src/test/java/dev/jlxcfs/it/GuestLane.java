package dev.jlxcfs.it;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The pure cgroup v2 lane's runner, started inside the QEMU guest by {@link PureV2GuestIT}: runs the test classes
 * (or {@code Class#method} selectors) named on its command line with the JUnit Platform launcher, and prints one
 * machine-readable line per test and per class, prefixed {@value #TAG}, for the host to parse (the guest's console
 * carries its output back):
 * <pre>
 *   @@guest-lane@@ TEST  CLASS METHOD PASS|FAIL|SKIP MILLIS [message]
 *   @@guest-lane@@ CLASS CLASS PASS|FAIL|SKIP MILLIS tests=N failed=N skipped=N
 *   @@guest-lane@@ DONE  PASS|FAIL MILLIS
 * </pre>
 * A failure's stack trace follows its TEST line as ordinary output. Exit status 0 only when every selected test ran
 * and passed (a skip counts as a failure: the lane runs under JLXCFS_REQUIRE_INTEGRATION=1, where nothing may skip).
 */
public final class GuestLane {

  static final String TAG = "@@guest-lane@@";

  private GuestLane() {}

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    try {
      line("JVM   up at guest uptime %s s", java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime"))
          .split(" ")[0]);
    } catch (java.io.IOException e) {
      line("JVM   up (no /proc/uptime: %s)", e);
    }
    List<DiscoverySelector> selectors = new ArrayList<>();
    for (String a : args) {
      String name = a.contains(".") ? a : GuestLane.class.getPackageName() + "." + a;
      selectors.add(name.contains("#") ? selectMethod(name) : selectClass(name));
    }
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
    Launcher launcher = LauncherFactory.create();
    Listener listener = new Listener();
    launcher.execute(request, listener);
    boolean ok = listener.ok && listener.classes.size() == countClasses(args);
    line("DONE  %s %d", ok ? "PASS" : "FAIL", millisSince(t0));
    System.out.flush();
    // Tests may leave non-daemon threads (process reapers): exit rather than wait for them.
    System.exit(ok ? 0 : 1);
  }

  private static int countClasses(String[] args) {
    return (int) java.util.Arrays.stream(args).map(a -> a.split("#")[0]).distinct().count();
  }

  private static void line(String format, Object... args) {
    System.out.println(TAG + " " + String.format(format, args));
    System.out.flush();
  }

  private static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** One line per finished test and class. */
  private static final class Listener implements TestExecutionListener {
    private final Map<String, long[]> started = new LinkedHashMap<>();
    /** Per class: tests, failed, skipped. */
    final Map<String, int[]> classes = new LinkedHashMap<>();
    boolean ok = true;

    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
      System.out.println(TAG + " START " + plan.countTestIdentifiers(TestIdentifier::isTest) + " tests");
    }

    @Override
    public void executionStarted(TestIdentifier id) {
      started.put(id.getUniqueId(), new long[] {System.nanoTime()});
      if (isClass(id)) {
        line("BEGIN %s", className(id));
      }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      ok = false;
      if (isClass(id)) {
        classes.put(className(id), new int[] {0, 0, 1});
        line("CLASS %s SKIP 0 tests=0 failed=0 skipped=1 %s", className(id), oneLine(reason));
      } else if (id.isTest()) {
        String cls = className(id);
        classes.computeIfAbsent(cls, k -> new int[3])[2]++;
        line("TEST  %s %s SKIP 0 %s", cls, methodName(id), oneLine(reason));
      }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
      long[] t = started.remove(id.getUniqueId());
      long millis = t == null ? 0 : millisSince(t[0]);
      String status = switch (result.getStatus()) {
        case SUCCESSFUL -> "PASS";
        case ABORTED -> "SKIP";
        case FAILED -> "FAIL";
      };
      String message = result.getThrowable().map(GuestLane::oneLine).orElse("");
      if (id.isTest()) {
        String cls = className(id);
        int[] c = classes.computeIfAbsent(cls, k -> new int[3]);
        c[0]++;
        if (!status.equals("PASS")) {
          ok = false;
          c[status.equals("FAIL") ? 1 : 2]++;
        }
        line("TEST  %s %s %s %d %s", cls, methodName(id), status, millis, message);
        result.getThrowable().ifPresent(e -> System.out.println(stackTrace(e)));
      } else if (isClass(id)) {
        String cls = className(id);
        int[] c = classes.computeIfAbsent(cls, k -> new int[3]);
        if (!status.equals("PASS")) {
          // @BeforeAll or @AfterAll failed (or aborted): the class fails, whatever its tests did.
          ok = false;
          c[1]++;
          result.getThrowable().ifPresent(e -> System.out.println(stackTrace(e)));
        }
        String verdict = c[1] > 0 ? "FAIL" : c[2] > 0 ? "SKIP" : c[0] == 0 ? "FAIL" : "PASS";
        if (c[0] == 0) {
          ok = false;
        }
        line("CLASS %s %s %d tests=%d failed=%d skipped=%d %s", cls, verdict, millis, c[0], c[1], c[2], message);
      }
    }

    private static boolean isClass(TestIdentifier id) {
      return id.getSource().filter(ClassSource.class::isInstance).isPresent();
    }

    private static String className(TestIdentifier id) {
      return id.getSource().map(s -> s instanceof MethodSource m ? m.getClassName()
          : s instanceof ClassSource c ? c.getClassName() : id.getDisplayName())
          .map(n -> n.substring(n.lastIndexOf('.') + 1)).orElse(id.getDisplayName());
    }

    private static String methodName(TestIdentifier id) {
      return id.getSource().filter(MethodSource.class::isInstance).map(s -> ((MethodSource) s).getMethodName())
          .orElse(id.getDisplayName().replace(' ', '_'));
    }
  }

  static String oneLine(Throwable e) {
    return oneLine(e.getClass().getSimpleName() + ": " + e.getMessage());
  }

  static String oneLine(String s) {
    String flat = s == null ? "" : s.replace("\r", "").replace("\n", " \\n ");
    return flat.length() > 2000 ? flat.substring(0, 2000) + " ..." : flat;
  }

  private static String stackTrace(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
