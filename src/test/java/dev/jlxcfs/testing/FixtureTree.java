package dev.jlxcfs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake host in a temp directory: a procfs tree (host files, per-pid entries, self/mountinfo, namespace links)
 * and cgroup hierarchies (v1, v2 or both), laid out the way the kernel lays them out, so the daemon's code runs
 * unchanged on it.
 */
public final class FixtureTree {

  public static final String HOST_NS = "pid:[4026531836]";

  private final Path root;
  private final Path proc;
  private final Path sys;
  private final List<String> mountinfo = new ArrayList<>();
  private int mountId = 30;

  public FixtureTree(Path root) {
    this.root = root;
    this.proc = root.resolve("proc");
    this.sys = root.resolve("sys");
    write(proc.resolve("meminfo"), HostFiles.MEMINFO);
    write(proc.resolve("uptime"), "1000.00 1800.00\n");
    write(proc.resolve("loadavg"), "1.91 2.13 1.66 4/112 31610\n");
    write(proc.resolve("cpuinfo"), resource("x86_64-4cpu.txt"));
    write(proc.resolve("stat"), resource("stat-4cpu.txt"));
    write(proc.resolve("diskstats"), "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        + " 254       0 vda 127594 13363 6585890 76375 88521 22663 3836808 11251 0 21940 95088 102350 39 3370352 7447 "
        + "402 14\n"
        + " 254       1 vda1 127000 13000 6500000 76000 88000 22000 3800000 11000 0 21000 95000 102000 39 3370000 7400"
        + " 400 14\n");
    for (String kind : new String[] {"cpu", "memory", "io"}) {
      write(proc.resolve("pressure/" + kind), "some avg10=0.12 avg60=0.30 avg300=0.25 total=123456\n"
          + "full avg10=0.00 avg60=0.01 avg300=0.00 total=2345\n");
    }
    write(proc.resolve("swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
        + "/dev/vda2                               partition\t1048572\t\t1024\t\t-2\n");
    write(sys.resolve("devices/system/cpu/online"), "0-3\n");
    nsLink(proc.resolve("self"), HOST_NS);
    flushMountinfo();
  }

  /**
   * The rest of the host's sys/devices/system/cpu for the 4-CPU fixture's topology (one package, cores 0 = CPUs 0,2
   * and 1 = CPUs 1,3, as its cpuinfo says): possible, present, offline, kernel_max, a vulnerability, and per CPU
   * topology/* and cache/index0 (L1d of its core), index3 (L3 of all). Returns this tree.
   */
  public FixtureTree cpuTopology() {
    Path cpu = sys.resolve("devices/system/cpu");
    write(cpu.resolve("possible"), "0-3\n");
    write(cpu.resolve("present"), "0-3\n");
    write(cpu.resolve("offline"), "\n");
    write(cpu.resolve("kernel_max"), "8191\n");
    write(cpu.resolve("vulnerabilities/meltdown"), "Not affected\n");
    for (int n = 0; n < 4; n++) {
      Path t = cpu.resolve("cpu" + n + "/topology");
      String core = (n % 2 == 0) ? "0,2" : "1,3";
      String coreMask = (n % 2 == 0) ? "5" : "a";
      write(t.resolve("core_id"), (n % 2) + "\n");
      write(t.resolve("physical_package_id"), "0\n");
      write(t.resolve("die_id"), "0\n");
      write(t.resolve("thread_siblings_list"), core + "\n");
      write(t.resolve("thread_siblings"), coreMask + "\n");
      write(t.resolve("core_cpus_list"), core + "\n");
      write(t.resolve("core_cpus"), coreMask + "\n");
      for (String all : new String[] {"core_siblings", "package_cpus", "die_cpus", "cluster_cpus"}) {
        write(t.resolve(all + "_list"), "0-3\n");
        write(t.resolve(all), "f\n");
      }
      Path c = cpu.resolve("cpu" + n + "/cache");
      write(c.resolve("index0/level"), "1\n");
      write(c.resolve("index0/type"), "Data\n");
      write(c.resolve("index0/size"), "32K\n");
      write(c.resolve("index0/shared_cpu_list"), core + "\n");
      write(c.resolve("index0/shared_cpu_map"), coreMask + "\n");
      write(c.resolve("index3/level"), "3\n");
      write(c.resolve("index3/type"), "Unified\n");
      write(c.resolve("index3/size"), "8192K\n");
      write(c.resolve("index3/shared_cpu_list"), "0-3\n");
      write(c.resolve("index3/shared_cpu_map"), "f\n");
      write(cpu.resolve("cpu" + n + "/online"), "1\n");
    }
    return this;
  }

  /** A file of src/test/resources/fixtures/cpuinfo. */
  public static String resource(String name) {
    try (var in = FixtureTree.class.getResourceAsStream("/fixtures/cpuinfo/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path root() {
    return root;
  }

  public Path proc() {
    return proc;
  }

  public Path sys() {
    return sys;
  }

  /** A v1 hierarchy with these controllers (comma-separated, as in super options), mounted at cgroup/NAME. */
  public Path v1(String controllers) {
    Path mp = root.resolve("cgroup").resolve(controllers);
    mkdirs(mp);
    mountinfo.add(++mountId + " 25 0:" + mountId + " / " + escape(mp) + " rw,nosuid - cgroup cgroup rw,"
        + controllers);
    flushMountinfo();
    return mp;
  }

  /** The unified hierarchy at cgroup/unified, with these controllers bound to it ("" for a hybrid host's). */
  public Path v2(String controllers) {
    Path mp = root.resolve("cgroup").resolve("unified");
    mkdirs(mp);
    write(mp.resolve("cgroup.controllers"), controllers + "\n");
    mountinfo.add(++mountId + " 25 0:" + mountId + " / " + escape(mp) + " rw,nosuid - cgroup2 cgroup2 rw");
    flushMountinfo();
    return mp;
  }

  /** Adds a raw mountinfo line. */
  public void mountLine(String line) {
    mountinfo.add(line);
    flushMountinfo();
  }

  /** Writes a file in a cgroup directory (creating the directory). */
  public Path cgroupFile(Path hierarchy, String cgroupPath, String file, String content) {
    Path dir = cgroupPath.equals("/") ? hierarchy : hierarchy.resolve(cgroupPath.substring(1));
    write(dir.resolve(file), content);
    return dir;
  }

  /** A process: /proc/PID/{stat,cgroup,status,ns/pid}. {@code nsPids} as in the NSpid line. */
  public void process(int pid, long startTicks, String cgroupFile, int ppid, String ns, int... nsPids) {
    Path dir = proc.resolve(Integer.toString(pid));
    // A command name with a space and a ')' to prove the stat parser finds the last ')'.
    write(dir.resolve("stat"), pid + " (we ird) name) S " + ppid + " " + pid + " " + pid
        + " 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 " + startTicks + " 1000 100 18446744073709551615\n");
    write(dir.resolve("cgroup"), cgroupFile);
    StringBuilder nspid = new StringBuilder();
    for (int p : nsPids.length == 0 ? new int[] {pid} : nsPids) {
      nspid.append('\t').append(p);
    }
    write(dir.resolve("status"), "Name:\tx\nState:\tS (sleeping)\nTgid:\t" + pid + "\nPPid:\t" + ppid
        + "\nNSpid:" + nspid + "\n");
    nsLink(dir, ns);
  }

  /**
   * A thread in {@code state} (R, S, D ...) as the load sampler sees it: /proc/TID/task/TID/stat (made from the
   * process's stat file where there is one, with the state replaced; else with a command name holding a space and
   * a ')').
   */
  public void thread(int tid, char state) {
    Path file = proc.resolve(tid + "/task/" + tid + "/stat");
    Path processStat = proc.resolve(tid + "/stat");
    Path from = Files.exists(file) ? file : processStat;
    String stat;
    try {
      stat = Files.exists(from) ? Files.readString(from, StandardCharsets.ISO_8859_1)
          : tid + " (we ird) name) S 1 " + tid + " " + tid
              + " 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 100 1000 100 18446744073709551615\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int close = stat.lastIndexOf(')');
    write(file, stat.substring(0, close + 2) + state + stat.substring(close + 3));
  }

  public void removeProcess(int pid) {
    Path dir = proc.resolve(Integer.toString(pid));
    try (var s = Files.walk(dir)) {
      s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void nsLink(Path dir, String ns) {
    try {
      Path link = dir.resolve("ns").resolve("pid");
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, Path.of(ns));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void mkdirs(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void flushMountinfo() {
    List<String> lines = new ArrayList<>();
    lines.add("22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw");
    lines.add("25 22 0:24 / /sys/fs/cgroup ro,nosuid shared:4 - tmpfs tmpfs ro,mode=755");
    lines.addAll(mountinfo);
    write(proc.resolve("self/mountinfo"), String.join("\n", lines) + "\n");
  }

  private static String escape(Path p) {
    return p.toString().replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011");
  }
}
