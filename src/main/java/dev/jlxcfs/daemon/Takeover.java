package dev.jlxcfs.daemon;

import dev.jlxcfs.heal.MountLedger;
import dev.jlxcfs.util.MountCalls;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Native.SyscallException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The successor's side of a handover: a daemon started where a live jlxcfs daemon serves takes its place without a
 * failed read (see {@link Handover} for the other side, docs/design.md "Handover" for the whole).
 *
 * <ol>
 *   <li>{@link #begin}: the live mount is checked to be a jlxcfs daemon's (its device in the root-only record of
 *       mounts); the old daemon is asked over its socket, stops its heal pass and sends what readers saw that the
 *       kernel does not keep ({@link dev.jlxcfs.files.CarriedState}). An old daemon without the socket (a version
 *       before handovers) is taken over without its help.
 *   <li>The successor mounts its filesystem at a staging directory in the state directory ({@link #staging}), out of
 *       users' sight, and warms up.
 *   <li>{@link #switchOver}: a copy of the new mount goes beneath the old one at the mount point, and the old one is
 *       taken off: the path never shows anything but a live jlxcfs (on a kernel that cannot mount beneath, before
 *       Linux 6.5, it is empty for the microseconds between the two calls).
 *   <li>The heal pass re-points containers' binds the same way (beneath, then off).
 *   <li>{@link #finish}: the old daemon is told; it answers what it has in flight and exits, or keeps serving the binds
 *       that could not be moved.
 * </ol>
 *
 * A successor that dies half-way (kill -9) leaves the old daemon serving: the old one sees the connection close,
 * puts its mount back at the mount point if the path then shows a dead one, and heals the binds the successor had
 * re-pointed to its own (dead) mount.
 */
final class Takeover implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  private static final String STAGING_PREFIX = "takeover-";
  /** The old daemon stops its heal pass and serializes its state within this. */
  private static final long ANSWER_MILLIS = 30_000;

  private final Path mountPoint;
  private final String oldDevice;
  private final int oldFd;
  private final HandoverChannel channel;
  private final Path staging;
  private final String oldPid;
  private final String oldVersion;
  private final byte[] state;
  private boolean switched;
  private boolean finished;
  private boolean closed;

  private Takeover(Path mountPoint, String oldDevice, int oldFd, HandoverChannel channel, Path staging, String oldPid,
                   String oldVersion, byte[] state) {
    this.mountPoint = mountPoint;
    this.oldDevice = oldDevice;
    this.oldFd = oldFd;
    this.channel = channel;
    this.staging = staging;
    this.oldPid = oldPid;
    this.oldVersion = oldVersion;
    this.state = state;
  }

  /**
   * Starts taking over {@code mountPoint} from the live daemon there.
   *
   * @throws StartupException the mount there is not a jlxcfs daemon's, another takeover is under way, or the state
   *                          directory cannot be used
   */
  static Takeover begin(Path proc, Path stateDir, Path mountPoint) throws StartupException {
    try {
      MountLedger.trustedDirectory(stateDir, proc);
    } catch (IOException e) {
      throw new StartupException("cannot take over " + mountPoint + ": state directory " + stateDir + ": "
          + e.getMessage());
    }
    removeStaleStaging(stateDir);
    int oldFd;
    String device;
    try {
      oldFd = Native.openPath(mountPoint.toString());
      device = MountCalls.stat(oldFd).device();
    } catch (SyscallException e) {
      throw new StartupException("cannot take over " + mountPoint + ": " + e.getMessage());
    }
    HandoverChannel channel = null;
    try {
      if (!MountLedger.isRecorded(proc, stateDir, mountPoint, device)) {
        throw new StartupException(mountPoint + ": served by a live FUSE mount (device " + device + ") that no "
            + "jlxcfs daemon recorded in " + stateDir + ": not taken over (stop it, or choose another mount point)");
      }
      String pid = "?";
      String version = "?";
      byte[] state = null;
      Path socket = HandoverChannel.socketPath(stateDir, mountPoint);
      if (Files.exists(socket)) {
        try {
          channel = HandoverChannel.connect(socket);
          if (!channel.peerIsRoot()) {
            throw new IOException("the process at " + socket + " is not root");
          }
          channel.send("takeover " + HandoverChannel.VERSION + " " + ProcessHandle.current().pid());
          String[] ready = channel.readLine(ANSWER_MILLIS).split(" ");
          if (ready[0].equals("busy")) {
            throw new StartupException(mountPoint + ": another daemon is taking over from the live one right now");
          }
          if (ready.length < 5 || !ready[0].equals("ready") || !ready[1].equals(String.valueOf(HandoverChannel.VERSION))
              || !ready[3].equals(device)) {
            throw new IOException("unexpected answer '" + String.join(" ", ready) + "'");
          }
          pid = ready[2];
          version = ready[4];
          String[] head = channel.readLine(ANSWER_MILLIS).split(" ");
          int size = head.length == 2 && head[0].equals("state") ? Integer.parseInt(head[1]) : -1;
          if (size < 0 || size > dev.jlxcfs.files.CarriedState.MAX_BYTES) {
            throw new IOException("unexpected state header '" + String.join(" ", head) + "'");
          }
          state = channel.readBytes(size, ANSWER_MILLIS);
        } catch (IOException | NumberFormatException e) {
          LOG.warn("takeover: the live daemon at {} did not hand over ({}): taking over its mount without its help; "
              + "containers' load averages restart from zero", mountPoint, e.getMessage());
          if (channel != null) {
            channel.close();
            channel = null;
          }
        }
      } else {
        LOG.warn("takeover: the live daemon at {} has no handover socket (a jlxcfs before handovers?): taking over "
            + "its mount without its help; containers' load averages restart from zero, and it exits when the last "
            + "file open on its mount is closed", mountPoint);
      }
      Path staging = stateDir.resolve(STAGING_PREFIX + ProcessHandle.current().pid());
      Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
          "rwx------")));
      Takeover t = new Takeover(mountPoint, device, oldFd, channel, staging, pid, version, state);
      LOG.info("takeover: {} is served by process {} (jlxcfs {}, device {}): mounting beside it", mountPoint, pid,
          version, device);
      return t;
    } catch (IOException e) {
      if (channel != null) {
        channel.close();
      }
      Native.closeFd(oldFd);
      throw new StartupException("cannot take over " + mountPoint + ": " + MountPoint.reason(e));
    } catch (StartupException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      Native.closeFd(oldFd);
      throw e;
    }
  }

  /**
   * Test hook (HandoverIT: a successor killed half-way): with {@code JLXCFS_TEST_TAKEOVER_PAUSE} set to {@code step},
   * the takeover stops there for a minute, said in the log, so that a test can kill it at a known step.
   */
  static void pauseIfAsked(String step) {
    if (step.equals(System.getenv("JLXCFS_TEST_TAKEOVER_PAUSE"))) {
      LOG.warn("takeover: paused after '{}' for 60 s (JLXCFS_TEST_TAKEOVER_PAUSE)", step);
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Where the successor mounts first, out of users' sight (a root-only directory). */
  Path staging() {
    return staging;
  }

  /** What the old daemon's readers saw, or null when it did not hand over. */
  byte[] state() {
    return state;
  }

  String oldPid() {
    return oldPid;
  }

  /**
   * Puts the successor's mount (at {@link #staging}) in the old one's place at the mount point: beneath it, then the
   * old one off. Returns the microseconds the mount point showed no live jlxcfs mount (0 with a beneath mount).
   */
  long switchOver() throws StartupException {
    int newFd = -1;
    int clone = -1;
    int top = -1;
    try {
      newFd = Native.openPath(staging.toString());
      String newDevice = MountCalls.stat(newFd).device();
      clone = MountCalls.cloneMount(newFd);
      top = Native.openPath(mountPoint.toString());
      String onTop = MountCalls.stat(top).device();
      if (!onTop.equals(oldDevice)) {
        throw new StartupException("cannot take over " + mountPoint + ": it shows device " + onTop + " now, not "
            + oldDevice);
      }
      long gap = 0;
      try {
        MountCalls.attachBeneath(clone, top);
        MountCalls.detachOwn(oldFd);
      } catch (SyscallException e) {
        if (e.errno() != 22) {
          throw e;
        }
        // Before Linux 6.5 (or a mount the kernel will not tuck under): off, then on.
        long t0 = System.nanoTime();
        MountCalls.detachOwn(oldFd);
        int under = Native.openPath(mountPoint.toString());
        try {
          MountCalls.attach(clone, under);
        } finally {
          Native.closeFd(under);
        }
        gap = Math.max(1, (System.nanoTime() - t0) / 1000);
        LOG.info("takeover: this kernel cannot mount beneath a mount (Linux 6.5+ can): {} showed an empty directory "
            + "for {} us", mountPoint, gap);
      }
      switched = true;
      String now = OwnMount.deviceAt(mountPoint);
      if (!newDevice.equals(now)) {
        throw new StartupException("takeover of " + mountPoint + ": it shows device " + now + " after the switch, not "
            + newDevice);
      }
      unmountStaging(staging);
      return gap;
    } catch (SyscallException e) {
      throw new StartupException("cannot take over " + mountPoint + ": " + e.getMessage());
    } finally {
      Native.closeFd(newFd);
      Native.closeFd(clone);
      Native.closeFd(top);
    }
  }

  /**
   * Tells the old daemon the handover is done: {@code left} binds in containers could not be re-pointed (it then
   * keeps serving them), or none (it answers what is in flight and exits).
   */
  void finish(int left) {
    finished = true;
    if (channel == null) {
      return;
    }
    try {
      channel.send(left == 0 ? "done finish" : "done retire " + left);
      String bye = channel.readLine(10_000);
      if (!bye.equals("bye")) {
        LOG.warn("takeover: the old daemon answered '{}' at the end", bye);
      }
    } catch (IOException e) {
      LOG.warn("takeover: telling the old daemon (process {}) to finish failed: {}", oldPid, e.getMessage());
    }
  }

  /** Ends the takeover: a takeover not finished ends half-way, which the old daemon sees (the connection closes). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (channel != null) {
      channel.close();
    }
    // The old mount's root, held since the start: held on, it would keep the old mount (and daemon) alive.
    Native.closeFd(oldFd);
    if (!switched || !finished) {
      unmountStaging(staging);
    }
  }

  /** Takes whatever is mounted at a staging directory off and removes it. */
  private static void unmountStaging(Path dir) {
    for (int i = 0; i < 4; i++) {
      try {
        Native.detachMount(dir.toString());
      } catch (SyscallException e) {
        break; // nothing (more) mounted there
      }
    }
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.debug("removing {}: {}", dir, e.getMessage());
    }
  }

  /** Staging directories of takeovers whose daemon is gone (killed half-way): their mounts are dead. */
  private static void removeStaleStaging(Path stateDir) {
    try (DirectoryStream<Path> d = Files.newDirectoryStream(stateDir, STAGING_PREFIX + "*")) {
      for (Path dir : d) {
        String pid = dir.getFileName().toString().substring(STAGING_PREFIX.length());
        boolean alive;
        try {
          alive = ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
          alive = false;
        }
        if (!alive) {
          LOG.debug("removing the staging directory {} of a takeover that did not end", dir);
          unmountStaging(dir);
        }
      }
    } catch (IOException e) {
      LOG.debug("listing {}: {}", stateDir, e.getMessage());
    }
  }
}
