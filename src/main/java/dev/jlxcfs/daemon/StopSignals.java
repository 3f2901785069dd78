package dev.jlxcfs.daemon;

import dev.jlxcfs.fs.FuseLoop;
import dev.jlxcfs.util.Native;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM/SIGINT: unmount, then exit 0. A plain JVM exits 143/130 on these signals and libfuse's own handlers are
 * never installed under a JVM, so the daemon takes the signals itself (sun.misc.Signal: the only way in Java 17,
 * exported by jdk.unsupported).
 */
final class StopSignals {

  /** The daemon's own lines (operators and the systemd lane read "Daemon - SIGTERM: unmounting ..."). */
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private volatile boolean requested;

  private StopSignals() {}

  /**
   * Installs the handlers. On a signal: {@code beforeUnmount} runs (on the signal's thread), then a thread of its own
   * takes the mount off {@code mountPoint}, lets the workers finish and exits the process with 0.
   */
  @SuppressWarnings("restriction")
  static StopSignals install(Path mountPoint, OwnMount own, FuseLoop loop, Runnable beforeUnmount) {
    preloadShutdownClasses();
    StopSignals signals = new StopSignals();
    sun.misc.SignalHandler stop = sig -> {
      LOG.info("SIG{}: unmounting {}", sig.getName(), mountPoint);
      signals.requested = true;
      beforeUnmount.run();
      Thread t = new Thread(() -> {
        try {
          // Off the mount point first (lazily: open files and containers' binds keep the connection), then the
          // workers finish the requests they serve. Exiting closes /dev/fuse, which ends the connection for the
          // binds too. A worker stuck in a source read is not waited for beyond 2 s.
          // This daemon's own mount only: after a handover the path holds the successor's.
          if (!own.unmountFrom(mountPoint)) {
            LOG.info("{} does not show this daemon's mount (handed over, or unmounted already): left as it is",
                mountPoint);
          }
          if (!loop.stop(Duration.ofSeconds(2))) {
            LOG.warn("{} FUSE threads are still in a request: exiting without them", loop.threadCount());
          }
          LOG.info("unmounted {}", mountPoint);
        } catch (Throwable e) {
          LOG.warn("unmounting {}: {}", mountPoint, e.toString());
        } finally {
          System.exit(0);
        }
      }, "shutdown");
      t.start();
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);
    return signals;
  }

  /** Whether a signal asked the daemon to stop (its shutdown thread then unmounts and exits). */
  boolean requested() {
    return requested;
  }

  /**
   * Loads now what the unmount at exit needs: if the jar is overwritten in place while the daemon runs (a rebuild,
   * a careless upgrade), classes loaded only at exit would fail to load and the mount would be left behind.
   */
  private static void preloadShutdownClasses() {
    for (String name : List.of(MountPoint.class.getName(), OwnMount.class.getName(),
        dev.jlxcfs.util.MountCalls.class.getName(), dev.jlxcfs.util.MountCalls.Stat.class.getName(),
        Native.SyscallException.class.getName())) {
      try {
        Class.forName(name);
      } catch (ClassNotFoundException | LinkageError e) {
        LOG.warn("cannot preload {}: {}", name, e.toString());
      }
    }
  }
}
