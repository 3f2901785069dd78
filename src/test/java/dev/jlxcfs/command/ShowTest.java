package dev.jlxcfs.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.config.Config;
import dev.jlxcfs.config.Option;
import dev.jlxcfs.testing.FixtureTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jlxcfs show}: it names the very files the daemon reads a process's figures from, on v1 and on v2. */
class ShowTest {

  @TempDir
  Path tmp;

  private String show(FixtureTree t, int pid) throws Exception {
    Config config = Config.builder().set(Option.PROC_ROOT, t.proc().toString(), "test")
        .set(Option.SYS_ROOT, t.sys().toString(), "test").build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = new Show(config).run(pid, "/proc/stat", new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onPureV2CpuTimeIsTheCpuGroupsCpuStatAndIoItsIoStat() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path v2 = t.v2("cpuset cpu io memory pids");
    Path ct = t.cgroupFile(v2, "/ct", "memory.max", "268435456\n");
    t.cgroupFile(v2, "/ct", "cpu.max", "150000 100000\n");
    t.cgroupFile(v2, "/ct", "cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\n");
    t.cgroupFile(v2, "/ct", "io.stat", "254:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
    t.cgroupFile(v2, "/ct", "cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
    t.process(100, 5000, "0::/ct\n", 1, FixtureTree.HOST_NS);

    String out = show(t, 100);
    assertFalse(out.contains("no mounted hierarchy"), out);
    assertTrue(out.contains("memory (meminfo, swaps): cgroup v2, " + ct + "\n    " + ct + "/memory.max = 268435456 "
        + "(256 MiB)\n"), out);
    assertTrue(out.contains("cpu (the CPU count: cpuinfo, stat, online): cgroup v2, " + ct + "\n    " + ct
        + "/cpu.max = 150000 100000\n"), out);
    assertTrue(out.contains("cpu time (stat): cgroup v2, " + ct + "\n    " + ct
        + "/cpu.stat = usage_usec 5000; user_usec 3000; system_usec 2000\n"), out);
    assertTrue(out.contains("io (diskstats): cgroup v2, " + ct + "\n    " + ct + "/io.stat = 254:0 rbytes=4096"), out);
    assertTrue(out.contains("pressure (pressure/{cpu,memory,io}, stat's steal): cgroup v2, " + ct + "\n    " + ct
        + "/cpu.pressure = some"), out);
    assertTrue(out.contains("== /proc/stat: "), out);
  }

  @Test
  void onV1CpuTimeIsTheCpuacctGroupAndPressureTheHosts() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path cpuacct = t.v1("cpuacct");
    t.v1("memory");
    Path ct = t.cgroupFile(cpuacct, "/ct", "cpuacct.usage", "5000000\n");
    t.process(100, 5000, "3:cpuacct:/ct\n2:memory:/\n", 1, FixtureTree.HOST_NS);

    String out = show(t, 100);
    assertTrue(out.contains("cpu time (stat): cgroup v1, " + ct + "\n    " + ct + "/cpuacct.usage = 5000000\n"), out);
    assertTrue(out.contains("io (diskstats): no mounted hierarchy serves it for this process: its figures are the "
        + "host's\n"), out);
    assertTrue(out.contains("pressure (pressure/{cpu,memory,io}, stat's steal): the process has no cgroup2 group of its own: the "
        + "host's files\n"), out);
  }
}
