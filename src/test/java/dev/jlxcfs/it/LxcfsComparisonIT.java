package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jlxcfs beside the reference, lxcfs, on the same cgroups and processes: where both define a figure the same way,
 * they must agree. (Deliberate differences are listed in the README.)
 */
class LxcfsComparisonIT {

  private static final long MIB = 1024 * 1024;
  private static RunningDaemon jlxcfs;
  private static Process lxcfs;
  private static Path lxcfsDir;

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    Host.requireTool("lxcfs");
    jlxcfs = RunningDaemon.start();
    lxcfsDir = Files.createTempDirectory("jlxcfs-it-lxcfs");
    Path mnt = lxcfsDir.resolve("mnt");
    Files.createDirectory(mnt);
    lxcfs = new ProcessBuilder("lxcfs", "-p", lxcfsDir.resolve("lxcfs.pid").toString(), mnt.toString())
        .redirectErrorStream(true).redirectOutput(lxcfsDir.resolve("lxcfs.log").toFile()).start();
    for (int i = 0; i < 200 && !Files.exists(mnt.resolve("proc/meminfo")); i++) {
      RunningDaemon.sleep(50);
    }
    assertTrue(Files.exists(mnt.resolve("proc/meminfo")), "lxcfs did not mount");
  }

  @AfterAll
  static void stop() throws Exception {
    if (lxcfs != null) {
      lxcfs.destroy();
      if (!lxcfs.waitFor(10, TimeUnit.SECONDS)) {
        lxcfs.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      RunningDaemon.unmountIfMounted(lxcfsDir.resolve("mnt"));
      Shell.sh("rm -rf " + lxcfsDir);
    }
    if (jlxcfs != null) {
      jlxcfs.close();
    }
  }

  private static String lx(String file) {
    return lxcfsDir.resolve("mnt").resolve(file).toString();
  }

  @Test
  void sameMemTotalForALimitedAndANestedCgroup() {
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 300 * MIB);
      cg.limitMemory("inner", 400 * MIB);
      for (Path dir : List.of(cg.dir("memory", ""), cg.dir("memory", "inner"))) {
        String ours = cg.run("cat " + jlxcfs.file("proc/meminfo"), dir).check().out();
        String theirs = cg.run("cat " + lx("proc/meminfo"), dir).check().out();
        assertEquals(307200, Host.Meminfo.value(ours, "MemTotal"));
        assertEquals(Host.Meminfo.value(theirs, "MemTotal"), Host.Meminfo.value(ours, "MemTotal"));
        // Same keys in the same order: both use the host's file as the template.
        assertEquals(keys(theirs), keys(ours));
      }
    }
  }

  @Test
  void bothMeasureUptimeFromTheNamespacesInit() {
    String out = Shell.run(List.of("unshare", "-fp", "--kill-child", "sh", "-c",
        "sleep 1; cat " + jlxcfs.file("proc/uptime") + " " + lx("proc/uptime"))).check().out();
    List<String> lines = out.lines().toList();
    double ours = Double.parseDouble(lines.get(0).split(" ")[0]);
    double theirs = Double.parseDouble(lines.get(1).split(" ")[0]);
    assertTrue(ours >= 0.9 && ours < 10, out);
    assertTrue(Math.abs(ours - theirs) < 1.0, out);
  }

  @Test
  void bothShowOnlyTheCpusetsProcessorAndJlxcfsKeepsItsNumber() {
    Host.requireCpus(2);
    try (TestCgroup cg = new TestCgroup()) {
      cg.setCpus("", "1");
      Path dir = cg.dir("cpuset", "");
      String ours = cg.run("grep ^processor " + jlxcfs.file("proc/cpuinfo"), dir).check().out();
      String theirs = cg.run("grep ^processor " + lx("proc/cpuinfo"), dir).check().out();
      // jlxcfs keeps the CPU's own number (the one taskset -c takes); lxcfs renumbers cpuinfo from 0, while its
      // /proc/stat and online file say cpu1.
      assertEquals("processor\t: 1\n", ours);
      assertEquals("processor\t: 0\n", theirs);
      String ourLines = cg.run("grep -o '^cpu[0-9]*' " + jlxcfs.file("proc/stat"), dir).check().out();
      assertEquals("cpu\ncpu1\n", ourLines);
      // lxcfs (without --enable-cfs) also agrees on the count of CPU lines of /proc/stat here: one.
      String ourStat = cg.run("grep -c '^cpu[0-9]' " + jlxcfs.file("proc/stat"), dir).check().out();
      String theirStat = cg.run("grep -c '^cpu[0-9]' " + lx("proc/stat"), dir).check().out();
      assertEquals("1\n", ourStat);
      assertEquals(theirStat, ourStat);
    }
  }

  private static List<String> keys(String meminfo) {
    return meminfo.lines().map(l -> l.substring(0, l.indexOf(':'))).toList();
  }
}
