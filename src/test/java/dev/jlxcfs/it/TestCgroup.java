package dev.jlxcfs.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real v1 cgroups made for one test, in several controllers at once (same relative path in each). {@link #close}
 * kills every process left in them and removes them, children first, also when the test failed.
 */
final class TestCgroup implements AutoCloseable {

  private final String base;
  private final List<Path> created = new ArrayList<>();
  private final List<Process> spawned = new ArrayList<>();

  TestCgroup() {
    this("jlxcfs-it-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** A test cgroup whose top-level name is {@code name} (which may hold odd characters). */
  TestCgroup(String name) {
    this.base = name;
  }

  /** Creates {@code controller}/BASE/{@code sub} (sub may be "" or "a/b") and its missing parents. */
  Path dir(String controller, String sub) {
    Path top = Host.CGROUP_ROOT.resolve(controller);
    Path d = sub.isEmpty() ? top.resolve(base) : top.resolve(base).resolve(sub);
    List<Path> chain = new ArrayList<>();
    for (Path p = d; !p.equals(top); p = p.getParent()) {
      chain.add(0, p);
    }
    for (Path p : chain) {
      if (!Files.isDirectory(p)) {
        try {
          Files.createDirectory(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        created.add(p);
        if (controller.equals("cpuset")) {
          // A new cpuset has no CPUs or memory nodes until given some: inherit the parent's.
          write(p.resolve("cpuset.cpus"), read(p.getParent().resolve("cpuset.cpus")));
          write(p.resolve("cpuset.mems"), read(p.getParent().resolve("cpuset.mems")));
        }
      }
    }
    return d;
  }

  void set(String controller, String sub, String file, String value) {
    write(dir(controller, sub).resolve(file), value);
  }

  /** Starts {@code command} (sh syntax) inside these cgroups: it joins them before exec. */
  Process spawn(String command, Path... cgroupDirs) throws IOException {
    StringBuilder procs = new StringBuilder();
    for (Path d : cgroupDirs) {
      procs.append(d.resolve("cgroup.procs")).append('\n');
    }
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", JOIN_AND_EXEC);
    pb.environment().putAll(Map.of("JL_PROCS", procs.toString(), "JL_CMD", command));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    spawned.add(p);
    return p;
  }

  /** Runs {@code command} inside these cgroups to completion and returns its result. */
  Shell.Result run(String command, Path... cgroupDirs) {
    StringBuilder procs = new StringBuilder();
    for (Path d : cgroupDirs) {
      procs.append(d.resolve("cgroup.procs")).append('\n');
    }
    return Shell.run(List.of("sh", "-c", JOIN_AND_EXEC),
        Map.of("JL_PROCS", procs.toString(), "JL_CMD", command), 60);
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
