package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The .deb that {@code mvn package} builds and its systemd unit, under systemd as PID 1 on a pure cgroup v2 machine:
 * a throwaway QEMU guest (src/test/vm/run-in-guest --systemd) runs src/test/vm/systemd-unit-check, which installs the
 * package with dpkg -i, starts the unit (the first read after {@code systemctl start} returns must be served), runs
 * a runc container with the files bound that must see its 256 MiB and 1 CPU, and keeps a reader in it and one on the
 * host reading in a loop while it reloads the unit (a live handover: a new main process), restarts it (a handover to
 * a bridge daemon outside the unit and from it to the restarted unit) and upgrades the package (postinst reloads):
 * after each, a new daemon serves, the unit was never restarted, the container reads its limits, and no read failed
 * (on the guest's 6.1 kernel, which cannot mount beneath a mount, the moment a handover leaves the mount point empty
 * is counted and printed instead). Then it stops the unit (unmounted; the container's reads fail with ENOTCONN at
 * once) and checks the journal (one line per start, handover, stop and heal). This class asserts on the script's exit
 * status and step lines, and on a failure shows everything it printed: the failed step, the unit's status and
 * journal, the mounts.
 *
 * <p>The development and CI machines' PID 1 is not systemd, so this is the only test of the unit under systemd.
 * A guest that cannot be started skips here and fails under JLXCFS_REQUIRE_INTEGRATION=1 (CI). Nothing is left on
 * this machine: the guest's root is a tmpfs overlay of this machine's, thrown away with the guest.
 */
class SystemdGuestIT {

  private static final Path RUN_IN_GUEST = Path.of("src/test/vm/run-in-guest");
  private static final Path CHECK = Path.of("src/test/vm/systemd-unit-check");
  /** The guest's own deadline (run-in-guest kills it then: exit 124); this class waits a little longer. */
  private static final int GUEST_TIMEOUT_SECONDS = 1800;
  private static final List<String> STEPS = List.of("install", "start", "container", "readers", "reload", "restart",
      "upgrade", "stop", "journal");

  @Test
  void packageAndUnitUnderSystemd() throws Exception {
    Host.require();
    for (String tool : List.of("qemu-system-x86_64", "cpio", "runc", "dpkg")) {
      Host.requireTool(tool);
    }
    if (Shell.sh("ls /boot/vmlinuz-6.1* >/dev/null 2>&1 && test -x /bin/busybox && test -d /lib/systemd/system "
        + "&& test -x /lib/systemd/systemd").exit() != 0) {
      Host.unavailable("the systemd guest needs linux-image-amd64 (6.1, in /boot), busybox-static and systemd "
          + "(packaging/install-deps --test)");
    }
    Path deb = Host.deb();

    long start = System.nanoTime();
    List<String> cmd = List.of(RUN_IN_GUEST.toString(), "--systemd", "--timeout", String.valueOf(GUEST_TIMEOUT_SECONDS),
        "--", "bash " + CHECK + " '" + deb + "'");
    Run run = run(cmd, GUEST_TIMEOUT_SECONDS + 60);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    String out = run.output;

    if (run.exit == 125) {
      Host.unavailable("the systemd guest could not be started (run-in-guest exit 125):\n" + tail(out, 60));
    }
    String failed = out.lines().filter(l -> l.startsWith("lane: FAIL ")).findFirst().orElse(null);
    if (run.exit != 0 || failed != null || !out.contains("\nlane: PASS")) {
      String why = failed != null ? failed.substring("lane: ".length())
          : run.exit == 124 ? "the guest did not finish within " + GUEST_TIMEOUT_SECONDS + " s (run-in-guest killed it)"
          : "the guest script exited with " + run.exit + " without saying which step failed";
      fail("systemd guest lane: " + why + " (after " + seconds + " s)\n"
          + "----- steps passed: " + passed(out) + "\n----- guest output (the unit's status and journal, if a step "
          + "failed, are at its end):\n" + out);
    }
    for (String step : STEPS) {
      assertTrue(out.contains("\nlane: ok " + step + ": "), "step " + step + " did not report ok:\n" + out);
    }
    System.out.printf("SystemdGuestIT: %s under systemd 252 (pure cgroup v2 guest), every step passed in %d s: "
        + "%s%n", deb.getFileName(), seconds, timings(out));
  }

  private record Run(int exit, String output) {}

  /** Runs {@code cmd}, echoing its output as it comes (CI logs show how far a slow guest got) and keeping it. */
  private static Run run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    StringBuilder out = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          System.out.println("  guest| " + line);
          synchronized (out) {
            out.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        synchronized (out) {
          out.append("(reading the guest's output failed: ").append(e).append(")\n");
        }
      }
    }, "guest-output");
    reader.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        // SIGTERM: run-in-guest kills its QEMU and removes its files on the way out.
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(5000);
        synchronized (out) {
          fail("run-in-guest did not end within " + timeoutSeconds + " s: stopped\n" + out);
        }
      }
    } finally {
      if (p.isAlive()) { // interrupted: no QEMU may outlive the test
        p.destroy();
        p.waitFor(20, TimeUnit.SECONDS);
      }
    }
    reader.join(10_000);
    synchronized (out) {
      return new Run(p.exitValue(), "\n" + out);
    }
  }

  private static String passed(String out) {
    return out.lines().filter(l -> l.startsWith("lane: ok ")).map(l -> l.substring(9, l.indexOf(':', 9)))
        .collect(Collectors.joining(", "));
  }

  /** "guest up 21.3 s, dpkg 20011 ms, start 24906 ms, ..." from the script's lines. */
  private static String timings(String out) {
    List<String> parts = new ArrayList<>();
    Matcher up = Pattern.compile("lane: guest up (\\S+) s").matcher(out);
    if (up.find()) {
      parts.add("guest up " + up.group(1) + " s after its kernel started");
    }
    Matcher t = Pattern.compile("(?m)^lane: time (\\S+) (\\d+)$").matcher(out);
    while (t.find()) {
      parts.add(t.group(1) + " " + t.group(2) + " ms");
    }
    Matcher r = Pattern.compile("(?m)^lane: reads (\\S+): (container .*)$").matcher(out);
    while (r.find()) {
      parts.add("reads across " + r.group(1) + ": " + r.group(2));
    }
    return String.join(", ", parts);
  }

  private static String tail(String out, int lines) {
    List<String> all = out.lines().collect(Collectors.toList());
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
