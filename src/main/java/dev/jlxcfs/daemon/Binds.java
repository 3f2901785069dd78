package dev.jlxcfs.daemon;

import java.util.List;

/**
 * What a container binds from the mount: the /proc files and the CPU directory (whose entries differ per caller, so
 * it is bound whole). The {@code flags} command writes them for each runtime; the start clears what an
 * engine left at their sources ({@link MountPoint#removeEngineSkeleton}). The list is checked against the daemon's
 * file tree and examples/oci-mounts.json by the tests.
 */
public final class Binds {

  /** One path the container binds: the same path under the mount point and in the container. */
  public record Bind(String path, boolean directory) {}

  public static final List<Bind> ALL = List.of(
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
  public static final List<String> SERVED_NOT_BOUND = List.of("/proc/pressure");

  private Binds() {}
}
