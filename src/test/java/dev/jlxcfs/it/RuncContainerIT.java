package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real OCI container (see {@link Runc}), limited to 256 MiB and one CPU, with jlxcfs's files bound. */
class RuncContainerIT {

  private static RunningDaemon daemon;

  @BeforeAll
  static void start() throws Exception {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("/usr/bin/python3");
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
    try (Runc runc = new Runc()) {
      return runc.run(runc.bundle(daemon.mountPoint, script));
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
