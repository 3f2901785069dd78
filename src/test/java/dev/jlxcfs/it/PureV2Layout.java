package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Run first by the pure cgroup v2 lane, inside its guest (never on a host: it is neither a *Test nor an *IT, so
 * neither Surefire nor Failsafe picks it): proves the lane's tests run on a pure v2 host, not on the hybrid host
 * they run on otherwise, so the lane cannot silently pass on the wrong layout.
 */
class PureV2Layout {

  @Test
  void thisIsAPureCgroupV2Host() throws Exception {
    assertEquals("v2", System.getenv("JLXCFS_GUEST"), "run only by the guest lane (PureV2GuestIT)");
    // Every process's cgroup is one line, the unified hierarchy's: no v1 hierarchy has a line.
    List<String> self = Files.readAllLines(Path.of("/proc/self/cgroup"));
    assertEquals(1, self.size(), "/proc/self/cgroup: " + self);
    assertTrue(self.get(0).startsWith("0::/"), "/proc/self/cgroup: " + self);
    // No controller is bound to a v1 hierarchy (column 2 of /proc/cgroups is its hierarchy id, 0 for none).
    for (String line : Files.readAllLines(Path.of("/proc/cgroups"))) {
      if (!line.startsWith("#")) {
        assertEquals("0", line.split("\\s+")[1], "a controller bound to a v1 hierarchy: " + line);
      }
    }
    // Mounted: no v1 hierarchy, one cgroup2, at /sys/fs/cgroup, as systemd mounts it.
    List<String> cgroupMounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] after = line.substring(line.indexOf(" - ") + 3).split(" ");
      if (after[0].startsWith("cgroup")) {
        cgroupMounts.add(after[0] + " " + line.split(" ")[4]);
      }
    }
    assertEquals(List.of("cgroup2 /sys/fs/cgroup"), cgroupMounts);
    String controllers = Files.readString(Path.of("/sys/fs/cgroup/cgroup.controllers"));
    for (String c : List.of("cpuset", "cpu", "io", "memory", "pids")) {
      assertTrue((" " + controllers.trim() + " ").contains(" " + c + " "), "cgroup2 has " + c + ": " + controllers);
    }
    // And the tests' helpers make their cgroups the v2 way, for every controller they use.
    CgroupLayout layout = CgroupLayout.host();
    for (String c : CgroupLayout.CONTROLLERS) {
      assertTrue(layout.isV2(c), c + " is served by cgroup2");
    }
    assertEquals(Path.of("/sys/fs/cgroup"), layout.root("memory"));
    System.out.println("PureV2Layout: /proc/self/cgroup " + self + "; cgroup mounts " + cgroupMounts
        + "; controllers " + controllers.trim() + "; kernel " + Files.readString(Path.of("/proc/sys/kernel/osrelease"))
        .trim());
  }
}
