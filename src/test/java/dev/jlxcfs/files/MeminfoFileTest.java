package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.proc.ProcessGoneException;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/meminfo through the whole chain (pid -> cgroup lines -> mount table -> cgroup files) on fixture hosts. */
class MeminfoFileTest {

  private static final long MIB = 1024 * 1024;
  @TempDir Path tmp;

  private static Map<String, Long> kb(String content) {
    return HostFiles.parseKb(content);
  }

  /** The machine-notes layout: v1 controllers, an empty cgroup2, the caller nested in memory only. */
  @Test
  void hybridHostV1Memory() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    t.v1("cpu");
    t.v2("");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/jl", "memory.limit_in_bytes", 200 * MIB + "\n");
    t.cgroupFile(mem, "/jl/with space:colon", "memory.limit_in_bytes", 300 * MIB + "\n");
    t.cgroupFile(mem, "/jl/with space:colon", "memory.usage_in_bytes", 50 * MIB + "\n");
    t.cgroupFile(mem, "/jl/with space:colon", "memory.stat",
        HostFiles.v1MemoryStat(20 * MIB, 0, 30 * MIB, 0, 5 * MIB, 15 * MIB));
    t.process(4242, 5000, "4:memory:/jl/with space:colon\n1:cpu:/\n0::/\n", 1, FixtureTree.HOST_NS);
    MeminfoFile f = new TestHost(t).meminfo();
    Map<String, Long> v = kb(TestHost.read(f, 4242));
    assertEquals(204800L, v.get("MemTotal"), "the parent's 200 MiB beats the child's 300 MiB");
    assertEquals(204800L - 51200L, v.get("MemFree"));
    assertEquals(204800L - 51200L + 20480L, v.get("MemAvailable"));
    assertEquals(13390380L, v.get("CommitLimit"), "kernel-wide lines stay the host's");
  }

  @Test
  void pureV2() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path u = t.v2("cpuset cpu io memory pids");
    t.cgroupFile(u, "/system.slice/docker-abc.scope", "memory.max", 256 * MIB + "\n");
    t.cgroupFile(u, "/system.slice/docker-abc.scope", "memory.swap.max", "0\n");
    t.cgroupFile(u, "/system.slice/docker-abc.scope", "memory.current", 64 * MIB + "\n");
    t.cgroupFile(u, "/system.slice/docker-abc.scope", "memory.swap.current", "0\n");
    t.cgroupFile(u, "/system.slice/docker-abc.scope", "memory.stat",
        HostFiles.v2MemoryStat(40 * MIB, 24 * MIB, MIB, 8 * MIB, 8 * MIB, 2 * MIB, MIB));
    t.process(77, 100, "0::/system.slice/docker-abc.scope\n", 1, FixtureTree.HOST_NS);
    Map<String, Long> v = kb(TestHost.read(new TestHost(t).meminfo(), 77));
    assertEquals(262144L, v.get("MemTotal"));
    assertEquals(196608L, v.get("MemFree"));
    assertEquals(196608L + 16384L + 2048L, v.get("MemAvailable"), "free + file LRU + reclaimable slab");
    assertEquals(3072L, v.get("Slab"));
    assertEquals(0L, v.get("SwapTotal"), "memory.swap.max 0");
    assertEquals(0L, v.get("Zswap"), "the cgroup's zswap, not the host's");
  }

  @Test
  void unlimitedCallerSeesTheHostFile() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/free", "memory.limit_in_bytes", "9223372036854771712\n");
    t.cgroupFile(mem, "/free", "memory.usage_in_bytes", "1234567\n");
    t.cgroupFile(mem, "/free", "memory.stat", HostFiles.v1MemoryStat(0, 0, 0, 0, 0, 0));
    t.process(10, 1, "4:memory:/free\n", 1, FixtureTree.HOST_NS);
    assertEquals(HostFiles.MEMINFO, TestHost.read(new TestHost(t).meminfo(), 10));
    // With swap hidden, only the swap lines change.
    Map<String, Long> v = kb(TestHost.read(new TestHost(t, () -> 0, false, true).meminfo(), 10));
    assertEquals(24683620L, v.get("MemTotal"));
    assertEquals(0L, v.get("SwapTotal"));
  }

  @Test
  void failuresThrowSoTheHostFileIsServed() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path mem = t.v1("memory");
    t.cgroupFile(mem, "/", "memory.limit_in_bytes", "9223372036854771712\n");
    t.process(11, 1, "4:memory:/vanished\n", 1, FixtureTree.HOST_NS);
    t.cgroupFile(mem, "/bad", "memory.limit_in_bytes", "12x\n");
    t.process(12, 1, "4:memory:/bad\n", 1, FixtureTree.HOST_NS);
    t.process(13, 1, "garbage line\n", 1, FixtureTree.HOST_NS);
    MeminfoFile f = new TestHost(t).meminfo();
    assertThrows(NoSuchFileException.class, () -> TestHost.read(f, 11));
    assertThrows(MalformedException.class, () -> TestHost.read(f, 12));
    assertThrows(MalformedException.class, () -> TestHost.read(f, 13));
    assertThrows(ProcessGoneException.class, () -> TestHost.read(f, 999));
    assertTrue(TestHost.host(f).startsWith("MemTotal:       24683620 kB"));
  }

  /** Fuzz finding: a host meminfo of more lines than the handler's line-end table (128) ran off its end. */
  @Test
  void hostFileOfMoreLinesThanTheLineTable() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    StringBuilder longer = new StringBuilder(HostFiles.MEMINFO);
    for (int i = 0; i < 200; i++) {
      longer.append("Extra").append(i).append(":            1 kB\n");
    }
    FixtureTree.write(t.proc().resolve("meminfo"), longer.toString());
    Path u = t.v2("memory");
    t.cgroupFile(u, "/c", "memory.max", 256 * MIB + "\n");
    t.cgroupFile(u, "/c", "memory.current", 64 * MIB + "\n");
    t.cgroupFile(u, "/c", "memory.stat", HostFiles.v2MemoryStat(0, 0, 0, 0, 0, 0, 0));
    t.process(78, 100, "0::/c\n", 1, FixtureTree.HOST_NS);
    String text = TestHost.read(new TestHost(t).meminfo(), 78);
    assertEquals(262144L, kb(text).get("MemTotal"));
    assertEquals(longer.toString().lines().count(), text.lines().count());
    assertTrue(text.endsWith("Extra199:            1 kB\n"));
  }
}
