package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoTest {

  @Test
  void readsTheFieldsUnescapedAndSkipsMalformedLines() {
    List<MountInfo> m = MountInfo.parse(String.join("\n",
        "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:16 - cgroup cgroup rw,memory",
        "garbage",
        "620 613 0:61 /proc/meminfo /mnt/a\\040b ro - fuse.jlxcfs jlxcfs:/var/lib/jlxcfs ro,user_id=0",
        ""));
    assertEquals(2, m.size());
    assertEquals(new MountInfo("0:31", "/", "/sys/fs/cgroup/memory", "cgroup", "cgroup", "rw,memory"), m.get(0));
    assertEquals(new MountInfo("0:61", "/proc/meminfo", "/mnt/a b", "fuse.jlxcfs", "jlxcfs:/var/lib/jlxcfs",
        "ro,user_id=0"), m.get(1));
    assertNull(MountInfo.parseLine("1 2 3 - x"));
  }

  @Test
  void fuseIsFuseNotItsControlFilesystem() {
    assertTrue(MountInfo.parseLine("1 2 0:5 / /m rw - fuse.sshfs h:/ rw").isFuse());
    assertTrue(MountInfo.parseLine("1 2 0:5 / /m rw - fuseblk /dev/sdb1 rw").isFuse());
    assertFalse(MountInfo.parseLine("1 2 0:5 / /sys/fs/fuse/connections rw - fusectl fusectl rw").isFuse());
  }
}
