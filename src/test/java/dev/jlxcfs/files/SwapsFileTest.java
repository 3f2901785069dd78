package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/swaps over fixture hosts: the same swap as the caller's meminfo. */
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

  @Test
  void v1MemswLimitIsTheDevice() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    t.v2("");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/", "memory.memsw.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/c", "memory.limit_in_bytes", 256 * MIB + "\n");
    t.cgroupFile(mem, "/c", "memory.memsw.limit_in_bytes", 320 * MIB + "\n");
    t.cgroupFile(mem, "/c", "memory.usage_in_bytes", 100 * MIB + "\n");
    t.cgroupFile(mem, "/c", "memory.memsw.usage_in_bytes", 110 * MIB + "\n");
    t.cgroupFile(mem, "/c", "memory.stat", HostFiles.v1MemoryStat(20 * MIB, 0, 30 * MIB, 0, 5 * MIB, 15 * MIB));
    t.process(10, 100, "4:memory:/c\n0::/\n", 1, FixtureTree.HOST_NS);
    long[] d = device(new TestHost(t), 10);
    assertEquals(64 * 1024, d[0], "memsw - memory limit");
    assertEquals(10 * 1024, d[1], "memsw usage - memory usage");
  }

  @Test
  void v2SwapMaxIsTheDeviceAndZeroIsNone() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path u = t.v2("cpuset cpu io memory pids");
    for (String cg : new String[] {"/a", "/b"}) {
      t.cgroupFile(u, cg, "memory.max", 256 * MIB + "\n");
      t.cgroupFile(u, cg, "memory.current", 64 * MIB + "\n");
      t.cgroupFile(u, cg, "memory.stat", HostFiles.v2MemoryStat(40 * MIB, 24 * MIB, MIB, 8 * MIB, 8 * MIB, 2 * MIB,
          MIB));
    }
    t.cgroupFile(u, "/a", "memory.swap.max", 32 * MIB + "\n");
    t.cgroupFile(u, "/a", "memory.swap.current", 3 * MIB + "\n");
    t.cgroupFile(u, "/b", "memory.swap.max", "0\n");
    t.cgroupFile(u, "/b", "memory.swap.current", "0\n");
    t.process(20, 100, "0::/a\n", 1, FixtureTree.HOST_NS);
    t.process(21, 100, "0::/b\n", 1, FixtureTree.HOST_NS);
    TestHost h = new TestHost(t);
    assertEquals(32 * 1024, device(h, 20)[0]);
    assertEquals(3 * 1024, device(h, 20)[1]);
    assertEquals(0, device(h, 21)[0], "swap.max 0: the header alone");
  }

  @Test
  void noLimitIsTheHostsFileAndHiddenSwapIsNone() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/free", "memory.limit_in_bytes", "9223372036854771712\n");
    t.process(30, 100, "4:memory:/free\n", 1, FixtureTree.HOST_NS);
    assertEquals(Files.readString(t.proc().resolve("swaps")), TestHost.read(new TestHost(t).swaps(), 30));
    TestHost hidden = new TestHost(t, () -> 1000L * 1_000_000_000L, false, true);
    assertEquals(HEADER, TestHost.read(hidden.swaps(), 30), "--swap false: no device");
  }
}
