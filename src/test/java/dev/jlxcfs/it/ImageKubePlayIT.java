package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The container image and the Kubernetes manifests, run short of a cluster, with podman (storage of its own under a
 * temp directory, runc, no network for the pods):
 *
 * <ol>
 *   <li>packaging/Dockerfile is built as users build it (its Maven build stage, then its runtime stage), from bases
 *       made here from Debian's packages (no registry is reachable): BUILD_IMAGE with openjdk-17-jdk-headless and
 *       maven, RUNTIME_IMAGE with openjdk-17-jre-headless, whose archive has libfuse2 where Ubuntu 24.04's has
 *       libfuse2t64.
 *   <li>The DaemonSet's pod template, turned into a Pod by this test (podman 4.3 plays no DaemonSet) with the image
 *       just built in place of the PIN placeholder and a test-owned directory for the /var/lib/jlxcfs hostPath, runs
 *       under {@code podman kube play}: its init container, then jlxcfs inside its container, privileged, in the
 *       host's pid and cgroup namespaces, mounting FUSE in the Bidirectional volume. The host sees the mount, and a
 *       reader in a 256 MiB, one-CPU cgroup on the host reads its own figures through it.
 *   <li>examples/kubernetes-pod.yaml runs beside it (a Debian image with procps in place of its placeholder) and its
 *       log shows its own limits: free's 256 MiB, 1 CPU, its own uptime.
 *   <li>The daemon killed (-9) while a pod with the same binds runs: its container is restarted by the pod's restart
 *       policy, and the new daemon re-attaches the running pod's binds (the heal at start), which then read 256 MiB
 *       again. Then the pod stops as a drained node's would: SIGTERM, exit 0, the mount gone from the host.
 * </ol>
 *
 * What differs from a cluster, each printed when applied: podman 4.3 ignores {@code hostPID} (supported from podman
 * 4.5), so the DaemonSet's pod gets the host's pid namespace from containers.conf ({@code pidns = "host"}); it
 * restarts a pod's init containers under restartPolicy Always (Kubernetes never does), so the generated pod has
 * OnFailure; Bidirectional propagation reaches the host only from a shared mount (kubelet's nodes have / shared, as
 * systemd makes it; this machine's / is private), so the test makes its hostPath directory a shared bind mount, as a
 * node's is; and where the host's pid 1 refuses access to its namespaces (this sandbox's init does, even to root),
 * nsenter is pointed at this test's process instead, which is in the host's cgroup namespace too.
 */
class ImageKubePlayIT {

  private static final String DS_PLACEHOLDER = "REGISTRY/jlxcfs@sha256:" + "0".repeat(64);
  private static final String POD_PLACEHOLDER = "debian:12@sha256:" + "0".repeat(64);
  private static final String PATH_ENV = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final long MIB = 1 << 20;

  @Test
  void theImageBuildsAndTheDaemonSetAndTheExamplePodRunUnderPodman() throws Exception {
    Host.require();
    for (String tool : List.of("podman", "runc", "catatonit", "debootstrap")) {
      Host.requireTool(tool);
    }
    long start = System.nanoTime();
    Map<String, Long> phases = new LinkedHashMap<>();
    String id = UUID.randomUUID().toString().substring(0, 8);
    Store pm = new Store(Files.createTempDirectory("jlxcfs-it-kube"));
    try {
      // 1. Bases from Debian's packages (cached tarballs), then the image, built by packaging/Dockerfile.
      long t = System.nanoTime();
      String buildTar = rootfs("openjdk-17-jdk-headless", "maven");
      String runTar = rootfs("openjdk-17-jre-headless");
      String podTar = rootfs("procps", "python3-minimal"); // the other container tests' image: one cached tarball
      phases.put("debootstrap tarballs (cached after the first run)", lap(t));
      t = System.nanoTime();
      String buildBase = "localhost/jlxcfs-it-build-base:" + id;
      String runBase = "localhost/jlxcfs-it-run-base:" + id;
      String podImage = "localhost/jlxcfs-it-debian:" + id;
      pm.podman(300, "import", "--change", PATH_ENV, buildTar, buildBase).check();
      pm.podman(300, "import", "--change", PATH_ENV, runTar, runBase).check();
      pm.podman(300, "import", "--change", PATH_ENV, podTar, podImage).check();
      phases.put("podman import of the 3 bases", lap(t));

      t = System.nanoTime();
      String image = "localhost/jlxcfs-it:" + id;
      List<String> build = new ArrayList<>(List.of("build", "--network", "host", "-f", "packaging/Dockerfile",
          "--build-arg", "BUILD_IMAGE=" + buildBase, "--build-arg", "RUNTIME_IMAGE=" + runBase, "-t", image));
      // The build stage's Maven fetches everything from Maven Central, as a user's build does (host networking).
      // This machine reaches it through a proxy whose CA only the host's Java trust store has: the build's RUN steps
      // see that trust store (read-only); elsewhere the base's own is used.
      Path cacerts = Path.of("/etc/ssl/certs/java/cacerts");
      if (Files.isRegularFile(cacerts)) {
        build.addAll(List.of("-v", cacerts + ":" + cacerts + ":ro"));
      }
      build.add(".");
      Shell.Result built = pm.podman(900, build.toArray(String[]::new));
      assertEquals(0, built.exit(), "podman build:\n" + tail(built.out() + built.err(), 4000));
      phases.put("podman build of packaging/Dockerfile", lap(t));
      t = System.nanoTime();
      String version = pm.podman(60, "--runtime", "runc", "run", "--rm", "--network", "none", image, "--version")
          .check().out().trim();
      assertTrue(version.startsWith("jlxcfs "), version);
      Shell.Result libfuse = pm.podman(60, "--runtime", "runc", "run", "--rm", "--network", "none", "--entrypoint",
          "/bin/sh", image, "-c", "ldconfig -p | grep 'libfuse.so.2 '; command -v nsenter umount timeout head");
      assertEquals(0, libfuse.exit(), "the image has libfuse2 and the tools the manifests run: " + libfuse);
      phases.put("two runs of the image (--version, its libraries and tools)", lap(t));

      // 2. The DaemonSet's pod, serving a test-owned stand-in for the node's /var/lib/jlxcfs.
      t = System.nanoTime();
      Path hostDir = Files.createDirectories(pm.dir.resolve("var-lib-jlxcfs"));
      Shell.run(List.of("mount", "--bind", hostDir.toString(), hostDir.toString())).check();
      pm.unmountLater(hostDir);
      Shell.run(List.of("mount", "--make-shared", hostDir.toString())).check();
      Path mnt = hostDir.resolve("mnt");
      pm.unmountLater(mnt);
      String dsPod = "jlxcfs-it-ds-" + id;
      Path dsYaml = pm.dir.resolve("daemonset-pod.yaml");
      Files.writeString(dsYaml, daemonSetPod(dsPod, image, hostDir));
      pm.pods.add(dsPod);
      Shell.Result play = pm.podmanHostPid(120, "kube", "play", "--network", "none", dsYaml.toString());
      assertEquals(0, play.exit(), "kube play of the DaemonSet's pod: " + play);
      String daemon = dsPod + "-jlxcfs";
      String meminfo = waitForMount(pm, daemon, mnt);
      phases.put("kube play of the DaemonSet's pod until the host reads its mount", lap(t));
      assertTrue(Host.Meminfo.value(meminfo, "MemTotal") <= Host.hostMeminfo("MemTotal"), meminfo);

      // The daemon runs in the host's pid and cgroup namespaces, within the manifest's memory limit.
      t = System.nanoTime();
      String pid = pm.podman(30, "inspect", "--format", "{{.State.Pid}}", daemon).check().out().trim();
      for (String ns : List.of("pid", "cgroup")) {
        assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)),
            Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns)), "the daemon's " + ns + " namespace");
      }
      assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("jlxcfs.jar"), "pid " + pid);
      // Bidirectional became a shared bind in the host's peer group (podman honours it; only a host whose mount is
      // private, as this machine's / is, keeps the daemon's mount from the host, hence the shared bind above).
      String hostPeers = propagation(Path.of("/proc/self/mountinfo"), hostDir.toString());
      assertTrue(hostPeers.matches(".*\\bshared:\\d+.*"), hostPeers);
      assertEquals(hostPeers, propagation(Path.of("/proc/" + pid + "/mountinfo"), "/var/lib/jlxcfs"),
          "the daemon's /var/lib/jlxcfs is a peer of the host's directory");
      assertEquals(String.valueOf(192 * MIB),
          pm.podman(30, "inspect", "--format", "{{.HostConfig.Memory}}", daemon).check().out().trim());
      // The readiness probe's command, run as kubelet would run it.
      pm.podman(30, "exec", daemon, "timeout", "-k", "1", "2", "head", "-c1", "/var/lib/jlxcfs/mnt/proc/meminfo")
          .check();

      // A reader on the host, in a 256 MiB cgroup with a one-CPU quota, reads its own figures through the mount.
      try (TestCgroup cg = new TestCgroup()) {
        cg.limitMemory("", 256 * MIB);
        cg.limitCpu("", 100_000, 100_000);
        Shell.Result r = cg.run("timeout -k 2 5 cat " + mnt + "/proc/meminfo; echo cpus $(timeout -k 2 5 grep -c "
            + "^processor " + mnt + "/proc/cpuinfo) $(timeout -k 2 5 cat " + mnt + "/sys/devices/system/cpu/online)",
            cg.dir("memory", ""), cg.dir("cpu", "")).check();
        assertEquals(262144, Host.Meminfo.value(r.out(), "MemTotal"), r.out());
        assertTrue(r.out().contains("\ncpus 1 0\n"), r.out());
      }
      phases.put("checks of the daemon's pod and a host reader in a limited cgroup", lap(t));

      // 3. The example pod beside it, with its files from the DaemonSet's mount.
      t = System.nanoTime();
      String examplePod = "jlxcfs-it-example-" + id;
      Path exampleYaml = pm.dir.resolve("example-pod.yaml");
      Files.writeString(exampleYaml, examplePod(examplePod, podImage, mnt));
      pm.pods.add(examplePod);
      Shell.Result played = pm.podman(120, "kube", "play", "--network", "none", exampleYaml.toString());
      assertEquals(0, played.exit(), "kube play of examples/kubernetes-pod.yaml: " + played);
      String app = examplePod + "-app";
      assertEquals("0", pm.podman(120, "wait", app).check().out().trim(), "the example's exit status");
      String log = pm.podman(30, "logs", app).check().out();
      phases.put("kube play of examples/kubernetes-pod.yaml until it exited", lap(t));
      System.out.println("ImageKubePlayIT: examples/kubernetes-pod.yaml's log:\n" + log);
      List<String> lines = log.lines().toList();
      // The example prints the first 3 lines of /proc/meminfo (debian:12 has no free), then the CPU counts, uptime.
      String mem = lines.stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
          .orElseThrow(() -> new AssertionError(log));
      assertEquals(Long.toString(256 * 1024), mem.split("\\s+")[1], "MemTotal in kB: " + log);
      int at = lines.indexOf(mem);
      assertEquals("1", lines.get(at + 3), "getconf _NPROCESSORS_ONLN: " + log);
      assertEquals("1", lines.get(at + 4), "processors in /proc/cpuinfo: " + log);
      double uptime = Double.parseDouble(lines.get(at + 5).split(" ")[0]);
      double hostUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
      assertTrue(uptime < 60 && hostUptime - uptime > 30,
          "its own uptime, " + uptime + " s, not the host's " + hostUptime + " s");

      // A crash: a pod that keeps running with the example's binds, then the daemon killed (-9). The pod's restart
      // policy restarts its container, as kubelet would; the new daemon clears the dead mount, mounts again and
      // re-attaches the running pod's binds: it reads its own figures again, without a restart of its own.
      t = System.nanoTime();
      String sleeperPod = "jlxcfs-it-sleeper-" + id;
      Path sleeperYaml = pm.dir.resolve("sleeper-pod.yaml");
      Map<String, Object> sleeper = cast(yaml().load(examplePod(sleeperPod, podImage, mnt)));
      cast(((List<?>) cast(sleeper.get("spec")).get("containers")).get(0)).put("command", List.of("sleep", "600"));
      Files.writeString(sleeperYaml, dump(sleeper));
      pm.pods.add(sleeperPod);
      pm.podman(120, "kube", "play", "--network", "none", sleeperYaml.toString()).check();
      String sleeping = sleeperPod + "-app";
      // HostToContainer became a slave bind: the pod receives the node's mounts there, never sends its own.
      String sleeperPid = pm.podman(30, "inspect", "--format", "{{.State.Pid}}", sleeping).check().out().trim();
      String fileBind = propagation(Path.of("/proc/" + sleeperPid + "/mountinfo"), "/proc/meminfo");
      assertTrue(fileBind.matches("master:\\d+"), "the pod's /proc/meminfo bind: " + fileBind);
      String read = "timeout -k 1 3 head -1 /proc/meminfo";
      String mem256 = "MemTotal:         262144 kB";
      assertEquals(mem256, pm.podman(30, "exec", sleeping, "sh", "-c", read).check().out().trim());
      Shell.run(List.of("kill", "-9", pid)).check();
      for (int i = 0; i < 100 && Files.exists(Path.of("/proc/" + pid)); i++) {
        Thread.sleep(100);
      }
      note("the running pod's read with the daemon killed: " + pm.podman(30, "exec", sleeping, "sh", "-c", read));
      String healed = null;
      for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline; Thread.sleep(200)) {
        Shell.Result r = pm.podman(30, "exec", sleeping, "sh", "-c", read);
        if (r.exit() == 0 && r.out().startsWith("MemTotal:")) {
          healed = r.out().trim();
          break;
        }
      }
      String daemonLog = pm.podman(30, "logs", daemon).err() + pm.podman(30, "logs", daemon).out();
      assertEquals(mem256, healed, "the running pod's binds after the daemon's restart:\n" + tail(daemonLog, 3000));
      assertEquals("1", pm.podman(30, "inspect", "--format", "{{.RestartCount}}", daemon).check().out().trim());
      int binds = ((List<?>) cast(sleeper.get("spec")).get("volumes")).size();
      assertTrue(daemonLog.contains(": " + binds + " healed, 0 skipped, 0 failed"), tail(daemonLog, 3000));
      assertTrue(mounted(mnt), "the new daemon's mount is on the host");
      pm.podman(60, "pod", "rm", "-f", "-t", "0", sleeperPod).check();
      phases.put("daemon killed: podman restarts it, it heals a running pod's binds", lap(t));

      // The DaemonSet's pod stops as a node drains it: SIGTERM, and the daemon unmounts (on the host too).
      t = System.nanoTime();
      pm.podman(120, "pod", "stop", "-t", "30", dsPod).check();
      assertFalse(mounted(mnt), "the mount is gone from the host once the pod stopped");
      String stopped = pm.podman(30, "inspect", "--format", "{{.State.ExitCode}}", daemon).check().out().trim();
      assertEquals("0", stopped, "the daemon's exit status after SIGTERM:\n" + pm.podman(30, "logs", daemon).out());
      phases.put("pod stop (SIGTERM, unmount)", lap(t));
    } finally {
      long t = System.nanoTime();
      pm.close();
      phases.put("clean-up: pods, podman store, mounts", lap(t));
      phases.put("total", lap(start));
      StringBuilder report = new StringBuilder("ImageKubePlayIT timings:");
      phases.forEach((k, v) -> report.append(String.format("%n  %-66s %6.1f s", k, v / 1000.0)));
      System.out.println(report);
    }
  }

  /** The DaemonSet's pod template as a Pod, with this test's substitutions (each printed). */
  static String daemonSetPod(String name, String image, Path hostDir) throws IOException {
    Map<String, Object> daemonSet = null;
    for (Object doc : yaml().loadAll(Files.readString(Path.of("packaging/kubernetes/daemonset.yaml")))) {
      if (doc instanceof Map<?, ?> m && "DaemonSet".equals(m.get("kind"))) {
        daemonSet = cast(m);
      }
    }
    assertTrue(daemonSet != null, "packaging/kubernetes/daemonset.yaml has a DaemonSet");
    Map<String, Object> template = cast(cast(daemonSet.get("spec")).get("template"));
    Map<String, Object> spec = cast(template.get("spec"));
    assertEquals(Boolean.TRUE, spec.get("hostPID"));
    List<Map<String, Object>> containers = new ArrayList<>();
    for (String key : List.of("initContainers", "containers")) {
      for (Object c : (List<?>) spec.getOrDefault(key, List.of())) {
        containers.add(cast(c));
      }
    }
    for (Map<String, Object> c : containers) {
      assertEquals(DS_PLACEHOLDER, c.get("image"), "the PIN placeholder of " + c.get("name"));
      c.put("image", image);
      Object command = c.get("command");
      if (command instanceof List<?> l && l.contains("--cgroup=/proc/1/ns/cgroup") && !canOpen("/proc/1/ns/cgroup")) {
        long self = ProcessHandle.current().pid();
        note("pid 1 of this host refuses access to its namespaces (even to root): nsenter enters the cgroup "
            + "namespace of this test's process (pid " + self + ", the host's cgroup namespace too) instead");
        List<Object> changed = new ArrayList<>(l);
        changed.set(l.indexOf("--cgroup=/proc/1/ns/cgroup"), "--cgroup=/proc/" + self + "/ns/cgroup");
        c.put("command", changed);
      }
    }
    boolean substituted = false;
    for (Object v : (List<?>) spec.get("volumes")) {
      Map<String, Object> hostPath = cast(cast(v).get("hostPath"));
      if ("/var/lib/jlxcfs".equals(hostPath.get("path"))) {
        hostPath.put("path", hostDir.toString());
        substituted = true;
      }
    }
    assertTrue(substituted, "the DaemonSet has a /var/lib/jlxcfs hostPath volume");
    assertEquals(null, spec.get("restartPolicy"), "a DaemonSet's pods restart Always");
    note("restartPolicy OnFailure instead of a DaemonSet's Always: podman 4.3 would restart the init container too");
    spec.put("restartPolicy", "OnFailure");
    note("hostPID is given through containers.conf (pidns = \"host\"): podman 4.3 ignores it in a manifest");
    Map<String, Object> pod = new LinkedHashMap<>();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.put("metadata", new LinkedHashMap<>(Map.of("name", name, "labels", cast(template.get("metadata")).get(
        "labels"))));
    pod.put("spec", spec);
    return dump(pod);
  }

  /** examples/kubernetes-pod.yaml with a local image and its hostPath files under {@code mnt}. */
  static String examplePod(String name, String image, Path mnt) throws IOException {
    Map<String, Object> pod = cast(yaml().load(Files.readString(Path.of("examples/kubernetes-pod.yaml"))));
    cast(pod.get("metadata")).put("name", name);
    Map<String, Object> spec = cast(pod.get("spec"));
    for (Object c : (List<?>) spec.get("containers")) {
      assertEquals(POD_PLACEHOLDER, cast(c).get("image"));
      cast(c).put("image", image);
    }
    int files = 0;
    for (Object v : (List<?>) spec.get("volumes")) {
      Map<String, Object> hostPath = cast(cast(v).get("hostPath"));
      String path = (String) hostPath.get("path");
      assertTrue(path.startsWith("/var/lib/jlxcfs/mnt/"), path);
      hostPath.put("path", mnt + path.substring("/var/lib/jlxcfs/mnt".length()));
      files++;
    }
    assertTrue(files >= 5, "the example binds the files: " + files);
    return dump(pod);
  }

  /** Polls until the host sees the FUSE mount at {@code mnt} and its meminfo reads; returns that meminfo. */
  private static String waitForMount(Store pm, String daemon, Path mnt) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    Shell.Result last = null;
    while (System.nanoTime() < deadline) {
      if (mounted(mnt)) {
        last = Shell.run(List.of("timeout", "-k", "2", "5", "cat", mnt + "/proc/meminfo"));
        if (last.exit() == 0 && last.out().startsWith("MemTotal:")) {
          return last.out();
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the host never saw a jlxcfs mount at " + mnt + " (last read: " + last + ")\npods: "
        + pm.podman(30, "ps", "-a").out() + "\nlog: " + tail(pm.podman(30, "logs", daemon).out()
        + pm.podman(30, "logs", daemon).err(), 3000));
  }

  /** Whether the host's mount table (this process's) has a jlxcfs FUSE mount at {@code mnt}. */
  static boolean mounted(Path mnt) {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .anyMatch(l -> l.split(" ")[4].equals(mnt.toString()) && l.contains(" - fuse.jlxcfs "));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The propagation fields (shared:N, master:N ...) of the last mount at {@code mountPoint} in a mountinfo file. */
  static String propagation(Path mountinfo, String mountPoint) throws IOException {
    String found = null;
    for (String line : Files.readAllLines(mountinfo)) {
      String[] f = line.split(" ");
      if (f[4].equals(mountPoint)) {
        found = String.join(" ", List.of(f).subList(6, List.of(f).indexOf("-")));
      }
    }
    if (found == null) {
      throw new AssertionError("no mount at " + mountPoint + " in " + mountinfo);
    }
    return found;
  }

  private static boolean canOpen(String path) {
    try (FileInputStream in = new FileInputStream(path)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String rootfs(String... packages) {
    List<String> cmd = new ArrayList<>(List.of("src/test/containers/debian-rootfs"));
    cmd.addAll(List.of(packages));
    return Shell.run(cmd, Map.of(), 900).check().out().trim();
  }

  private static void note(String s) {
    System.out.println("ImageKubePlayIT: " + s);
  }

  private static long lap(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static String tail(String s, int n) {
    return s.length() <= n ? s : "..." + s.substring(s.length() - n);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(options));
  }

  private static String dump(Object o) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return new Yaml(options).dump(o);
  }

  /**
   * podman with a store of its own under {@code dir} (images, containers, run state, locks: nothing shared with the
   * host's podman or another test's), runc, cgroupfs, and default ulimits that this host allows (podman's default
   * nofile is above the hard limit here, which only CAP_SYS_RESOURCE may raise). {@link #close} removes the pods,
   * the store, every mount left under {@code dir} and the directory, also after a failure.
   */
  static final class Store implements AutoCloseable {
    final Path dir;
    final List<String> pods = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    Store(Path dir) throws IOException {
      this.dir = dir;
      String conf = "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n%s"
          + "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\nlock_type = \"file\"\n"
          + "runtime = \"runc\"\n";
      Files.writeString(dir.resolve("containers.conf"), String.format(conf, ""));
      Files.writeString(dir.resolve("containers-hostpid.conf"), String.format(conf, "pidns = \"host\"\n"));
      Files.writeString(dir.resolve("storage.conf"), "[storage]\ndriver = \"overlay\"\nrunroot = \""
          + dir.resolve("run") + "\"\ngraphroot = \"" + dir.resolve("root") + "\"\n");
    }

    void unmountLater(Path p) {
      mounts.add(p);
    }

    Shell.Result podman(int timeoutSeconds, String... args) {
      return podman("containers.conf", timeoutSeconds, args);
    }

    /** podman whose new containers join the host's pid namespace (hostPID, which podman 4.3 ignores). */
    Shell.Result podmanHostPid(int timeoutSeconds, String... args) {
      return podman("containers-hostpid.conf", timeoutSeconds, args);
    }

    private Shell.Result podman(String conf, int timeoutSeconds, String... args) {
      List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("root").toString(), "--runroot",
          dir.resolve("run").toString(), "--tmpdir", dir.resolve("tmp").toString()));
      cmd.addAll(List.of(args));
      return Shell.run(cmd, Map.of("CONTAINERS_CONF", dir.resolve(conf).toString(), "CONTAINERS_STORAGE_CONF",
          dir.resolve("storage.conf").toString()), timeoutSeconds);
    }

    @Override
    public void close() {
      for (String pod : pods) {
        podman(70, "pod", "rm", "-f", "-t", "5", pod);
      }
      // A daemon that did not unmount (killed, or stuck) leaves its mount on the host: lazily detached.
      for (int i = mounts.size() - 1; i >= 0; i--) {
        Shell.run(List.of("umount", "-l", mounts.get(i).toString()));
      }
      podman(300, "system", "reset", "-f");
      // What podman itself leaves mounted in its store (its overlay and shm mounts), deepest first.
      Shell.sh("grep -F ' " + dir + "/' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l");
      Shell.run(List.of("rm", "-rf", dir.toString()));
    }
  }
}
