package dev.jlxcfs.render;

import dev.jlxcfs.util.ByteSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /proc/cpuinfo for a CPU view: a pure function from the host's file and the CPUs shown to text.
 *
 * <p>The file is read as paragraphs separated by blank lines. A paragraph that starts with {@code processor : N}
 * (x86, arm64, ppc64le, riscv ...) or {@code cpu number : N} (s390x) is one CPU's block: the blocks of the visible
 * CPUs are kept, in ascending order, with their own numbers (the ones the caller can pin to); the others are
 * dropped. Every other paragraph (arm64's and
 * ppc64le's trailers, s390x's header) stays where it was. Within kept text:
 * <ul>
 *   <li>x86 {@code siblings} = the visible CPUs in the same {@code physical id}, {@code cpu cores} = their distinct
 *       {@code core id}s;
 *   <li>s390x {@code # processors} = n, and its {@code processor N: version = ...} header lines are filtered like
 *       blocks.
 * </ul>
 * Everything else is the host's, byte for byte. A format with no recognizable blocks is returned unchanged.
 *
 * <p>The host's file changes rarely (at most its "cpu MHz" lines), so it is split once ({@link #parse}) and each
 * read only copies the kept lines ({@link #render}).
 */
public final class Cpuinfo {

  private static final Pattern BLOCK_START = Pattern.compile("^(processor|cpu number)(\\s*:\\s*)(\\d+)\\s*$");
  private static final Pattern S390_PROCESSOR_LINE = Pattern.compile("^processor (\\d+):(.*)$");

  private Cpuinfo() {}

  /** A line of a paragraph: copied, or rewritten per view. */
  private enum Kind { PLAIN, SIBLINGS, CORES, S390_PROCESSOR, S390_COUNT }

  private record Line(Kind kind, byte[] bytes, int hostCpu) {}

  /** One paragraph with the blank-line separator that followed it in the host's file. */
  private record Paragraph(Line[] lines, int newlines, int cpu, byte[] prefix, int pkg, int core) {
    boolean isBlock() {
      return cpu >= 0;
    }
  }

  /** The host's file, split into what {@link #render} copies and what it rewrites. Immutable. */
  public static final class Parsed {
    private final byte[] host;
    private final List<Paragraph> paragraphs;
    private final Paragraph[] blockByCpu;
    private final int packages;
    private final int cores;
    private final boolean passThrough;

    private Parsed(byte[] host, List<Paragraph> paragraphs, Paragraph[] blockByCpu, int packages, int cores,
                   boolean passThrough) {
      this.host = host;
      this.paragraphs = paragraphs;
      this.blockByCpu = blockByCpu;
      this.packages = packages;
      this.cores = cores;
      this.passThrough = passThrough;
    }

    /** The host's file as read. */
    public byte[] host() {
      return host;
    }
  }

  /** Splits a host file (the array is kept, not copied). */
  public static Parsed parse(byte[] host) {
    String text = new String(host, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\n", -1);
    Map<String, Integer> packages = new HashMap<>();
    Map<String, Integer> cores = new HashMap<>();
    List<Paragraph> paragraphs = new ArrayList<>();
    int maxCpu = -1;
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
      if (!para.isEmpty() || newlines > 0) {
        Paragraph p = paragraph(para, Math.max(0, newlines), packages, cores);
        paragraphs.add(p);
        maxCpu = Math.max(maxCpu, p.cpu());
      }
      i = next;
    }
    Paragraph[] byCpu = new Paragraph[maxCpu + 1];
    for (Paragraph p : paragraphs) {
      if (p.isBlock() && byCpu[p.cpu()] == null) {
        byCpu[p.cpu()] = p;
      }
    }
    boolean passThrough = maxCpu < 0 && !text.contains("# processors");
    return new Parsed(host, List.copyOf(paragraphs), byCpu, packages.size(), cores.size(), passThrough);
  }

  private static Paragraph paragraph(List<String> text, int newlines, Map<String, Integer> packages,
                                     Map<String, Integer> cores) {
    int cpu = -1;
    byte[] prefix = null;
    if (!text.isEmpty()) {
      Matcher m = BLOCK_START.matcher(text.get(0));
      if (m.matches() && m.group(3).length() < 7) {
        cpu = Integer.parseInt(m.group(3));
        prefix = bytes(m.group(1) + m.group(2));
      }
    }
    String pkg = null;
    String core = null;
    for (String line : text) {
      String key = key(line);
      if (cpu >= 0 && "physical id".equals(key)) {
        pkg = value(line);
      } else if (cpu >= 0 && "core id".equals(key)) {
        core = value(line);
      }
    }
    Line[] lines = new Line[text.size()];
    for (int j = 0; j < lines.length; j++) {
      // siblings and cpu cores are counted per physical package: without one, they stay as the host wrote them.
      lines[j] = line(text.get(j), cpu >= 0, pkg != null);
    }
    int pkgIndex = -1;
    int coreIndex = -1;
    if (pkg != null) {
      pkgIndex = packages.computeIfAbsent(pkg, k -> packages.size());
      // Blocks without a core id count as cores of their own.
      String coreKey = pkg + "/" + (core != null ? core : "?" + cpu);
      coreIndex = cores.computeIfAbsent(coreKey, k -> cores.size());
    }
    return new Paragraph(lines, newlines, cpu, prefix, pkgIndex, coreIndex);
  }

  private static Line line(String line, boolean inBlock, boolean inPackage) {
    String key = key(line);
    if (inPackage && "siblings".equals(key)) {
      return new Line(Kind.SIBLINGS, keyPart(line), -1);
    }
    if (inPackage && "cpu cores".equals(key)) {
      return new Line(Kind.CORES, keyPart(line), -1);
    }
    if (!inBlock) {
      Matcher m = S390_PROCESSOR_LINE.matcher(line);
      if (m.matches() && m.group(1).length() < 7) {
        return new Line(Kind.S390_PROCESSOR, bytes(":" + m.group(2)), Integer.parseInt(m.group(1)));
      }
      if ("# processors".equals(key)) {
        return new Line(Kind.S390_COUNT, keyPart(line), -1);
      }
    }
    return new Line(Kind.PLAIN, bytes(line), -1);
  }

  private static String key(String line) {
    int colon = line.indexOf(':');
    return colon > 0 ? line.substring(0, colon).trim() : null;
  }

  private static String value(String line) {
    return line.substring(line.indexOf(':') + 1).trim();
  }

  /** "key<tabs>: " of a "key<tabs>: value" line: the part a rewritten line keeps. */
  private static byte[] keyPart(String line) {
    return bytes(line.substring(0, line.indexOf(':') + 1) + " ");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The file for the view that shows host CPUs {@code hostCpus} (ascending), by their own numbers. */
  public static void render(Parsed host, int[] hostCpus, ByteSink out) {
    if (host.passThrough) {
      out.write(host.host);
      return;
    }
    List<Paragraph> kept = new ArrayList<>(hostCpus.length);
    for (int cpu : hostCpus) {
      if (cpu < host.blockByCpu.length && host.blockByCpu[cpu] != null) {
        kept.add(host.blockByCpu[cpu]);
      }
    }
    if (kept.isEmpty() && host.blockByCpu.length > 0) {
      out.write(host.host); // none of the view's CPUs has a block: better the host's file than an empty one
      return;
    }
    int[] siblings = new int[host.packages];
    int[] coresPerPackage = new int[host.packages];
    boolean[] coreSeen = new boolean[host.cores];
    for (Paragraph p : kept) {
      if (p.pkg() >= 0) {
        siblings[p.pkg()]++;
        if (!coreSeen[p.core()]) {
          coreSeen[p.core()] = true;
          coresPerPackage[p.pkg()]++;
        }
      }
    }
    int k = 0; // the k-th block position in the host's file holds the k-th kept block, with its separator
    for (Paragraph p : host.paragraphs) {
      if (!p.isBlock()) {
        writeOther(out, p, hostCpus);
      } else if (k < kept.size()) {
        writeBlock(out, kept.get(k), siblings, coresPerPackage);
        out.repeat((byte) '\n', p.newlines());
        k++;
      }
    }
  }

  private static void writeBlock(ByteSink out, Paragraph block, int[] siblings, int[] cores) {
    Line[] lines = block.lines();
    for (int j = 0; j < lines.length; j++) {
      if (j > 0) {
        out.write('\n');
      }
      Line line = lines[j];
      if (j == 0) {
        out.write(block.prefix()).write(block.cpu());
      } else if (line.kind() == Kind.SIBLINGS) {
        out.write(line.bytes()).write(siblings[block.pkg()]);
      } else if (line.kind() == Kind.CORES) {
        out.write(line.bytes()).write(cores[block.pkg()]);
      } else {
        out.write(line.bytes());
      }
    }
  }

  /** Non-block paragraphs: verbatim, except s390x's header count and per-processor lines. */
  private static void writeOther(ByteSink out, Paragraph p, int[] hostCpus) {
    boolean first = true;
    for (Line line : p.lines()) {
      if (line.kind() == Kind.S390_PROCESSOR && Arrays.binarySearch(hostCpus, line.hostCpu()) < 0) {
        continue;
      }
      if (!first) {
        out.write('\n');
      }
      first = false;
      switch (line.kind()) {
        case S390_PROCESSOR -> out.write("processor ").write(line.hostCpu()).write(line.bytes());
        case S390_COUNT -> out.write(line.bytes()).write(hostCpus.length);
        default -> out.write(line.bytes());
      }
    }
    out.repeat((byte) '\n', p.newlines());
  }
}
