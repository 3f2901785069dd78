package dev.jlxcfs.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where private copies cannot be made: which FUSE mounts over the sources stop the daemon at start. */
class SourceTreesTest {

  @TempDir
  Path tmp;

  private String over(String... lines) throws Exception {
    Path mountinfo = Files.writeString(tmp.resolve("mountinfo"), String.join("\n", lines) + "\n");
    return SourceTrees.fuseMountOver(mountinfo, List.of(Path.of("/proc"), Path.of("/sys"),
        Path.of("/sys/fs/cgroup/memory")));
  }

  @Test
  void aFuseFileOverAProcFileIsNamed() throws Exception {
    assertEquals("/proc/meminfo (fuse.lxcfs)", over(
        "22 1 0:21 / /proc rw,nosuid - proc proc rw",
        "40 22 0:50 /proc/meminfo /proc/meminfo ro - fuse.lxcfs lxcfs ro"));
  }

  @Test
  void aFuseMountUnderSysWithAnEscapedNameIsNamed() throws Exception {
    assertEquals("/sys/devices/system/cpu/my dir (fuse.jlxcfs)", over(
        "41 23 0:51 / /sys/devices/system/cpu/my\\040dir ro - fuse.jlxcfs jlxcfs:/x ro"));
  }

  @Test
  void fuseMountsElsewhereAndOtherFilesystemsAreFine() throws Exception {
    assertNull(over(
        "22 1 0:21 / /proc rw - proc proc rw",
        "30 1 0:40 / /var/lib/jlxcfs rw - fuse.jlxcfs jlxcfs:/var/lib/jlxcfs rw",
        "31 1 0:41 / /procfoo rw - fuse.sshfs host:/ rw",
        "32 23 0:42 / /sys/fs/fuse/connections rw - fusectl fusectl rw",
        "garbage line"));
  }
}
