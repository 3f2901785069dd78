package dev.jlxcfs.fuzz;

import static dev.jlxcfs.fuzz.Mutations.bytes;
import static dev.jlxcfs.fuzz.Mutations.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.cgroup.Cgroup;
import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.CgroupLine;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Cgroups;
import dev.jlxcfs.cgroup.CpuList;
import dev.jlxcfs.cgroup.Hierarchy;
import dev.jlxcfs.cgroup.IoCounters;
import dev.jlxcfs.cgroup.MemStat;
import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.cgroup.MemoryUsage;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.render.Cpuinfo;
import dev.jlxcfs.render.Diskstats;
import dev.jlxcfs.render.Meminfo;
import dev.jlxcfs.render.Stat;
import dev.jlxcfs.render.Uptime;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.HostFiles;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.KeyedValues;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every parser fed bad input (issue 7): mutated fixture text ({@link Mutations}) and structural oddities (command
 * names with ") (", cgroup paths with colons and newlines, mountinfo escapes). A parser may return a sane value or
 * throw its documented exception (IOException, {@link MalformedException}); an unchecked exception, a hang, or an
 * insane value (a negative limit, a giant CPU set, a malformed rendered line) fails the case with its seed.
 */
class ParserFuzzTest {

  private static final Duration BUDGET = Duration.ofSeconds(10);
  private static final String[] CPUINFO_FIXTURES = {"x86_64-4cpu.txt", "arm64-4cpu.txt", "ppc64le.txt", "s390x.txt"};
  private static final String STAT = FixtureTree.resource("stat-4cpu.txt");
  private static final String V1_MEMORY_STAT = HostFiles.v1MemoryStat(20 << 20, 1 << 20, 30 << 20, 0, 5 << 20,
      15 << 20);
  private static final String V2_MEMORY_STAT = HostFiles.v2MemoryStat(40 << 20, 24 << 20, 1 << 20, 8 << 20, 8 << 20,
      2 << 20, 1 << 20);
  private static final String CGROUP_TEXT = "12:cpuset:/ctr\n11:memory:/ctr\n4:cpu,cpuacct:/ctr\n1:name=systemd:/x\n"
      + "0::/system.slice/docker-abc.scope\n";
  private static final List<String> MEMINFO_LABELS =
      Arrays.stream(Meminfo.Key.values()).map(Meminfo.Key::label).toList();

  @TempDir Path tmp;

  // --- numbers ---------------------------------------------------------------------------------------------------

  @Test
  void parseLongAgreesWithTheJdkOrThrowsMalformed() {
    Fuzz.run("parseLong", 5000, BUDGET, m -> {
      byte[] text = m.nextInt(4) == 0 ? m.randomBytes(m.nextInt(24))
          : m.mutate(m.pick(m.nextBoolean() ? Mutations.GIANT : Mutations.ODD) + (m.nextBoolean() ? "\n" : ""));
      Fuzz.Outcome<Long> r = Fuzz.attempt(() -> Bytes.parseLong(text, 0, text.length, Path.of("/n")));
      String trimmed = trimKernelBlanks(new String(text, StandardCharsets.ISO_8859_1));
      boolean plainDecimal = trimmed.matches("-?[0-9]{1,19}");
      if (r.ok()) {
        assertTrue(plainDecimal, "accepted a non-number " + show(text));
        assertEquals(new BigInteger(trimmed).longValueExact(), (long) r.value());
      } else if (plainDecimal && !trimmed.equals("-9223372036854775808")) {
        // Only -2^63 (19 digits that overflow before the sign applies) is a long it may refuse.
        assertTrue(new BigInteger(trimmed).bitLength() >= 64, "refused a long: " + show(text));
      }
    });
  }

  private static String trimKernelBlanks(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && " \t\n\r".indexOf(s.charAt(from)) >= 0) {
      from++;
    }
    while (to > from && " \t\n\r".indexOf(s.charAt(to - 1)) >= 0) {
      to--;
    }
    return s.substring(from, to);
  }

  // --- "key value" files -----------------------------------------------------------------------------------------

  @Test
  void keyedValuesMatchAPlainReadingOfEachLine() {
    List<String> cpuStat = List.of("user_usec", "system_usec");
    KeyedValues cpuStatParser = new KeyedValues(cpuStat, ' ');
    List<String> v2Names = List.of("anon", "file", "shmem", "active_file", "inactive_file", "slab_reclaimable");
    KeyedValues memStatParser = new KeyedValues(v2Names, ' ');
    KeyedValues meminfoParser = new KeyedValues(MEMINFO_LABELS, ':');
    Fuzz.run("keyedValues", 3000, BUDGET, m -> {
      int which = m.nextInt(3);
      List<String> keys = which == 0 ? cpuStat : which == 1 ? v2Names : MEMINFO_LABELS;
      KeyedValues parser = which == 0 ? cpuStatParser : which == 1 ? memStatParser : meminfoParser;
      char sep = which == 2 ? ':' : ' ';
      String seed = which == 0 ? "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 0\n"
          : which == 1 ? V2_MEMORY_STAT : HostFiles.MEMINFO;
      byte[] text = m.mutate(seed);
      long[] expected = reference(text, keys, sep);
      // Twice: the first parse may check a layout learnt from another text, the second checks its own.
      for (int pass = 0; pass < 2; pass++) {
        long[] values = new long[keys.size()];
        int[] lineEnds = new int[m.nextBoolean() ? 8 : 1024];
        Fuzz.Outcome<KeyedValues.Layout> r = Fuzz.attempt(
            () -> parser.parse(text, text.length, values, lineEnds, Path.of("/k")));
        if (expected == null) {
          assertFalse(r.ok(), "a key with no number must be malformed: " + Arrays.toString(values));
          continue;
        }
        assertTrue(r.ok(), () -> "refused: " + r.error());
        assertArrayEquals(expected, values, "pass " + pass);
        List<byte[]> lines = Mutations.lines(text);
        if (lineEnds.length >= lines.size()) {
          int pos = 0;
          for (int i = 0; i < lines.size(); i++) {
            pos += lines.get(i).length;
            assertEquals(pos, lineEnds[i], "end of line " + i);
            pos++;
          }
        }
      }
    });
  }

  /**
   * The values a plain line-by-line reading finds (the first line of a key, with its separator, wins); null where a
   * parse must fail as malformed.
   */
  private static long[] reference(byte[] text, List<String> keys, char sep) {
    long[] v = new long[keys.size()];
    Arrays.fill(v, KeyedValues.MISSING);
    boolean[] seen = new boolean[keys.size()];
    for (byte[] lineBytes : Mutations.lines(text)) {
      String line = new String(lineBytes, StandardCharsets.ISO_8859_1);
      int s = line.indexOf(sep);
      int k = s < 0 ? -1 : keys.indexOf(line.substring(0, s)); // a line without a separator holds no key
      if (k < 0 || seen[k]) {
        continue;
      }
      seen[k] = true;
      int i = s + 1;
      while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
        i++;
      }
      int start = i;
      if (i < line.length() && line.charAt(i) == '-') {
        i++;
      }
      while (i < line.length() && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
        i++;
      }
      String number = line.substring(start, i);
      if (!number.matches("-?[0-9]{1,19}")) {
        return null;
      }
      BigInteger big = new BigInteger(number);
      if (big.bitLength() >= 64 || number.equals("-9223372036854775808")) {
        return null;
      }
      v[k] = big.longValue();
    }
    return v;
  }

  // --- renderers over bad host files ------------------------------------------------------------------------------

  private static final long[] LIMITS = {MemoryLimits.NONE, 0, 1, 1023, 1024, 200L << 20, 24683620L * 1024 - 1,
      (1L << 60) - 1};
  private static final long[] USAGES = {-1, 0, 1, 4096, 50L << 20, 1L << 40, Long.MAX_VALUE / 2, Long.MAX_VALUE};

  @Test
  void meminfoRendersWellFormedLinesOverBadHostFiles() {
    Fuzz.run("meminfo", 3000, BUDGET, m -> {
      byte[] host = m.mutate(HostFiles.MEMINFO);
      long[] hostKb = new long[Meminfo.KEYS];
      // The handler's own line-end table holds 128 lines; also try without one.
      int[] lineEnds = m.nextBoolean() ? new int[128] : null;
      Fuzz.Outcome<KeyedValues.Layout> parsed = Fuzz.attempt(
          () -> Meminfo.parseHost(host, host.length, hostKb, lineEnds, Path.of("/proc/meminfo")));
      if (!parsed.ok() || hostKb[Meminfo.Key.MEM_TOTAL.ordinal()] == KeyedValues.MISSING) {
        return; // the handler serves the host's file
      }
      boolean showSwap = m.nextBoolean();
      MemoryLimits limits = new MemoryLimits(LIMITS[m.nextInt(LIMITS.length)], LIMITS[m.nextInt(LIMITS.length)],
          m.nextBoolean());
      long[] stat = new long[MemStat.values().length];
      for (int i = 0; i < stat.length; i++) {
        stat[i] = USAGES[m.nextInt(USAGES.length)];
      }
      MemoryUsage usage = new MemoryUsage(USAGES[m.nextInt(USAGES.length)], USAGES[m.nextInt(USAGES.length)], stat);
      m.note("limits " + limits + ", usage " + usage.memory() + "/" + usage.swap() + " " + Arrays.toString(stat));
      long[] values = new long[Meminfo.KEYS];
      Meminfo.Decision d = Meminfo.decide(hostKb, limits, showSwap);
      if (d == Meminfo.Decision.HOST) {
        return;
      }
      if (d == Meminfo.Decision.HOST_WITHOUT_SWAP) {
        Meminfo.hiddenSwap(values);
      } else {
        Meminfo.values(hostKb, limits, usage, showSwap, values);
      }
      ByteSink out = new ByteSink();
      Fuzz.attempt(() -> {
        Meminfo.render(host, host.length, parsed.value(), lineEnds, values, out);
        return null;
      });
      Checks.meminfo(host, out.toByteArray(), d == Meminfo.Decision.CGROUP);
    });
  }

  @Test
  void statKeepsItsShapeOverBadHostFiles() {
    Fuzz.run("stat", 3000, BUDGET, m -> {
      byte[] host = m.mutate(STAT);
      Fuzz.Outcome<long[]> times = Fuzz.attempt(() -> Stat.hostTimes(host, host.length, Path.of("/proc/stat")));
      if (times.ok()) {
        assertEquals(3, times.value().length);
      }
      int n = 1 + m.nextInt(8);
      int first = m.nextInt(4);
      int[] cpus = java.util.stream.IntStream.range(0, n).map(k -> first + 2 * k - (k % 2)).toArray();
      long[] ticks = {0, 1, 99, 100, 12345, 1L << 40, Long.MAX_VALUE};
      Stat.Times t = new Stat.Times(ticks[m.nextInt(ticks.length)], ticks[m.nextInt(ticks.length)],
          ticks[m.nextInt(ticks.length)]);
      ByteSink out = new ByteSink();
      Fuzz.attempt(() -> {
        Stat.render(host, host.length, cpus, t, out);
        return null;
      });
      Checks.stat(host, out.toByteArray(), cpus);
    });
  }

  @Test
  void cpuListsAndMasksAreCutOrRefused() {
    byte[][] seeds = {bytes("0-3\n"), bytes("0,2\n"), bytes("1,3-5,7\n"), bytes("00000000,0000000f\n"), bytes("f\n"),
        bytes("\n")};
    Fuzz.run("cpu lists", 3000, BUDGET, m -> {
      byte[] host = m.mutate(m.pick(seeds));
      int first = m.nextInt(6);
      int[] view = m.nextBoolean() ? new int[] {first} : new int[] {first, first + 1 + m.nextInt(40)};
      ByteSink list = new ByteSink();
      if (Fuzz.attempt(() -> {
        dev.jlxcfs.render.CpuLists.cut(host, host.length, view, list, Path.of("list"));
        return null;
      }).ok()) {
        String text = list.toString();
        assertTrue(text.matches("([0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)?\n"), "list " + text);
        for (String part : text.trim().isEmpty() ? new String[0] : text.trim().split("[,-]")) {
          assertTrue(java.util.Arrays.binarySearch(view, Integer.parseInt(part)) >= 0, "a CPU not shown: " + text);
        }
      }
      ByteSink mask = new ByteSink();
      if (Fuzz.attempt(() -> {
        dev.jlxcfs.render.CpuLists.cutMask(host, host.length, view, mask, Path.of("mask"));
        return null;
      }).ok()) {
        assertTrue(mask.toString().matches("[0-9a-f,]+\n"), "mask " + mask);
      }
    });
  }

  @Test
  void cpuinfoKeepsTheNumbersOfWhateverBlocksItFinds() {
    byte[][] fixtures = Arrays.stream(CPUINFO_FIXTURES).map(f -> bytes(FixtureTree.resource(f)))
        .toArray(byte[][]::new);
    Fuzz.run("cpuinfo", 1500, BUDGET, m -> {
      byte[] host = m.mutate(m.pick(fixtures));
      Fuzz.Outcome<Cpuinfo.Parsed> parsed = Fuzz.attempt(() -> Cpuinfo.parse(host));
      TreeSet<Integer> view = new TreeSet<>();
      int size = 1 + m.nextInt(6);
      while (view.size() < size) {
        view.add(m.nextInt(m.nextInt(4) == 0 ? 100 : 8));
      }
      int[] hostCpus = view.stream().mapToInt(Integer::intValue).toArray();
      m.note("view " + view);
      ByteSink out = new ByteSink();
      Fuzz.attempt(() -> {
        Cpuinfo.render(parsed.value(), hostCpus, out);
        return null;
      });
      Checks.cpuinfo(host, out.toByteArray(), hostCpus);
    });
  }

  @Test
  void diskstatsParsersAndRendererKeepEveryHostLine() {
    byte[] host = bytes(" 254       0 vda 127594 13363 6585890 76375 88521 22663 3836808 11251 0 21940 95088 102350 39 "
        + "3370352 7447\n   7       0 loop0 5 0 10 3 0 0 0 0 0 4 3 0 0 0 0 0 0\n 254       1 vda1 1 2 3 4 5 6 7 8 9 10 11\n");
    byte[] ioStat = bytes("254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
        + "8:16 wios=7 rios=3 wbytes=512 rbytes=1024 dbytes=1024 dios=1 cost.vrate=100.00\n");
    byte[] blkio = bytes("254:0 Read 8\n254:0 Write 9\n254:0 Sync 17\n254:0 Discard 1\n254:0 Total 18\nTotal 18\n");
    Fuzz.run("diskstats", 3000, BUDGET, m -> {
      byte[] h = m.mutate(host);
      byte[] v2 = m.mutate(ioStat);
      byte[] v1 = m.mutate(blkio);
      IoCounters io = new IoCounters();
      Fuzz.attempt(() -> {
        IoCounters.parseIoStat(v2, v2.length, io, Path.of("/io.stat"));
        return null;
      });
      Fuzz.attempt(() -> {
        IoCounters.parseBlkio(v1, v1.length, m.nextInt(2) == 0, io, Path.of("/blkio"));
        return null;
      });
      ByteSink out = new ByteSink();
      Diskstats.render(h, h.length, io, out);
      // One line out per line of the host's that is not blank (spaces, tabs, CRs), none of them blank.
      long hostLines = Mutations.lines(h).stream().filter(l -> !blank(l)).count();
      List<byte[]> lines = Mutations.lines(out.toByteArray());
      assertEquals(hostLines, lines.size(), show(out.toByteArray()));
      assertTrue(lines.stream().noneMatch(ParserFuzzTest::blank), show(out.toByteArray()));
    });
  }

  private static boolean blank(byte[] line) {
    for (byte c : line) {
      if (!Bytes.isSpace(c)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void uptimeIsTwoNonNegativeFiguresWhateverTheSeconds() {
    double[] odd = {0, -0.0, -1, 0.004, 0.005, 0.995, 1e300, -1e300, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.MIN_VALUE, 9.223372036854776E16, 123456.789};
    Fuzz.run("uptime", 2000, BUDGET, m -> {
      double up = m.nextInt(3) == 0 ? m.random().nextDouble() * 1e7 : odd[m.nextInt(odd.length)];
      double idle = m.nextInt(3) == 0 ? m.random().nextGaussian() * 1e6 : odd[m.nextInt(odd.length)];
      m.note("uptime " + up + " idle " + idle);
      ByteSink out = new ByteSink();
      Uptime.render(up, idle, out);
      assertTrue(out.toString().matches("[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2}\n"), out.toString());
    });
  }

  // --- CPU lists, cgroup lines, mountinfo -------------------------------------------------------------------------

  @Test
  void cpuListsAreBoundedOrMalformed() {
    String[] seeds = {"0-3,8,10-11", "0", "0-63", "1,3,5-7\n", ""};
    Fuzz.run("cpuList", 3000, BUDGET, m -> {
      String list = new String(m.mutate(m.pick(seeds)), StandardCharsets.ISO_8859_1);
      Fuzz.Outcome<BitSet> r = Fuzz.attempt(() -> CpuList.parse(list, Path.of("/cpuset.cpus")));
      if (r.ok()) {
        assertTrue(r.value().length() <= (1 << 16) + 1, "a CPU list past 65536 CPUs: " + r.value().length());
      }
    });
  }

  @Test
  void cgroupLinesParseOrAreMalformedAndLocateNeverThrows() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    t.v1("cpu,cpuacct");
    t.v2("cpuset cpu memory");
    t.mountLine("60 25 0:60 /docker/x " + tmp.resolve("bind") + " rw - cgroup cgroup rw,cpuset");
    CgroupMounts mounts = CgroupMounts.load(t.proc().resolve("self/mountinfo"));
    Fuzz.run("cgroupLines", 3000, BUDGET, m -> {
      String text;
      if (m.nextBoolean()) {
        text = new String(m.mutate(CGROUP_TEXT), StandardCharsets.ISO_8859_1);
      } else {
        // Well-formed lines whose paths hold colons, newlines, spaces and "..": the path is all after the 2nd colon.
        text = m.nextInt(8) + ":" + m.pick(new String[] {"memory", "cpu,cpuacct", "", "cpuset", "name=x"}) + ":"
            + m.cgroupPath() + "\n0::" + m.cgroupPath() + "\n";
      }
      Fuzz.Outcome<List<CgroupLine>> r = Fuzz.attempt(() -> CgroupLine.parseAll(text, Path.of("/proc/1/cgroup")));
      if (!r.ok()) {
        return;
      }
      for (String controller : List.of("memory", "cpu", "cpuacct", "cpuset")) {
        CgroupDir dir = Fuzz.attempt(() -> mounts.locate(controller, r.value())).value();
        if (dir != null) {
          Path mp = dir.hierarchy().mountPoint();
          assertTrue(dir.dir().normalize().startsWith(mp), dir.dir() + " is outside its mount " + mp);
          assertEquals(mp, dir.levels().get(dir.levels().size() - 1), "levels end at the mount point");
        }
      }
    });
  }

  @Test
  void mountinfoLinesWithEscapesLoadOrFailWithIoException() throws Exception {
    Path file = tmp.resolve("mountinfo");
    Path cg = Files.createDirectories(tmp.resolve("cg"));
    FixtureTree.write(cg.resolve("cgroup.controllers"), "cpu memory\n");
    String realistic = "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
        + "30 25 0:30 / " + cg + " rw,nosuid - cgroup2 cgroup2 rw\n"
        + "31 25 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"
        + "32 25 0:32 /docker/a\\040b /sys/fs/cgroup/cpu\\134x rw - cgroup cgroup rw,cpu,cpuacct\n";
    Fuzz.run("mountinfo", 1000, BUDGET, m -> {
      String text;
      if (m.nextBoolean()) {
        text = new String(m.mutate(realistic), StandardCharsets.ISO_8859_1);
      } else {
        text = "40 25 0:40 " + m.mountField() + " " + m.mountField() + " rw - "
            + m.pick(new String[] {"cgroup", "cgroup2", "tmpfs"}) + " cgroup rw,memory\n";
        m.note("line " + show(bytes(text)));
      }
      Files.write(file, text.getBytes(StandardCharsets.UTF_8));
      Fuzz.Outcome<CgroupMounts> r = Fuzz.attempt(() -> CgroupMounts.load(file));
      if (r.ok()) {
        for (Hierarchy h : r.value().hierarchies()) {
          assertTrue(h.version() == 1 || h.version() == 2);
        }
      }
    });
  }

  @Test
  void mountinfoUnescapingDecodesOnlyWholeOctalEscapes() {
    Fuzz.run("unescape", 3000, BUDGET, m -> {
      String field = m.nextBoolean() ? m.mountField()
          : new String(m.mutate(m.mountField()), StandardCharsets.ISO_8859_1);
      m.note("field " + show(bytes(field)));
      String out = Fuzz.attempt(() -> CgroupMounts.unescapeMountField(field)).value();
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < field.length(); i++) {
        if (field.charAt(i) == '\\' && i + 4 <= field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
          expected.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
          i += 3;
        } else {
          expected.append(field.charAt(i));
        }
      }
      assertEquals(expected.toString(), out);
    });
  }

  // --- /proc/PID files --------------------------------------------------------------------------------------------

  @Test
  void startTimeSurvivesAnyCommandName() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    ProcFs proc = new ProcFs(t.proc());
    Path stat = t.proc().resolve("77/stat");
    Files.createDirectories(stat.getParent());
    Fuzz.run("procStat", 1000, BUDGET, m -> {
      long start = m.nextBoolean() ? m.nextInt(1 << 30) : Long.MAX_VALUE - m.nextInt(10);
      String line = "77 (" + m.commName() + ") S 1 77 77 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 " + start
          + " 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
      boolean mutated = m.nextInt(3) == 0;
      byte[] content = mutated ? m.mutate(line) : bytes(line);
      Files.write(stat, content);
      Fuzz.Outcome<Long> r = Fuzz.attempt(() -> proc.startTime(77));
      if (!mutated) {
        assertTrue(r.ok(), () -> "refused a well-formed stat: " + r.error());
        assertEquals(start, (long) r.value(), "the start time after the command name");
      }
    });
  }

  @Test
  void statusParsesOrIsMalformed() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    ProcFs proc = new ProcFs(t.proc());
    Path status = t.proc().resolve("78/status");
    Files.createDirectories(status.getParent());
    String seed = "Name:\tx y\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t78\nNgid:\t0\nPid:\t78\nPPid:\t1\n"
        + "TracerPid:\t0\nNSpid:\t78\t9\t1\nNSpgid:\t78\t9\t1\n";
    Fuzz.run("procStatus", 1500, BUDGET, m -> {
      Files.write(status, m.mutate(seed));
      Fuzz.Outcome<ProcFs.Status> r = Fuzz.attempt(() -> proc.status(78));
      if (r.ok()) {
        assertTrue(r.value().nsPids().length > 0);
      }
    });
  }

  // --- cgroup files through the readers ---------------------------------------------------------------------------

  @Test
  void cgroupReadersGiveSaneFiguresOrThrowTheDocumentedExceptions() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    Path v1 = t.v1("memory,cpu,cpuacct,cpuset");
    Path v2 = t.v2("cpuset cpu memory");
    String[][] v1Files = {
      {"memory.limit_in_bytes", 200 * (1 << 20) + "\n"}, {"memory.memsw.limit_in_bytes", 300 * (1 << 20) + "\n"},
      {"memory.usage_in_bytes", 50 * (1 << 20) + "\n"}, {"memory.memsw.usage_in_bytes", 60 * (1 << 20) + "\n"},
      {"memory.stat", V1_MEMORY_STAT}, {"cpu.cfs_quota_us", "150000\n"}, {"cpu.cfs_period_us", "100000\n"},
      {"cpuset.cpus", "0-3,8\n"}, {"cpuacct.usage", "4000000000\n"}, {"cpuacct.stat", "user 300\nsystem 100\n"},
    };
    String[][] v2Files = {
      {"memory.max", 256 * (1 << 20) + "\n"}, {"memory.swap.max", "max\n"}, {"memory.current", "67108864\n"},
      {"memory.swap.current", "0\n"}, {"memory.stat", V2_MEMORY_STAT}, {"cpu.max", "50000 100000\n"},
      {"cpuset.cpus.effective", "0-1\n"}, {"cpuset.cpus", "0-3\n"},
      {"cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\n"},
    };
    for (String[] f : v1Files) {
      t.cgroupFile(v1, "/ctr", f[0], f[1]);
    }
    for (String[] f : v2Files) {
      t.cgroupFile(v2, "/ctr", f[0], f[1]);
    }
    Cgroups cgroups = new Cgroups(t.sys(), Duration.ZERO, true);
    Set<String> all = Set.of("memory", "cpu", "cpuacct", "cpuset");
    CgroupDir d1 = new CgroupDir(new Hierarchy(1, v1, "/", all), v1.resolve("ctr"));
    CgroupDir d2 = new CgroupDir(new Hierarchy(2, v2, "/", all), v2.resolve("ctr"));
    Fuzz.run("cgroupReaders", 600, BUDGET, m -> {
      boolean first = m.nextBoolean();
      String[][] files = first ? v1Files : v2Files;
      Path dir = (first ? d1 : d2).dir();
      String[] target = m.pick(files);
      m.note("v" + (first ? 1 : 2) + " " + target[0]);
      Files.write(dir.resolve(target[0]), m.mutate(target[1]));
      try {
        Cgroup cg = cgroups.of(first ? d1 : d2);
        Fuzz.Outcome<MemoryLimits> limits = Fuzz.attempt(() -> cg.memoryLimits(new ReadBuffer(64)));
        if (limits.ok()) {
          assertTrue(limits.value().memory() >= 0, "memory limit " + limits.value());
          assertTrue(limits.value().swap() >= 0, "swap limit " + limits.value());
        }
        Fuzz.attempt(() -> cg.memoryUsage(true, new ReadBuffer(64)));
        Fuzz.Outcome<Double> quota = Fuzz.attempt(() -> cg.cpuQuota(new ReadBuffer(64)));
        if (quota.ok()) {
          assertTrue(quota.value() > 0, "quota " + quota.value());
        }
        Fuzz.Outcome<BitSet> cpus = Fuzz.attempt(() -> cg.cpuset(new ReadBuffer(64)));
        if (cpus.ok() && cpus.value() != null) {
          assertTrue(cpus.value().length() <= (1 << 16) + 1, "a cpuset past 65536 CPUs");
        }
        Fuzz.attempt(() -> cg.cpuUsage(new ReadBuffer(64)));
      } finally {
        FixtureTree.write(dir.resolve(target[0]), target[1]);
      }
    });
  }

  // --- truncation at every offset ---------------------------------------------------------------------------------

  @Test
  void everyTruncationOfEveryFixtureParsesOrIsMalformed() throws Exception {
    List<byte[]> texts = new ArrayList<>();
    texts.add(bytes(HostFiles.MEMINFO));
    texts.add(bytes(STAT));
    for (String f : CPUINFO_FIXTURES) {
      texts.add(bytes(FixtureTree.resource(f)));
    }
    long[] hostKb = new long[Meminfo.KEYS];
    long[] values = new long[Meminfo.KEYS];
    Meminfo.hiddenSwap(values);
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(BUDGET, () -> {
      for (byte[] full : texts) {
        for (int len = 0; len <= full.length; len++) {
          byte[] cut = Arrays.copyOf(full, len);
          Fuzz.Outcome<KeyedValues.Layout> layout = Fuzz.attempt(
              () -> Meminfo.parseHost(cut, cut.length, hostKb, Path.of("/m")));
          if (layout.ok()) {
            ByteSink out = new ByteSink();
            Fuzz.attempt(() -> {
              Meminfo.render(cut, cut.length, layout.value(), values, out);
              return null;
            });
          }
          Fuzz.attempt(() -> Stat.hostTimes(cut, cut.length, Path.of("/s")));
          Stat.render(cut, cut.length, new int[] {1, 3}, new Stat.Times(1, 2, 3), new ByteSink());
          Cpuinfo.Parsed p = Fuzz.attempt(() -> Cpuinfo.parse(cut)).value();
          Cpuinfo.render(p, new int[] {1, 3}, new ByteSink());
          String s = new String(cut, StandardCharsets.ISO_8859_1);
          Fuzz.attempt(() -> CgroupLine.parseAll(s, Path.of("/c")));
          Fuzz.attempt(() -> CpuList.parse(s.length() > 12 ? s.substring(0, 12) : s, Path.of("/l")));
        }
      }
    });
  }
}
