package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.cgroup.Hierarchy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What readers have seen that the kernel does not keep, handed by a daemon to the one that takes over from it (see
 * docs/design.md, "Handover"): each cgroup's load averages (the kernel keeps none per cgroup) and each CPU view's
 * shown columns and steal (so /proc/stat never goes backwards and steal does not restart at zero). Everything else a
 * reader sees is read from the kernel on every read, and carries on by itself.
 *
 * <p>Cgroups are named by their hierarchy (version and controllers) and their path in it: each daemon reads the
 * hierarchies through private copies of its own ({@code /proc/self/fd/N}), which differ between daemons.
 *
 * <p>Format: text lines, the first {@link #MAGIC}; then {@code loadclock NANOS} (since the last sampling pass),
 * {@code load HIER L1 L5 L15 RUNNING TOTAL PATH} and {@code cpu USAGE_HIER
 * USAGE_PATH WAIT_HIER WAIT_PATH START CPUS F1..F13} with {@code -} for none, paths escaped ({@link #escape}). A
 * line this daemon does not understand (a later version's) is skipped; the predecessor is another root daemon, yet
 * every figure is checked before it is used.
 */
public final class CarriedState {

  static final String MAGIC = "jlxcfs-state 1";
  /** A state larger than this is not read (a dense node's is ~100 bytes a group: ~1 MB for 10,000). */
  public static final int MAX_BYTES = 64 << 20;

  private final List<Hierarchy> hierarchies;
  private LoadTracker loads;
  private CpuAccounting cpuTimes;

  public CarriedState(CgroupMounts mounts) {
    this.hierarchies = List.copyOf(mounts.hierarchies());
  }

  /** The daemon's holders of carried figures (ServedTree, once). */
  public void track(LoadTracker loads, CpuAccounting cpuTimes) {
    this.loads = loads;
    this.cpuTimes = cpuTimes;
  }

  /** The state now, for a successor. */
  public byte[] save() {
    StringBuilder out = new StringBuilder(MAGIC).append('\n');
    if (loads != null) {
      out.append("loadclock ").append(loads.sinceLastPass()).append('\n');
      loads.carry((dir, l1, l5, l15, running, total) -> {
        String where = place(dir.dir());
        if (where != null) {
          out.append("load ").append(hierarchyOf(dir.dir())).append(' ').append(l1).append(' ').append(l5)
              .append(' ').append(l15).append(' ').append(running).append(' ').append(total).append(' ')
              .append(where).append('\n');
        }
      });
    }
    if (cpuTimes != null) {
      cpuTimes.carry((usageDir, waitDir, startTicks, cpus, figures) -> {
        String usage = usageDir == null ? "- -" : hierarchyOf(usageDir) + " " + place(usageDir);
        String wait = waitDir == null ? "- -" : hierarchyOf(waitDir) + " " + place(waitDir);
        if (usage.contains("null") || wait.contains("null")) {
          return;
        }
        out.append("cpu ").append(usage).append(' ').append(wait).append(' ').append(startTicks).append(' ')
            .append(cpus);
        for (long f : figures) {
          out.append(' ').append(f);
        }
        out.append('\n');
      });
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** What {@link #restore} took. */
  public record Restored(int loads, int views, int skipped) {}

  /**
   * Takes a predecessor's state, before the first sample and the first read. Lines that name a hierarchy this
   * daemon does not have, a path that leaves its hierarchy, or figures out of range are skipped (counted).
   */
  public Restored restore(byte[] state) {
    String text = new String(state, StandardCharsets.UTF_8);
    String[] lines = text.split("\n");
    if (lines.length == 0 || !lines[0].equals(MAGIC)) {
      return new Restored(0, 0, lines.length);
    }
    int loaded = 0;
    int views = 0;
    int skipped = 0;
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split(" ");
      try {
        if (f[0].equals("loadclock") && f.length == 2 && loads != null) {
          loads.resumeClock(Long.parseLong(f[1]));
          continue;
        }
        if (f[0].equals("load") && f.length == 8 && loads != null) {
          Path dir = find(f[1], f[7]);
          long l1 = figure(f[2]);
          long l5 = figure(f[3]);
          long l15 = figure(f[4]);
          int running = (int) Math.min(figure(f[5]), Integer.MAX_VALUE);
          int total = (int) Math.min(figure(f[6]), Integer.MAX_VALUE);
          if (dir != null && loads.resume(dir, l1, l5, l15, running, total)) {
            loaded++;
            continue;
          }
        } else if (f[0].equals("cpu") && f.length == 7 + CpuAccounting.CARRIED_FIGURES && cpuTimes != null) {
          Path usage = f[1].equals("-") ? null : find(f[1], f[2]);
          Path wait = f[3].equals("-") ? null : find(f[3], f[4]);
          long start = figure(f[5]);
          int cpus = (int) Math.min(figure(f[6]), 1 << 20);
          long[] figures = new long[CpuAccounting.CARRIED_FIGURES];
          for (int k = 0; k < figures.length; k++) {
            figures[k] = Long.parseLong(f[7 + k]); // offsets may be negative
          }
          if ((usage != null || f[1].equals("-")) && (wait != null || f[3].equals("-"))) {
            cpuTimes.resume(usage, wait, start, cpus, figures);
            views++;
            continue;
          }
        }
      } catch (NumberFormatException e) {
        // skipped below
      }
      skipped++;
    }
    return new Restored(loaded, views, skipped);
  }

  /** A non-negative figure. */
  private static long figure(String s) {
    long v = Long.parseLong(s);
    if (v < 0) {
      throw new NumberFormatException(s);
    }
    return v;
  }

  /** The hierarchy's name in the state: version and controllers, the same in every daemon of the host. */
  private static String id(Hierarchy h) {
    return escape("v" + h.version() + ":" + String.join(",", new TreeSet<>(h.controllers())) + ":" + h.root());
  }

  private String hierarchyOf(Path dir) {
    Hierarchy h = owner(dir);
    return h == null ? null : id(h);
  }

  private Hierarchy owner(Path dir) {
    Hierarchy best = null;
    for (Hierarchy h : hierarchies) {
      if (dir.startsWith(h.mountPoint())
          && (best == null || h.mountPoint().getNameCount() > best.mountPoint().getNameCount())) {
        best = h;
      }
    }
    return best;
  }

  /** {@code dir} relative to its hierarchy's mount, escaped ("." for the root), or null outside every hierarchy. */
  private String place(Path dir) {
    Hierarchy h = owner(dir);
    if (h == null) {
      return null;
    }
    String rel = h.mountPoint().relativize(dir).toString();
    return escape(rel.isEmpty() ? "." : rel);
  }

  /** The directory named {@code rel} in the hierarchy named {@code id} here, or null. */
  Path find(String id, String rel) {
    Hierarchy h = null;
    for (Hierarchy each : hierarchies) {
      if (id(each).equals(id)) {
        h = each;
      }
    }
    String path = unescape(rel);
    if (h == null || path == null || path.startsWith("/")) {
      return null;
    }
    if (path.equals(".")) {
      return h.mountPoint();
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return null;
      }
    }
    return h.mountPoint().resolve(path);
  }

  /** Spaces, newlines and backslashes escaped, so that a path is one field of a line. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case ' ' -> b.append("\\s");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** The inverse of {@link #escape}; null for an escape it never writes. */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (++i == s.length()) {
        return null;
      }
      switch (s.charAt(i)) {
        case '\\' -> b.append('\\');
        case 's' -> b.append(' ');
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        default -> {
          return null;
        }
      }
    }
    return b.toString();
  }

  /** The lines of a state (tests). */
  static List<String> lines(byte[] state) {
    return new ArrayList<>(List.of(new String(state, StandardCharsets.UTF_8).split("\n")));
  }
}
