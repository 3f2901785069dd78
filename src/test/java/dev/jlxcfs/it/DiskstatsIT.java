package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * /proc/diskstats in a runc container: after a 16 MiB direct write in it, {@code vmstat -d} inside shows those
 * writes on the disk, not the host's. The container gets a throttle limit far above the disk's speed, as
 * {@code docker run --device-write-bps} would set one: v1 kernels count a group's I/O only then (README).
 */
class DiskstatsIT {

  @Test
  void vmstatInAContainerShowsItsOwnWrites() throws Exception {
    Host.require();
    Host.requireTool("runc");
    Host.requireTool("vmstat");
    Path data = Files.createTempDirectory(Path.of("/var/tmp"), "jlxcfs-it-disk");
    try (RunningDaemon d = RunningDaemon.start(); Runc runc = new Runc()) {
      // The whole disk under the data directory (I/O is counted per disk, not per partition).
      String dev = Shell.sh("d=$(stat -c '%Hd:%Ld' " + data + "); p=/sys/dev/block/$d; "
          + "if [ -e $p/partition ]; then d=$(cat $p/../dev); fi; echo $d $(basename $(readlink -f /sys/dev/block/$d))")
          .check().out().trim();
      String[] majMin = dev.split(" ")[0].split(":");
      String disk = dev.split(" ")[1];
      String mounts = Files.readString(Path.of("examples/oci-mounts.json")).replace("/var/lib/jlxcfs",
          d.mountPoint.toString()).replaceFirst("\\]\\s*$", ", {\"destination\": \"/data\", \"type\": \"bind\", "
          + "\"source\": \"" + data + "\", \"options\": [\"rbind\", \"rw\"]}]");
      String limit = "[{\"major\": " + majMin[0] + ", \"minor\": " + majMin[1] + ", \"rate\": 1099511627776}]";
      String resources = "{\"memory\": {\"limit\": " + (256 << 20) + "}, \"blockIO\": {\"throttleReadBpsDevice\": "
          + limit + ", \"throttleWriteBpsDevice\": " + limit + "}}";
      String out = runc.run(runc.bundle("vmstat -d | grep '^" + disk + " ' ; "
          + "dd if=/dev/zero of=/data/f bs=1M count=16 oflag=direct status=none && "
          + "dd if=/data/f of=/dev/null bs=1M count=4 iflag=direct status=none && vmstat -d | grep '^" + disk + " '",
          mounts, resources));
      List<String> lines = out.lines().toList();
      assertEquals(2, lines.size(), out);
      // vmstat -d: disk, then reads total merged sectors ms, writes total merged sectors ms, IO cur sec
      String[] before = lines.get(0).trim().split("\\s+");
      String[] after = lines.get(1).trim().split("\\s+");
      long writtenSectors = Long.parseLong(after[7]) - Long.parseLong(before[7]);
      long readSectors = Long.parseLong(after[3]) - Long.parseLong(before[3]);
      // Exactly dd's direct writes; reads may add a few sectors of binaries paged in by the container's processes.
      assertEquals(16 * 2048, writtenSectors, "16 MiB written in it: " + out);
      assertTrue(readSectors >= 4 * 2048 && readSectors < 4 * 2048 + 2048, "4 MiB read in it: " + out);
      assertTrue(Long.parseLong(before[7]) < 1024, "nothing of the host's writes before: " + out);
      System.out.println("DiskstatsIT: vmstat -d in the container, before and after dd: " + out.replace('\n', ';'));
    } finally {
      Shell.run(List.of("rm", "-rf", data.toString()));
    }
  }
}
