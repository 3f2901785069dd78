package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * What the integration tests need from the machine, checked once. Where something is missing they skip with the
 * reason printed, unless JLXCFS_REQUIRE_INTEGRATION=1 (CI), where a skip is a failure.
 */
final class Host {

  static final Path JAR = Path.of(System.getProperty("jlxcfs.jar", "target/jlxcfs.jar")).toAbsolutePath();
  /** The launcher users start the daemon with (packaging/jlxcfs): its JVM flags are part of what is tested. */
  static final Path LAUNCHER = Path.of("packaging/jlxcfs").toAbsolutePath();

  private static String missing;
  private static boolean checked;

  private Host() {}

  /**
   * True inside the pure cgroup v2 lane's QEMU guest, where {@link PureV2GuestIT} runs the layout-dependent test
   * classes with JLXCFS_GUEST=v2 (a guest under software emulation: its processes start 10-30x slower).
   */
  static boolean inGuest() {
    return "v2".equals(System.getenv("JLXCFS_GUEST"));
  }

  /** Skips (or fails under JLXCFS_REQUIRE_INTEGRATION=1) unless this machine can run integration tests. */
  static synchronized void require() {
    if (!checked) {
      missing = whatIsMissing();
      checked = true;
    }
    if (missing != null) {
      unavailable("integration tests cannot run here: " + missing);
    }
  }

  /** Skips (or fails in CI) unless {@code tool} is on the PATH. */
  static void requireTool(String tool) {
    require();
    if (Shell.run(List.of("sh", "-c", "command -v " + tool)).exit() != 0) {
      unavailable(tool + " is not installed (packaging/install-deps --test installs it)");
    }
  }

  /** Skips with {@code reason} printed, or fails under JLXCFS_REQUIRE_INTEGRATION=1. */
  static void unavailable(String reason) {
    if ("1".equals(System.getenv("JLXCFS_REQUIRE_INTEGRATION"))) {
      fail(reason + " (JLXCFS_REQUIRE_INTEGRATION=1)");
    }
    System.out.println("SKIPPED: " + reason);
    Assumptions.abort(reason);
  }

  /** Skips (or fails in CI) unless the machine has at least {@code n} CPUs. */
  static void requireCpus(int n) {
    require();
    if (Runtime.getRuntime().availableProcessors() < n) {
      unavailable("this test needs " + n + " CPUs");
    }
  }

  private static String whatIsMissing() {
    List<String> problems = new ArrayList<>();
    if (!"0".equals(Shell.run(List.of("id", "-u")).out().trim())) {
      problems.add("not root");
    }
    if (!Files.exists(Path.of("/dev/fuse"))) {
      problems.add("no /dev/fuse");
    }
    if (Shell.sh("ldconfig -p | grep -q 'libfuse.so.2 '").exit() != 0) {
      problems.add("libfuse.so.2 is not installed (apt-get install libfuse2)");
    }
    if (!Files.isRegularFile(JAR)) {
      problems.add(JAR + " is missing (run through 'mvn verify')");
    }
    try {
      // v1, v2 or hybrid: the tests make their cgroups wherever this machine's controllers are (CgroupLayout).
      String cgroups = CgroupLayout.host().missing();
      if (cgroups != null) {
        problems.add(cgroups);
      }
    } catch (UncheckedIOException e) {
      problems.add(e.getMessage());
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  /** The host's /proc/meminfo value of a key, in kB. */
  static long hostMeminfo(String key) throws IOException {
    return Meminfo.value(Files.readString(Path.of("/proc/meminfo")), key);
  }

  /** Reads meminfo values from text. */
  static final class Meminfo {
    private Meminfo() {}

    static long value(String text, String key) {
      for (String line : text.split("\n")) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim());
        }
      }
      throw new AssertionError("no " + key + " in:\n" + text);
    }
  }

  /** The Debian package {@code mvn package} made beside the jar: target/jlxcfs_VERSION_all.deb. */
  static Path deb() throws IOException {
    Path target = JAR.getParent();
    List<Path> debs = new ArrayList<>();
    try (Stream<Path> s = Files.list(target)) {
      s.filter(p -> p.getFileName().toString().matches("jlxcfs_.+_all\\.deb")).forEach(debs::add);
    }
    if (debs.size() != 1) {
      throw new AssertionError("expected one jlxcfs_*_all.deb in " + target + " (made by mvn package): " + debs);
    }
    return debs.get(0);
  }
}
