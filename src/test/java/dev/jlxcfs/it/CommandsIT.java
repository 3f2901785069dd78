package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The subcommands through the launcher, against a real mount, real cgroups and a real container. */
class CommandsIT {

  private static final long MIB = 1024 * 1024;

  @BeforeAll
  static void require() {
    Host.require();
  }

  private static Shell.Result jlxcfs(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Host.LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    return Shell.run(cmd, Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
  }

  @Test
  void checkSaysWhatItFindsAndWhetherItCanServe() throws Exception {
    Path free = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    Shell.Result ok = jlxcfs("check", free.toString());
    assertEquals(0, ok.exit(), ok.out() + ok.err());
    for (String item : List.of("root", "/dev/fuse", "libfuse2", "cgroups", "pid ns", "cgroup ns", "kernel")) {
      assertTrue(ok.out().lines().anyMatch(l -> l.matches("(ok|warn|FAIL)\\s+" + Pattern.quote(item) + " .*")),
          item + " has a verdict line: " + ok.out());
    }
    assertTrue(ok.out().contains("mount point    " + free + ": free"), ok.out());
    assertTrue(ok.out().matches("(?s).*ok\\s+cgroups\\s+.*memory v\\d at .*"), ok.out());
    assertTrue(ok.out().endsWith("jlxcfs can serve here\n"), ok.out());

    Path mp = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    try (RunningDaemon d = RunningDaemon.start(mp)) {
      Shell.Result live = jlxcfs("check", mp.toString());
      assertEquals(0, live.exit(), live.out());
      assertTrue(live.out().contains(mp + ": served by a live jlxcfs daemon: a start here takes over from it"),
          live.out());
      Shell.Result off = jlxcfs("check", "--takeover", "false", mp.toString());
      assertTrue(off.out().matches("(?s).*busy\\s+mount point\\s+" + Pattern.quote(mp.toString())
          + ": served by a live jlxcfs daemon: already mounted, and --takeover is off.*"), off.out());
      d.kill();
      Shell.Result dead = jlxcfs("check", mp.toString());
      assertEquals(0, dead.exit(), "a dead mount is cleared at start: " + dead.out());
      assertTrue(dead.out().matches("(?s).*warn\\s+mount point\\s+" + Pattern.quote(mp.toString())
          + ": a dead FUSE mount.*"), dead.out());
    }

    // In a pid and cgroup namespace of its own (as in a container without --pid=host): both are warned about, not
    // taken for the host's because pid 1 there is the namespace's own init.
    Shell.Result isolated = Shell.run(List.of("unshare", "-p", "-f", "--mount-proc", "-C", Host.LAUNCHER.toString(),
        "check", free.toString()), Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
    assertTrue(isolated.out().matches("(?s).*warn\\s+pid ns\\s+private.*"), isolated.out());
    assertTrue(isolated.out().matches("(?s).*warn\\s+cgroup ns\\s+private.*"), isolated.out());

    Host.requireTool("setpriv");
    Shell.Result notRoot = Shell.run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        Host.LAUNCHER.toString(), "check", free.toString()), Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
    assertEquals(1, notRoot.exit(), notRoot.out() + notRoot.err());
    assertTrue(notRoot.out().matches("(?s).*FAIL\\s+root\\s+effective uid 65534.*"), notRoot.out());
    assertTrue(notRoot.out().contains("jlxcfs cannot serve here"), notRoot.out());
  }

  /**
   * check names this machine's layout and, for each controller the files need, the hierarchy that serves it (as the
   * tests' helpers find it in the mount table), and warns about a private cgroup namespace.
   */
  @Test
  void checkNamesTheLayoutAndTheHierarchyOfEachController() throws Exception {
    Path free = Files.createTempDirectory("jlxcfs-it").resolve("mnt");
    CgroupLayout layout = CgroupLayout.host();
    Shell.Result ok = jlxcfs("check", free.toString());
    assertEquals(0, ok.exit(), ok.out() + ok.err());
    String cgroups = ok.out().lines().filter(l -> l.matches("ok\\s+cgroups\\s+.*")).findFirst().orElseThrow(
        () -> new AssertionError("no ok cgroups line: " + ok.out()));
    if (CgroupLayout.CONTROLLERS.stream().allMatch(layout::isV2)) {
      assertTrue(cgroups.contains(" cgroup v2: "), cgroups);
    }
    for (String c : List.of("memory", "cpu", "cpuset")) {
      assertTrue(cgroups.contains(c + " v" + (layout.isV2(c) ? 2 : 1) + " at " + layout.root(c)), c + ": " + cgroups);
    }
    assertTrue(!cgroups.contains("no hierarchy serves"), cgroups);
    Shell.Result isolated = Shell.run(List.of("unshare", "-C", Host.LAUNCHER.toString(), "check", free.toString()),
        Map.of("JLXCFS_JAR", Host.JAR.toString()), 60);
    assertTrue(isolated.out().matches("(?s).*warn\\s+cgroup ns\\s+private.*"), isolated.out());
  }

  @Test
  void flagsInEveryFormatNameTheServedFilesAndTheDockerOnesServeAContainer() throws Exception {
    Host.requireTool("runc");
    Host.requireTool("/usr/bin/python3");
    try (RunningDaemon d = RunningDaemon.start(); Runc runc = new Runc()) {
      String mnt = d.mountPoint.toString();
      String docker = jlxcfs("flags", "--mountpoint", mnt).check().out();
      assertEquals(docker, jlxcfs("flags", "--format", "docker", "--mountpoint=" + mnt).check().out());
      assertEquals(docker, jlxcfs("flags", "--format=podman", "--mountpoint", mnt).check().out());
      assertEquals(1, docker.lines().count(), "one line for $(jlxcfs flags): " + docker);
      // The live mount as a positional argument; a format word or another directory there is refused in one line.
      assertEquals(docker, jlxcfs("flags", mnt).check().out());
      Shell.Result word = jlxcfs("flags", "docker");
      assertEquals(2, word.exit(), word.out());
      assertEquals("", word.out());
      assertEquals("jlxcfs: 'docker' is a format, not a mount point: jlxcfs flags --format docker [--mountpoint DIR] "
          + "(see --help)\n", word.err());
      Shell.Result notMount = jlxcfs("flags", "--format", "k8s", d.mountPoint.getParent().toString());
      assertEquals(2, notMount.exit(), notMount.out());
      assertEquals(1, notMount.err().lines().count(), notMount.err());
      assertTrue(notMount.err().contains(" is not a jlxcfs mount point ("), notMount.err());

      // -v SRC:DST:ro, as docker reads it, into OCI bind mounts: the container sees its 256 MiB.
      List<String[]> binds = new ArrayList<>();
      Matcher m = Pattern.compile("-v (\\S+):(\\S+):ro").matcher(docker);
      while (m.find()) {
        binds.add(new String[] {m.group(1), m.group(2)});
      }
      // As many as examples/oci-mounts.json binds (BindsTest ties both to the served files).
      int served = Files.readString(Path.of("examples/oci-mounts.json")).split("\"destination\"", -1).length - 1;
      assertEquals(served, binds.size(), docker);
      StringBuilder json = new StringBuilder("[");
      for (String[] b : binds) {
        assertTrue(Files.exists(Path.of(b[0])), "the source is served: " + b[0]);
        json.append(json.length() > 1 ? "," : "").append("{\"destination\":\"").append(b[1])
            .append("\",\"type\":\"bind\",\"source\":\"").append(b[0]).append("\",\"options\":[\"rbind\",\"ro\"]}");
      }
      String out = runc.run(runc.bundleWithMounts("free -m | grep ^Mem: ; getconf _NPROCESSORS_ONLN; cat /proc/uptime", json + "]"));
      List<String> lines = out.lines().toList();
      assertEquals("256", lines.get(0).split("\\s+")[1], out);
      assertEquals("1", lines.get(1), out);

      // compose: the same binds as volume lines.
      String compose = jlxcfs("flags", "--format", "compose", "--mountpoint", mnt).check().out();
      List<String> composeBinds = compose.lines().filter(l -> l.startsWith("      - ")).map(l -> l.substring(8))
          .toList();
      assertEquals(binds.stream().map(b -> b[0] + ":" + b[1] + ":ro").toList(), composeBinds);
      assertTrue(compose.startsWith("    volumes:\n"), compose);

      // k8s: a volume per bind, hostPath of the right type (Kubernetes checks it: File or Directory).
      String k8s = jlxcfs("flags", "--format", "k8s", "--mountpoint", mnt).check().out();
      Matcher v = Pattern.compile("hostPath:\\n\\s+path: (\\S+)\\n\\s+type: (File|Directory)").matcher(k8s);
      int volumes = 0;
      while (v.find()) {
        volumes++;
        Path p = Path.of(v.group(1));
        assertEquals(v.group(2).equals("Directory"), Files.isDirectory(p), p + " is a " + v.group(2));
      }
      assertEquals(served, volumes, k8s);
      for (String[] b : binds) {
        assertTrue(k8s.contains("mountPath: " + b[1] + "\n"), k8s);
      }
      assertEquals(served, k8s.split("mountPropagation: HostToContainer", -1).length - 1, k8s);

      Shell.Result bad = jlxcfs("flags", "--format", "helm");
      assertEquals(2, bad.exit());
      assertTrue(bad.err().startsWith("jlxcfs: --format 'helm': expected one of docker, podman, compose, k8s"),
          bad.err());
    }
  }

  /** The examples are what `flags` prints: the pod's volumes verbatim, the docker and compose binds one by one. */
  @Test
  void theExamplesAreWhatFlagsPrints() throws Exception {
    String k8s = jlxcfs("flags", "--format", "k8s", "--mountpoint", "/var/lib/jlxcfs/mnt").check().out();
    String pod = Files.readString(Path.of("examples/kubernetes-pod.yaml"));
    String mounts = k8s.substring(k8s.indexOf("volumeMounts:\n") + 14, k8s.indexOf("# in the pod:"));
    String volumes = k8s.substring(k8s.indexOf("\nvolumes:\n") + 10);
    assertTrue(pod.contains(mounts.lines().map(l -> "      " + l + "\n").reduce("", String::concat)), pod);
    assertTrue(pod.contains(volumes.lines().map(l -> "  " + l + "\n").reduce("", String::concat)), pod);
    String docker = jlxcfs("flags").check().out();
    String script = Files.readString(Path.of("examples/docker-run.sh"));
    String compose = Files.readString(Path.of("examples/compose.yaml"));
    Matcher m = Pattern.compile("-v /var/lib/jlxcfs(\\S+):(\\S+):ro").matcher(docker);
    int binds = 0;
    while (m.find()) {
      binds++;
      assertTrue(script.contains("-v \"$mnt" + m.group(1) + ":" + m.group(2) + ":ro\""), m.group() + " in docker-run.sh");
      assertTrue(compose.contains("source: /var/lib/jlxcfs" + m.group(1) + ", target: " + m.group(2) + ","),
          m.group() + " in compose.yaml");
    }
    assertEquals(binds, script.split("\n  -v ", -1).length - 1, "docker-run.sh binds nothing else");
    assertTrue(binds >= 5, docker);
  }

  @Test
  void showExplainsWhatAProcessReadsAndWhere() throws Exception {
    try (TestCgroup cg = new TestCgroup()) {
      Path memory = cg.dir("memory", "");
      cg.limitMemory("", 256 * MIB);
      Process p = cg.spawn("exec sleep 60", memory);
      try {
        String pid = Long.toString(p.pid());
        RunningDaemon.sleep(200); // it has joined
        Shell.Result all = jlxcfs("show", pid);
        assertEquals(0, all.exit(), all.out() + all.err());
        assertTrue(all.out().startsWith("process " + pid + " (sleep)\n"), all.out());
        String limitFile = cg.layout().isV2("memory") ? "memory.max" : "memory.limit_in_bytes";
        assertTrue(all.out().contains(memory + "/" + limitFile + " = 268435456 (256 MiB)"), all.out());
        // CPU time: v1's cpuacct group, v2's cpu group (its cpu.stat), never "the host's" where either is mounted.
        String cpuTime = cg.layout().isV2("cpu") ? "cpu.stat" : "cpuacct.usage";
        assertTrue(all.out().matches("(?s).*\ncpu time \\(stat\\): cgroup v[12], [^\n]+\n    [^\n]+/" + cpuTime
            + " = .*"), all.out());
        assertTrue(all.out().contains("== /proc/meminfo: as process " + pid + " reads it ==\nMemTotal:"
            + "         262144 kB\n"), all.out());
        for (String f : List.of("/proc/cpuinfo", "/proc/stat", "/proc/uptime", "/sys/devices/system/cpu/online")) {
          assertTrue(all.out().contains("== " + f + ": "), f + " shown: " + all.out());
        }
        Shell.Result one = jlxcfs("show", pid, "uptime");
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.out().contains("== /proc/uptime: as process " + pid + " reads it =="), one.out());
        assertTrue(!one.out().contains("/proc/meminfo:"), one.out());
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void showRefusesWhatItCannotShowInOneLine() {
    Shell.Result gone = jlxcfs("show", "999999999");
    assertEquals(1, gone.exit());
    assertEquals(1, gone.err().lines().count(), gone.err());
    assertTrue(gone.err().startsWith("jlxcfs: no process 999999999"), gone.err());
    Shell.Result noFile = jlxcfs("show", "1", "/proc/slabinfo");
    assertEquals(2, noFile.exit());
    assertTrue(noFile.err().startsWith("jlxcfs: jlxcfs serves no file /proc/slabinfo"), noFile.err());
    Shell.Result noPid = jlxcfs("show");
    assertEquals(2, noPid.exit());
    assertTrue(noPid.err().contains("show needs PID [FILE]"), noPid.err());
  }
}
