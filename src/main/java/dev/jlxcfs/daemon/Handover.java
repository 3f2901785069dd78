package dev.jlxcfs.daemon;

import dev.jlxcfs.files.CarriedState;
import dev.jlxcfs.fs.FuseLoop;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live daemon's side of a handover (see {@link Takeover} for the successor's): it listens on a root-only socket
 * in the state directory; a successor connects, gets this daemon's carried state, moves the mount point and the
 * containers' binds to its own mount, and says it is done. This daemon then serves what is still open on its mount
 * (a read in flight, a file a program keeps open) until nothing is, or for the drain time, and exits 0; or, where
 * binds in containers could not be moved, serves those until they go. A successor that goes away before it is done
 * leaves this daemon serving, its mount put back at the mount point if the path shows a dead one, and the binds the
 * successor had re-pointed healed back here.
 */
final class Handover {

  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  /** A successor's pass re-points every container's binds within the heal pass's limit (300 s). */
  private static final long DONE_MILLIS = 400_000;
  /** The least a daemon that handed over serves on (unless the drain is shorter). */
  private static final long GRACE_NANOS = 1_000_000_000L;

  /** What the daemon does at each step (its own pieces; tests give fakes). */
  interface Parts {
    /** Stops the heal pass (and waits for it), so that it re-points nothing to this daemon during a handover. */
    void stopHealing();

    /** Runs the heal pass again (a handover ended half-way: binds moved to a dead successor come back here). */
    void healAgain();

    /** The state the successor carries on from. */
    byte[] state();

    /** Open handles on this daemon's mount. */
    int openHandles();
  }

  private final Path socket;
  private final Path mountPoint;
  private final OwnMount own;
  private final FuseLoop loop;
  private final Duration drain;
  private final Parts parts;
  private final String version;
  private ServerSocketChannel server;
  private volatile boolean handedOver;

  Handover(Path stateDir, Path mountPoint, OwnMount own, FuseLoop loop, Duration drain, Parts parts, String version) {
    this.socket = HandoverChannel.socketPath(stateDir, mountPoint);
    this.mountPoint = mountPoint;
    this.own = own;
    this.loop = loop;
    this.drain = drain;
    this.parts = parts;
    this.version = version;
  }

  /** Parts of a daemon built by {@link ServedTree}. */
  static Parts parts(HealPassHolder heal, CarriedState carried, dev.jlxcfs.fs.JlxcFs fs) {
    return new Parts() {
      @Override
      public void stopHealing() {
        if (heal != null) {
          heal.stop();
        }
      }

      @Override
      public void healAgain() {
        if (heal != null) {
          heal.again();
        }
      }

      @Override
      public byte[] state() {
        return carried.save();
      }

      @Override
      public int openHandles() {
        return fs.openHandles();
      }
    };
  }

  /** The heal pass as the daemon runs it: stoppable, and startable again. */
  interface HealPassHolder {
    void stop();

    void again();
  }

  /** Starts listening (a thread of its own). A socket that cannot be made is said once: the daemon serves on. */
  void listen() {
    try {
      server = HandoverChannel.listen(socket);
    } catch (IOException | RuntimeException e) {
      LOG.warn("no handover socket at {} ({}): a successor can take over only without this daemon's help (load "
          + "averages restart)", socket, e.getMessage());
      return;
    }
    Thread t = new Thread(this::accept, "handover");
    t.setDaemon(true);
    t.start();
  }

  /** Whether this daemon handed its mount over (its stop then leaves the mount point alone). */
  boolean handedOver() {
    return handedOver;
  }

  private void accept() {
    while (true) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try (HandoverChannel c = HandoverChannel.accepted(ch)) {
        serve(c);
      } catch (IOException | RuntimeException e) {
        LOG.warn("handover: {}", e.toString());
      }
      if (handedOver) {
        return;
      }
    }
  }

  private void serve(HandoverChannel c) throws IOException {
    if (!c.peerIsRoot()) {
      LOG.warn("handover: a process that is not root connected to {}: refused", socket);
      return;
    }
    String[] hello = c.readLine(5_000).split(" ");
    if (hello.length != 3 || !hello[0].equals("takeover")) {
      LOG.warn("handover: unexpected request on {}: refused", socket);
      return;
    }
    if (!hello[1].equals(String.valueOf(HandoverChannel.VERSION))) {
      LOG.warn("handover: process {} speaks handover version {}, this daemon {}: refused (it takes over without "
          + "this daemon's help)", hello[2], hello[1], HandoverChannel.VERSION);
      c.send("refused version " + HandoverChannel.VERSION);
      return;
    }
    String successor = hello[2];
    LOG.info("handover: process {} takes over {}: heal pass stopped, handing over state", successor, mountPoint);
    parts.stopHealing();
    try {
      own.holdCopy();
    } catch (dev.jlxcfs.util.Native.SyscallException e) {
      LOG.warn("handover: cannot copy this daemon's mount ({}): if the successor dies half-way, {} stays dead until "
          + "the next start", e.getMessage(), mountPoint);
    }
    c.send("ready " + HandoverChannel.VERSION + " " + ProcessHandle.current().pid() + " " + own.device() + " "
        + version);
    byte[] state = parts.state();
    c.send("state " + state.length);
    c.send(state);
    String done;
    try {
      done = c.readLine(DONE_MILLIS);
    } catch (IOException e) {
      halfWay(successor, e.getMessage());
      return;
    }
    String[] d = done.split(" ");
    if (d.length < 2 || !d[0].equals("done")) {
      halfWay(successor, "it said '" + done + "'");
      return;
    }
    handedOver = true;
    loop.leaveMountPoint();
    own.release();
    if (d[1].equals("finish")) {
      // Said here, before the drain: the main thread may exit as soon as the kernel ends this mount.
      LOG.info("handover: process {} serves {} now; answering what is still open here ({} handles) for at most {} s",
          successor, mountPoint, parts.openHandles(), drain.toSeconds());
      Thread t = new Thread(() -> drainAndExit(successor), "handover-drain");
      t.setDaemon(true);
      t.start();
    } else {
      LOG.warn("handover: process {} serves {} now, but {} binds in containers could not be moved to it: this "
          + "daemon serves them until they go (see the successor's heal lines)", successor, mountPoint,
          d.length > 2 ? d[2] : "some");
    }
    closeServer();
    c.send("bye");
  }

  /**
   * After the handover: the successor serves every bind, and only files already open here are left. Waits until
   * the kernel ends this mount (its last user gone) or the drain time passes, then ends the session: the daemon's
   * main thread exits.
   */
  private void drainAndExit(String successor) {
    long start = System.nanoTime();
    long deadline = start + drain.toNanos();
    // A reader that looked a bind up just before it was moved opens it here a moment later: serve a little longer
    // than the last open handle, however short the drain.
    long grace = start + Math.min(drain.toNanos(), GRACE_NANOS);
    try {
      while (System.nanoTime() < deadline && !loop.awaitUnmounted(100, TimeUnit.MILLISECONDS)) {
        if (parts.openHandles() == 0 && System.nanoTime() > grace) {
          break; // nothing open: no request can come (every bind was moved)
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int open = parts.openHandles();
    if (open > 0) {
      LOG.warn("handover: {} files are still open on this daemon's mount after {} s: their next read fails "
          + "(\"Transport endpoint is not connected\"); reopening them reads from process {}", open,
          drain.toSeconds(), successor);
    }
    if (loop.awaitUnmountedNow()) {
      return; // the kernel ended the mount: the daemon's main thread is exiting
    }
    if (!loop.stop(Duration.ofSeconds(2))) {
      LOG.warn("{} FUSE threads are still in a request: exiting without them", loop.threadCount());
    }
  }

  /** The successor went away before it was done: serve on, and undo what it left dead. */
  private void halfWay(String successor, String why) {
    // A successor that failed exits (its mount dies with it): wait a little for that before looking at the path.
    try {
      ProcessHandle.of(Long.parseLong(successor)).ifPresent(p -> {
        try {
          p.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          // still running after 5 s: its mount may be live
        }
      });
    } catch (NumberFormatException e) {
      // not a pid: nothing to wait for
    }
    String top = OwnMount.deviceAt(mountPoint);
    boolean mine = own.device().equals(top);
    boolean restored = false;
    if (!mine && !new MountPoint(mountPoint, Path.of("/proc/self/mountinfo")).isLive()) {
      try {
        own.restoreAt(mountPoint);
        restored = true;
      } catch (dev.jlxcfs.util.Native.SyscallException | RuntimeException e) {
        LOG.warn("handover: cannot put this daemon's mount back at {}: {}", mountPoint, e.getMessage());
      }
    }
    own.dropCopy();
    boolean onTop = own.onTop(mountPoint);
    LOG.warn("handover: process {} went away before it was done ({}): this daemon serves on{}", successor, why,
        restored ? ", its mount put back at " + mountPoint + "; binds it had moved are healed back here"
            : mine ? "; binds it had moved are healed back here"
            : " (" + mountPoint + " shows device " + top + ", so binds are not healed back: the next start does)");
    if (onTop) {
      // The pass re-points to the mount at the mount point: only when that is this daemon's again.
      parts.healAgain();
    }
  }

  /** Stops listening and removes the socket file if it is still this daemon's. */
  void close() {
    closeServer();
    if (!handedOver) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        LOG.debug("removing {}: {}", socket, e.getMessage());
      }
    }
  }

  private void closeServer() {
    ServerSocketChannel s = server;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
