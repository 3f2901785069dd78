package dev.jlxcfs.heal;

import dev.jlxcfs.util.Bytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Streams a mountinfo file (proc(5)) and keeps only the lines of jlxcfs FUSE mounts ({@code fuse.jlxcfs}) of the
 * devices asked for: a mount table is what a tenant controls (any user may make up to {@code fs.mount-max} =
 * 100,000 mounts in a namespace of its own, ~13 MB of text), so it is never read whole, and what is read is capped.
 */
final class MountTableScan {

  /** Where the bytes come from: a descriptor's read(2), or a test's array. */
  interface Source {
    /** Fills {@code buf} from its start: the count read, 0 at end of file, negative on error. */
    int read(byte[] buf);
  }

  /** One mount of ours: its mount ID, its parent's, device, path inside the filesystem and mount point (unescaped). */
  record Mount(long id, long parent, String device, byte[] root, byte[] mountPoint) {
    String mountPointText() {
      return new String(mountPoint, dev.jlxcfs.util.Texts.PATH_CHARSET);
    }

    String rootText() {
      return new String(root, dev.jlxcfs.util.Texts.PATH_CHARSET);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Mount m && m.id == id && m.device.equals(device) && Arrays.equals(m.root, root)
          && Arrays.equals(m.mountPoint, mountPoint);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id) * 31 + Arrays.hashCode(mountPoint);
    }

    @Override
    public String toString() {
      return "mount " + id + " (" + device + " " + rootText() + " at " + mountPointText() + ")";
    }
  }

  /**
   * What a scan found, and whether it stopped at a cap before the end: the mounts of the devices asked for, and how
   * many other jlxcfs-typed mounts were seen (devices no daemon recorded: forgeries, or another host's), the first
   * of them named.
   */
  record Result(List<Mount> mounts, long bytes, int lines, String cut, int others, Mount firstOther, Tree tree) {}

  /**
   * The mount tree of the lines read (mount ID -> parent, and whether the mount is a filesystem a tenant may serve
   * itself: FUSE other than ours, or a network filesystem). A path below such a mount is looked up through the
   * tenant's server, which may never answer.
   */
  static final class Tree {
    /** A filesystem the kernel serves whole (ext4, tmpfs, proc ...), or ours. */
    static final byte KERNEL = 0;
    /** One whose lookups a server of the tenant's answers (FUSE other than ours, network): never looked up in. */
    static final byte TENANT = 1;
    /** One stacked on others (overlay ...): its lookups ask its layers, which may be a tenant's FUSE. */
    static final byte STACKED = 2;

    private long[] ids = new long[256];
    private long[] parents = new long[256];
    private long[] devices = new long[256];
    private byte[] kinds = new byte[256];
    private int size;
    private java.util.Map<Long, Integer> index;

    void add(long id, long parent, long device, byte kind) {
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
        parents = Arrays.copyOf(parents, size * 2);
        devices = Arrays.copyOf(devices, size * 2);
        kinds = Arrays.copyOf(kinds, size * 2);
      }
      ids[size] = id;
      parents[size] = parent;
      devices[size] = device;
      kinds[size] = kind;
      size++;
      if (index != null) {
        index.put(id, size - 1);
      }
    }

    /** Adds a mount the pass made itself (a healed bind: paths below it may be walked). */
    void addOurs(long id, long parent, int devMajor, int devMinor) {
      add(id, parent, device(devMajor, devMinor), KERNEL);
    }

    /**
     * How lookups in a directory on mount {@code id} of device {@code major:minor} may be made: {@link #KERNEL},
     * {@link #STACKED}, or {@link #TENANT} also when the mount is not the one in the table (made after it was read,
     * maybe with a reused mount ID: its device tells).
     */
    byte kindOf(long id, int devMajor, int devMinor) {
      Integer i = index().get(id);
      return i == null || devices[i] != device(devMajor, devMinor) ? TENANT : kinds[i];
    }

    static long device(long major, long minor) {
      return (major << 32) | minor;
    }

    private java.util.Map<Long, Integer> index() {
      if (index == null) {
        index = new java.util.HashMap<>();
        for (int i = 0; i < size; i++) {
          index.put(ids[i], i);
        }
      }
      return index;
    }

    /** Whether a lookup of {@code m}'s mount point crosses a filesystem a tenant serves (see the class). */
    boolean pathCrossesForeign(Mount m) {
      long p = m.parent();
      for (int depth = 0; depth < 256; depth++) {
        Integer i = index().get(p);
        if (i == null) {
          return false; // the root of this view
        }
        if (kinds[i] == TENANT) {
          return true;
        }
        if (parents[i] == p) {
          return false;
        }
        p = parents[i];
      }
      return true; // deeper than any real tree: not walked
    }
  }

  /** Filesystems whose lookups a tenant may serve (FUSE other than ours is told by its type prefix). */
  private static final Set<String> NETWORK = Set.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph",
      "glusterfs", "afs", "lustre", "ncpfs");
  /** Filesystems stacked on others, whose lookups revalidate their layers' dentries (which may be a tenant's). */
  private static final Set<String> STACKING = Set.of("overlay", "aufs", "ecryptfs", "shiftfs", "unionfs",
      "wrapfs");

  private static final byte[] SEPARATOR = " - ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] JLXCFS = "fuse.jlxcfs".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  /** A mountinfo line is at most a few paths of PATH_MAX, each escaped (x4): longer ones are not the kernel's. */
  static final int MAX_LINE = 64 * 1024;

  private final long maxBytes;
  private final int maxLines;
  private final int maxMounts;

  MountTableScan(long maxBytes, int maxLines, int maxMounts) {
    this.maxBytes = maxBytes;
    this.maxLines = maxLines;
    this.maxMounts = maxMounts;
  }

  /**
   * Reads {@code source} to its end or to a cap, keeping the jlxcfs mounts whose device is in {@code devices}
   * (any device when null), in the file's order, and counting those of devices in neither {@code devices} nor
   * {@code known}.
   */
  Result scan(Source source, Set<String> devices, Set<String> known) {
    byte[] chunk = new byte[64 * 1024];
    byte[] line = new byte[MAX_LINE];
    List<Mount> found = new ArrayList<>();
    Other other = new Other(devices, known, new Tree());
    int length = 0;
    boolean overlong = false; // a line that does not fit is passed over up to its newline
    long bytes = 0;
    int lines = 0;
    while (true) {
      if (bytes >= maxBytes) {
        return other.result(found, bytes, lines, "the mount table is larger than " + maxBytes + " bytes");
      }
      int n = source.read(chunk);
      if (n <= 0) {
        if (length > 0 && !overlong) {
          lines++;
          keep(line, 0, length, other, found);
        }
        return other.result(found, bytes, lines, n < 0 ? "reading the mount table failed" : null);
      }
      bytes += n;
      for (int i = 0; i < n; i++) {
        byte c = chunk[i];
        if (c != '\n') {
          if (length < MAX_LINE) {
            line[length++] = c;
          } else {
            overlong = true;
          }
          continue;
        }
        if (!overlong) {
          if (++lines > maxLines) {
            return other.result(found, bytes, lines - 1, "the mount table has more than " + maxLines + " lines");
          }
          keep(line, 0, length, other, found);
          if (found.size() > maxMounts) {
            found.remove(found.size() - 1);
            return other.result(found, bytes, lines, "more than " + maxMounts + " jlxcfs mounts of those devices");
          }
        }
        overlong = false;
        length = 0;
      }
    }
  }

  /** The devices wanted and known, and the count of other jlxcfs mounts seen. */
  private static final class Other {
    final Set<String> wanted;
    final Set<String> known;
    final Tree tree;
    int count;
    Mount first;

    Other(Set<String> wanted, Set<String> known, Tree tree) {
      this.wanted = wanted;
      this.known = known;
      this.tree = tree;
    }

    Result result(List<Mount> found, long bytes, int lines, String cut) {
      return new Result(found, bytes, lines, cut, count, first, tree);
    }
  }

  /** Parses one line if it is a jlxcfs mount of a wanted device; counts it if of an unknown one. */
  private static void keep(byte[] b, int from, int to, Other devices, List<Mount> found) {
    // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS
    int[] cut = new int[6];
    cut[0] = from;
    for (int field = 1, p = from; field < 6; field++) {
      int sp = Bytes.indexOf(b, (byte) ' ', p, to);
      if (sp < 0) {
        return;
      }
      cut[field] = sp + 1;
      p = sp + 1;
    }
    long id = parseLong(b, cut[0], cut[1] - 1);
    long parent = parseLong(b, cut[1], cut[2] - 1);
    int sep = indexOf(b, cut[5], to, SEPARATOR);
    if (id < 0 || parent < 0 || sep < 0) {
      return;
    }
    int typeStart = sep + SEPARATOR.length;
    int typeEnd = Bytes.indexOf(b, (byte) ' ', typeStart, to);
    if (typeEnd < 0) {
      return;
    }
    boolean ours = typeEnd - typeStart == JLXCFS.length && indexOf(b, typeStart, typeEnd, JLXCFS) == typeStart;
    String device = ours ? new String(b, cut[2], cut[3] - 1 - cut[2], java.nio.charset.StandardCharsets.US_ASCII)
        : null;
    boolean wanted = ours && (devices.wanted == null || devices.wanted.contains(device));
    boolean known = ours && devices.known.contains(device);
    devices.tree.add(id, parent, parseDevice(b, cut[2], cut[3] - 1),
        wanted || known ? Tree.KERNEL : kind(b, typeStart, typeEnd));
    if (!found.isEmpty()) {
      // Only the topmost mount at a path is ours to replace: a mount on top of a kept one (its parent, at the same
      // path: a runtime's mask, or a newer bind) hides it, whatever its type.
      for (int i = found.size() - 1; i >= 0; i--) {
        Mount below = found.get(i);
        if (below.id() == parent && equalsEscaped(below.mountPoint(), b, cut[4], cut[5] - 1)) {
          found.remove(i);
          break;
        }
      }
    }
    if (!ours || known && !wanted) {
      return;
    }
    Mount m = new Mount(id, parent, device, unescape(b, cut[3], cut[4] - 1), unescape(b, cut[4], cut[5] - 1));
    if (wanted) {
      found.add(m);
    } else if (devices.count++ == 0) {
      devices.first = m;
    }
  }

  /** What serves lookups in a filesystem of this type (see {@link Tree}). */
  private static byte kind(byte[] b, int from, int to) {
    int n = to - from;
    if (n >= 4 && b[from] == 'f' && b[from + 1] == 'u' && b[from + 2] == 's' && b[from + 3] == 'e') {
      // fusectl is the kernel's own
      return n == 7 && b[from + 4] == 'c' && b[from + 5] == 't' && b[from + 6] == 'l' ? Tree.KERNEL : Tree.TENANT;
    }
    if (n > 12) {
      return Tree.KERNEL;
    }
    String type = new String(b, from, n, java.nio.charset.StandardCharsets.US_ASCII);
    return NETWORK.contains(type) ? Tree.TENANT : STACKING.contains(type) ? Tree.STACKED : Tree.KERNEL;
  }

  /** "MAJOR:MINOR" as {@link Tree#device}, or -1. */
  private static long parseDevice(byte[] b, int from, int to) {
    int colon = Bytes.indexOf(b, (byte) ':', from, to);
    if (colon < 0) {
      return -1;
    }
    long major = parseLong(b, from, colon);
    long minor = parseLong(b, colon + 1, to);
    return major < 0 || minor < 0 ? -1 : Tree.device(major, minor);
  }

  /** Whether the escaped field {@code b[from, to)} is {@code path} once unescaped. */
  private static boolean equalsEscaped(byte[] path, byte[] b, int from, int to) {
    return Arrays.equals(path, unescape(b, from, to));
  }

  /** The kernel writes space, tab, newline and backslash in paths as {@code \ooo}. */
  static byte[] unescape(byte[] b, int from, int to) {
    byte[] out = new byte[to - from];
    int n = 0;
    for (int i = from; i < to; i++) {
      if (b[i] == '\\' && i + 3 < to && isOctal(b, i + 1, i + 4)) {
        out[n++] = (byte) (((b[i + 1] - '0') << 6) | ((b[i + 2] - '0') << 3) | (b[i + 3] - '0'));
        i += 3;
      } else {
        out[n++] = b[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  private static boolean isOctal(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] < '0' || b[i] > '7') {
        return false;
      }
    }
    return true;
  }

  private static long parseLong(byte[] b, int from, int to) {
    if (from >= to || to - from > 18) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      if (b[i] < '0' || b[i] > '9') {
        return -1;
      }
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }

  private static int indexOf(byte[] b, int from, int to, byte[] what) {
    outer:
    for (int i = from; i <= to - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
