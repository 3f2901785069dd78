package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * /proc/swaps in a runc container with a swap limit, on a host given 64 MiB of swap for the test (a swap file,
 * switched off and removed afterwards): swapon --show and free inside agree on the container's swap.
 */
class SwapsIT {

  private static final long MIB = 1024 * 1024;

  @Test
  void swaponAndFreeInAContainerShowItsSwapLimit() throws Exception {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("swapon");
    Path swapFile = Path.of("/var/tmp/jlxcfs-it-swap-" + ProcessHandle.current().pid());
    try (RunningDaemon d = RunningDaemon.start(); Runc runc = new Runc()) {
      Shell.sh("dd if=/dev/zero of=" + swapFile + " bs=1M count=64 status=none && chmod 600 " + swapFile
          + " && mkswap " + swapFile + " >/dev/null && swapon " + swapFile).check();
      String mounts = Files.readString(Path.of("examples/oci-mounts.json")).replace("/var/lib/jlxcfs",
          d.mountPoint.toString());
      // OCI memory.swap is memory + swap: 256 MiB of memory and 32 MiB of swap.
      String resources = "{\"memory\": {\"limit\": " + 256 * MIB + ", \"swap\": " + 288 * MIB + "}}";
      String out = runc.run(runc.bundle("swapon --show=NAME,TYPE,SIZE,USED --bytes --noheadings; "
          + "free -b | grep ^Swap:; wc -l < /proc/swaps", mounts, resources));
      List<String> lines = out.lines().toList();
      String[] dev = lines.get(0).trim().split("\\s+");
      assertEquals(List.of("none", "virtual", Long.toString(32 * MIB)), List.of(dev[0], dev[1], dev[2]), out);
      String[] free = lines.get(1).trim().split("\\s+");
      assertEquals(Long.toString(32 * MIB), free[1], "free agrees: " + out);
      assertEquals("2", lines.get(2).trim(), "the header and one device: " + out);
      assertTrue(Files.readString(Path.of("/proc/swaps")).contains(swapFile.toString()), "the host sees its file");
      System.out.println("SwapsIT: " + out.replace('\n', ';'));
    } finally {
      Shell.sh("swapoff " + swapFile + " 2>/dev/null; rm -f " + swapFile);
    }
  }
}
