package dev.jlxcfs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Real OCI containers run by runc, with no image: a rootfs of empty directories with the host's /usr and /etc bound
 * read-only, limited to 256 MiB and one CPU (or other resources), with jlxcfs's files bound over their own exactly
 * as examples/oci-mounts.json says. {@link #close} deletes every container and bundle made, also when a test failed.
 */
final class Runc implements AutoCloseable {

  private final List<String> containers = new ArrayList<>();
  private final List<Path> bundles = new ArrayList<>();

  /** A bundle whose process runs {@code script}, with the files of the jlxcfs mount at {@code mountPoint}. */
  Path bundle(Path mountPoint, String script) throws IOException {
    String mounts = Files.readString(Path.of("examples/oci-mounts.json")).replace("/var/lib/jlxcfs",
        mountPoint.toString());
    return bundleWithMounts(script, mounts);
  }

  /** A bundle whose process runs {@code script}, with {@code mountsJson} (OCI "mounts" entries) added. */
  Path bundleWithMounts(String script, String mountsJson) throws IOException {
    return bundle(script, mountsJson, "{\"memory\": {\"limit\": " + (256 << 20) + "}, \"cpu\": {\"quota\": 100000, "
        + "\"period\": 100000}}");
  }

  /** A bundle with these mounts and these OCI linux.resources (JSON). */
  Path bundle(String script, String mountsJson, String resourcesJson) throws IOException {
    Path bundle = Files.createTempDirectory("jlxcfs-it-runc");
    bundles.add(bundle);
    Path rootfs = bundle.resolve("rootfs");
    for (String d : List.of("usr", "proc", "sys", "dev", "etc", "tmp")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    for (String l : List.of("bin", "lib", "lib64", "sbin")) {
      Files.createSymbolicLink(rootfs.resolve(l), Path.of("usr/" + l));
    }
    Shell.run(List.of("runc", "spec", "--bundle", bundle.toString())).check();
    // Shape runc's default spec as machine-notes.md says: no terminal, rlimits, /dev/pts, /dev/mqueue or
    // network namespace; the host's /usr and /etc; limits; and our files.
    String edit = String.join("\n",
        "import json, sys",
        "b, mounts, script, resources = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]",
        "c = json.load(open(b + '/config.json'))",
        "p = c['process']; p.pop('rlimits', None); p['terminal'] = False; p['args'] = ['sh', '-c', script]",
        "c['mounts'] = [m for m in c['mounts'] if m['destination'] not in ('/dev/pts', '/dev/mqueue')]",
        "c['mounts'] += [{'destination': d, 'type': 'bind', 'source': d, 'options': ['rbind', 'ro']}",
        "                for d in ('/usr', '/etc')]",
        "c['mounts'] += json.loads(mounts)",
        "l = c['linux']; l['namespaces'] = [n for n in l['namespaces'] if n['type'] != 'network']",
        "l['resources'] = json.loads(resources)",
        "json.dump(c, open(b + '/config.json', 'w'))");
    Shell.run(List.of("/usr/bin/python3", "-c", edit, bundle.toString(), mountsJson, script, resourcesJson)).check();
    return bundle;
  }

  /** Runs a container to its end and returns its output. */
  String run(Path bundle) {
    String id = newId();
    return Shell.run(List.of("runc", "run", "--bundle", bundle.toString(), id), Map.of(), 120).check().out();
  }

  /** Starts a container in the background (its script should wait, e.g. sleep) and returns its id. */
  String start(Path bundle) {
    String id = newId();
    Shell.sh("runc run --detach --bundle " + bundle + " " + id + " </dev/null >/dev/null 2>&1").check();
    return id;
  }

  /** Runs {@code script} in a running container. */
  Shell.Result exec(String id, String script) {
    return Shell.run(List.of("timeout", "-k", "2", "30", "runc", "exec", id, "sh", "-c", script), Map.of(), 40);
  }

  /** The container's init process, as the host sees it. */
  long pid(String id) {
    String state = Shell.run(List.of("runc", "state", id)).check().out();
    return Long.parseLong(state.replaceAll("(?s).*\"pid\":\\s*(\\d+).*", "$1"));
  }

  void kill(String id) {
    Shell.run(List.of("runc", "kill", id, "KILL"));
  }

  private String newId() {
    String id = "jlxcfs-it-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(id);
    return id;
  }

  @Override
  public void close() {
    for (String id : containers) {
      Shell.run(List.of("runc", "delete", "-f", id));
    }
    for (Path b : bundles) {
      Shell.run(List.of("rm", "-rf", b.toString()));
    }
  }
}
