package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.util.ReadBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files all cgroups keep open stay within a cap, whatever the number of cgroups read. */
class KeptFilesCapTest {

  @TempDir
  Path tmp;

  @Test
  void theCapFollowsTheDescriptorLimit() {
    assertEquals(Cgroups.DEFAULT_MAX_KEPT_FILES, Cgroups.keptFilesCap(1_048_576));
    assertEquals(512, Cgroups.keptFilesCap(1024));
    assertEquals(64, Cgroups.keptFilesCap(20), "never below 64");
  }

  @Test
  void manyCgroupsKeepAtMostTheCapOpenAndTheLeastRecentlyReadAreClosed() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    Hierarchy h = new Hierarchy(1, mem, "/", Set.of("memory"));
    int cap = 40;
    Cgroups cgroups = new Cgroups(t.sys(), Duration.ofMinutes(1), true, com.github.benmanes.caffeine.cache.Ticker
        .systemTicker(), cap);
    ReadBuffer text = new ReadBuffer(64);
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n"); // v1's root: no limit
    List<Cgroup> made = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String path = "/ctr" + i;
      t.cgroupFile(mem, path, "memory.limit_in_bytes", "268435456\n");
      t.cgroupFile(mem, path, "memory.usage_in_bytes", "1048576\n");
      t.cgroupFile(mem, path, "memory.stat", "total_cache 0\ntotal_rss 1048576\n");
      Cgroup cg = cgroups.of(new CgroupDir(h, mem.resolve("ctr" + i)));
      cg.memoryUsage(false, text); // keeps memory.usage_in_bytes and memory.stat open: 2 files
      made.add(cg);
      // What requests in flight open may pass the cap until the next lookup sheds: by one cgroup's files here.
      assertTrue(cgroups.keptFiles() <= cap + 2, i + ": " + cgroups.keptFiles() + " files kept");
    }
    assertTrue(made.get(0).isGone(), "the least recently read cgroup was closed");
    assertFalse(made.get(99).isGone(), "the one read last was not");
    Cgroup again = cgroups.of(new CgroupDir(h, mem.resolve("ctr0")));
    assertEquals(1048576, again.memoryUsage(false, text).memory(), "a closed cgroup's next read opens it again");
    for (Cgroup cg : made) {
      cg.close();
    }
    again.close();
    assertEquals(0, cgroups.keptFiles(), "every kept file is counted out once, whoever closed it");
  }
}
