package dev.jlxcfs.command;

import dev.jlxcfs.cgroup.CgroupDir;
import dev.jlxcfs.cgroup.CgroupLine;
import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Figures;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.daemon.Housekeeping;
import dev.jlxcfs.daemon.ServedTree;
import dev.jlxcfs.daemon.StartupException;
import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.fs.FileTree;
import dev.jlxcfs.proc.ProcFs;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jlxcfs show PID [FILE]}: for "why does my container see X?". Prints the process's cgroups, the limit and
 * usage files on each cgroup's path up to its hierarchy's root (the figures come from the smallest limit on the
 * path), and each file as that process would read it, computed by the daemon's own code, or the host's file and
 * the reason when the daemon would fall back to it.
 */
public final class Show {

  /**
   * What the daemon reads, per source of figures: the name {@code show} prints, what it feeds, which figures (whose
   * files the group's cgroup reader names; null: the pressure files of the caller's cgroup2 group), and whether the
   * levels above the group are shown too (limits are the smallest on the path; usage and pressure are the group's
   * own).
   */
  private record Source(String name, String feeds, Figures figures, boolean walk) {}

  private static final List<Source> SOURCES = List.of(
      new Source("memory", "meminfo, swaps", Figures.MEMORY, true),
      new Source("cpu", "the CPU count: cpuinfo, stat, online", Figures.CPU_QUOTA, true),
      new Source("cpuset", "cpuinfo, stat, online", Figures.CPUSET, true),
      new Source("cpu time", "stat", Figures.CPU_TIME, false),
      new Source("io", "diskstats", Figures.IO, false),
      new Source("pressure", "pressure/{cpu,memory,io}, stat's steal", null, false));
  /** The pressure files, which every cgroup2 group has whatever its controllers. */
  private static final List<String> PRESSURE_FILES = List.of("cpu.pressure", "memory.pressure", "io.pressure");
  /** Shown when no FILE is named. */
  private static final List<String> DEFAULT_FILES = List.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat",
      "/proc/uptime", "/proc/swaps", "/proc/diskstats", "/proc/pressure/cpu", "/sys/devices/system/cpu/online");

  private final Config config;

  public Show(Config config) {
    this.config = config;
  }

  public int run(int pid, String file, PrintStream out, PrintStream err) {
    Path proc = config.procRoot();
    ProcFs procFs = new ProcFs(proc);
    String cgroupText;
    try {
      cgroupText = procFs.cgroupText(pid, new ReadBuffer(4096));
    } catch (IOException e) {
      err.println("jlxcfs: no process " + pid + " (" + Texts.printable(String.valueOf(e.getMessage())) + ")");
      return 1;
    }
    CgroupMounts mounts;
    FileTree tree;
    try {
      mounts = CgroupMounts.load(proc.resolve("self/mountinfo"));
      tree = ServedTree.build(config, proc, config.sysRoot(), mounts, List.of(), new Housekeeping());
    } catch (IOException | StartupException e) {
      err.println("jlxcfs: " + Texts.printable(String.valueOf(e.getMessage())));
      return 1;
    }
    List<String> files = file == null ? DEFAULT_FILES : List.of(normalize(file));
    for (String f : files) {
      FileTree.Node node = tree.lookup(f);
      if (node == null || node.file() == null) {
        err.println("jlxcfs: jlxcfs serves no file " + Texts.printable(f) + " (it serves /proc/{meminfo,cpuinfo,stat,uptime,swaps,"
            + "diskstats,loadavg}, /proc/pressure/{cpu,memory,io} and /sys/devices/system/cpu/{online,possible,present,"
            + "cpuN/online,cpuN/topology/*,...})");
        return 2;
      }
    }

    // What the process and its cgroups' owners chose (comm, cgroup names, and so the paths and what is read there)
    // is printed escaped: a tenant's name must not drive the administrator's terminal.
    out.println("process " + pid + " (" + Texts.printable(comm(proc, pid)) + ")");
    out.println("  " + Texts.printable(procFs.cgroupFile(pid).toString()) + ":");
    cgroupText.lines().forEach(l -> out.println("    " + Texts.printable(l)));
    List<CgroupLine> lines = CgroupLine.parseAll(cgroupText, procFs.cgroupFile(pid));
    // The very directories the daemon reads this process's figures from (the same lookup as a read's).
    CgroupMounts.Dirs dirs = mounts.dirs(lines, cgroupText);
    for (Source source : SOURCES) {
      Path top;
      Path own;
      String layout;
      List<String> names;
      if (source.figures() == null) {
        own = dirs.unified();
        top = own;
        layout = "cgroup v2";
        names = PRESSURE_FILES;
      } else {
        CgroupDir dir = dirs.of(source.figures());
        own = dir == null ? null : dir.dir();
        top = dir == null ? null : dir.hierarchy().mountPoint();
        layout = dir == null ? null : "cgroup v" + dir.version();
        names = dir == null ? List.of() : dir.filesRead(source.figures());
      }
      String label = source.name() + " (" + source.feeds() + ")";
      if (own == null) {
        out.println(label + ": " + (source.figures() == null
            ? "the process has no cgroup2 group of its own: the host's files"
            : "no mounted hierarchy serves it for this process: its figures are the host's"));
        continue;
      }
      out.println(label + ": " + layout + ", " + Texts.printable(own.toString()));
      for (Path level = own; level != null && level.startsWith(top); level = level.getParent()) {
        for (String name : names) {
          Path f = level.resolve(name);
          if (Files.isRegularFile(f)) {
            out.println("    " + Texts.printable(f.toString()) + " = " + Texts.printable(value(f)));
          }
        }
        if (!source.walk() || level.equals(top)) {
          break;
        }
      }
    }
    ReadContext ctx = tree.newContext();
    for (String f : files) {
      VirtualFile vf = tree.lookup(f).file();
      ByteSink sink = new ByteSink();
      String how;
      try {
        vf.render(ctx.begin(pid), sink);
        how = "as process " + pid + " reads it";
      } catch (Exception e) {
        sink = new ByteSink();
        how = "the host's file, which process " + pid + " gets because: " + e;
        try {
          vf.host(ctx, sink);
        } catch (IOException io) {
          how += "; and the host's file cannot be read either: " + io.getMessage();
        }
      }
      out.println();
      out.println("== " + f + ": " + Texts.printable(how) + " ==");
      // Made by the kernel and the daemon, but from what tenants name (diskstats' devices, cpuinfo's model ...):
      // laid out as it is, nothing else a terminal would obey.
      out.print(Texts.printableLines(new String(sink.array(), 0, sink.length(), StandardCharsets.UTF_8)));
    }
    return 0;
  }

  /** "/proc/meminfo", "proc/meminfo" and "meminfo" all name /proc/meminfo. */
  static String normalize(String file) {
    String f = file.startsWith("/") ? file : "/" + file;
    return f.startsWith("/proc/") || f.startsWith("/sys/") ? f : "/proc" + f;
  }

  private static String value(Path file) {
    try {
      String v = Files.readString(file, StandardCharsets.ISO_8859_1).trim();
      if (file.getFileName().toString().startsWith("memory.") && v.matches("\\d{7,19}")) {
        long n = Long.parseLong(v);
        return v + (n >= (1L << 60) ? " (no limit)" : " (" + (n >> 20) + " MiB)");
      }
      return v.replace("\n", "; ");
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  private static String comm(Path proc, int pid) {
    try {
      // Without the kernel's newline only (trim() would also drop a leading ESC, hiding what the name holds); any
      // bytes, decoded leniently.
      String comm = new String(Files.readAllBytes(proc.resolve(pid + "/comm")), StandardCharsets.UTF_8);
      return comm.endsWith("\n") ? comm.substring(0, comm.length() - 1) : comm;
    } catch (IOException e) {
      return "?";
    }
  }
}
