package dev.jlxcfs.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real cgroups made for one test, in several controllers at once (same relative path in each hierarchy; on cgroup2
 * all its controllers share one directory). {@link #close} kills every process left in them and removes them,
 * children first, also when the test failed.
 */
final class TestCgroup implements AutoCloseable {

  /** On cgroup2, where a process goes when asked to join a cgroup that has children (see {@link #procsFiles}). */
  static final String LEAF = "leaf";

  private final CgroupLayout layout;
  private final String base;
  private final List<Path> created = new ArrayList<>();
  private final List<Process> spawned = new ArrayList<>();

  TestCgroup() {
    this("jlxcfs-it-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** A test cgroup whose top-level name is {@code name} (which may hold odd characters). */
  TestCgroup(String name) {
    this(CgroupLayout.host(), name);
  }

  TestCgroup(CgroupLayout layout, String name) {
    this.layout = layout;
    this.base = name;
  }

  CgroupLayout layout() {
    return layout;
  }

  /** Creates BASE/{@code sub} (sub may be "" or "a/b") and its missing parents where {@code controller} lives. */
  Path dir(String controller, String sub) {
    Path top = layout.root(controller);
    return create(top, sub.isEmpty() ? top.resolve(base) : top.resolve(base).resolve(sub));
  }

  private Path create(Path top, Path d) {
    List<Path> chain = new ArrayList<>();
    for (Path p = d; !p.equals(top); p = p.getParent()) {
      chain.add(0, p);
    }
    boolean v2 = layout.isV2Dir(top);
    for (Path p : chain) {
      if (!Files.isDirectory(p)) {
        if (v2) {
          enableControllers(p.getParent());
        }
        try {
          Files.createDirectory(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        created.add(p);
        if (!v2 && Files.exists(p.getParent().resolve("cpuset.cpus"))) {
          // A new v1 cpuset has no CPUs or memory nodes until given some: inherit the parent's. (A v2 cpuset with
          // empty files uses its parent's.)
          write(p.resolve("cpuset.cpus"), read(p.getParent().resolve("cpuset.cpus")));
          write(p.resolve("cpuset.mems"), read(p.getParent().resolve("cpuset.mems")));
        }
      }
    }
    return d;
  }

  /**
   * cgroup2 gives a child a controller's files only when its parent enables the controller for its children.
   * Those already enabled (the root's, on a systemd host) are left as they are; what the tests enable at the root
   * stays enabled after them, as disabling it could fail or break cgroups others made meanwhile.
   */
  private void enableControllers(Path parent) {
    Path control = parent.resolve("cgroup.subtree_control");
    List<String> on = Files.exists(control) ? List.of(read(control).trim().split("\\s+")) : List.of();
    StringBuilder add = new StringBuilder();
    for (String c : layout.v2SubtreeControllers()) {
      if (!on.contains(c)) {
        add.append(add.length() == 0 ? "+" : " +").append(c);
      }
    }
    if (add.length() > 0) {
      write(control, add.toString());
    }
  }

  /**
   * Creates BASE/{@code sub} in the cgroup2 tree and returns it: the group whose pressure files the kernel keeps
   * for the processes that join it (on a v2 host the controllers' own directory, on a hybrid host one in the
   * cgroup2 mount beside the v1 hierarchies); null on a host without cgroup2.
   */
  Path unifiedDir(String sub) {
    Path top = layout.unifiedRoot();
    if (top == null) {
      return null;
    }
    return create(top, sub.isEmpty() ? top.resolve(base) : top.resolve(base).resolve(sub));
  }

  /** Sets the CPU weight of BASE/{@code sub} from v1 shares (see {@link CgroupLayout#cpuShares}). */
  void weighCpu(String sub, long shares) {
    apply(dir("cpu", sub), layout.cpuShares(shares));
  }

  /** Limits memory of BASE/{@code sub} to {@code bytes}. */
  void limitMemory(String sub, long bytes) {
    apply(dir("memory", sub), layout.memoryLimit(bytes));
  }

  /** Gives BASE/{@code sub} a CFS quota of {@code quotaUs} per {@code periodUs}. */
  void limitCpu(String sub, long quotaUs, long periodUs) {
    apply(dir("cpu", sub), layout.cpuLimit(quotaUs, periodUs));
  }

  /** Restricts BASE/{@code sub} to {@code cpus} (e.g. "1" or "0-2"). */
  void setCpus(String sub, String cpus) {
    apply(dir("cpuset", sub), layout.cpus(cpus));
  }

  private static void apply(Path dir, List<CgroupLayout.Setting> settings) {
    for (CgroupLayout.Setting s : settings) {
      write(dir.resolve(s.file()), s.value());
    }
  }

  /**
   * The cgroup.procs files a process writes its pid to, to be in {@code cgroupDirs}: each once (on cgroup2 the
   * controllers' directories are one). cgroup2 lets no process into a cgroup whose children have controllers
   * (its "no internal processes" rule): there it joins a child made for it, {@link #LEAF}, which has the same
   * limits through its parent. The root cgroup is exempt from that rule: a process asked to join it joins it.
   */
  List<Path> procsFiles(Path... cgroupDirs) {
    Set<Path> files = new LinkedHashSet<>();
    for (Path d : cgroupDirs) {
      Path target = d;
      if (layout.isV2Dir(d) && !layout.isHierarchyTop(d) && hasChildCgroups(d)) {
        target = d.resolve(LEAF);
        create(d, target);
      }
      files.add(target.resolve("cgroup.procs"));
    }
    return List.copyOf(files);
  }

  private static boolean hasChildCgroups(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(Files::isDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts {@code command} (sh syntax) inside these cgroups: it joins them before exec. */
  Process spawn(String command, Path... cgroupDirs) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", JOIN_AND_EXEC);
    pb.environment().putAll(Map.of("JL_PROCS", joinList(cgroupDirs), "JL_CMD", command));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    spawned.add(p);
    return p;
  }

  /** Runs {@code command} inside these cgroups to completion and returns its result. */
  Shell.Result run(String command, Path... cgroupDirs) {
    return Shell.run(List.of("sh", "-c", JOIN_AND_EXEC),
        Map.of("JL_PROCS", joinList(cgroupDirs), "JL_CMD", command), 60);
  }

  private String joinList(Path... cgroupDirs) {
    StringBuilder procs = new StringBuilder();
    for (Path f : procsFiles(cgroupDirs)) {
      procs.append(f).append('\n');
    }
    return procs.toString();
  }

  private static final String JOIN_AND_EXEC = "IFS='\n'\n"
      + "for f in $JL_PROCS; do echo $$ > \"$f\" || exit 97; done\n"
      + "unset IFS\n"
      + "exec sh -c \"$JL_CMD\"\n";

  @Override
  public void close() {
    for (Process p : spawned) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (int i = created.size() - 1; i >= 0; i--) {
      Path d = created.get(i);
      if (!Files.isDirectory(d)) {
        continue; // the test removed it
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        killAll(d);
        try {
          Files.delete(d); // rmdir
          break;
        } catch (IOException e) {
          if (System.nanoTime() > deadline) {
            System.err.println("TestCgroup: could not remove " + d + ": " + e);
            break;
          }
          RunningDaemon.sleep(50);
        }
      }
    }
  }

  private static void killAll(Path dir) {
    try {
      for (String pid : read(dir.resolve("cgroup.procs")).split("\n")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (UncheckedIOException e) {
      // already gone
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }
}
