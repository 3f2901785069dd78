package dev.jlxcfs.cgroup;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a mountinfo file (proc(5)), the fields the daemon uses, unescaped: the parser for the daemon's own
 * mount table, which the cgroup hierarchies, the mount point and the private source copies read. Tenants' tables,
 * which the heal pass reads, are streamed with caps instead ({@code MountTableScan}).
 *
 * @param device     "major:minor" of the mounted filesystem
 * @param root       the path inside that filesystem that appears at the mount point (a bind's source)
 * @param mountPoint where it is mounted, relative to the reading process's root
 * @param fsType     e.g. "cgroup2", "fuse.jlxcfs"
 * @param source     the mount source (a FUSE mount's fsname)
 * @param superOptions the filesystem's options (a v1 cgroup hierarchy's controllers)
 */
public record MountInfo(String device, String root, String mountPoint, String fsType, String source,
                        String superOptions) {

  /** Every well-formed line, in the file's order (later lines are mounted on top of earlier ones). */
  public static List<MountInfo> parse(String text) {
    List<MountInfo> mounts = new ArrayList<>();
    for (String line : text.split("\n")) {
      MountInfo m = parseLine(line);
      if (m != null) {
        mounts.add(m);
      }
    }
    return mounts;
  }

  /** One line, or null when it is malformed. */
  public static MountInfo parseLine(String line) {
    int dash = line.indexOf(" - ");
    if (dash < 0) {
      return null;
    }
    String[] pre = line.substring(0, dash).split(" ");
    String[] post = line.substring(dash + 3).split(" ");
    if (pre.length < 5 || post.length < 2) {
      return null;
    }
    return new MountInfo(pre[2], CgroupMounts.unescapeMountField(pre[3]), CgroupMounts.unescapeMountField(pre[4]),
        post[0], CgroupMounts.unescapeMountField(post[1]), post.length > 2 ? post[2] : "");
  }

  /** A FUSE filesystem: fuse, fuseblk, fuse.NAME (not fusectl, FUSE's control filesystem). */
  public boolean isFuse() {
    return fsType.equals("fuse") || fsType.equals("fuseblk") || fsType.startsWith("fuse.");
  }
}
