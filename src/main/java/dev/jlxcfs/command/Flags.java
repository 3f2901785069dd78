package dev.jlxcfs.command;

import dev.jlxcfs.cgroup.MountInfo;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.daemon.Binds;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jlxcfs flags}: the options that bind the served files ({@link Binds#ALL}) into a container, for docker and
 * podman run, a compose service's volumes, or a Kubernetes pod's volumes and volumeMounts.
 */
public final class Flags {

  private Flags() {}

  /**
   * Prints the binds for the mount point of {@code config} in the format {@code operands[0]}; a second operand is the
   * mount point given as a positional argument, which must then be a live jlxcfs mount. Returns the exit status.
   */
  public static int run(List<String> operands, Config config, PrintStream out, PrintStream err) {
    if (operands.size() > 1) {
      // A positional argument must name a serving jlxcfs: a typo or a word meant as the format would otherwise
      // print binds of some directory and exit 0. --mountpoint takes any path (a daemon to come).
      String problem = notAMount(config.mountPoint(), config.procRoot());
      if (problem != null) {
        err.println("jlxcfs: " + problem + " (see --help)");
        return 2;
      }
    }
    out.print(render(operands.get(0), config.mountPoint()));
    return 0;
  }

  /**
   * Why {@code path}, given to {@code flags} as a positional argument, is not a live jlxcfs mount point, or null
   * when it is one (the last mount at the path, as {@code proc/self/mountinfo} shows it, is {@code fuse.jlxcfs}).
   */
  static String notAMount(Path path, Path procRoot) {
    // The parent's real path and the last name as given: stat of the mount itself could wait on a hung daemon.
    Path shown = path;
    try {
      if (path.getParent() != null) {
        shown = path.getParent().toRealPath().resolve(path.getFileName());
      }
    } catch (IOException e) {
      // A missing parent: nothing is mounted there, which the mount table below shows.
    }
    String type = null;
    try {
      for (MountInfo m : MountInfo.parse(Texts.readPaths(procRoot.resolve("self/mountinfo")))) {
        if (m.mountPoint().equals(shown.toString())) {
          type = m.fsType();
        }
      }
    } catch (IOException e) {
      return "cannot read " + procRoot.resolve("self/mountinfo") + " to check " + path + ": " + e.getMessage();
    }
    if ("fuse.jlxcfs".equals(type)) {
      return null;
    }
    return Texts.printable(path.toString()) + " is not a jlxcfs mount point ("
        + (type == null ? "nothing is mounted there" : "a " + type + " mount") + "): name the mount point with"
        + " --mountpoint DIR (a daemon not started yet is fine there) and the output with --format"
        + " docker|podman|compose|k8s";
  }

  /** The binds in {@code format} (docker, podman, compose, k8s) for the mount at {@code mountPoint}. */
  static String render(String format, Path mountPoint) {
    StringBuilder b = new StringBuilder();
    switch (format) {
      case "docker", "podman" -> {
        // One line of -v options: `docker run $(jlxcfs flags) IMAGE` splits it into words.
        for (Binds.Bind bind : Binds.ALL) {
          b.append(b.length() == 0 ? "" : " ").append("-v ").append(source(mountPoint, bind)).append(':')
              .append(bind.path()).append(":ro");
        }
        b.append('\n');
      }
      case "compose" -> {
        b.append("    volumes:\n");
        for (Binds.Bind bind : Binds.ALL) {
          b.append("      - ").append(source(mountPoint, bind)).append(':').append(bind.path()).append(":ro\n");
        }
      }
      case "k8s" -> {
        // HostToContainer: what the host mounts later under a bound directory reaches the pod. A restarted daemon's
        // files do not reach running pods that way (a bind of a file is not replaced by propagation): its heal at
        // start re-attaches them.
        b.append("# in the container:\nvolumeMounts:\n");
        for (Binds.Bind bind : Binds.ALL) {
          b.append("  - name: ").append(volumeName(bind)).append('\n')
              .append("    mountPath: ").append(bind.path()).append('\n')
              .append("    readOnly: true\n")
              .append("    mountPropagation: HostToContainer\n");
        }
        b.append("# in the pod:\nvolumes:\n");
        for (Binds.Bind bind : Binds.ALL) {
          b.append("  - name: ").append(volumeName(bind)).append('\n')
              .append("    hostPath:\n")
              .append("      path: ").append(source(mountPoint, bind)).append('\n')
              .append("      type: ").append(bind.directory() ? "Directory" : "File").append('\n');
        }
      }
      default -> throw new IllegalArgumentException("unknown format " + format);
    }
    return b.toString();
  }

  private static String source(Path mountPoint, Binds.Bind bind) {
    return mountPoint + bind.path();
  }

  /** jlxcfs-proc-meminfo, jlxcfs-sys-devices-system-cpu: valid Kubernetes volume names (DNS labels). */
  static String volumeName(Binds.Bind bind) {
    return "jlxcfs" + bind.path().replace('/', '-');
  }
}
