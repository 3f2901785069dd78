package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupMountsTest {

  @TempDir Path tmp;

  private static List<CgroupLine> lines(String... l) {
    return List.of(l).stream().map(s -> {
      String[] f = s.split(":", 3);
      return new CgroupLine(Integer.parseInt(f[0]), f[1].isEmpty() ? List.of() : List.of(f[1].split(",")), f[2]);
    }).toList();
  }

  @Test
  void hybridHostTakesMemoryFromV1DespiteTheUnifiedLine() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path memory = t.v1("memory");
    t.v2(""); // cgroup2 mounted, but with no controllers bound to it
    CgroupMounts m = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    CgroupDir d = m.locate("memory", lines("4:memory:/process_api/abc", "0::/"));
    assertEquals(1, d.version());
    assertEquals(memory.resolve("process_api/abc"), d.dir());
    assertEquals(List.of(memory.resolve("process_api/abc"), memory.resolve("process_api"), memory), d.levels());
  }

  @Test
  void pureV2HostUsesTheUnifiedLine() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path unified = t.v2("cpuset cpu io memory pids");
    CgroupMounts m = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    CgroupDir d = m.locate("memory", lines("0::/system.slice/docker-1.scope"));
    assertEquals(2, d.version());
    assertEquals(unified.resolve("system.slice/docker-1.scope"), d.dir());
    assertEquals(2, m.locate("cpu", lines("0::/a")).version());
    assertNull(m.locate("cpuacct", lines("0::/a")), "v2 has no cpuacct controller");
  }

  @Test
  void coMountedV1ControllersAndSeparateOnes() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path cpu = t.v1("cpu,cpuacct");
    CgroupMounts m = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    List<CgroupLine> caller = lines("3:cpu,cpuacct:/docker/x", "0::/");
    assertEquals(cpu.resolve("docker/x"), m.locate("cpu", caller).dir());
    assertEquals(cpu.resolve("docker/x"), m.locate("cpuacct", caller).dir());
    assertNull(m.locate("memory", caller), "no memory hierarchy mounted");
  }

  @Test
  void pathsWithSpacesColonsAndEscapesInMountinfo() throws Exception {
    Path mp = tmp.resolve("cg root");
    FixtureTree t = new FixtureTree(tmp.resolve("t"));
    t.mountLine("40 25 0:40 / " + mp.toString().replace(" ", "\\040") + " rw - cgroup cgroup rw,memory");
    CgroupMounts m = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    CgroupDir d = m.locate("memory", lines("7:memory:/odd name:with colon/x"));
    assertEquals(mp.resolve("odd name:with colon/x"), d.dir());
  }

  @Test
  void subtreeMountsTranslateOrRejectPaths() {
    Hierarchy h = new Hierarchy(1, Path.of("/sys/fs/cgroup/memory"), "/docker/abc", Set.of("memory"));
    assertEquals(Path.of("/sys/fs/cgroup/memory"), h.dirOf("/docker/abc"));
    assertEquals(Path.of("/sys/fs/cgroup/memory/sub"), h.dirOf("/docker/abc/sub"));
    assertNull(h.dirOf("/docker/abcdef"), "a sibling with a common prefix is outside the mount");
    assertNull(h.dirOf("/other"));
    Hierarchy all = new Hierarchy(1, Path.of("/sys/fs/cgroup/memory"), "/", Set.of("memory"));
    assertNull(all.dirOf("/../../system.slice/x"), "seen from a private cgroup namespace: outside the mount");
  }

  @Test
  void prefersTheMountThatShowsTheWholeTree() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.mountLine("50 25 0:31 /docker " + tmp.resolve("bind") + " rw - cgroup cgroup rw,memory");
    Path full = t.v1("memory");
    CgroupMounts m = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    assertEquals(full.resolve("docker/x"), m.locate("memory", lines("4:memory:/docker/x")).dir());
  }

  @Test
  void unescapesOctal() {
    assertEquals("a b\tc\\d", CgroupMounts.unescapeMountField("a\\040b\\011c\\134d"));
    assertEquals("plain", CgroupMounts.unescapeMountField("plain"));
    assertEquals("trailing\\", CgroupMounts.unescapeMountField("trailing\\"));
  }

  /** Fuzz finding: a NUL in a cgroup path or a mount point threw InvalidPathException, unchecked. */
  @Test
  void pathsNoFileCanHaveAreMalformedOrSkipped() throws Exception {
    Hierarchy h = new Hierarchy(2, Path.of("/sys/fs/cgroup"), "/", Set.of("memory"));
    assertThrows(MalformedException.class, () -> h.dirOf("/system.slice/d\0ocker.scope"));
    FixtureTree t = new FixtureTree(tmp);
    t.mountLine("40 25 0:40 / /sys/fs/cgroup/cp\\000u rw - cgroup cgroup rw,cpu");
    Path memory = t.v1("memory");
    CgroupMounts m = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    assertNull(m.locate("cpu", lines("3:cpu:/a")), "the mount no path can name is skipped");
    assertEquals(memory.resolve("a"), m.locate("memory", lines("4:memory:/a")).dir(), "the others load");
  }
}
