package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.cgroup.IoCounters;
import dev.jlxcfs.render.Diskstats;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.Layout;
import dev.jlxcfs.testing.TestHost;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * /proc/diskstats: the renderer on strings and the cgroup parsers (no host), and the file on v1, v2 and hybrid
 * fixture hosts (each test on all three but v1's own blkio file choice).
 */
class DiskstatsFileTest {

  @TempDir Path tmp;
  FixtureTree t;

  private String read(int pid) throws Exception {
    return TestHost.read(new TestHost(t).diskstats(), pid);
  }

  @Test
  void rendererKeepsTheHostsDevicesAndFieldCount() {
    String host = "   7       0 loop0 5 0 10 3 0 0 0 0 0 4 3 0 0 0 0 0 0\n"
        + " 254       0 vda 127594 13363 6585890 76375 88521 22663 3836808 11251 0 21940 95088 102350 39 3370352 7447\n"
        + "\n"
        + "not a diskstats line\n"
        + " 254       1 vda1 1 2 3 4 5 6 7 8 9 10 11";
    IoCounters io = new IoCounters().set(254, 0, IoCounters.READ_OPS, 10).set(254, 0, IoCounters.WRITE_OPS, 20)
        .set(254, 0, IoCounters.READ_BYTES, 4096).set(254, 0, IoCounters.WRITE_BYTES, 1 << 20)
        .set(254, 0, IoCounters.DISCARD_OPS, 1).set(254, 0, IoCounters.DISCARD_BYTES, 512);
    ByteSink out = new ByteSink();
    byte[] b = host.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Diskstats.render(b, b.length, io, out);
    assertEquals("   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        + " 254       0 vda 10 0 8 0 20 0 2048 0 0 0 0 1 0 1 0\n"
        + "not a diskstats line\n"
        + " 254       1 vda1 0 0 0 0 0 0 0 0 0 0 0\n", out.toString());
  }

  private static IoCounters ioStat(String text) {
    byte[] b = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    IoCounters io = new IoCounters();
    IoCounters.parseIoStat(b, b.length, io, Path.of("io.stat"));
    return io;
  }

  private static IoCounters blkio(String ops, String bytes) {
    IoCounters io = new IoCounters();
    byte[] o = ops.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] b = bytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    IoCounters.parseBlkio(o, o.length, false, io, Path.of("blkio"));
    IoCounters.parseBlkio(b, b.length, true, io, Path.of("blkio"));
    return io;
  }

  private static List<Long> figures(IoCounters io, long major, long minor) {
    List<Long> f = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      f.add(io.get(major, minor, i));
    }
    return f; // read ops, write ops, read bytes, write bytes, discard ops, discard bytes
  }

  @Test
  void v2IoStatKeysInAnyOrderAndExtraKeys() throws Exception {
    IoCounters io = ioStat("254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
        + "8:16 wios=7 rios=3 wbytes=512 rbytes=1024 dbytes=1024 dios=1 cost.vrate=100.00\n");
    assertEquals(List.of(1L, 2L, 4096L, 8192L, 0L, 0L), figures(io, 254, 0));
    assertEquals(List.of(3L, 7L, 1024L, 512L, 1L, 1024L), figures(io, 8, 16));
    assertEquals(2, io.size());
    assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L), figures(io, 8, 0), "a device the group never used");
    assertThrows(MalformedException.class, () -> ioStat("8:0 rbytes=-1\n"));
    assertThrows(MalformedException.class, () -> ioStat("8:x rbytes=1\n"));
  }

  @Test
  void v1BlkioOpsAndBytes() throws Exception {
    IoCounters io = blkio(
        "254:0 Read 8\n254:0 Write 9\n254:0 Sync 17\n254:0 Async 0\n254:0 Discard 1\n254:0 Total 18\nTotal 18\n",
        "254:0 Read 8388608\n254:0 Write 9437184\n254:0 Discard 4096\n254:0 Total 17829888\nTotal 17829888\n");
    assertEquals(List.of(8L, 9L, 8388608L, 9437184L, 1L, 4096L), figures(io, 254, 0));
    assertEquals(1, io.size());
    assertTrue(io.anyOps());
    IoCounters none = blkio("Total 0\n", "Total 0\n");
    assertEquals(0, none.size());
    assertFalse(none.anyOps());
    assertThrows(MalformedException.class, () -> blkio("254:0 Read -3\n", ""));
  }

  /** The host's vda line with these counts, in the host's 17 fields (sectors: bytes / 512; no time kept). */
  private static String vda(long readOps, long readBytes, long writeOps, long writeBytes) {
    return " 254       0 vda " + readOps + " 0 " + readBytes / 512 + " 0 " + writeOps + " 0 " + writeBytes / 512
        + " 0 0 0 0 0 0 0 0 0 0";
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void theCallersGroup(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    t = h.tree();
    h.group("/ctr").io(254, 0, 16, 16, 1048576, 16777216);
    h.process(50, 100, "/ctr", 1, FixtureTree.HOST_NS);
    String out = read(50);
    assertEquals(vda(16, 1048576, 16, 16777216), out.lines().toList().get(1));
    assertEquals(" 254       0 vda 16 0 2048 0 16 0 32768 0 0 0 0 0 0 0 0 0 0", out.lines().toList().get(1));
    assertEquals("   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", out.lines().toList().get(0));
    assertEquals(" 254       1 vda1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", out.lines().toList().get(2));
  }

  /** A group that did no I/O (v1's throttle files count nothing, no bfq; v2's io.stat empty): zeros everywhere. */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void aGroupThatDidNoIoShowsZeros(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    t = h.tree();
    h.group("/idle");
    h.process(56, 100, "/idle", 1, FixtureTree.HOST_NS);
    List<String> host = Files.readString(t.proc().resolve("diskstats")).lines().toList();
    List<String> out = read(56).lines().toList();
    assertEquals(host.size(), out.size());
    for (int i = 0; i < host.size(); i++) {
      String[] f = host.get(i).trim().split("\\s+");
      assertEquals(host.get(i).substring(0, host.get(i).indexOf(f[2]) + f[2].length()) + " 0".repeat(f.length - 3),
          out.get(i), "the host's device and field count, no figure");
    }
    assertEquals(vda(0, 0, 0, 0), out.get(1));
  }

  /** v1 and hybrid only: which of v1's blkio files count (the _recursive ones, else bfq's), a v1 matter. */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"V1", "HYBRID"})
  void v1BlkioRecursiveFilesThenBfq(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    t = h.tree();
    Path ctr = h.group("/ctr").dir("blkio");
    FixtureTree.write(ctr.resolve("blkio.throttle.io_serviced_recursive"), "254:0 Read 2\n254:0 Write 4\nTotal 6\n");
    FixtureTree.write(ctr.resolve("blkio.throttle.io_service_bytes_recursive"),
        "254:0 Read 8192\n254:0 Write 16384\nTotal 24576\n");
    FixtureTree.write(ctr.resolve("blkio.throttle.io_serviced"), "254:0 Read 1\nTotal 1\n");
    h.process(51, 100, "/ctr", 1, FixtureTree.HOST_NS);
    assertEquals(vda(2, 8192, 4, 16384), read(51).lines().toList().get(1), "the _recursive files win");
    assertEquals(" 254       0 vda 2 0 16 0 4 0 32 0 0 0 0 0 0 0 0 0 0", read(51).lines().toList().get(1));

    // A kernel without the _recursive files; nothing in the throttle files (no limit set), bfq counts: bfq's.
    Path bfq = h.group("/bfq").dir("blkio");
    Files.delete(bfq.resolve("blkio.throttle.io_serviced_recursive"));
    Files.delete(bfq.resolve("blkio.throttle.io_service_bytes_recursive"));
    FixtureTree.write(bfq.resolve("blkio.throttle.io_serviced"), "Total 0\n");
    FixtureTree.write(bfq.resolve("blkio.throttle.io_service_bytes"), "Total 0\n");
    FixtureTree.write(bfq.resolve("blkio.bfq.io_serviced"), "254:0 Read 3\nTotal 3\n");
    FixtureTree.write(bfq.resolve("blkio.bfq.io_service_bytes"), "254:0 Read 1536\nTotal 1536\n");
    h.process(52, 100, "/bfq", 1, FixtureTree.HOST_NS);
    assertEquals(vda(3, 1536, 0, 0), read(52).lines().toList().get(1));
    assertEquals(" 254       0 vda 3 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0", read(52).lines().toList().get(1));
  }

  /**
   * A group without its counter files (v2: io not enabled above it, so no io.stat; v1: a kernel without
   * blk-throttling) fails the read, and the caller's other groups are not made to look gone.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void aGroupWithoutIoCountersFailsTheReadButKeepsItsOtherFiles(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp);
    t = h.tree();
    h.group("/ctr").memoryLimit(268435456).withoutIoCounters();
    h.process(55, 100, "/ctr", 1, FixtureTree.HOST_NS);
    TestHost host = new TestHost(t);
    dev.jlxcfs.cgroup.Cgroup group = host.callers.resolve(55, new ReadBuffer(64)).memory();
    // The read fails (the FUSE layer then serves the host's file and logs the cause once)...
    assertThrows(java.nio.file.NoSuchFileException.class, () -> TestHost.read(host.diskstats(), 55));
    // ...but the caller's memory group (on v2 the same group) must not look gone for it: its kept files would be
    // closed and every file's caller resolved again.
    assertFalse(group.isGone());
    assertTrue(group == host.callers.resolve(55, new ReadBuffer(64)).memory());
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void hostProcessesAndHostsWithoutAnIoControllerGetTheHostsFile(Layout layout) throws Exception {
    Layout.Host h = layout.host(tmp.resolve("with-io"));
    t = h.tree();
    h.process(53, 100, "/", 1, FixtureTree.HOST_NS);
    assertEquals(Files.readString(t.proc().resolve("diskstats")), read(53));
    Layout.Host without = layout.host(tmp.resolve("without-io"), "memory", "cpu,cpuacct", "cpuset");
    t = without.tree();
    without.group("/x").memoryLimit(268435456);
    without.process(54, 100, "/x", 1, FixtureTree.HOST_NS);
    assertEquals(Files.readString(t.proc().resolve("diskstats")), read(54), "no blkio/io hierarchy");
  }
}
