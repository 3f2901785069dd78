package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real OCI container (runc, no image: the host's /usr and /etc bound read-only), limited to 256 MiB and one
 * CPU, with jlxcfs's files bound over its own exactly as examples/oci-mounts.json says.
 */
class RuncContainerIT {

  private static RunningDaemon daemon;

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("python3");
    daemon = RunningDaemon.start();
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  /** Runs {@code script} in a fresh container and returns its output; the container and bundle are removed. */
  private static String runContainer(String script) throws IOException {
    Path bundle = Files.createTempDirectory("jlxcfs-it-runc");
    String id = "jlxcfs-it-" + UUID.randomUUID().toString().substring(0, 8);
    try {
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
          "b, mnt, script = sys.argv[1], sys.argv[2], sys.argv[3]",
          "c = json.load(open(b + '/config.json'))",
          "p = c['process']; p.pop('rlimits', None); p['terminal'] = False; p['args'] = ['sh', '-c', script]",
          "c['mounts'] = [m for m in c['mounts'] if m['destination'] not in ('/dev/pts', '/dev/mqueue')]",
          "c['mounts'] += [{'destination': d, 'type': 'bind', 'source': d, 'options': ['rbind', 'ro']}",
          "                for d in ('/usr', '/etc')]",
          "for m in json.load(open('examples/oci-mounts.json')):",
          "    m['source'] = m['source'].replace('/var/lib/jlxcfs', mnt); c['mounts'].append(m)",
          "l = c['linux']; l['namespaces'] = [n for n in l['namespaces'] if n['type'] != 'network']",
          "l['resources'] = {'memory': {'limit': 256 << 20}, 'cpu': {'quota': 100000, 'period': 100000}}",
          "json.dump(c, open(b + '/config.json', 'w'))");
      Shell.run(List.of("python3", "-c", edit, bundle.toString(), daemon.mountPoint.toString(), script)).check();
      return Shell.run(List.of("runc", "run", "--bundle", bundle.toString(), id), Map.of(), 120).check().out();
    } finally {
      Shell.run(List.of("runc", "delete", "-f", id));
      Shell.sh("rm -rf " + bundle);
    }
  }

  @Test
  void aContainerLimitedTo256MiBAndOneCpuSeesExactlyThat() throws Exception {
    Host.requireCpus(2);
    String out = runContainer("free -m | grep ^Mem: ; grep -c ^processor /proc/cpuinfo; "
        + "grep -c '^cpu[0-9]' /proc/stat; python3 -c 'import os; print(os.cpu_count())'; "
        + "ls /sys/devices/system/cpu | grep -c '^cpu[0-9]'; top -bn1 -1 | grep -c '^%Cpu'; getconf _NPROCESSORS_ONLN; "
        + "cat /proc/uptime; "
        + "(while :; do :; done) & sleep 1; top -bn2 -d1 -1 | grep '^%Cpu' | tail -1; kill $!");
    List<String> lines = out.lines().toList();
    assertEquals("256", lines.get(0).split("\\s+")[1], out);
    // cpuinfo, stat, os.cpu_count(), the cpu directory (htop), top, getconf (glibc's sysconf)
    assertEquals(List.of("1", "1", "1", "1", "1", "1"), lines.subList(1, 7), out);
    double uptime = Double.parseDouble(lines.get(7).split(" ")[0]);
    assertTrue(uptime < 30, "the container's uptime, not the host's: " + out);
    String cpu = lines.get(8);
    double us = Double.parseDouble(cpu.replaceAll(".*:\\s*([0-9.]+) us.*", "$1"));
    double sy = Double.parseDouble(cpu.replaceAll(".*,\\s*([0-9.]+) sy.*", "$1"));
    assertTrue(us + sy >= 85, "a busy loop fills the container's one CPU in top: " + out);
    // Meanwhile the host still sees the host.
    assertTrue(Files.readString(Path.of("/proc/cpuinfo")).contains("processor\t: 1"));
  }
}
