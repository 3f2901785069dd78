package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the Docker and podman tests share: the binds {@code jlxcfs flags} prints, the checks of what a container
 * reads (each expected figure derived from the container's limits and this host, never an earlier run's output),
 * and the clean-up of an engine's leftovers.
 */
final class Engines {

  private Engines() {}

  /** {@code jlxcfs flags --format FORMAT --mountpoint MNT}, split into words: {@code -v SRC:DST:ro} ... */
  static List<String> flags(String format, Path mountPoint) {
    Shell.Result r = Shell.run(List.of(Host.LAUNCHER.toString(), "flags", "--format", format, "--mountpoint",
        mountPoint.toString()), Map.of("JLXCFS_JAR", Host.JAR.toString()), 60).check();
    List<String> words = Arrays.asList(r.out().trim().split("\\s+"));
    assertTrue(words.size() >= 2 && words.size() % 2 == 0 && words.get(0).equals("-v"), r.out());
    return words;
  }

  /** {@code jlxcfs remount --state-dir STATE --mountpoint MNT}: the manual heal. */
  static Shell.Result remount(Path mountPoint, Path stateDir) {
    return Shell.run(List.of(Host.LAUNCHER.toString(), "remount", "--state-dir", stateDir.toString(),
        "--mountpoint", mountPoint.toString()), Map.of("JLXCFS_JAR", Host.JAR.toString()), 120);
  }

  /** A container's limits, as given to the engine: memory in bytes, CPUs (0: no quota), cpuset size (0: none). */
  record Limits(long memoryBytes, double cpus, int cpusetCpus) {}

  /** One script for everything {@link #check} looks at: a section per command, marked by "== name". */
  static final String SCRIPT = String.join("; ",
      "echo '== free'", "free -m",
      "echo '== top'", "top -bn1 | grep 'Mem :'",
      "echo '== proc-uptime'", "cat /proc/uptime",
      "echo '== uptime'", "uptime",
      "echo '== nproc'", "nproc",
      "echo '== python'", "python3 -c 'import os; print(os.cpu_count())'",
      "echo '== getconf'", "getconf _NPROCESSORS_ONLN",
      "echo '== cpuinfo'", "grep -c ^processor /proc/cpuinfo",
      "echo '== stat'", "grep -c '^cpu[0-9]' /proc/stat",
      "echo '== cpudir'", "ls /sys/devices/system/cpu | grep -c '^cpu[0-9]'",
      "echo '== online'", "cat /sys/devices/system/cpu/online",
      "echo '== pin'", "taskset -c \"$(cat /sys/devices/system/cpu/online)\" true && echo pinned",
      "echo '== swaps'", "cat /proc/swaps",
      "echo '== end'");

  static Map<String, String> sections(String out) {
    Map<String, String> s = new LinkedHashMap<>();
    String name = null;
    StringBuilder body = new StringBuilder();
    for (String line : out.split("\n", -1)) {
      if (line.startsWith("== ")) {
        if (name != null) {
          s.put(name, body.toString().trim());
        }
        name = line.substring(3).trim();
        body.setLength(0);
      } else if (name != null) {
        body.append(line).append('\n');
      }
    }
    if (name != null) {
      s.put(name, body.toString().trim());
    }
    return s;
  }

  /**
   * Runs {@link #SCRIPT} through {@code exec} and checks each answer against {@code limits}: free's and top's
   * memory, the container's uptime (at most {@code maxAgeSeconds}, as /proc/uptime and as procps' uptime prints
   * it), the CPU count of every way of counting, /proc/swaps. {@code startedNanos}: {@link System#nanoTime} before
   * the container was started (its uptime cannot be longer). Returns the output, for the test's log.
   */
  static String check(String what, Function<String, Shell.Result> exec, Limits limits, long startedNanos)
      throws IOException {
    Shell.Result r = exec.apply(SCRIPT);
    double maxAgeSeconds = (System.nanoTime() - startedNanos) / 1e9;
    String out = r.out() + r.err();
    assertEquals(0, r.exit(), what + ":\n" + out);
    Map<String, String> s = sections(r.out());
    assertTrue(s.containsKey("end"), what + ": the script did not finish:\n" + out);

    long hostMemKb = Host.hostMeminfo("MemTotal");
    long memKb = Math.min(limits.memoryBytes() / 1024, hostMemKb);
    // procps prints MiB as kB / 1024, truncated; top one decimal.
    String[] mem = line(s.get("free"), "Mem:", what, out).split("\\s+");
    assertEquals(Long.toString(memKb / 1024), mem[1], what + ": free -m total:\n" + out);
    Matcher top = Pattern.compile("Mem :\\s+([0-9.]+) total").matcher(s.get("top"));
    assertTrue(top.find(), what + ": top:\n" + out);
    assertEquals(String.format("%.1f", memKb / 1024.0), top.group(1), what + ": top's MiB Mem total:\n" + out);

    double up = Double.parseDouble(s.get("proc-uptime").split("\\s+")[0]);
    assertTrue(up >= 0 && up <= maxAgeSeconds + 1, what + ": the container's uptime (at most " + maxAgeSeconds
        + " s), not the host's (" + hostUptime() + " s):\n" + out);
    long minutes = uptimeMinutes(s.get("uptime"));
    assertTrue(Math.abs(minutes - (long) (up / 60)) <= 1, what + ": uptime says " + minutes + " min, /proc/uptime "
        + up + " s:\n" + out);

    int hostCpus = hostOnlineCpus();
    int affinity = limits.cpusetCpus() > 0 ? Math.min(limits.cpusetCpus(), hostCpus) : hostCpus;
    int view = limits.cpus() > 0 ? Math.max(1, Math.min(affinity, (int) Math.ceil(limits.cpus()))) : affinity;
    // nproc counts the affinity mask (sched_getaffinity), which a file system cannot change: a quota without a
    // cpuset leaves every host CPU in it (docs/design.md, "sys/devices/system/cpu").
    assertEquals(Integer.toString(affinity), s.get("nproc"), what + ": nproc:\n" + out);
    for (String k : List.of("python", "getconf", "cpuinfo", "stat", "cpudir")) {
      assertEquals(Integer.toString(view), s.get(k), what + ": " + k + " (" + view + " CPUs):\n" + out);
    }
    // The CPUs shown keep their own numbers: the lowest `view` of the host's online CPUs (the cpusets given here
    // start at CPU 0), so that the container can pin to its online list (docs/design.md, "The CPU view").
    assertEquals(cpuList(hostOnlineIds().subList(0, view)), s.get("online"), what + ": online:\n" + out);
    assertEquals("pinned", s.get("pin"), what + ": taskset -c with the online list:\n" + out);

    // Swap: the host has none here, and a container's swap never exceeds it; else one "none virtual" device whose
    // size free shows too.
    long hostSwapKb = Host.hostMeminfo("SwapTotal");
    List<String> swaps = s.get("swaps").lines().toList();
    String hostHeader = Files.readAllLines(Path.of("/proc/swaps")).get(0);
    assertEquals(hostHeader, swaps.get(0), what + ": /proc/swaps header:\n" + out);
    String[] swap = line(s.get("free"), "Swap:", what, out).split("\\s+");
    if (hostSwapKb == 0) {
      assertEquals(1, swaps.size(), what + ": no swap on the host, no device:\n" + out);
      assertEquals("0", swap[1], what + ": free's swap:\n" + out);
    } else {
      assertEquals(2, swaps.size(), what + ": one device:\n" + out);
      String[] dev = swaps.get(1).trim().split("\\s+");
      assertEquals(List.of("none", "virtual"), List.of(dev[0], dev[1]), out);
      long kb = Long.parseLong(dev[2]);
      assertTrue(kb <= hostSwapKb, what + ": swap above the host's:\n" + out);
      assertEquals(Long.toString(kb / 1024), swap[1], what + ": free's swap and /proc/swaps agree:\n" + out);
    }
    return out;
  }

  /**
   * The heal pass healed every bind ({@code perContainer}) of each container whose init is in {@code pids}, failed
   * none, and skipped only other daemons' mounts. {@code lines}: what the pass said about each bind (the daemon's
   * "healed pid ..." and "not healed: ..." log lines, or remount's "healed: " and "skipped: " lines). Other
   * namespaces may be healed too: on a shared machine a process that made a mount namespace of its own (a copy of
   * the host's) while the killed daemon served holds a copy of its mount at the mount point, which the pass
   * replaces as well; and other tests' containers may hold dead binds of their own daemons, which it must leave.
   */
  static void assertHealed(String summary, List<String> lines, List<Long> pids, int perContainer)
      throws IOException {
    String all = summary + "\n" + String.join("\n", lines);
    assertTrue(summary.matches("(?s).*\\d+ healed, \\d+ skipped, 0 failed.*"), all);
    for (String line : lines) {
      if (line.contains("not healed: ") || line.startsWith("skipped: ")) {
        assertTrue(line.contains("which no jlxcfs daemon of ") && line.contains("recorded"), "skipped one of ours: "
            + all);
      }
    }
    for (long pid : pids) {
      // The pass names each namespace by one of its processes and its mount namespace: "pid N (comm, mnt:[I])".
      String ns = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")).toString();
      long healed = lines.stream().filter(l -> !l.contains("not healed: ") && !l.startsWith("skipped: "))
          .filter(l -> l.contains(", " + ns + ")")).count();
      assertEquals(perContainer, healed, "binds healed in the container of pid " + pid + " (" + ns + "):\n" + all);
    }
  }

  /** A read of one of the container's files fails because the mount behind its bind is dead. */
  static void assertDead(String what, Shell.Result r) {
    assertTrue(r.exit() != 0 && (r.err() + r.out()).contains("not connected"),
        what + ": expected 'Transport endpoint is not connected', got exit " + r.exit() + ": " + r.out() + r.err());
  }

  private static String line(String text, String prefix, String what, String out) {
    return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError(what + ": no " + prefix + " line:\n" + out));
  }

  /** procps' uptime: "up 0 min", "up 1:05", "up 2 days, 3:04", "up 1 day, 5 min" as minutes. */
  static long uptimeMinutes(String uptime) {
    Matcher m = Pattern.compile("up\\s+(?:(\\d+) days?,\\s*)?(?:(\\d+):(\\d+)|(\\d+) min)").matcher(uptime);
    if (!m.find()) {
      throw new AssertionError("not procps' uptime: " + uptime);
    }
    long days = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
    long min = m.group(4) != null ? Long.parseLong(m.group(4))
        : Long.parseLong(m.group(2)) * 60 + Long.parseLong(m.group(3));
    return days * 24 * 60 + min;
  }

  static double hostUptime() throws IOException {
    return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
  }

  /** The host's online CPU numbers, ascending. */
  static List<Integer> hostOnlineIds() throws IOException {
    List<Integer> ids = new java.util.ArrayList<>();
    for (String range : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
      String[] ab = range.split("-");
      for (int c = Integer.parseInt(ab[0]); c <= Integer.parseInt(ab[ab.length - 1]); c++) {
        ids.add(c);
      }
    }
    return ids;
  }

  /** CPU numbers (ascending) in the kernel's list syntax ("0-1", "0,2-5"). */
  static String cpuList(List<Integer> ids) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < ids.size(); ) {
      int j = i;
      while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) {
        j++;
      }
      b.append(b.length() > 0 ? "," : "").append(ids.get(i)).append(j > i ? "-" + ids.get(j) : "");
      i = j + 1;
    }
    return b.toString();
  }

  /** The host's online CPUs, from /sys/devices/system/cpu/online ("0-1", "0,2-5"). */
  static int hostOnlineCpus() throws IOException {
    int n = 0;
    for (String range : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
      String[] ab = range.split("-");
      n += ab.length == 1 ? 1 : Integer.parseInt(ab[1]) - Integer.parseInt(ab[0]) + 1;
    }
    return n;
  }

  /**
   * A fresh temp directory for an engine's state, on a tmpfs of its own (1 GiB at most; the image takes ~160 MB):
   * measured here, importing the image there took 3.5 s against 3.8-7.5 s on the shared disk, and removing it
   * 0.2 s (an unmount) against 2.6-11 s of {@code rm -rf}. On the disk if tmpfs cannot be mounted.
   */
  static Path stateDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Shell.Result r = Shell.run(List.of("mount", "-t", "tmpfs", "-o", "size=1g,mode=0700", "jlxcfs-it-engine",
        dir.toString()));
    if (r.exit() != 0) {
      System.out.println("NOTE: no tmpfs for " + dir + " (" + r.err().trim() + "): the engine's state is on disk");
    }
    return dir;
  }

  /**
   * Removes what an engine may have left under {@code dir} and in the cgroups below {@code cgroupParent}: kills
   * (by pid) the processes in those cgroups and those whose command line names {@code dir} (its containerd, shims,
   * conmon), unmounts everything mounted below {@code dir} (deepest first), removes {@code dir} without crossing
   * into another file system, and removes the cgroups from every hierarchy.
   */
  static void cleanUp(Path dir, String cgroupParent) {
    List<Path> cgroupDirs = cgroupDirs(cgroupParent);
    for (int attempt = 0; attempt < 3; attempt++) {
      List<Long> pids = new ArrayList<>();
      for (Path cg : cgroupDirs) {
        try (Stream<Path> tree = Files.walk(cg)) {
          tree.filter(p -> p.getFileName().toString().equals("cgroup.procs")).forEach(procs -> {
            try {
              Files.readAllLines(procs).forEach(l -> pids.add(Long.parseLong(l.trim())));
            } catch (IOException | NumberFormatException ignored) {
              // gone meanwhile
            }
          });
        } catch (IOException | RuntimeException ignored) {
          // no such cgroup in this hierarchy
        }
      }
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        procs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
          try {
            String cmdline = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
            if (cmdline.contains(dir.toString())) {
              pids.add(Long.parseLong(p.getFileName().toString()));
            }
          } catch (IOException ignored) {
            // gone meanwhile
          }
        });
      } catch (IOException ignored) {
        // no /proc: nothing to do
      }
      pids.remove(ProcessHandle.current().pid());
      if (pids.isEmpty()) {
        break;
      }
      pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      RunningDaemon.sleep(500);
    }
    for (int attempt = 0; attempt < 3; attempt++) {
      List<String> mounts = mountsBelow(dir);
      if (mounts.isEmpty()) {
        break;
      }
      mounts.forEach(m -> Shell.run(List.of("umount", "-l", m)));
    }
    if (mountsBelow(dir).isEmpty()) {
      Shell.run(List.of("rm", "-rf", "--one-file-system", dir.toString()));
    } else {
      System.out.println("WARNING: mounts left below " + dir + ", not removed: " + mountsBelow(dir));
    }
    for (int attempt = 0; attempt < 20; attempt++) {
      boolean left = false;
      for (Path cg : cgroupDirs) {
        if (!Files.isDirectory(cg)) {
          continue;
        }
        try (Stream<Path> tree = Files.walk(cg)) {
          // deepest first; cgroupfs lists its control files as regular files, which rmdir never touches
          for (Path d : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
            try {
              Files.delete(d);
            } catch (IOException e) {
              left = true;
            }
          }
        } catch (IOException | RuntimeException e) {
          left = true;
        }
      }
      if (!left) {
        return;
      }
      RunningDaemon.sleep(250);
    }
    System.out.println("WARNING: cgroups left: " + cgroupDirs.stream().filter(Files::isDirectory).toList());
  }

  /** {@code parent} in each cgroup hierarchy mounted here (v1, cgroup2), as the mount table lists them. */
  private static List<Path> cgroupDirs(String parent) {
    List<Path> dirs = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        int dash = Arrays.asList(f).indexOf("-");
        if (dash > 0 && dash + 1 < f.length && (f[dash + 1].equals("cgroup") || f[dash + 1].equals("cgroup2"))
            && f[3].equals("/")) {
          dirs.add(Path.of(f[4] + parent));
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return dirs;
  }

  /** Mount points at or below {@code dir}, deepest first. */
  private static List<String> mountsBelow(Path dir) {
    try {
      String prefix = dir.toString();
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
          .map(Engines::unescape).filter(m -> m.equals(prefix) || m.startsWith(prefix + "/"))
          .sorted(Comparator.comparingInt(String::length).reversed()).distinct().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
