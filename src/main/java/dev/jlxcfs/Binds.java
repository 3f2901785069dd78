package dev.jlxcfs;

import dev.jlxcfs.cgroup.MountInfo;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a container binds from the mount, and how each runtime writes it ({@code jlxcfs flags}): the /proc files
 * and the CPU directory (whose entries differ per caller, so it is bound whole). The list is checked against
 * the daemon's file tree and examples/oci-mounts.json by the tests.
 */
final class Binds {

  /** One path the container binds: the same path under the mount point and in the container. */
  record Bind(String path, boolean directory) {}

  static final List<Bind> ALL = List.of(
      new Bind("/proc/meminfo", false),
      new Bind("/proc/cpuinfo", false),
      new Bind("/proc/stat", false),
      new Bind("/proc/uptime", false),
      new Bind("/proc/swaps", false),
      new Bind("/proc/diskstats", false),
      new Bind("/proc/loadavg", false),
      new Bind("/sys/devices/system/cpu", true));

  /**
   * Served but not bound by default: runc (and so docker, podman with runc, Kubernetes) refuses mounts over /proc
   * files other than cpuinfo, diskstats, meminfo, stat, swaps, uptime, loadavg and slabinfo, and a container asked
   * for one fails to start. Runtimes that allow it can bind these by hand.
   */
  static final List<String> SERVED_NOT_BOUND = List.of("/proc/pressure");

  private Binds() {}

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
        for (Bind bind : ALL) {
          b.append(b.length() == 0 ? "" : " ").append("-v ").append(source(mountPoint, bind)).append(':')
              .append(bind.path()).append(":ro");
        }
        b.append('\n');
      }
      case "compose" -> {
        b.append("    volumes:\n");
        for (Bind bind : ALL) {
          b.append("      - ").append(source(mountPoint, bind)).append(':').append(bind.path()).append(":ro\n");
        }
      }
      case "k8s" -> {
        // HostToContainer: what the host mounts later under a bound directory reaches the pod. A restarted daemon's
        // files do not reach running pods that way (a bind of a file is not replaced by propagation): its heal at
        // start re-attaches them.
        b.append("# in the container:\nvolumeMounts:\n");
        for (Bind bind : ALL) {
          b.append("  - name: ").append(volumeName(bind)).append('\n')
              .append("    mountPath: ").append(bind.path()).append('\n')
              .append("    readOnly: true\n")
              .append("    mountPropagation: HostToContainer\n");
        }
        b.append("# in the pod:\nvolumes:\n");
        for (Bind bind : ALL) {
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

  private static String source(Path mountPoint, Bind bind) {
    return mountPoint + bind.path();
  }

  /** jlxcfs-proc-meminfo, jlxcfs-sys-devices-system-cpu: valid Kubernetes volume names (DNS labels). */
  static String volumeName(Bind bind) {
    return "jlxcfs" + bind.path().replace('/', '-');
  }
}
