package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.proc.ProcessGoneException;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * /proc/meminfo through the whole chain (pid -> cgroup lines -> mount table -> cgroup files) on fixture hosts: every
 * test on v1, v2 and hybrid hosts. The one difference in what they show is v1's: its memory.stat has no slab
 * figures, so Slab is 0 and MemAvailable has no reclaimable slab.
 */
class MeminfoFileTest {

  private static final long MIB = 1024 * 1024;
  @TempDir Path tmp;

  private static Map<String, Long> kb(String content) {
    return HostFiles.parseKb(content);
  }

  /** The reclaimable slab the layout's memory.stat reports, in kB: v1 reports none. */
  private static long slabReclaimableKb(Layout layout, Layout.MemoryStat stat) {
    return layout.version("memory") == 1 ? 0 : stat.slabReclaimable() / 1024;
  }

  /**
   * The machine-notes layout (on a hybrid host: v1 controllers, an empty cgroup2) on each layout: the caller nested
   * below a group of a smaller limit, under a name with a space and a colon.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void aParentsLimitBelowTheChildsWins(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    h.group("/jl").memoryLimit(200 * MIB);
    Layout.MemoryStat stat = new Layout.MemoryStat(20 * MIB, 0, 30 * MIB, 0, 5 * MIB, 15 * MIB, 0, 0);
    h.group("/jl/with space:colon").memoryLimit(300 * MIB).memoryUsage(50 * MIB).memoryStat(stat);
    // Its cpu group is the root's, where the layout keeps cpu apart (v2: one group for every controller).
    h.tree().process(4242, 5000, h.cgroupText("/jl/with space:colon",
        layout == Layout.V2 ? Map.of() : Map.of("cpu", "/")), 1, FixtureTree.HOST_NS);
    MeminfoFile f = new TestHost(h.tree()).meminfo();
    Map<String, Long> v = kb(TestHost.read(f, 4242));
    long total = 200 * 1024;
    long free = total - 50 * 1024;
    assertEquals(204800L, total);
    assertEquals(total, v.get("MemTotal"), "the parent's 200 MiB beats the child's 300 MiB");
    assertEquals(free, v.get("MemFree"));
    assertEquals(free + (stat.activeFile() + stat.inactiveFile()) / 1024, v.get("MemAvailable"));
    assertEquals(204800L - 51200L + 20480L, v.get("MemAvailable"));
    assertEquals(13390380L, v.get("CommitLimit"), "kernel-wide lines stay the host's");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aLimitedGroupsFiguresFromItsFiles(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    Layout.MemoryStat stat = new Layout.MemoryStat(24 * MIB, MIB, 0, 40 * MIB, 8 * MIB, 8 * MIB, 2 * MIB, MIB);
    h.group("/system.slice/docker-abc.scope").memoryLimit(256 * MIB).swap(0, 0).memoryUsage(64 * MIB)
        .memoryStat(stat);
    h.process(77, 100, "/system.slice/docker-abc.scope", 1, FixtureTree.HOST_NS);
    Map<String, Long> v = kb(TestHost.read(new TestHost(h.tree()).meminfo(), 77));
    assertEquals(262144L, v.get("MemTotal"));
    assertEquals(196608L, v.get("MemFree"));
    assertEquals(196608L + 16384L + slabReclaimableKb(layout, stat), v.get("MemAvailable"),
        "free + file LRU + reclaimable slab");
    if (layout.version("memory") == 2) {
      assertEquals(196608L + 16384L + 2048L, v.get("MemAvailable"));
      assertEquals(3072L, v.get("Slab"));
    } else {
      assertEquals(0L, v.get("Slab"), "v1's memory.stat has no slab figures");
    }
    assertEquals(40960L, v.get("Inactive(anon)"));
    assertEquals(24576L, v.get("Cached"));
    assertEquals(0L, v.get("SwapTotal"), "a swap limit of 0 (v2 memory.swap.max 0, v1 memsw = memory limit)");
    assertEquals(0L, v.get("Zswap"), "the cgroup's zswap, not the host's");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void withoutSwapAccountingTheHostsSwapLinesStay(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp).withoutSwapAccounting();
    h.group("/c").memoryLimit(256 * MIB).memoryUsage(64 * MIB).memoryStat(Layout.MemoryStat.ZERO);
    h.process(79, 100, "/c", 1, FixtureTree.HOST_NS);
    Map<String, Long> v = kb(TestHost.read(new TestHost(h.tree()).meminfo(), 79));
    Map<String, Long> host = kb(HostFiles.MEMINFO);
    assertEquals(256 * 1024L, v.get("MemTotal"));
    assertEquals(host.get("SwapTotal"), v.get("SwapTotal"));
    assertEquals(host.get("SwapFree"), v.get("SwapFree"));
    // Hidden swap hides it all the same.
    Map<String, Long> hidden = kb(TestHost.read(new TestHost(h.tree(), () -> 0, false, true).meminfo(), 79));
    assertEquals(0L, hidden.get("SwapTotal"));
    assertEquals(0L, hidden.get("SwapFree"));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void unlimitedCallerSeesTheHostFile(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    h.group("/free").memoryLimit(Layout.UNLIMITED).memoryUsage(1234567).memoryStat(Layout.MemoryStat.ZERO);
    h.process(10, 1, "/free", 1, FixtureTree.HOST_NS);
    assertEquals(HostFiles.MEMINFO, TestHost.read(new TestHost(h.tree()).meminfo(), 10));
    // With swap hidden, only the swap lines change.
    Map<String, Long> v = kb(TestHost.read(new TestHost(h.tree(), () -> 0, false, true).meminfo(), 10));
    assertEquals(24683620L, v.get("MemTotal"));
    assertEquals(0L, v.get("SwapTotal"));
  }

  /**
   * A caller whose group vanished fails the read (so the host's file is served and its cgroups are resolved again).
   * One difference: v2 reads a missing limit file as "no limit at this level" (a group whose parent does not
   * enable memory has none), so a vanished group right under the root (which has no memory.max) has no limit at
   * all, and its caller is given the host's file without an error; under a limited parent it fails as on v1.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void failuresThrowSoTheHostFileIsServed(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    h.process(11, 1, "/vanished", 1, FixtureTree.HOST_NS);
    h.group("/bad");
    FixtureTree.write(h.group("/bad").dir("memory").resolve(layout.version("memory") == 1
        ? "memory.limit_in_bytes" : "memory.max"), "12x\n");
    h.process(12, 1, "/bad", 1, FixtureTree.HOST_NS);
    h.tree().process(13, 1, "garbage line\n", 1, FixtureTree.HOST_NS);
    h.group("/limited").memoryLimit(200 * MIB);
    h.process(14, 1, "/limited/vanished", 1, FixtureTree.HOST_NS);
    MeminfoFile f = new TestHost(h.tree()).meminfo();
    if (layout.version("memory") == 1) {
      assertThrows(NoSuchFileException.class, () -> TestHost.read(f, 11));
    } else {
      assertEquals(HostFiles.MEMINFO, TestHost.read(f, 11), "no limit anywhere on a v2 path: the host's file");
    }
    assertThrows(NoSuchFileException.class, () -> TestHost.read(f, 14));
    assertThrows(MalformedException.class, () -> TestHost.read(f, 12));
    assertThrows(MalformedException.class, () -> TestHost.read(f, 13));
    assertThrows(ProcessGoneException.class, () -> TestHost.read(f, 999));
    assertTrue(TestHost.host(f).startsWith("MemTotal:       24683620 kB"));
  }

  /** Fuzz finding: a host meminfo of more lines than the handler's line-end table (128) ran off its end. */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void hostFileOfMoreLinesThanTheLineTable(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    StringBuilder longer = new StringBuilder(HostFiles.MEMINFO);
    for (int i = 0; i < 200; i++) {
      longer.append("Extra").append(i).append(":            1 kB\n");
    }
    FixtureTree.write(h.tree().proc().resolve("meminfo"), longer.toString());
    h.group("/c").memoryLimit(256 * MIB).memoryUsage(64 * MIB).memoryStat(Layout.MemoryStat.ZERO);
    h.process(78, 100, "/c", 1, FixtureTree.HOST_NS);
    String text = TestHost.read(new TestHost(h.tree()).meminfo(), 78);
    assertEquals(262144L, kb(text).get("MemTotal"));
    assertEquals(longer.toString().lines().count(), text.lines().count());
    assertTrue(text.endsWith("Extra199:            1 kB\n"));
  }
}
