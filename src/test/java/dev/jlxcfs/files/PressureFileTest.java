package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.TestHost;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/pressure/* from the caller's cgroup2 group, on v2, hybrid and v1-only fixture hosts. */
class PressureFileTest {

  private static final String HOST_CPU = "some avg10=2.90 avg60=17.05 avg300=17.61 total=898075007\n"
      + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
  private static final String GROUP_CPU = "some avg10=0.50 avg60=0.10 avg300=0.02 total=12345\n"
      + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

  @TempDir Path tmp;
  FixtureTree t;

  @BeforeEach
  void host() {
    t = new FixtureTree(tmp);
    FixtureTree.write(t.proc().resolve("pressure/cpu"), HOST_CPU);
  }

  private String read(String kind, int pid) throws Exception {
    return TestHost.read(new TestHost(t).pressure(kind), pid);
  }

  @Test
  void pureV2TheCallersGroup() throws Exception {
    Path u = t.v2("cpuset cpu io memory pids");
    t.cgroupFile(u, "/kubepods/pod1", "cpu.pressure", GROUP_CPU);
    t.process(40, 100, "0::/kubepods/pod1\n", 1, FixtureTree.HOST_NS);
    assertEquals(GROUP_CPU, read("cpu", 40));
  }

  @Test
  void hybridTheUnifiedGroupEvenWithoutControllersThere() throws Exception {
    t.v1("memory");
    Path u = t.v2("");
    t.cgroupFile(u, "/jl", "cpu.pressure", GROUP_CPU);
    t.process(41, 100, "4:memory:/other\n0::/jl\n", 1, FixtureTree.HOST_NS);
    assertEquals(GROUP_CPU, read("cpu", 41));
  }

  @Test
  void rootCallersAndV1OnlyHostsGetTheHostsFile() throws Exception {
    t.v1("memory");
    t.process(42, 100, "4:memory:/jl\n", 1, FixtureTree.HOST_NS);
    assertEquals(HOST_CPU, read("cpu", 42), "no 0:: line");
    t.v2("");
    t.process(43, 100, "4:memory:/jl\n0::/\n", 1, FixtureTree.HOST_NS);
    assertEquals(HOST_CPU, read("cpu", 43), "the root group is the host");
  }

  @Test
  void aGroupWithoutTheFileFailsSoTheReaderGetsTheHostsFile() throws Exception {
    Path u = t.v2("cpu memory");
    t.cgroupFile(u, "/nopsi", "cgroup.procs", "44\n");
    t.process(44, 100, "0::/nopsi\n", 1, FixtureTree.HOST_NS);
    assertThrows(IOException.class, () -> read("cpu", 44));
  }
}
