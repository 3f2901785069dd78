package dev.jlxcfs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * podman with storage of its own (root, run root, tmp dir and configuration under a temp directory: nothing shared
 * with the host's podman or another test's), and the same image as {@link Docker}'s, imported from the cached
 * debootstrap tarball. Its containers' cgroups sit below a parent named for this instance, with
 * {@code --network none}. {@link #close} removes every container, unmounts what is left, removes the directory
 * and the cgroups, also when a test failed.
 */
final class Podman implements AutoCloseable {

  final Path dir;
  final String cgroupParent;
  private final List<String> containers = new ArrayList<>();
  long importMillis;

  private Podman(Path dir, String cgroupParent) {
    this.dir = dir;
    this.cgroupParent = cgroupParent;
  }

  static void require() {
    Host.require();
    Host.requireTool("podman");
    Host.requireTool("runc");
    Host.requireTool("debootstrap");
  }

  static Podman create() throws IOException {
    Path dir = Engines.stateDir("jlxcfs-pm");
    Podman p = new Podman(dir, "/jlxcfs-pm-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      // No systemd runs here (cgroupfs), no journald (events to a file); nothing from /etc/containers.
      Files.writeString(dir.resolve("containers.conf"), "[engine]\ncgroup_manager = \"cgroupfs\"\n"
          + "events_logger = \"file\"\n");
      Files.writeString(dir.resolve("storage.conf"), "[storage]\ndriver = \"overlay\"\nrunroot = \""
          + dir.resolve("run") + "\"\ngraphroot = \"" + dir.resolve("root") + "\"\n");
      Shell.Result tar = Shell.run(List.of("src/test/containers/debian-rootfs", Docker.PACKAGES.get(0),
          Docker.PACKAGES.get(1)), Map.of(), 600).check();
      long t0 = System.nanoTime();
      p.podman(300, "import", tar.out().trim(), Docker.IMAGE).check();
      p.importMillis = (System.nanoTime() - t0) / 1_000_000;
      return p;
    } catch (RuntimeException | Error | IOException e) {
      p.close();
      throw e;
    }
  }

  private List<String> prefix() {
    return List.of("podman", "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("run").toString(),
        "--tmpdir", dir.resolve("tmp").toString(), "--cgroup-manager", "cgroupfs", "--events-backend", "file");
  }

  private Map<String, String> env() {
    return Map.of("CONTAINERS_CONF", dir.resolve("containers.conf").toString(),
        "CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString());
  }

  Shell.Result podman(int timeoutSeconds, String... args) {
    List<String> cmd = new ArrayList<>(prefix());
    cmd.addAll(List.of(args));
    return Shell.run(cmd, env(), timeoutSeconds);
  }

  private String newName() {
    String name = "jlxcfs-it-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(name);
    return name;
  }

  /**
   * {@code podman --runtime runc run --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 ...}. Why not podman's
   * defaults on this host: its preferred runtime crun refuses the hybrid host's cgroups (v1 controllers beside an
   * almost empty cgroup2), and its default rlimits (nofile 1048576) are above the hard limits the processes here
   * run with (nofile 20000), which only CAP_SYS_RESOURCE may raise and root here does not have it, so runc's
   * setrlimit fails with EPERM ("error setting rlimits for ready process ... operation not permitted").
   */
  private List<String> runCommand(boolean detach, String name, List<String> options) {
    List<String> cmd = new ArrayList<>(List.of("--runtime", "runc", "run", detach ? "-d" : "--rm",
        "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "--network", "none",
        "--cgroup-parent", cgroupParent, "--name", name));
    cmd.addAll(options);
    return cmd;
  }

  /** Runs {@code script} in a fresh container (removed after) and returns the result. */
  Shell.Result run(List<String> options, String script) {
    List<String> cmd = runCommand(false, newName(), options);
    cmd.addAll(List.of(Docker.IMAGE, "/bin/sh", "-c", script));
    return podman(120, cmd.toArray(String[]::new));
  }

  /** Tries to start a sleeping container; returns podman's result and, in {@code name[0]}, its name. */
  Shell.Result tryStart(List<String> options, String[] name) {
    name[0] = newName();
    List<String> cmd = runCommand(true, name[0], options);
    cmd.addAll(List.of(Docker.IMAGE, "/bin/sleep", "600"));
    return podman(120, cmd.toArray(String[]::new));
  }

  String start(List<String> options) {
    String[] name = new String[1];
    tryStart(options, name).check();
    return name[0];
  }

  Shell.Result exec(String name, String script) {
    List<String> cmd = new ArrayList<>(List.of("timeout", "-k", "2", "30"));
    cmd.addAll(prefix());
    cmd.addAll(List.of("exec", name, "/bin/sh", "-c", script));
    return Shell.run(cmd, env(), 40);
  }

  /** Removes every container made so far. */
  void removeAll() {
    for (String name : containers) {
      podman(60, "rm", "-f", "-t", "0", name);
    }
    containers.clear();
  }

  long pid(String name) {
    return Long.parseLong(podman(60, "inspect", "-f", "{{.State.Pid}}", name).check().out().trim());
  }

  @Override
  public void close() {
    try {
      removeAll();
    } finally {
      Engines.cleanUp(dir, cgroupParent);
    }
  }
}
