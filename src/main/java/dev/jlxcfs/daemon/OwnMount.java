package dev.jlxcfs.daemon;

import dev.jlxcfs.util.MountCalls;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Native.SyscallException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This daemon's FUSE mount, held by a descriptor of its root for the daemon's life: what it unmounts at the stop is
 * its own mount, never whatever a successor put at the same path (a handover), and a handover that ended half-way
 * can put it back. Nothing here asks the FUSE daemon behind a mount (O_PATH opens, statx without sync).
 */
final class OwnMount {

  private static final Logger LOG = LoggerFactory.getLogger(OwnMount.class);

  private final int rootFd;
  private final String device;
  private volatile boolean released;
  /** A detached copy of the mount taken during a handover, or -1. */
  private int copyFd = -1;

  private OwnMount(int rootFd, String device) {
    this.rootFd = rootFd;
    this.device = device;
  }

  /** The mount on top at {@code path} now (this daemon's, just mounted). */
  static OwnMount at(Path path) throws SyscallException {
    int fd = Native.openPath(path.toString());
    try {
      return new OwnMount(fd, MountCalls.stat(fd).device());
    } catch (SyscallException | RuntimeException e) {
      Native.closeFd(fd);
      throw e;
    }
  }

  /**
   * Lets go of the mount's root (after a handover): held, it keeps the mount, and so this daemon's session, alive
   * after every container's bind of it is gone. The mount can no longer be put back then.
   */
  void release() {
    released = true;
    Native.closeFd(rootFd);
    dropCopy();
  }

  /**
   * Takes a detached copy of the mount while it is still at its mount point (a successor is about to take it off:
   * once off, the kernel makes no copy of it), for {@link #restoreAt}.
   */
  synchronized void holdCopy() throws SyscallException {
    dropCopy();
    copyFd = MountCalls.cloneMount(rootFd);
  }

  /** Lets the copy go (it keeps the filesystem alive as a mount does). */
  synchronized void dropCopy() {
    Native.closeFd(copyFd);
    copyFd = -1;
  }

  /** Its FUSE device, "major:minor". */
  String device() {
    return device;
  }

  /** The device of the mount on top at {@code path}, or null if it cannot be looked at. */
  static String deviceAt(Path path) {
    int fd = -1;
    try {
      fd = Native.openPath(path.toString());
      return MountCalls.stat(fd).device();
    } catch (SyscallException | RuntimeException e) {
      return null;
    } finally {
      Native.closeFd(fd);
    }
  }

  /** Whether this mount is the one on top at {@code path}. */
  boolean onTop(Path path) {
    return device.equals(deviceAt(path));
  }

  /**
   * Takes this mount off {@code path} (lazily) if it is on top there; another mount there (a successor's) is left
   * alone. Returns whether it was taken off.
   */
  boolean unmountFrom(Path path) {
    int fd = -1;
    try {
      fd = Native.openPath(path.toString());
      String top = MountCalls.stat(fd).device();
      if (!top.equals(device)) {
        LOG.debug("{} shows device {}, not this daemon's {}: left alone", path, top, device);
        return false;
      }
      MountCalls.detachOwn(fd);
      return true;
    } catch (SyscallException | RuntimeException e) {
      LOG.debug("unmounting {}: {}", path, e.getMessage());
      return false;
    } finally {
      Native.closeFd(fd);
    }
  }

  /**
   * Puts this mount back on top at {@code path} (the copy {@link #holdCopy} took: same filesystem, same files),
   * beneath what is there then (a dead successor's mount) which is then taken off; where the kernel cannot mount
   * beneath, on top of it.
   */
  synchronized void restoreAt(Path path) throws SyscallException {
    if (released || copyFd < 0) {
      throw new SyscallException("no copy of the mount was held", 9);
    }
    int clone = copyFd;
    copyFd = -1;
    int top = -1;
    try {
      top = Native.openPath(path.toString());
      try {
        MountCalls.attachBeneath(clone, top);
        MountCalls.detachOwn(top);
      } catch (SyscallException e) {
        MountCalls.attach(clone, top);
      }
    } finally {
      Native.closeFd(clone);
      Native.closeFd(top);
    }
  }
}
