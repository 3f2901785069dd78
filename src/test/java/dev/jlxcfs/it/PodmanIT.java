package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * podman containers (runc, see {@link Podman}) read jlxcfs's files through the binds {@code jlxcfs flags --format
 * podman} prints, and a restarted daemon heals them; while the daemon is down podman refuses to start a container
 * with those binds, naming the bind's source.
 */
class PodmanIT {

  private static final long MIB = 1 << 20;
  private static Podman podman;

  @BeforeAll
  static void create() throws Exception {
    Podman.require();
    podman = Podman.create();
    System.out.println("PodmanIT: image imported in " + podman.importMillis + " ms");
  }

  @AfterAll
  static void remove() {
    if (podman != null) {
      podman.close();
    }
  }

  private static List<String> with(List<String> binds, String... options) {
    List<String> all = new ArrayList<>(binds);
    all.addAll(List.of(options));
    return all;
  }

  @Test
  void everyBindOfJlxcfsFlags() throws Exception {
    try (RunningDaemon daemon = RunningDaemon.start()) {
      List<String> binds = Engines.flags("podman", daemon.mountPoint);
      long t0 = System.nanoTime();
      String out = Engines.check("podman --cpus 1.5", s -> podman.run(with(binds, "-m", "256m", "--cpus", "1.5"), s),
          new Engines.Limits(256 * MIB, 1.5, 0), t0);
      System.out.println("PodmanIT, -m 256m --cpus 1.5:\n" + out);
      t0 = System.nanoTime();
      Engines.check("podman --cpuset-cpus 0", s -> podman.run(with(binds, "-m", "256m", "--cpuset-cpus", "0"), s),
          new Engines.Limits(256 * MIB, 0, 1), t0);
    }
  }

  @Test
  void aRestartHealsRunningContainersAndWhileDownPodmanRefusesToStartOne() throws Exception {
    Path base = Files.createTempDirectory("jlxcfs-heal-podman");
    Path mnt = base.resolve("mnt");
    Path state = base.resolve("state");
    Engines.Limits limits = new Engines.Limits(256 * MIB, 1.5, 0);
    try (RunningDaemon first = RunningDaemon.start(mnt, "--state-dir", state.toString())) {
      List<String> binds = Engines.flags("podman", mnt);
      long started = System.nanoTime();
      String a = podman.start(with(binds, "-m", "256m", "--cpus", "1.5"));
      long pidA = podman.pid(a);
      Engines.check("before the kill", s -> podman.exec(a, s), limits, started);

      first.kill();
      Engines.assertDead("after kill -9", podman.exec(a, "cat /proc/meminfo"));

      String[] late = new String[1];
      Shell.Result refused = podman.tryStart(with(binds, "-m", "256m"), late);
      assertNotEquals(0, refused.exit(), "podman started a container on a dead mount: " + refused.out());
      // podman checks the binds' sources (statfs) before it creates the container, and names one that fails (which
      // one varies: it goes through them in no fixed order).
      String err = refused.err();
      List<String> sources = new ArrayList<>();
      for (int i = 1; i < binds.size(); i += 2) {
        sources.add(binds.get(i).split(":")[0]);
      }
      assertTrue(sources.stream().anyMatch(src -> err.contains("statfs " + src + ": transport endpoint is not "
          + "connected")), "podman's error names a bind source, one of " + sources + ": " + err);
      System.out.println("PodmanIT: while the daemon is down podman says: " + refused.err().trim());

      long t0 = System.nanoTime();
      try (RunningDaemon second = RunningDaemon.start(mnt, "--state-dir", state.toString())) {
        String summary = second.awaitLog("containers' dead mounts: ").lines()
            .filter(l -> l.contains("containers' dead mounts: ")).findFirst().orElseThrow();
        System.out.println("PodmanIT heal at start: done " + (System.nanoTime() - t0) / 1_000_000
            + " ms after the start; " + summary);
        Engines.assertHealed(summary, second.logText().lines()
            .filter(l -> l.contains("not healed: ") || l.contains("healed pid ")).toList(), List.of(pidA),
            binds.size() / 2);
        Engines.check("after the restart", s -> podman.exec(a, s), limits, started);
        assertEquals(pidA, podman.pid(a), "the same container, not a restarted one");
        // Once the daemon serves, the refused container starts.
        String now = podman.start(with(binds, "-m", "256m"));
        Shell.Result free = podman.exec(now, "free -m | grep ^Mem:");
        assertEquals("256", free.out().trim().split("\\s+")[1], free.out() + free.err());
      }
    } finally {
      podman.removeAll();
      Shell.run(List.of("rm", "-rf", "--one-file-system", base.toString()));
    }
  }
}
