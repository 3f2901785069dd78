package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lints what ships beside the jar: shell scripts with shellcheck, YAML with yamllint (.yamllint), the systemd unit
 * with systemd-analyze verify (systemd is not pid 1 here), the Dockerfile's instructions, and that every example
 * binds the same files as examples/oci-mounts.json. Each linter is first shown a broken input, so a linter that
 * reports nothing cannot pass the test. (ImageKubePlayIT builds and runs the image and the manifests under podman,
 * KubernetesSchemaIT checks the manifests against the Kubernetes API schema; no cluster runs here.)
 */
class PackagingLintIT {

  private Path tmp;

  @BeforeEach
  void tmp() throws IOException {
    tmp = Files.createTempDirectory("jlxcfs-it-lint");
  }

  @AfterEach
  void clean() {
    Shell.run(List.of("rm", "-rf", tmp.toString()));
  }

  /**
   * The launcher (which the systemd unit, the image and the DaemonSet all run) gives the JVM
   * -XX:+ExitOnOutOfMemoryError also when JLXCFS_JAVA_OPTS replaces its flags, and last, so that no flag given there
   * turns it off: an exhausted heap is an exit and a restart, never a wedged mount. A stand-in `java` prints its
   * arguments.
   */
  @Test
  void launcherAlwaysExitsOnOutOfMemory() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"$*\"\n");
    java.toFile().setExecutable(true);
    Path jar = Files.writeString(tmp.resolve("stand-in.jar"), "");
    String path = bin + ":" + System.getenv("PATH");
    for (String opts : new String[] {null, "-Xmx8m -XX:-ExitOnOutOfMemoryError"}) {
      Map<String, String> env = new java.util.HashMap<>(Map.of("PATH", path, "JLXCFS_JAR", jar.toString()));
      if (opts != null) {
        env.put("JLXCFS_JAVA_OPTS", opts);
      }
      Shell.Result r = Shell.run(List.of(Host.LAUNCHER.toString(), "--version"), env, 20);
      assertEquals(0, r.exit(), r.err());
      String args = r.out().trim();
      assertTrue(args.endsWith("-XX:+ExitOnOutOfMemoryError -jar " + jar + " --version"), args);
      assertTrue(opts == null ? args.contains("-Xmx32m") : args.startsWith(opts + " "), args);
    }
  }

  @Test
  void shellScriptsPassShellcheck() throws IOException {
    Host.requireTool("shellcheck");
    Path bad = tmp.resolve("bad.sh");
    Files.writeString(bad, "#!/bin/sh\nif [ $1 = x ]; then echo $((; fi\n");
    assertNotEquals(0, Shell.run(List.of("shellcheck", bad.toString())).exit(), "shellcheck reports a broken script");

    List<String> bash = new ArrayList<>(List.of("shellcheck", "packaging/jlxcfs", "packaging/jlxcfs-handover",
        "packaging/install-deps", ".ci/run"));
    bash.addAll(files("examples", ".sh"));
    bash.addAll(files("src/bench", ".sh"));
    // The test lanes' scripts: the pure v2 guest, the systemd check run in it, the container tests' image root.
    bash.addAll(List.of("src/test/vm/run-in-guest", "src/test/vm/systemd-unit-check",
        "src/test/containers/debian-rootfs"));
    lint(bash);
    // The maintainer scripts run under dpkg's /bin/sh.
    lint(List.of("shellcheck", "-s", "sh", "packaging/deb/control/postinst", "packaging/deb/control/prerm",
        "packaging/deb/control/postrm"));
  }

  @Test
  void yamlFilesPassYamllint() throws IOException {
    Host.requireTool("yamllint");
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "a: 1\na: 2\nb: [1, 2\n");
    assertNotEquals(0, Shell.run(List.of("yamllint", "-c", ".yamllint", bad.toString())).exit(),
        "yamllint reports broken YAML");

    List<String> yaml;
    Path root = Path.of("").toAbsolutePath();
    try (Stream<Path> s = Files.walk(root)) {
      yaml = s.map(p -> root.relativize(p).toString())
          .filter(p -> !p.startsWith("target/") && !p.startsWith(".git/"))
          .filter(p -> p.endsWith(".yaml") || p.endsWith(".yml"))
          .sorted().collect(Collectors.toList());
    }
    assertTrue(yaml.contains("packaging/kubernetes/daemonset.yaml"), "found: " + yaml);
    assertTrue(yaml.contains("examples/kubernetes-pod.yaml"), "found: " + yaml);
    assertTrue(yaml.contains("examples/compose.yaml"), "found: " + yaml);
    List<String> cmd = new ArrayList<>(List.of("yamllint", "--strict", "-c", ".yamllint"));
    cmd.addAll(yaml);
    lint(cmd);
  }

  @Test
  void systemdUnitVerifies() throws IOException {
    Host.requireTool("systemd-analyze");
    String unit = Files.readString(Path.of("packaging/jlxcfs.service"));
    // verify wants the Exec lines' programs to exist: the checkout's launcher and helper stand in for the installed
    // /usr/bin/jlxcfs and /usr/libexec/jlxcfs/handover.
    assertTrue(unit.contains("ExecStart=/usr/bin/jlxcfs --config /etc/jlxcfs/jlxcfs.conf\n"), unit);
    Path copy = tmp.resolve("jlxcfs.service");
    Files.writeString(copy, checkoutPaths(unit));
    Shell.Result r = Shell.run(List.of("systemd-analyze", "verify", copy.toString()));
    assertEquals(0, r.exit(), r.out() + r.err());
    assertFalse(r.err().contains("jlxcfs.service"), "systemd-analyze verify warns:\n" + r.err());

    Path bad = tmp.resolve("bad/jlxcfs.service");
    Files.createDirectories(bad.getParent());
    Files.writeString(bad, checkoutPaths(unit).replace("KillMode=mixed", "KillMode=mixed\nNoSuchSetting=yes"));
    Shell.Result badResult = Shell.run(List.of("systemd-analyze", "verify", bad.toString()));
    assertTrue(badResult.err().contains("NoSuchSetting"), "verify reports an unknown setting: " + badResult.err());
  }

  private static String checkoutPaths(String unit) {
    return unit.replace("/usr/bin/jlxcfs", Path.of("packaging/jlxcfs").toAbsolutePath().toString())
        .replace("/usr/libexec/jlxcfs/handover", Path.of("packaging/jlxcfs-handover").toAbsolutePath().toString());
  }

  /** The unit's settings that the restart's bridge daemon (a transient service, packaging/jlxcfs-handover) repeats. */
  private static final List<String> BRIDGE_SETTINGS = List.of("KillMode", "KillSignal", "LimitNOFILE", "OOMScoreAdjust",
      "DevicePolicy", "DeviceAllow", "CapabilityBoundingSet", "NoNewPrivileges", "RestrictNamespaces",
      "RestrictAddressFamilies", "RestrictRealtime", "LockPersonality", "SystemCallArchitectures", "UMask");

  /**
   * Reload and restart go through a live handover (packaging/jlxcfs-handover): the unit's ExecReload= and ExecStop=
   * start the same daemon command as its ExecStart=, the unit lets a process other than its main one name the new
   * main process (NotifyAccess=all), and the restart's bridge daemon runs under the unit's own hardening, every
   * setting repeated as a systemd-run property, and none that would give it a mount namespace of its own.
   */
  @Test
  void reloadAndRestartHandOverUnderTheUnitsHardening() throws IOException {
    String unit = Files.readString(Path.of("packaging/jlxcfs.service"));
    String helper = Files.readString(Path.of("packaging/jlxcfs-handover"));
    String start = setting(unit, "ExecStart");
    assertEquals("/usr/libexec/jlxcfs/handover reload %n -- " + start, setting(unit, "ExecReload"));
    assertEquals("/usr/libexec/jlxcfs/handover stop %n -- " + start, setting(unit, "ExecStop"));
    assertEquals("all", setting(unit, "NotifyAccess"));
    assertEquals("notify", setting(unit, "Type"));
    for (String key : BRIDGE_SETTINGS) {
      String value = setting(unit, key);
      String property = key + "=" + value;
      assertTrue(helper.contains(" -p " + property + " ") || helper.contains(" -p " + property + "\n")
          || helper.contains(" -p \"" + property + "\""), "the bridge repeats the unit's " + property);
    }
    for (String key : List.of("ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateMounts",
        "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups", "ProtectProc", "ReadOnlyPaths",
        "ReadWritePaths", "ProtectHostname", "ProtectKernelLogs", "RootDirectory", "BindPaths",
        "TemporaryFileSystem")) {
      assertFalse(unit.lines().anyMatch(l -> l.startsWith(key + "=")), "the unit sets " + key + "=");
      assertFalse(helper.contains(key + "="), "the bridge sets " + key + "=");
    }
  }

  /** The one line {@code KEY=...} of the unit, its value. */
  private static String setting(String unit, String key) {
    List<String> lines = unit.lines().filter(l -> l.startsWith(key + "=")).toList();
    assertEquals(1, lines.size(), "one " + key + "= line: " + lines);
    return lines.get(0).substring(key.length() + 1);
  }

  private static final Set<String> INSTRUCTIONS = Set.of("FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY",
      "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");

  /** The Dockerfile's form, without an engine (ImageKubePlayIT builds it, from local bases). */
  @Test
  void dockerfileParses() throws IOException {
    Host.require();
    List<String> instructions = new ArrayList<>();
    StringBuilder logical = new StringBuilder();
    for (String line : Files.readAllLines(Path.of("packaging/Dockerfile"))) {
      String t = line.strip();
      if (t.startsWith("#") || (t.isEmpty() && logical.length() == 0)) {
        continue;
      }
      if (t.endsWith("\\")) {
        logical.append(t, 0, t.length() - 1).append(' ');
        continue;
      }
      logical.append(t);
      instructions.add(logical.toString().strip());
      logical.setLength(0);
    }
    assertEquals(0, logical.length(), "a continuation line ends the file");
    int firstFrom = 0;
    while (firstFrom < instructions.size() && instructions.get(firstFrom).startsWith("ARG ")) {
      firstFrom++; // global build arguments (the base images)
    }
    assertTrue(instructions.get(firstFrom).startsWith("FROM "), "starts with FROM (after ARGs): " + instructions);
    List<String> stages = new ArrayList<>();
    for (String ins : instructions) {
      String keyword = ins.split("\\s+", 2)[0];
      assertTrue(INSTRUCTIONS.contains(keyword), "unknown instruction: " + ins);
      assertTrue(ins.split("\\s+").length > 1, "instruction without arguments: " + ins);
      Matcher from = Pattern.compile("FROM\\s+\\S+(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE).matcher(ins);
      if (keyword.equals("FROM")) {
        assertTrue(from.matches(), "FROM image [AS name]: " + ins);
        if (from.group(1) != null) {
          stages.add(from.group(1));
        }
      }
      if (keyword.equals("COPY") || keyword.equals("ADD")) {
        String[] f = ins.split("\\s+");
        if (f[1].startsWith("--from=")) {
          assertTrue(stages.contains(f[1].substring("--from=".length())), "COPY from an earlier stage: " + ins);
        } else {
          for (int i = 1; i < f.length - 1; i++) {
            assertTrue(Files.exists(Path.of(f[i])), "COPY source " + f[i] + " exists in the build context (the "
                + "checkout's root): " + ins);
          }
        }
      }
      if (keyword.equals("ENTRYPOINT") || keyword.equals("CMD")) {
        String arg = ins.substring(keyword.length()).strip();
        assertTrue(arg.matches("\\[\\s*\"[^\"]*\"(\\s*,\\s*\"[^\"]*\")*\\s*\\]"), "exec (JSON) form: " + ins);
      }
    }
    assertTrue(instructions.stream().anyMatch(i -> i.startsWith("ENTRYPOINT [\"/usr/bin/jlxcfs\"]")), "ENTRYPOINT");
  }

  private static final Pattern DIGEST = Pattern.compile("[^\\s@]+@sha256:[0-9a-f]{64}");
  private static final String PLACEHOLDER = "@sha256:" + "0".repeat(64);

  /**
   * Images by digest: every {@code image:} of a manifest in packaging/ and examples/ names one (a tag can be moved to
   * other content under a privileged DaemonSet); an all-zero placeholder digest (the user's own image) is marked by a
   * "# PIN" comment right above it. Every Dockerfile FROM is by digest, an earlier stage, or a global ARG whose
   * pinned form the header shows (its default is a tag: no digest could be checked here, see the Dockerfile).
   */
  @Test
  void imagesArePinnedByDigest() throws IOException {
    Host.require();
    List<String> manifests = new ArrayList<>();
    for (String dir : List.of("packaging", "examples")) {
      try (Stream<Path> s = Files.walk(Path.of(dir))) {
        s.map(Path::toString).filter(p -> p.matches(".*\\.(ya?ml|json)")).sorted().forEach(manifests::add);
      }
    }
    int images = 0;
    for (String m : manifests) {
      List<String> lines = Files.readAllLines(Path.of(m));
      for (int i = 0; i < lines.size(); i++) {
        Matcher image = Pattern.compile("^\\s*(?:-\\s+)?\"?image\"?:\\s*\"?([^\"\\s#]+)").matcher(lines.get(i));
        if (!image.find()) {
          continue;
        }
        images++;
        String ref = image.group(1);
        assertTrue(DIGEST.matcher(ref).matches(), m + ":" + (i + 1) + ": image not pinned by digest: " + ref);
        if (ref.endsWith(PLACEHOLDER)) {
          boolean marked = false;
          for (int j = i - 1; j >= 0 && lines.get(j).strip().startsWith("#"); j--) {
            marked |= lines.get(j).strip().startsWith("# PIN");
          }
          assertTrue(marked, m + ":" + (i + 1) + ": a placeholder digest needs a '# PIN' comment right above it "
              + "saying what to put there");
        }
      }
    }
    assertTrue(images >= 4, "the DaemonSet's 2 images, the pod's and compose's: " + images + " in " + manifests);

    List<String> dockerfile = Files.readAllLines(Path.of("packaging/Dockerfile"));
    String header = String.join("\n", dockerfile.stream().takeWhile(l -> l.startsWith("#") || l.isBlank()).toList());
    List<String> args = new ArrayList<>();
    List<String> stages = new ArrayList<>();
    boolean sawFrom = false;
    for (String line : dockerfile) {
      Matcher arg = Pattern.compile("ARG\\s+(\\w+)=\\S+").matcher(line);
      if (!sawFrom && arg.matches()) {
        args.add(arg.group(1));
      }
      Matcher from = Pattern.compile("FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE).matcher(line);
      if (!from.matches()) {
        continue;
      }
      sawFrom = true;
      String ref = from.group(1);
      Matcher variable = Pattern.compile("\\$\\{(\\w+)}").matcher(ref);
      if (variable.matches()) {
        String name = variable.group(1);
        assertTrue(args.contains(name), "FROM " + ref + ": a global ARG " + name + " declared before the first FROM");
        assertTrue(Pattern.compile("--build-arg " + name + "=\\S+@sha256:<digest>").matcher(header).find(),
            "the Dockerfile's header shows how to pin " + name + " by digest");
      } else {
        assertTrue(DIGEST.matcher(ref).matches() || stages.contains(ref), "FROM " + ref + " is pinned by digest");
      }
      if (from.group(2) != null) {
        stages.add(from.group(2));
      }
    }
    assertTrue(sawFrom, "the Dockerfile has FROM lines");
  }

  /**
   * Least privilege in what ships: no fuse3 (its setuid fusermount lets any local user make FUSE mounts, which the
   * root daemon never needs), nothing run through fusermount, no service-account token in the DaemonSet, and the
   * unit's capability bounding set explained capability by capability.
   */
  @Test
  void packagingNeedsNoSetuidHelperAndStatesItsPrivileges() throws IOException {
    Host.require();
    List<Path> shipped;
    try (Stream<Path> s = Files.walk(Path.of("packaging"))) {
      shipped = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : shipped) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        String code = lines.get(i).strip();
        if (code.startsWith("#")) {
          continue; // comments may say why it is not there
        }
        assertFalse(code.matches(".*\\b(fuse3|fusermount3?)\\b.*"), f + ":" + (i + 1) + ": " + code);
      }
    }
    String control = Files.readString(Path.of("packaging/deb/control/control"));
    assertTrue(control.matches("(?s).*\nDepends: [^\n]*, mount\n.*"), control);

    String unit = Files.readString(Path.of("packaging/jlxcfs.service"));
    assertTrue(unit.contains("\nExecStopPost=-/usr/libexec/jlxcfs/handover stop-post /var/lib/jlxcfs\n"), unit);
    List<String> caps = CapabilitiesIT.boundingSet(unit);
    assertEquals(List.of("CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE"), caps);
    for (String cap : caps) {
      assertTrue(Pattern.compile("\n#\\s+" + cap + "\\s+\\S").matcher(unit).find(), "a comment explains " + cap);
    }
    assertTrue(unit.lines().noneMatch(l -> l.startsWith("AmbientCapabilities=")), "root needs none");

    String daemonSet = Files.readString(Path.of("packaging/kubernetes/daemonset.yaml"));
    assertTrue(daemonSet.contains("\n      automountServiceAccountToken: false\n"), "the pod spec mounts no token");
  }

  /** Every way of consuming the files names the same ones, as examples/oci-mounts.json does. */
  @Test
  void everyExampleBindsTheSameFiles() throws IOException {
    Host.require();
    String oci = Files.readString(Path.of("examples/oci-mounts.json"));
    Matcher m = Pattern.compile("\"destination\":\\s*\"([^\"]+)\"").matcher(oci);
    List<String> destinations = new ArrayList<>();
    while (m.find()) {
      destinations.add(m.group(1));
    }
    // (BindsTest ties examples/oci-mounts.json to the files the daemon serves and `jlxcfs flags` binds.)
    assertTrue(destinations.containsAll(List.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime",
        "/sys/devices/system/cpu")), "oci-mounts.json: " + destinations);
    Map<String, String> consumers = Map.of("examples/docker-run.sh", ":%s:ro", "examples/compose.yaml", "target: %s,",
        "examples/kubernetes-pod.yaml", "mountPath: %s", "README.md", ":%s:ro");
    for (Map.Entry<String, String> c : consumers.entrySet()) {
      String text = Files.readString(Path.of(c.getKey()));
      for (String d : destinations) {
        assertTrue(text.contains(String.format(c.getValue(), d)), c.getKey() + " binds " + d);
      }
    }
    // The pod takes its files where the DaemonSet mounts: /var/lib/jlxcfs/mnt.
    String pod = Files.readString(Path.of("examples/kubernetes-pod.yaml"));
    String daemonSet = Files.readString(Path.of("packaging/kubernetes/daemonset.yaml"));
    assertTrue(daemonSet.contains("\"/var/lib/jlxcfs/mnt\"]"), "the DaemonSet mounts at /var/lib/jlxcfs/mnt");
    for (String d : destinations) {
      assertTrue(pod.contains("path: /var/lib/jlxcfs/mnt" + d + "\n        type: "
          + (d.startsWith("/proc/") ? "File" : "Directory")), "kubernetes-pod.yaml: the hostPath of " + d);
    }
  }

  private static void lint(List<String> cmd) {
    Shell.Result r = Shell.run(cmd);
    assertEquals(0, r.exit(), String.join(" ", cmd) + ":\n" + r.out() + r.err());
  }

  private static List<String> files(String dir, String suffix) throws IOException {
    try (Stream<Path> s = Files.list(Path.of(dir))) {
      return s.map(Path::toString).filter(p -> p.endsWith(suffix)).sorted().collect(Collectors.toList());
    }
  }
}
