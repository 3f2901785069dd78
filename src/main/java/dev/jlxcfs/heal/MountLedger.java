package dev.jlxcfs.heal;

import dev.jlxcfs.cgroup.MountInfo;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE devices ("major:minor") that jlxcfs daemons mounted on this host since boot, in a root-only state file:
 * what the heal pass may take for a stale bind of ours. A bind's type and source name ({@code fuse.jlxcfs},
 * {@code jlxcfs:/var/lib/jlxcfs}) can be forged by anyone who may mount FUSE; its device can only be one that the
 * kernel gave a mount, and only a daemon running as root writes here.
 *
 * <p>Device numbers are reused once their mount is gone. Each entry also holds the boot it was made in and, where
 * FUSE's control filesystem is mounted ({@code /sys/fs/fuse/connections}; the daemon mounts it where it is not),
 * that filesystem's instance (its device number) and the creation time of the connection's directory in it: a device
 * number that another FUSE mount took later has a later time and is not taken for ours.
 *
 * <p>Format: one line per mount, {@code BOOT_ID MAJOR:MINOR STAMP MOUNTPOINT}, the newest last, at most
 * {@link #MAX_ENTRIES}; STAMP is "ROOT/CONNECTION" (see {@link #stamp}), or {@code -}.
 */
public final class MountLedger {

  private static final Logger LOG = LoggerFactory.getLogger(MountLedger.class);
  /** FUSE's control filesystem, where the connections' directories are. */
  static final Path FUSE_CONNECTIONS = Path.of("/sys/fs/fuse/connections");

  static final String FILE = "mounts";
  static final int MAX_ENTRIES = 64;
  private static final long MAX_BYTES = 64 * 1024;
  static final String NO_STAMP = "-";

  private final Path dir;
  private final Path fuseConnections;
  private final String bootId;
  private final java.util.function.Function<Path, String> instance;

  /**
   * @param dir             the state directory (root-only; created 0700 if missing)
   * @param fuseConnections FUSE's control filesystem ({@code /sys/fs/fuse/connections})
   * @param bootId          this boot's id ({@code /proc/sys/kernel/random/boot_id})
   */
  MountLedger(Path dir, Path fuseConnections, String bootId) {
    this(dir, fuseConnections, bootId, MountLedger::instanceOf);
  }

  /** With another way to name the control filesystem's instance (tests: a new instance without a remount). */
  MountLedger(Path dir, Path fuseConnections, String bootId, java.util.function.Function<Path, String> instance) {
    this.dir = dir;
    this.fuseConnections = fuseConnections;
    this.bootId = bootId;
    this.instance = instance;
  }

  /**
   * The control filesystem's instance: its device number, which a new instance (unmounted everywhere, mounted
   * again) does not keep. Not its root's time: the kernel updates that whenever a connection goes away (seen here:
   * with the root's time, no two records were comparable after a FUSE unmount, and a reused device number was
   * taken for a recorded one). Null where it is not there.
   */
  static String instanceOf(Path connections) {
    try {
      return "dev" + Files.getAttribute(connections, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  Path directory() {
    return dir;
  }

  static MountLedger of(Path stateDir, Path proc) throws IOException {
    String boot = Texts.readValue(proc.resolve("sys/kernel/random/boot_id"));
    return new MountLedger(stateDir, FUSE_CONNECTIONS, boot);
  }

  /**
   * Mounts FUSE's control filesystem at {@code /sys/fs/fuse/connections} where nothing is mounted there (systemd
   * mounts it at boot; some hosts and containers do not), before the daemon's own mount: its directory times tell a
   * FUSE connection from a later one that got the same device number ({@link #stamp}). It stays when the daemon
   * ends, so that the next daemon compares times of the same instance. Without it the record holds devices only.
   *
   * @param mountinfo the daemon's mount table
   */
  public static void mountControlFilesystem(Path mountinfo) {
    Path connections = FUSE_CONNECTIONS;
    try {
      if (!Files.isDirectory(connections)) {
        return;
      }
      for (MountInfo m : MountInfo.parse(Texts.readPaths(mountinfo))) {
        if (m.mountPoint().equals(connections.toString())) {
          return;
        }
      }
      Native.mountPlain("fusectl", connections.toString());
      LOG.debug("mounted FUSE's control filesystem at {}", connections);
    } catch (IOException | Native.SyscallException | RuntimeException e) {
      LOG.debug("FUSE's control filesystem is not mounted at {} ({}): the record of mounts holds devices only",
          connections, e.getMessage());
    }
  }

  /**
   * Records the live mount's device in the state directory: the next daemon on this mount point heals binds of that
   * device, and of no other. Without it a restart cannot heal: said once, and the daemon serves.
   *
   * @param proc       the host's procfs (the daemon's mount table, this boot's id)
   * @param stateDir   where the record is kept
   * @param mountPoint the live mount, canonical
   */
  public static void recordLive(Path proc, Path stateDir, Path mountPoint) {
    try {
      String device = Healer.liveDevice(proc, mountPoint);
      if (device == null) {
        throw new IOException("the mount is not in " + proc.resolve("self/mountinfo"));
      }
      of(stateDir, proc).record(device, mountPoint);
      LOG.debug("recorded device {} of {} in {}", device, mountPoint, stateDir);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot record this mount in {} ({}): after a restart, containers' binds of it are not healed",
          stateDir, e.getMessage());
    }
  }

  /**
   * Whether {@code device} was recorded for {@code mountPoint} in this boot, its connection still the one recorded:
   * a live mount there that a jlxcfs daemon made, which a successor may take over (a FUSE mount of any other origin
   * is not).
   */
  public static boolean isRecorded(Path proc, Path stateDir, Path mountPoint, String device) throws IOException {
    return of(stateDir, proc).earlierDevices(mountPoint, null, new ArrayList<>()).contains(device);
  }

  /** The state directory, created 0700 if missing; an IOException if anyone but root can write it. */
  public static Path trustedDirectory(Path stateDir, Path proc) throws IOException {
    of(stateDir, proc).trustedDirectory(true);
    return stateDir;
  }

  /** Records the live mount's device for {@code mountPoint}. */
  void record(String device, Path mountPoint) throws IOException {
    trustedDirectory(true);
    List<String> lines = new ArrayList<>(read());
    lines.add(bootId + " " + device + " " + stamp(device) + " " + name(mountPoint));
    if (lines.size() > MAX_ENTRIES) {
      lines = lines.subList(lines.size() - MAX_ENTRIES, lines.size());
    }
    Path tmp = dir.resolve(FILE + ".new");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The devices recorded for {@code mountPoint} in this boot, other than {@code liveDevice}, whose connection is
   * still the one recorded: the devices of this mount point's earlier daemons. Lines about devices that cannot be
   * taken go to {@code skipped}.
   */
  Set<String> earlierDevices(Path mountPoint, String liveDevice, List<String> skipped) throws IOException {
    if (!trustedDirectory(false)) {
      return Set.of();
    }
    Map<String, String> stamps = new LinkedHashMap<>();
    String me = name(mountPoint);
    for (String line : read()) {
      String[] f = line.split(" ", 4);
      if (f.length == 4 && f[0].equals(bootId) && f[3].equals(me) && !f[1].equals(liveDevice)) {
        stamps.put(f[1], f[2]); // the newest entry of a device wins
      }
    }
    Set<String> devices = new java.util.LinkedHashSet<>();
    stamps.forEach((device, recorded) -> {
      String now = stamp(device);
      if (!comparable(recorded, now) || recorded.equals(now)) {
        devices.add(device);
      } else if (!now.endsWith("/" + NO_STAMP)) {
        skipped.add("device " + device + " was recorded for " + me + " but is another FUSE connection now (its "
            + "number was reused): binds of it are not ours");
      }
      // No connection directory while the control filesystem is the same: the connection is gone, no bind holds it.
    });
    return devices;
  }

  /**
   * Whether two stamps come from one instance of the control filesystem (its root's time is the first part): a new
   * instance (it was unmounted everywhere and mounted again) gives every connection it finds the time it was made.
   */
  private static boolean comparable(String recorded, String now) {
    int a = recorded.indexOf('/');
    int b = now.indexOf('/');
    return a > 0 && b > 0 && recorded.regionMatches(0, now, 0, Math.max(a, b));
  }

  /**
   * Whether the directory can be trusted: a real directory (not a symlink), owned by root, writable by nobody else.
   * Created 0700 when missing and {@code create} is set; a missing one otherwise means nothing was recorded.
   */
  private boolean trustedDirectory(boolean create) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      if (!create) {
        return false;
      }
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    requireRootOnly(dir, true);
    return true;
  }

  private static void requireRootOnly(Path p, boolean directory) throws IOException {
    PosixFileAttributes a = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .readAttributes();
    Set<PosixFilePermission> perms = a.permissions();
    boolean rightType = directory ? a.isDirectory() : a.isRegularFile();
    if (!rightType || !a.owner().getName().equals("root") || perms.contains(PosixFilePermission.GROUP_WRITE)
        || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException(p + " is not a " + (directory ? "directory" : "file") + " that only root can write "
          + "(owner " + a.owner().getName() + ", mode " + PosixFilePermissions.toString(perms) + "): not trusted");
    }
  }

  private List<String> read() throws IOException {
    Path file = dir.resolve(FILE);
    try {
      requireRootOnly(file, false);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(file + " is larger than " + MAX_BYTES + " bytes: not written by jlxcfs");
    }
    return Files.readString(file, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }

  /**
   * The control filesystem's instance ({@link #instanceOf}) and the creation time of the FUSE connection of that
   * device in it ("ROOT/CONNECTION", nanoseconds), "ROOT/-" when that connection is not there, or {@link #NO_STAMP}
   * without a
   * control filesystem.
   */
  String stamp(String device) {
    String root = Files.isDirectory(fuseConnections) ? instance.apply(fuseConnections) : null;
    if (root == null) {
      return NO_STAMP;
    }
    String connection = mtime(fuseConnections.resolve(device.substring(device.indexOf(':') + 1)));
    return root + "/" + (connection == null ? NO_STAMP : connection);
  }

  private static String mtime(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return Long.toString(a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String name(Path mountPoint) {
    return Texts.printable(mountPoint.toString());
  }
}
