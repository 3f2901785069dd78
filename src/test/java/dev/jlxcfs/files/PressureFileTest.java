package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * /proc/pressure/* from the caller's cgroup2 group, on v2, hybrid and v1-only fixture hosts. A group's own file
 * exists only where there is a cgroup2 mount (v2 and hybrid); a v1-only host keeps no pressure per group, so its
 * callers get the host's file.
 */
class PressureFileTest {

  private static final String HOST_CPU = "some avg10=2.90 avg60=17.05 avg300=17.61 total=898075007\n"
      + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
  private static final String GROUP_CPU = "some avg10=0.50 avg60=0.10 avg300=0.02 total=12345\n"
      + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

  @TempDir Path tmp;
  Layout.Host h;

  private void host(Layout layout, String... hierarchies) {
    h = hierarchies.length == 0 ? layout.host(tmp) : layout.host(tmp, hierarchies);
    FixtureTree.write(h.tree().proc().resolve("pressure/cpu"), HOST_CPU);
  }

  private String read(String kind, int pid) throws Exception {
    return TestHost.read(new TestHost(h.tree()).pressure(kind), pid);
  }

  /** The group's own file, of each kind (v2 and hybrid: v1 has none, see below). */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void theCallersGroup(Layout layout) throws Exception {
    host(layout);
    Layout.Group pod = h.group("/kubepods/pod1").pressure("cpu", GROUP_CPU);
    h.process(40, 100, "/kubepods/pod1", 1, FixtureTree.HOST_NS);
    assertEquals(GROUP_CPU, read("cpu", 40));
    for (String kind : new String[] {"memory", "io"}) {
      String own = "some avg10=0.00 avg60=0.00 avg300=0.00 total=" + 1000 * kind.length() + "\n"
          + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
      pod.pressure(kind, own);
      assertEquals(own, read(kind, 40), kind);
      assertEquals(Files.readString(h.tree().proc().resolve("pressure/" + kind)),
          TestHost.host(new TestHost(h.tree()).pressure(kind)), "the host's, as the fallback serves it");
    }
  }

  /**
   * Hybrid only: the pressure group is the {@code 0::} line's even where the v1 lines name another group, and even
   * though cgroup2 holds no controller.
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = "HYBRID")
  void hybridTheUnifiedGroupEvenWithoutControllersThere(Layout layout) throws Exception {
    host(layout, "memory");
    h.group("/jl").pressure("cpu", GROUP_CPU);
    String cg = h.cgroupText("/jl", Map.of("memory", "/other"));
    assertTrue(cg.contains(":memory:/other\n") && cg.endsWith("\n0::/jl\n"), cg);
    h.tree().process(41, 100, cg, 1, FixtureTree.HOST_NS);
    assertEquals(GROUP_CPU, read("cpu", 41));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void aRootCallerGetsTheHostsFile(Layout layout) throws Exception {
    host(layout);
    h.process(43, 100, "/", 1, FixtureTree.HOST_NS);
    assertEquals(HOST_CPU, read("cpu", 43), "the root group is the host");
  }

  /** V1 only: a v1-only host has no cgroup2 group, so no pressure of the caller's own (no 0:: line). */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = "V1")
  void v1OnlyHostsGetTheHostsFile(Layout layout) throws Exception {
    host(layout, "memory");
    h.group("/jl").memoryLimit(256 << 20);
    h.process(42, 100, "/jl", 1, FixtureTree.HOST_NS);
    assertEquals(HOST_CPU, read("cpu", 42), "no 0:: line");
  }

  /** v2 and hybrid: only there is a group's own file read (v1: see above). */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V2", "HYBRID"})
  void aGroupWithoutTheFileFailsSoTheReaderGetsTheHostsFile(Layout layout) throws Exception {
    host(layout, "cpu", "memory");
    h.group("/nopsi").withoutPressure("cpu");
    h.process(44, 100, "/nopsi", 1, FixtureTree.HOST_NS);
    assertThrows(IOException.class, () -> read("cpu", 44));
  }
}
