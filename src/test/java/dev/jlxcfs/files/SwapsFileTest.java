package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** /proc/swaps over fixture hosts (every test on v1, v2 and hybrid): the same swap as the caller's meminfo. */
class SwapsFileTest {

  private static final long MIB = 1024 * 1024;
  private static final String HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
  @TempDir Path tmp;

  /** The (size, used) of the one device line, after checking free's view (meminfo) agrees. */
  private static long[] device(TestHost h, int pid) throws Exception {
    String swaps = TestHost.read(h.swaps(), pid);
    Map<String, Long> mem = HostFiles.parseKb(TestHost.read(h.meminfo(), pid));
    assertTrue(swaps.startsWith(HEADER), swaps);
    String[] lines = swaps.split("\n");
    if (lines.length == 1) {
      assertEquals(0L, mem.get("SwapTotal"), "no device line: meminfo shows no swap either");
      return new long[] {0, 0};
    }
    assertEquals(2, lines.length, swaps);
    String[] f = lines[1].trim().split("\\s+");
    assertEquals("none", f[0]);
    assertEquals("virtual", f[1]);
    long size = Long.parseLong(f[2]);
    long used = Long.parseLong(f[3]);
    assertEquals(mem.get("SwapTotal"), size, "swapon and free agree on the size");
    assertEquals(mem.get("SwapTotal") - mem.get("SwapFree"), used, "and on the use");
    return new long[] {size, used};
  }

  /**
   * The swap limit is the device. On v1 (and hybrid) that is the memsw limit - the memory limit, its use memsw usage
   * - memory usage: the fixture writes memory.memsw.* = 320 MiB limit and 110 MiB used here.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void theSwapLimitIsTheDevice(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    h.group("/c").memoryLimit(256 * MIB).memoryUsage(100 * MIB).swap(64 * MIB, 10 * MIB)
        .memoryStat(new Layout.MemoryStat(20 * MIB, 0, 30 * MIB, 0, 5 * MIB, 15 * MIB, 0, 0));
    if (layout.version("memory") == 1) {
      Path mem = h.group("/c").dir("memory");
      assertEquals(320 * MIB + "\n", Files.readString(mem.resolve("memory.memsw.limit_in_bytes")));
      assertEquals(110 * MIB + "\n", Files.readString(mem.resolve("memory.memsw.usage_in_bytes")));
    }
    h.process(10, 100, "/c", 1, FixtureTree.HOST_NS);
    long[] d = device(new TestHost(h.tree()), 10);
    assertEquals(64 * 1024, d[0], "memsw - memory limit");
    assertEquals(10 * 1024, d[1], "memsw usage - memory usage");
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void theSwapLimitIsTheDeviceAndZeroIsNone(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    for (String cg : new String[] {"/a", "/b"}) {
      h.group(cg).memoryLimit(256 * MIB).memoryUsage(64 * MIB)
          .memoryStat(new Layout.MemoryStat(24 * MIB, MIB, 0, 40 * MIB, 8 * MIB, 8 * MIB, 2 * MIB, MIB));
    }
    h.group("/a").swap(32 * MIB, 3 * MIB);
    h.group("/b").swap(0, 0);
    h.process(20, 100, "/a", 1, FixtureTree.HOST_NS);
    h.process(21, 100, "/b", 1, FixtureTree.HOST_NS);
    TestHost t = new TestHost(h.tree());
    assertEquals(32 * 1024, device(t, 20)[0]);
    assertEquals(3 * 1024, device(t, 20)[1]);
    assertEquals(0, device(t, 21)[0], "a swap limit of 0: the header alone");
  }

  /** Without swap accounting meminfo keeps the host's swap lines, and swaps shows that swap, so the two agree. */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void withoutSwapAccountingTheDeviceIsTheHostsSwap(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp).withoutSwapAccounting();
    h.group("/c").memoryLimit(256 * MIB).memoryUsage(64 * MIB);
    h.process(11, 100, "/c", 1, FixtureTree.HOST_NS);
    Map<String, Long> host = HostFiles.parseKb(HostFiles.MEMINFO);
    long[] d = device(new TestHost(h.tree()), 11);
    assertEquals(host.get("SwapTotal"), d[0]);
    assertEquals(host.get("SwapTotal") - host.get("SwapFree"), d[1]);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void noLimitIsTheHostsFileAndHiddenSwapIsNone(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    h.group("/free").memoryLimit(Layout.UNLIMITED);
    h.process(30, 100, "/free", 1, FixtureTree.HOST_NS);
    assertEquals(Files.readString(h.tree().proc().resolve("swaps")), TestHost.read(new TestHost(h.tree()).swaps(), 30));
    TestHost hidden = new TestHost(h.tree(), () -> 1000L * 1_000_000_000L, false, true);
    assertEquals(HEADER, TestHost.read(hidden.swaps(), 30), "--swap false: no device");
  }
}
