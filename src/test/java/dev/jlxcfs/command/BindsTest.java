package dev.jlxcfs.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.config.Option;
import dev.jlxcfs.daemon.Binds;
import dev.jlxcfs.daemon.Housekeeping;
import dev.jlxcfs.daemon.ServedTree;
import dev.jlxcfs.fs.FileTree;
import dev.jlxcfs.testing.FixtureTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code jlxcfs flags} tells containers to bind: what the daemon serves, and what the examples bind. */
class BindsTest {

  @TempDir
  Path tmp;

  @Test
  void theBindsAreWhatTheTreeServesAtItsTop() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    Config config = Config.builder().set(Option.PROC_ROOT, t.proc().toString(), "test")
        .set(Option.SYS_ROOT, t.sys().toString(), "test").build();
    FileTree tree = ServedTree.build(config, t.proc(), t.sys(), CgroupMounts.load(t.proc().resolve("self/mountinfo")),
        List.of(), new Housekeeping());
    List<String> served = new ArrayList<>();
    for (String name : tree.lookup("/proc").children()) {
      if (!Binds.SERVED_NOT_BOUND.contains("/proc/" + name)) {
        served.add("/proc/" + name);
      }
    }
    served.add("/sys/devices/system/cpu");
    assertEquals(served.stream().sorted().toList(),
        Binds.ALL.stream().map(Binds.Bind::path).sorted().toList());
    for (Binds.Bind b : Binds.ALL) {
      assertEquals(b.directory(), tree.lookup(b.path()).isDirectory(), b.path());
    }
  }

  @Test
  void theOciExampleBindsTheSame() throws Exception {
    String json = Files.readString(Path.of("examples/oci-mounts.json"));
    Matcher m = Pattern.compile("\"destination\": \"([^\"]+)\", \"type\": \"bind\", \"source\": \"([^\"]+)\"")
        .matcher(json);
    List<String> found = new ArrayList<>();
    while (m.find()) {
      assertEquals("/var/lib/jlxcfs" + m.group(1), m.group(2));
      found.add(m.group(1));
    }
    assertEquals(Binds.ALL.stream().map(Binds.Bind::path).sorted().toList(), found.stream().sorted().toList());
  }

  @Test
  void dockerFlagsAreOneLineOfReadOnlyBinds() {
    String flags = Flags.render("docker", Path.of("/var/lib/jlxcfs"));
    assertEquals("-v /var/lib/jlxcfs/proc/meminfo:/proc/meminfo:ro -v /var/lib/jlxcfs/proc/cpuinfo:/proc/cpuinfo:ro "
        + "-v /var/lib/jlxcfs/proc/stat:/proc/stat:ro -v /var/lib/jlxcfs/proc/uptime:/proc/uptime:ro "
        + "-v /var/lib/jlxcfs/proc/swaps:/proc/swaps:ro -v /var/lib/jlxcfs/proc/diskstats:/proc/diskstats:ro "
        + "-v /var/lib/jlxcfs/proc/loadavg:/proc/loadavg:ro "
        + "-v /var/lib/jlxcfs/sys/devices/system/cpu:/sys/devices/system/cpu:ro\n", flags);
    assertEquals(flags, Flags.render("podman", Path.of("/var/lib/jlxcfs")));
  }

  @Test
  void k8sVolumeNamesAreDnsLabels() {
    for (Binds.Bind b : Binds.ALL) {
      String name = Flags.volumeName(b);
      assertTrue(name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"), name);
    }
    String k8s = Flags.render("k8s", Path.of("/var/lib/jlxcfs/mnt"));
    assertTrue(k8s.contains("      path: /var/lib/jlxcfs/mnt/sys/devices/system/cpu\n      type: Directory\n"), k8s);
  }

  @Test
  void helpListsEveryServedFile() throws Exception {
    FixtureTree t = new FixtureTree(tmp).cpuTopology();
    t.v2("cpuset cpu io memory");
    Config config = Config.builder().set(Option.PROC_ROOT, t.proc().toString(), "test")
        .set(Option.SYS_ROOT, t.sys().toString(), "test").build();
    FileTree tree = ServedTree.build(config, t.proc(), t.sys(), CgroupMounts.load(t.proc().resolve("self/mountinfo")),
        List.of(), new Housekeeping());
    String usage = dev.jlxcfs.config.CommandLine.usage();
    int files = 0;
    for (String path : tree.paths()) {
      FileTree.Node node = tree.lookup(path);
      if (node != null && node.file() != null) {
        files++;
        path = path.replaceFirst("^/sys/devices/system/cpu/cpu[0-9]+/", "/sys/devices/system/cpu/cpuN/")
            .replaceFirst("^(/sys/devices/system/cpu/cpuN/)\\.(topology|cache)/", "$1$2/")
            .replaceFirst("^(/sys/devices/system/cpu/cpuN/topology/).*", "$1*")
            .replaceFirst("^(/sys/devices/system/cpu/cpuN/cache/index)[0-9]+/.*", "$1*/*")
            .replaceFirst("^/sys/devices/system/cpu/(?!cpuN/|online$|possible$|present$)[^/]+/[^/]+$",
                "/sys/devices/system/cpu/*/*")
            .replaceFirst("^/sys/devices/system/cpu/(?!cpuN/|online$|possible$|present$)[^/]+$",
                "/sys/devices/system/cpu/*");
        assertTrue(usage.contains(" " + path + " ") || usage.contains(" " + path + "\n"), path + " in --help");
      }
    }
    assertTrue(files >= 13, tree.paths().toString());
  }

  @Test
  void flagsTakesAPositionalArgumentOnlyWhenItIsALiveJlxcfsMount() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path live = tmp.resolve("live");
    Path other = tmp.resolve("other");
    Files.createDirectories(live);
    Files.createDirectories(other);
    t.mountLine("90 25 0:90 / " + live + " ro,nosuid - fuse.jlxcfs jlxcfs:" + live + " ro,user_id=0,group_id=0");
    t.mountLine("91 25 0:91 / " + other + " rw - tmpfs tmpfs rw");
    assertEquals(null, Flags.notAMount(live, t.proc()));
    String notMounted = Flags.notAMount(tmp.resolve("docker"), t.proc());
    assertTrue(notMounted.startsWith(tmp.resolve("docker") + " is not a jlxcfs mount point (nothing is mounted "
        + "there): name the mount point with --mountpoint DIR"), notMounted);
    assertTrue(notMounted.contains("--format docker|podman|compose|k8s"), notMounted);
    assertTrue(Flags.notAMount(other, t.proc()).contains("(a tmpfs mount)"), Flags.notAMount(other, t.proc()));
  }
}
