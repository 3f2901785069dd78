package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * One mounted cgroup hierarchy, as the mount table shows it.
 *
 * @param version     1 for a cgroup v1 hierarchy, 2 for the unified (cgroup2) one
 * @param mountPoint  where it is mounted (in the daemon's mount namespace)
 * @param root        the cgroup path that appears at {@code mountPoint} (usually "/"; deeper when the mount is a
 *                    bind of a sub-tree or was made inside a cgroup namespace)
 * @param controllers v1: the controllers named in the super options (plus "name=..."); v2: the controllers in
 *                    the root's cgroup.controllers, i.e. those actually bound to v2 on this host
 */
public record Hierarchy(int version, Path mountPoint, String root, Set<String> controllers) {

  // equals and hashCode written out: a record's generated ones are bootstrapped through method handles on first use,
  // which spins classes and costs time on the first read after start (measured with -Xlog:class+load).
  @Override
  public boolean equals(Object o) {
    return o instanceof Hierarchy other && version == other.version && Objects.equals(mountPoint, other.mountPoint)
        && Objects.equals(root, other.root) && Objects.equals(controllers, other.controllers);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(mountPoint) * 31 + Objects.hashCode(root);
  }

  /**
   * The directory of cgroup {@code path} (as /proc/PID/cgroup names it) in this mount, or null when the cgroup
   * lies outside the mounted sub-tree. Throws {@link MalformedException} for a path no file can have.
   */
  public Path dirOf(String path) {
    if (path.contains("/..")) {
      // Seen from a private cgroup namespace, cgroups outside it read "/../..": not under this mount.
      return null;
    }
    String rel;
    if (root.equals("/")) {
      rel = path;
    } else if (path.equals(root)) {
      rel = "/";
    } else if (path.startsWith(root) && path.charAt(root.length()) == '/') {
      rel = path.substring(root.length());
    } else {
      return null;
    }
    // Path.resolve treats the rest literally: spaces, colons and other odd characters need no escaping.
    int start = 0;
    while (start < rel.length() && rel.charAt(start) == '/') {
      start++;
    }
    try {
      return start == rel.length() ? mountPoint : mountPoint.resolve(rel.substring(start));
    } catch (InvalidPathException e) {
      // A NUL, or (under a non-UTF-8 locale) a character the file name encoding lacks: the reader gets the host's
      // file, as for any malformed cgroup line, rather than an unchecked exception.
      throw new MalformedException(mountPoint, "a cgroup path no file can have: '" + Bytes.abbreviate(path) + "'");
    }
  }
}
