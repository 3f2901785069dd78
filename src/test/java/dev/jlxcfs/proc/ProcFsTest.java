package dev.jlxcfs.proc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.cgroup.CgroupLine;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {

  @TempDir Path tmp;

  @Test
  void readsStartTimeCgroupsStatusAndNamespace() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.process(321, 123456, "12:cpu,cpuacct:/a:b c\n0::/x\n", 7, "pid:[1]", 321, 9, 1);
    ProcFs p = new ProcFs(t.proc());
    assertEquals(123456, p.startTime(321));
    List<CgroupLine> lines = CgroupLine.parseAll(p.cgroupText(321, new ReadBuffer(64)), p.cgroupFile(321));
    assertEquals(List.of("cpu", "cpuacct"), lines.get(0).controllers());
    assertEquals("/a:b c", lines.get(0).path());
    assertEquals(true, lines.get(1).isUnified());
    ProcFs.Status st = p.status(321);
    assertEquals(7, st.ppid());
    assertArrayEquals(new int[] {321, 9, 1}, st.nsPids());
    assertEquals(1, st.innermostPid());
    assertEquals("pid:[1]", p.pidNamespace(321));
    assertEquals(FixtureTree.HOST_NS, p.ownPidNamespace());
    assertEquals(List.of(321), p.pids());
    // Entries that are no pid: too long for one, or not all ASCII digits.
    java.nio.file.Files.createDirectories(t.proc().resolve("99999999999999999999"));
    java.nio.file.Files.createDirectories(t.proc().resolve("\u0663\u0664"));
    assertEquals(List.of(321), p.pids());
  }

  @Test
  void vanishedProcessesAndMalformedFiles() {
    FixtureTree t = new FixtureTree(tmp);
    ProcFs p = new ProcFs(t.proc());
    assertThrows(ProcessGoneException.class, () -> p.startTime(5));
    assertThrows(ProcessGoneException.class, () -> p.cgroupText(5, new ReadBuffer(64)));
    assertThrows(ProcessGoneException.class, () -> p.pidNamespace(5));
    FixtureTree.write(t.proc().resolve("6/stat"), "6 (short) S 1 2\n");
    assertThrows(MalformedException.class, () -> p.startTime(6));
    FixtureTree.write(t.proc().resolve("6/cgroup"), "x:memory:/a\n");
    assertThrows(MalformedException.class, () -> CgroupLine.parseAll(p.cgroupText(6, new ReadBuffer(64)), p.cgroupFile(6)));
    FixtureTree.write(t.proc().resolve("6/status"), "Name:\tx\n");
    assertThrows(MalformedException.class, () -> p.status(6));
  }
}
