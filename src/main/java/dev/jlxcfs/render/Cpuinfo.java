package dev.jlxcfs.render;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /proc/cpuinfo for a CPU view: a pure function from the host's file and the host CPUs behind virtual CPUs
 * 0..n-1 to text.
 *
 * <p>The file is read as paragraphs separated by blank lines. A paragraph that starts with {@code processor : N}
 * (x86, arm64, ppc64le, riscv ...) or {@code cpu number : N} (s390x) is one CPU's block: the blocks of the visible
 * CPUs are kept, in view order, renumbered 0..n-1; the others are dropped. Every other paragraph (arm64's and
 * ppc64le's trailers, s390x's header) stays where it was. Within kept text:
 * <ul>
 *   <li>x86 {@code siblings} = the visible CPUs in the same {@code physical id}, {@code cpu cores} = their distinct
 *       {@code core id}s;
 *   <li>s390x {@code # processors} = n, and its {@code processor N: version = ...} header lines are filtered and
 *       renumbered like blocks.
 * </ul>
 * Everything else is the host's, byte for byte. A format with no recognizable blocks is returned unchanged.
 */
public final class Cpuinfo {

  private static final Pattern BLOCK_START = Pattern.compile("^(processor|cpu number)(\\s*:\\s*)(\\d+)\\s*$");
  private static final Pattern S390_PROCESSOR_LINE = Pattern.compile("^processor (\\d+):(.*)$");

  private Cpuinfo() {}

  /** One paragraph with the blank-line separator that followed it in the host's file. */
  private record Paragraph(List<String> lines, String separator, int cpu) {
    boolean isBlock() {
      return cpu >= 0;
    }
  }

  public static String render(String host, int[] hostCpus) {
    List<Paragraph> paragraphs = split(host);
    Map<Integer, Paragraph> blocks = new HashMap<>();
    for (Paragraph p : paragraphs) {
      if (p.isBlock()) {
        blocks.put(p.cpu(), p);
      }
    }
    if (blocks.isEmpty() && !host.contains("# processors")) {
      return host;
    }
    Map<Integer, Integer> virtualOf = new HashMap<>();
    for (int v = 0; v < hostCpus.length; v++) {
      virtualOf.put(hostCpus[v], v);
    }
    List<Paragraph> kept = new ArrayList<>();
    for (int cpu : hostCpus) {
      Paragraph p = blocks.get(cpu);
      if (p != null) {
        kept.add(p);
      }
    }
    Map<String, String> siblings = new HashMap<>();
    Map<String, String> cores = new HashMap<>();
    countTopology(kept, siblings, cores);

    StringBuilder out = new StringBuilder(host.length());
    int emitted = 0;
    int k = 0; // the k-th block position in the host's file holds the k-th kept block, with its separator
    for (Paragraph p : paragraphs) {
      if (!p.isBlock()) {
        appendOther(out, p, virtualOf, hostCpus.length);
        continue;
      }
      if (k++ < kept.size()) {
        Paragraph block = kept.get(k - 1);
        appendBlock(out, block, virtualOf.get(block.cpu()), siblings, cores);
        out.append(p.separator());
        emitted++;
      }
    }
    if (emitted == 0 && !kept.isEmpty()) {
      return host;
    }
    return out.toString();
  }

  private static List<Paragraph> split(String text) {
    List<Paragraph> paragraphs = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    int end = lines.length;
    int i = 0;
    while (i < end) {
      List<String> para = new ArrayList<>();
      while (i < end && !lines[i].isEmpty()) {
        para.add(lines[i++]);
      }
      int next = i;
      while (next < end && lines[next].isEmpty()) {
        next++;
      }
      // The newlines from this paragraph's last line to the next non-empty line (or the file's end). Only the
      // file's start can give an empty paragraph (leading blank lines).
      int newlines;
      if (para.isEmpty()) {
        newlines = next < end ? next : end - 1;
      } else {
        int last = i - 1;
        newlines = next < end ? next - last : end - 1 - last;
      }
      int cpu = -1;
      if (!para.isEmpty()) {
        Matcher m = BLOCK_START.matcher(para.get(0));
        if (m.matches()) {
          cpu = Integer.parseInt(m.group(3));
        }
      }
      if (!para.isEmpty() || newlines > 0) {
        paragraphs.add(new Paragraph(para, "\n".repeat(Math.max(0, newlines)), cpu));
      }
      i = next;
    }
    return paragraphs;
  }

  private static void countTopology(List<Paragraph> kept, Map<String, String> siblings, Map<String, String> cores) {
    Map<String, Integer> perPackage = new HashMap<>();
    Map<String, Set<String>> coreIds = new HashMap<>();
    for (Paragraph p : kept) {
      String pkg = field(p, "physical id");
      if (pkg == null) {
        continue;
      }
      perPackage.merge(pkg, 1, Integer::sum);
      String core = field(p, "core id");
      coreIds.computeIfAbsent(pkg, k -> new HashSet<>()).add(core == null ? "?" + perPackage.get(pkg) : core);
    }
    perPackage.forEach((pkg, n) -> siblings.put(pkg, Integer.toString(n)));
    coreIds.forEach((pkg, ids) -> cores.put(pkg, Integer.toString(ids.size())));
  }

  private static String field(Paragraph p, String key) {
    for (String line : p.lines()) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  private static void appendBlock(StringBuilder out, Paragraph p, int virtual, Map<String, String> siblings,
                                  Map<String, String> cores) {
    String pkg = field(p, "physical id");
    for (int j = 0; j < p.lines().size(); j++) {
      String line = p.lines().get(j);
      if (j > 0) {
        out.append('\n');
      }
      if (j == 0) {
        Matcher m = BLOCK_START.matcher(line);
        m.matches();
        out.append(m.group(1)).append(m.group(2)).append(virtual);
      } else if (pkg != null && keyIs(line, "siblings")) {
        out.append(replaceValue(line, siblings.get(pkg)));
      } else if (pkg != null && keyIs(line, "cpu cores")) {
        out.append(replaceValue(line, cores.get(pkg)));
      } else {
        out.append(line);
      }
    }
  }

  /** Non-block paragraphs: verbatim, except s390x's header count and per-processor lines. */
  private static void appendOther(StringBuilder out, Paragraph p, Map<Integer, Integer> virtualOf, int n) {
    boolean first = true;
    for (String line : p.lines()) {
      String outLine = line;
      Matcher m = S390_PROCESSOR_LINE.matcher(line);
      if (m.matches()) {
        Integer v = virtualOf.get(Integer.parseInt(m.group(1)));
        if (v == null) {
          continue;
        }
        outLine = "processor " + v + ":" + m.group(2);
      } else if (keyIs(line, "# processors")) {
        outLine = replaceValue(line, Integer.toString(n));
      }
      if (!first) {
        out.append('\n');
      }
      out.append(outLine);
      first = false;
    }
    out.append(p.separator());
  }

  private static boolean keyIs(String line, String key) {
    int colon = line.indexOf(':');
    return colon > 0 && line.substring(0, colon).trim().equals(key);
  }

  /** Replaces what follows ": " in a "key<tabs>: value" line, keeping the key and its padding. */
  private static String replaceValue(String line, String value) {
    int colon = line.indexOf(':');
    return line.substring(0, colon + 1) + " " + value;
  }
}
