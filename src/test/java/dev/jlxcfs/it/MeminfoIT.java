package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /proc/meminfo through a real mount, read by real processes in real cgroups. */
class MeminfoIT {

  private static final long MIB = 1024 * 1024;
  private static RunningDaemon daemon;

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    daemon = RunningDaemon.start();
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static String meminfo() {
    return daemon.file("proc/meminfo").toString();
  }

  private static long value(String text, String key) {
    return Host.Meminfo.value(text, key);
  }

  @Test
  void aProcessLimitedTo300MiBReadsMemTotal307200() {
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 300 * MIB);
      String out = cg.run("cat " + meminfo(), cg.dir("memory", "")).check().out();
      assertEquals(307200, value(out, "MemTotal"));
      assertTrue(value(out, "MemFree") <= 307200);
      assertTrue(value(out, "MemAvailable") <= 307200, "MemAvailable never above MemTotal");
    }
  }

  @Test
  void aParentLimitBelowTheChildsWins() {
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 200 * MIB);
      cg.limitMemory("child", 300 * MIB);
      String out = cg.run("cat " + meminfo(), cg.dir("memory", "child")).check().out();
      assertEquals(204800, value(out, "MemTotal"));
    }
  }

  @Test
  void memoryHeldByAProcessInTheCgroupShowsInMemFree() throws Exception {
    Host.requireTool("/usr/bin/python3");
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 300 * MIB);
      Path dir = cg.dir("memory", "");
      String before = cg.run("cat " + meminfo(), dir).check().out();
      Process holder = cg.spawn("exec /usr/bin/python3 -c 'b = bytearray(96 << 20); print(\"ready\", flush=True); "
          + "import time; time.sleep(120)'", dir);
      BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream()));
      assertEquals("ready", r.readLine());
      String during = cg.run("cat " + meminfo(), dir).check().out();
      long drop = value(before, "MemFree") - value(during, "MemFree");
      assertTrue(drop >= 90 * 1024, "MemFree fell by only " + drop + " kB while 96 MiB is held");
      assertTrue(value(during, "AnonPages") >= 90 * 1024, during);
      holder.destroyForcibly().waitFor();
    }
  }

  @Test
  void aReaderThreadOtherThanTheMainOneIsResolvedToo() {
    // FUSE names the calling thread, not the process: a worker thread must resolve like its process.
    Host.requireTool("/usr/bin/python3");
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 300 * MIB);
      String py = "import threading; r = []; "
          + "t = threading.Thread(target=lambda: r.append(open('" + meminfo() + "').readline())); "
          + "t.start(); t.join(); print(r[0], end='')";
      String out = cg.run("exec /usr/bin/python3 -c \"" + py + "\"", cg.dir("memory", "")).check().out();
      assertEquals("MemTotal:         307200 kB\n", out);
    }
  }

  @Test
  void aReaderInACgroupNamespaceOfItsOwnIsResolvedToo() {
    // As in a container with a private cgroup namespace (docker's default on cgroup v2): the reader's own
    // /proc/self/cgroup says "/", but the daemon reads the reader's cgroup from its own namespace, the host's.
    Host.requireTool("unshare");
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 192 * MIB);
      String out = cg.run("exec unshare -C sh -c 'cat /proc/self/cgroup; cat " + meminfo() + "'",
          cg.dir("memory", "")).check().out();
      assertTrue(out.lines().anyMatch(l -> l.endsWith(":/")), "a cgroup namespace of its own: " + out);
      assertEquals(196608, value(out, "MemTotal"), out);
    }
  }

  @Test
  void tmpfsPagesChargedToTheCgroupShowAsShmem() {
    Path shm = Path.of("/dev/shm/jlxcfs-it-" + UUID.randomUUID());
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 300 * MIB);
      String out = cg.run("head -c 67108864 /dev/zero > " + shm + " && cat " + meminfo(), cg.dir("memory", ""))
          .check().out();
      assertTrue(value(out, "Shmem") >= 65536, out);
      assertTrue(value(out, "MemFree") <= 307200 - 65536, out);
    } finally {
      shm.toFile().delete();
    }
  }

  @Test
  void anUnlimitedCallerSeesTheHost() throws Exception {
    long hostTotal = Host.hostMeminfo("MemTotal");
    try (TestCgroup cg = new TestCgroup()) {
      String out = cg.run("cat " + meminfo(), cg.dir("memory", "")).check().out();
      assertEquals(hostTotal, value(out, "MemTotal"));
    }
    // And the test JVM itself, a host process.
    assertEquals(hostTotal, value(Files.readString(daemon.file("proc/meminfo")), "MemTotal"));
  }

  @Test
  void readingIn13ByteChunksGivesTheSameFileAsOneRead() {
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 300 * MIB);
      Path dir = cg.dir("memory", "");
      String whole = cg.run("cat " + meminfo(), dir).check().out();
      String chunked = cg.run("dd if=" + meminfo() + " bs=13 status=none", dir).check().out();
      List<String> w = whole.lines().toList();
      List<String> c = chunked.lines().toList();
      assertEquals(w.size(), c.size());
      for (int i = 0; i < w.size(); i++) {
        String key = w.get(i).substring(0, w.get(i).indexOf(':'));
        assertTrue(c.get(i).startsWith(key + ":"), "line " + i + ": " + c.get(i));
        assertTrue(c.get(i).matches("[A-Za-z0-9_()]+: +\\d+( kB)?"), "malformed line " + c.get(i));
        if (!isCgroupVolatile(key) && !isHostVolatile(key)) {
          assertEquals(w.get(i), c.get(i), "a stable line differs");
        }
      }
      assertEquals(307200, value(chunked, "MemTotal"));
      assertTrue(value(chunked, "MemAvailable") <= 307200);
    }
  }

  /**
   * The cgroup's own usage figures, which move between two reads: its memory.stat's (v1's total_* entries, or v2's,
   * which also has the kernel memory figures: slab, kernel stack, page tables, zswap; 0 on v1).
   */
  private static boolean isCgroupVolatile(String key) {
    return List.of("MemFree", "MemAvailable", "Cached", "Active", "Inactive", "Active(anon)", "Inactive(anon)",
        "Active(file)", "Inactive(file)", "Unevictable", "Mlocked", "AnonPages", "Mapped", "Dirty", "Shmem",
        "Writeback", "Slab", "SReclaimable", "SUnreclaim", "KReclaimable", "KernelStack", "PageTables", "Zswap",
        "Zswapped", "SwapFree").contains(key);
  }

  /** Kernel-wide lines pass through from the host and move with it. */
  private static boolean isHostVolatile(String key) {
    return List.of("Committed_AS", "VmallocUsed", "Percpu", "KernelStack", "PageTables").contains(key)
        || key.startsWith("DirectMap");
  }

  @Test
  void writesAndOtherMutationsAreRefused() {
    Shell.Result r = Shell.sh("echo x > " + meminfo());
    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("Read-only file system"), r.err());
    Path proc = daemon.file("proc");
    for (String cmd : List.of("mkdir " + proc + "/x", "rm -f " + meminfo(), "touch " + proc + "/new",
        "chmod 777 " + meminfo(), "truncate -s 0 " + meminfo(), "mv " + meminfo() + " " + proc + "/m2")) {
      Shell.Result res = Shell.sh(cmd);
      assertNotEquals(0, res.exit(), cmd + " succeeded");
      assertTrue(res.err().contains("Read-only file system") || res.err().contains("Permission denied"),
          cmd + ": " + res.err());
    }
    Shell.Result missing = Shell.sh("cat " + proc + "/nope");
    assertTrue(missing.err().contains("No such file or directory"), missing.err());
    assertEquals(List.of("cpuinfo", "diskstats", "loadavg", "meminfo", "pressure", "stat", "swaps", "uptime"),
        Shell.sh("ls " + proc).check().out().lines().toList());
  }

  @Test
  void freeInAProcessLimitedTo256MiBShowsIt() throws Exception {
    Host.requireTool("free");
    try (TestCgroup cg = new TestCgroup()) {
      cg.limitMemory("", 256 * MIB);
      // As a container does: a private mount namespace with our file bound over /proc/meminfo.
      String out = cg.run("unshare -m sh -c 'mount --bind " + meminfo() + " /proc/meminfo && free -m'",
          cg.dir("memory", "")).check().out();
      String mem = out.lines().filter(l -> l.startsWith("Mem:")).findFirst().orElseThrow();
      assertEquals("256", mem.split("\\s+")[1], out);
    }
    // A host process still sees the host.
    String host = Shell.run(List.of("free", "-m")).check().out();
    long hostMib = Long.parseLong(host.lines().filter(l -> l.startsWith("Mem:")).findFirst().orElseThrow()
        .split("\\s+")[1]);
    assertTrue(hostMib > 1024, host);
  }

  @Test
  void cgroupNamesWithSpacesAndColonsWork() {
    try (TestCgroup cg = new TestCgroup("jlxcfs-it odd:name " + UUID.randomUUID().toString().substring(0, 4))) {
      cg.limitMemory("", 128 * MIB);
      String out = cg.run("cat " + meminfo(), cg.dir("memory", "")).check().out();
      assertEquals(131072, value(out, "MemTotal"));
    }
  }

  @Test
  void aVanishedCgroupServesTheHostFileAndLogsOnce() throws Exception {
    // The shell reads with its `read` builtin, so the caller is the shell itself: its resolution is cached (a
    // daemon with a long staleness bound, so a slow machine cannot expire it), then it leaves its cgroup, removes
    // it, and reads twice more.
    try (RunningDaemon slow = RunningDaemon.start("--cache-ttl", "60s"); TestCgroup cg = new TestCgroup()) {
      String file = slow.file("proc/meminfo").toString();
      cg.limitMemory("", 100 * MIB);
      Path dir = cg.dir("memory", "");
      String script = "read l < " + file + "; echo \"$l\"; echo $$ > "
          + cg.layout().root("memory").resolve("cgroup.procs") + "; rmdir \"$JL_DIR\"; "
          + "read l < " + file + "; echo \"$l\"; read l < " + file + "; echo \"$l\"";
      String out = Shell.run(List.of("sh", "-c", "echo $$ > \"$JL_DIR/cgroup.procs\" && " + script),
          java.util.Map.of("JL_DIR", dir.toString()), 60).check().out();
      List<String> lines = out.lines().toList();
      assertEquals("MemTotal:         102400 kB", lines.get(0));
      long hostTotal = Host.hostMeminfo("MemTotal");
      assertEquals(hostTotal, value(lines.get(1), "MemTotal"), "the host's file, not an error");
      assertEquals(hostTotal, value(lines.get(2), "MemTotal"));
      String log = slow.logText();
      String name = dir.getFileName().toString();
      assertEquals(1, log.lines().filter(l -> l.contains("serving the host's file") && l.contains(name)).count(),
          log);
    }
  }
}
