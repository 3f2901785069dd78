package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon's own files bound over the /proc and /sys files it reads (one wrong {@code mount --bind}, or a daemon
 * started where /proc is already virtualized): it must keep reading the kernel's files, not its own mount. Done in
 * a mount namespace of the daemon's own, so a failure cannot touch the host's /proc.
 */
class SelfMountIT {

  private static final long MIB = 1024 * 1024;

  @BeforeAll
  static void require() {
    Host.requireTool("nsenter");
    Host.requireTool("unshare");
  }

  @Test
  void itsOwnFilesBoundOverTheSourcesItReadsAreNotReadBack() throws Exception {
    try (RunningDaemon d = RunningDaemon.startInOwnMountNamespace(); TestCgroup cg = new TestCgroup()) {
      String mnt = d.mountPoint.toString();
      List<String> bound = List.of("proc/meminfo", "proc/stat", "proc/uptime", "proc/cpuinfo",
          "sys/devices/system/cpu/online");
      for (String f : bound) {
        Shell.run(d.inside("mount", "--bind", mnt + "/" + f, "/" + f)).check();
      }
      cg.limitMemory("", 256 * MIB);
      // A reader of the bound files in the daemon's namespace: each read makes the daemon read its sources.
      String reader = String.join(" ", d.inside("timeout", "-k", "2", "10", "cat", "/proc/meminfo"));
      String out = cg.run(reader, cg.dir("memory", "")).check().out();
      assertEquals(262144, Host.Meminfo.value(out, "MemTotal"), "the cgroup's limit, computed from the kernel's file");
      for (String f : bound) {
        Shell.Result r = cg.run(String.join(" ", d.inside("timeout", "-k", "2", "10", "cat", "/" + f)),
            cg.dir("memory", ""));
        assertEquals(0, r.exit(), f + " answered: " + r.out());
        assertTrue(!r.out().isBlank(), f + " is not empty");
      }
      int threads = threads(d.process().pid());
      assertTrue(threads <= 64, "daemon threads: " + threads);
      long start = System.nanoTime();
      assertEquals(0, d.terminate());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis < 5000, "SIGTERM took " + millis + " ms");
      System.out.println("SelfMountIT: " + bound.size() + " sources bound to the daemon's own files; reads answered; "
          + threads + " threads; SIGTERM to exit " + millis + " ms");
    }
  }

  static int threads(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring(8).trim());
      }
    }
    throw new AssertionError("no Threads: line for " + pid);
  }
}
