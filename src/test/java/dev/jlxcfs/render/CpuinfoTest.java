package dev.jlxcfs.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Host cpuinfo files of four architectures (src/test/resources/fixtures/cpuinfo, provenance in SOURCES.md). */
class CpuinfoTest {

  static String fixture(String name) throws IOException {
    try (InputStream in = CpuinfoTest.class.getResourceAsStream("/fixtures/cpuinfo/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static String render(String host, int[] hostCpus) {
    ByteSink out = new ByteSink();
    Cpuinfo.render(Cpuinfo.parse(Bytes.ascii(host)), hostCpus, out);
    return out.toString();
  }

  private static List<String> values(String text, String key) {
    return text.lines().filter(l -> l.matches(key + "\\s*:.*")).map(l -> l.substring(l.indexOf(':') + 1).trim())
        .toList();
  }

  @Test
  void allCpusInOrderIsTheHostFileByteForByte() throws Exception {
    for (String f : List.of("x86_64-4cpu.txt", "arm64-4cpu.txt", "ppc64le.txt", "s390x.txt")) {
      String host = fixture(f);
      assertEquals(host, render(host, new int[] {0, 1, 2, 3}), f);
    }
  }

  @Test
  void x86KeepsTheVisibleBlocksWithTheirOwnNumbersAndConsistentCounts() throws Exception {
    String host = fixture("x86_64-4cpu.txt");
    // Host CPUs 1 and 3: processors 1 and 3 have core ids 1 and 1 (hyperthreads of one core).
    String out = render(host, new int[] {1, 3});
    assertEquals(List.of("1", "3"), values(out, "processor"), "the numbers the caller can pin to");
    assertEquals(List.of("2", "2"), values(out, "siblings"));
    assertEquals(List.of("1", "1"), values(out, "cpu cores"));
    assertEquals(List.of("2", "3"), values(out, "apicid"), "hardware ids stay the host's");
    assertTrue(out.endsWith("power management:\n\n"), "blank line after every block, as the host has");
    // One CPU.
    String one = render(host, new int[] {2});
    assertEquals(List.of("2"), values(one, "processor"));
    assertEquals(List.of("1"), values(one, "siblings"));
    assertEquals(List.of("1"), values(one, "cpu cores"));
    // Everything but the changed lines is the host's, tabs included.
    String block2 = host.substring(host.indexOf("processor\t: 2"), host.indexOf("processor\t: 3"));
    String expected = block2.replace("siblings\t: 4", "siblings\t: 1")
        .replace("cpu cores\t: 2", "cpu cores\t: 1");
    assertEquals(expected, one);
  }

  @Test
  void arm64KeepsItsTrailer() throws Exception {
    String out = render(fixture("arm64-4cpu.txt"), new int[] {2});
    assertEquals(List.of("2"), values(out, "processor"));
    assertTrue(out.contains("\nCPU architecture: 8\n"));
    assertTrue(out.endsWith("Model\t\t: Raspberry Pi 3 Model B Plus Rev 1.3\n"), out);
    assertTrue(out.contains("CPU revision\t: 4\n\nHardware\t: BCM2835"), out);
  }

  @Test
  void ppc64leKeepsItsTrailer() throws Exception {
    String host = fixture("ppc64le.txt");
    String out = render(host, new int[] {0, 3});
    assertEquals(List.of("0", "3"), values(out, "processor"));
    assertTrue(out.contains("MMU\t\t: Hash"), out);
    assertEquals(host.substring(host.indexOf("timebase")), out.substring(out.indexOf("timebase")));
  }

  @Test
  void s390xHeaderCountAndProcessorLines() throws Exception {
    String out = render(fixture("s390x.txt"), new int[] {1, 2});
    assertEquals(List.of("2"), values(out, "# processors"));
    assertEquals(2, out.lines().filter(l -> l.startsWith("processor ")).count());
    assertTrue(out.contains("processor 1: version = FF"), out);
    assertTrue(out.contains("processor 2: version = FF"), out);
    assertTrue(!out.contains("processor 0:") && !out.contains("processor 3:"), out);
    assertEquals(List.of("1", "2"), values(out, "cpu number"));
    assertTrue(out.contains("facilities      : 0 1 2"), "header kept");
  }

  @Test
  void unknownFormatsPassThroughUnchanged() {
    String alien = "cpu model\t: Mystery 9000\nthreads\t\t: 64\n";
    assertEquals(alien, render(alien, new int[] {0}));
    assertEquals("", render("", new int[] {0}));
  }

  @Test
  void blankLinesAndMissingTrailingNewlineSurvive() {
    String host = "\nprocessor\t: 0\na\t: 1\n\n\nprocessor\t: 1\na\t: 2";
    assertEquals(host, render(host, new int[] {0, 1}));
    assertEquals("\nprocessor\t: 1\na\t: 2\n\n\n", render(host, new int[] {1}));
  }
}
