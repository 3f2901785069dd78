package dev.jlxcfs.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jlxcfs.render.Meminfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What rendered output must look like, whatever the input was: the shape of each file, and no negative figure. */
final class Checks {

  private static final Set<String> MEMINFO_LABELS =
      Arrays.stream(Meminfo.Key.values()).map(Meminfo.Key::label).collect(Collectors.toSet());
  private static final Pattern SET_LINE = Pattern.compile("([^:]+):( *)([0-9]+) kB");
  private static final Pattern BLOCK_START = Pattern.compile("(processor|cpu number)\\s*:\\s*(\\d+)\\s*");
  private static final Pattern S390_PROCESSOR = Pattern.compile("processor (\\d+):.*");

  private Checks() {}

  private static List<String> lines(byte[] b) {
    List<String> out = new ArrayList<>();
    for (byte[] l : Mutations.lines(b)) {
      out.add(new String(l, StandardCharsets.ISO_8859_1));
    }
    return out;
  }

  private static long newlines(byte[] b) {
    long n = 0;
    for (byte c : b) {
      if (c == '\n') {
        n++;
      }
    }
    return n;
  }

  /**
   * meminfo: line for line the host's file, each changed line "Label:   N kB" of a label jlxcfs sets with N >= 0;
   * with the cgroup's figures ({@code cgroup}), MemFree and MemAvailable within MemTotal.
   */
  static void meminfo(byte[] host, byte[] out, boolean cgroup) {
    assertEquals(newlines(host), newlines(out), "meminfo must keep the host's lines");
    List<String> in = lines(host);
    List<String> got = lines(out);
    assertEquals(in.size(), got.size(), "meminfo must keep the host's lines");
    Map<String, Long> set = new HashMap<>();
    for (int i = 0; i < got.size(); i++) {
      if (got.get(i).equals(in.get(i))) {
        continue;
      }
      Matcher m = SET_LINE.matcher(got.get(i));
      if (!m.matches() || !MEMINFO_LABELS.contains(m.group(1)) || !in.get(i).startsWith(m.group(1) + ":")) {
        fail("meminfo line " + i + " is not 'Label: N kB' of the host's label: "
            + Mutations.show(got.get(i).getBytes(StandardCharsets.ISO_8859_1)) + " (host's line: "
            + Mutations.show(in.get(i).getBytes(StandardCharsets.ISO_8859_1)) + ")");
      }
      set.putIfAbsent(m.group(1), Long.parseLong(m.group(3)));
    }
    Long total = set.get("MemTotal");
    if (cgroup && total != null) {
      assertTrue(set.getOrDefault("MemFree", 0L) <= total, "MemFree > MemTotal: " + set);
      assertTrue(set.getOrDefault("MemAvailable", 0L) <= total, "MemAvailable > MemTotal: " + set);
    }
  }

  private static boolean isCpuLine(String l) {
    return l.length() > 3 && l.startsWith("cpu") && (l.charAt(3) == ' ' || Character.isDigit(l.charAt(3))
        && l.charAt(3) <= '9');
  }

  /**
   * stat: the host's other lines in order; in place of its CPU lines (if it had any) "cpu" and one "cpuN" per CPU of the view, all
   * with the same number of non-negative fields, each column of the CPUs summing to the "cpu" line's.
   */
  /** @param view the CPUs shown, ascending: the lines' numbers */
  static void stat(byte[] host, byte[] out, int[] view) {
    int n = view.length;
    List<String> in = lines(host);
    List<String> got = lines(out);
    assertEquals(in.stream().filter(l -> !isCpuLine(l)).toList(), got.stream().filter(l -> !isCpuLine(l)).toList(),
        "stat must keep the host's other lines");
    List<String> cpus = got.stream().filter(Checks::isCpuLine).toList();
    if (in.stream().noneMatch(Checks::isCpuLine)) {
      assertEquals(List.of(), cpus);
      return;
    }
    assertEquals(n + 1, cpus.size(), "one cpu line and one per CPU: " + cpus);
    long[] total = fields(cpus.get(0), "cpu ");
    long[] sum = new long[total.length];
    for (int k = 0; k < n; k++) {
      long[] f = fields(cpus.get(k + 1), "cpu" + view[k] + " ");
      assertEquals(total.length, f.length, "field count of cpu" + k);
      for (int i = 0; i < f.length; i++) {
        sum[i] += f[i];
      }
    }
    assertEquals(Arrays.toString(total), Arrays.toString(sum), "the cpu line is the sum of the CPUs'");
  }

  private static long[] fields(String line, String label) {
    assertTrue(line.startsWith(label), "expected " + label + ": " + line);
    String rest = line.substring(label.length()).trim();
    if (rest.isEmpty()) {
      return new long[0];
    }
    String[] parts = rest.split(" ");
    long[] v = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      assertTrue(parts[i].matches("[0-9]+"), "not a non-negative number: '" + parts[i] + "' in " + line);
      v[i] = Long.parseLong(parts[i]);
    }
    return v;
  }

  /**
   * cpuinfo: the host's file, or blocks of CPUs of the view (null: any) by their own numbers, ascending. A block is a paragraph that
   * starts with "processor : N" (N of up to 6 digits); other paragraphs are the host's, but for s390x's
   * "processor N:" lines, which are kept for the view's CPUs only.
   */
  static void cpuinfo(byte[] host, byte[] out, int[] view) {
    if (Arrays.equals(host, out)) {
      return;
    }
    // s390x's header lines are dropped for CPUs outside the view; the line after one that opened a paragraph then
    // opens it, and may read like a block's first line ("cpu number : 2" moved there by a mutation). Blocks are
    // only told apart in the host's layout, so for such text only the header lines are checked.
    boolean s390 = Arrays.stream(new String(host, StandardCharsets.ISO_8859_1).split("\n"))
        .anyMatch(l -> S390_PROCESSOR.matcher(l).matches());
    int next = 0;
    int last = -1;
    boolean paragraphStart = true;
    boolean inBlock = false;
    for (String l : new String(out, StandardCharsets.ISO_8859_1).split("\n", -1)) {
      if (l.isEmpty()) {
        paragraphStart = true;
        continue;
      }
      if (paragraphStart) {
        Matcher m = BLOCK_START.matcher(l);
        inBlock = m.matches() && m.group(2).length() < 7;
        if (inBlock && !s390) {
          int cpu = Integer.parseInt(m.group(2));
          assertTrue(cpu > last, "blocks keep their own numbers, ascending: " + l);
          assertTrue(view == null || Arrays.binarySearch(view, cpu) >= 0, "a block of a CPU not shown: " + l);
          last = cpu;
          next++;
        }
      }
      paragraphStart = false;
      Matcher s = S390_PROCESSOR.matcher(l);
      if (!inBlock && s.matches() && s.group(1).length() < 7) {
        assertTrue(view == null || Arrays.binarySearch(view, Integer.parseInt(s.group(1))) >= 0, "s390x line " + l);
      }
    }
    assertTrue(view == null || next <= view.length, next + " blocks for a view of " + Arrays.toString(view));
  }
}
