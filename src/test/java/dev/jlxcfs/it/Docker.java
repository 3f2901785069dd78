package dev.jlxcfs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A private Docker engine (docker.io's dockerd) started for one test class, and the image the container tests run:
 * Debian 12 with procps and python3-minimal, imported from {@code src/test/containers/debian-rootfs}'s tarball.
 *
 * <p>The engine changes nothing on the host beyond its own temp directory and cgroups: no iptables rules, no
 * bridge, no IP forwarding or masquerading (machine-notes.md); its data root, exec root (with its own containerd),
 * pid file and socket are under the temp directory; its containers' cgroups are below a parent named for this
 * engine; containers run with {@code --network none}. {@link #close} removes every container, stops the engine
 * (its containerd and shims with it), unmounts whatever is left under the directory, removes it and the cgroups,
 * also when a test failed halfway.
 */
final class Docker implements AutoCloseable {

  static final String IMAGE = "jlxcfs-it-debian";
  /** The packages the image needs: procps (free, top, uptime, ps) and python3. */
  static final List<String> PACKAGES = List.of("procps", "python3-minimal");

  /** docker.io's client, of the same version as its dockerd (another client may be first on the PATH). */
  private static final String CLIENT = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";

  final Path dir;
  final String cgroupParent;
  private final Process dockerd;
  private final List<String> containers = new ArrayList<>();
  /** Milliseconds: from starting dockerd to its API answering, and the image import. */
  final long startMillis;
  long importMillis;

  private Docker(Path dir, String cgroupParent, Process dockerd, long startMillis) {
    this.dir = dir;
    this.cgroupParent = cgroupParent;
    this.dockerd = dockerd;
    this.startMillis = startMillis;
  }

  /** Skips (or fails in CI) unless dockerd, its client and debootstrap (for the image) are installed. */
  static void require() {
    Host.require();
    Host.requireTool("dockerd");
    Host.requireTool(CLIENT);
    Host.requireTool("debootstrap");
  }

  /** Starts a private engine and waits until its API answers. */
  static Docker start() throws IOException {
    Path dir = Engines.stateDir("jlxcfs-dk");
    String parent = "/jlxcfs-dk-" + UUID.randomUUID().toString().substring(0, 8);
    Process p;
    long t0 = System.nanoTime();
    try {
      Files.writeString(dir.resolve("daemon.json"), "{}\n"); // not /etc/docker/daemon.json, whatever it says
      List<String> cmd = List.of("dockerd", "--config-file", dir.resolve("daemon.json").toString(),
          "--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
          "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
          "--pidfile", dir.resolve("dockerd.pid").toString(), "-H", "unix://" + dir.resolve("docker.sock"),
          "--cgroup-parent", parent);
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile())
          .start();
    } catch (IOException | RuntimeException e) {
      Engines.cleanUp(dir, parent);
      throw e;
    }
    Docker d = new Docker(dir, parent, p, 0);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (d.docker("version").exit() != 0) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("dockerd did not answer within 60 s:\n" + d.log());
        }
        RunningDaemon.sleep(100);
      }
      Docker started = new Docker(dir, parent, p, (System.nanoTime() - t0) / 1_000_000);
      long t1 = System.nanoTime();
      started.importImage();
      started.importMillis = (System.nanoTime() - t1) / 1_000_000;
      return started;
    } catch (RuntimeException | Error | IOException e) {
      d.close();
      throw e;
    }
  }

  /**
   * Imports the image from the cached debootstrap tarball. Measured here: 3-4 s for the 148 MB tarball into a
   * tmpfs ({@link Engines#stateDir}), against 0.2-2 s for dockerd to start, so no engine state is kept between runs
   * (a shared data root would need a lock and could carry one run's leftovers into the next).
   */
  private void importImage() throws IOException {
    Shell.Result tar = Shell.run(List.of("src/test/containers/debian-rootfs", PACKAGES.get(0), PACKAGES.get(1)),
        Map.of(), 600).check();
    Path tarball = Path.of(tar.out().trim());
    Shell.run(List.of("sh", "-c", CLIENT + " import - " + IMAGE + " < \"$1\"", "sh", tarball.toString()),
        env(), 300).check();
  }

  Map<String, String> env() {
    return Map.of("DOCKER_HOST", "unix://" + dir.resolve("docker.sock"));
  }

  Shell.Result docker(String... args) {
    return docker(60, args);
  }

  Shell.Result docker(int timeoutSeconds, String... args) {
    List<String> cmd = new ArrayList<>(List.of(CLIENT));
    cmd.addAll(List.of(args));
    return Shell.run(cmd, env(), timeoutSeconds);
  }

  /** A fresh container name, removed by {@link #close} whatever happens to it. */
  String newName() {
    String name = "jlxcfs-it-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(name);
    return name;
  }

  /**
   * {@code docker run --rm --network none OPTIONS IMAGE sh -c SCRIPT}: runs {@code script} in a fresh container and
   * returns the result.
   */
  Shell.Result run(List<String> options, String script) {
    List<String> cmd = new ArrayList<>(List.of("run", "--rm", "--network", "none", "--name", newName()));
    cmd.addAll(options);
    cmd.addAll(List.of(IMAGE, "/bin/sh", "-c", script));
    return docker(120, cmd.toArray(String[]::new));
  }

  /** Starts a container that sleeps, in the background; returns its name. */
  String start(List<String> options) {
    String name = newName();
    List<String> cmd = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", name));
    cmd.addAll(options);
    cmd.addAll(List.of(IMAGE, "/bin/sleep", "600"));
    docker(120, cmd.toArray(String[]::new)).check();
    return name;
  }

  /** Runs {@code script} in a running container (bounded: a read of a dead or stuck mount must not hang the test). */
  Shell.Result exec(String name, String script) {
    return Shell.run(List.of("timeout", "-k", "2", "30", CLIENT, "exec", name, "/bin/sh", "-c", script), env(), 40);
  }

  /** Removes every container made so far. */
  void removeAll() {
    for (String name : containers) {
      docker(60, "rm", "-f", name);
    }
    containers.clear();
  }

  /** The container's init process, as the host sees it. */
  long pid(String name) {
    return Long.parseLong(docker("inspect", "-f", "{{.State.Pid}}", name).check().out().trim());
  }

  String log() {
    try {
      return Files.readString(dir.resolve("dockerd.log"));
    } catch (IOException e) {
      return "(no dockerd log: " + e + ")";
    }
  }

  @Override
  public void close() {
    try {
      if (dockerd.isAlive()) {
        long t0 = System.nanoTime();
        removeAll();
        long t1 = System.nanoTime();
        dockerd.destroy(); // SIGTERM: dockerd stops its containers, then its containerd
        if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
          dockerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        System.out.println("Docker: containers removed in " + (t1 - t0) / 1_000_000 + " ms, dockerd stopped in "
            + (System.nanoTime() - t1) / 1_000_000 + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Engines.cleanUp(dir, cgroupParent);
    }
  }
}
