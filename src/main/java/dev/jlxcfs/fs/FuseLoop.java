package dev.jlxcfs.fs;

import dev.jlxcfs.util.Native;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mount and the threads that serve it. libfuse2 mounts and decodes requests ({@code fuse_setup},
 * {@code fuse_session_process}), but the loop that waits for requests is ours instead of its fuse_loop_mt:
 *
 * <ul>
 *   <li>A fixed set of worker threads, made once (never one per request), so the daemon's thread count is bounded.
 *   <li>By default one worker per CPU the daemon may use (at most {@link #AUTO_MAX_WORKERS}), each pinned to its CPU
 *       and waiting in poll(2) on the FUSE device. A request wakes every waiting worker; the one on the reader's own
 *       CPU runs as soon as the reader blocks and takes it, so request and reply are handed over on one CPU instead
 *       of waking a sleeping one. Measured on this project's 2-CPU VM, one reader, a constant 1.5 KB file: 21-24k
 *       reads/s against 11.5k with libfuse's own loop (whose single waiter is woken on whichever CPU it last ran).
 *   <li>With another worker count, workers are not pinned.
 * </ul>
 *
 * <p>The FUSE descriptor is non-blocking: a worker that loses the race for a request goes back to poll(2).
 */
public final class FuseLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FuseLoop.class);

  /** With the worker count left to us: one per CPU, up to this many (a request wakes them all). */
  public static final int AUTO_MAX_WORKERS = 8;

  private static final int EAGAIN = 11;
  private static final int EINTR = 4;
  private static final short POLLIN = 1;
  /** How often a waiting worker looks at the stop flag. */
  private static final int POLL_MILLIS = 500;

  /** The libfuse 2.9 calls the loop makes (addresses as longs on the hot path: nothing to marshal). */
  public interface LibFuse2 {
    Pointer fuse_setup(int argc, String[] argv, Pointer ops, long opSize, Pointer mountpoint, Pointer multithreaded,
                       Pointer userData);

    Pointer fuse_get_session(Pointer fuse);

    Pointer fuse_session_next_chan(Pointer session, Pointer previous);

    int fuse_chan_fd(Pointer channel);

    long fuse_chan_bufsize(Pointer channel);

    @IgnoreError
    int fuse_chan_recv(long channelRef, long buf, long size);

    @IgnoreError
    void fuse_session_process(long session, long buf, long len, long channel);

    void fuse_session_exit(Pointer session);

    void fuse_teardown(Pointer fuse, Pointer mountpoint);

    /** The context of the request this thread is serving (struct fuse_context *). */
    @IgnoreError
    long fuse_get_context();
  }

  private static volatile LibFuse2 lib;

  /** libfuse.so.2, loaded once. Throws an Error (UnsatisfiedLinkError) when it is not installed. */
  static LibFuse2 libFuse2() {
    LibFuse2 l = lib;
    if (l == null) {
      synchronized (FuseLoop.class) {
        if (lib == null) {
          lib = LibraryLoader.create(LibFuse2.class).failImmediately().load("fuse");
        }
        l = lib;
      }
    }
    return l;
  }

  /** Mounting failed; libfuse has printed why on stderr. */
  public static final class MountException extends Exception {
    MountException(String message) {
      super(message);
    }
  }

  private final LibFuse2 fuse;
  /** Held for libfuse: its operations table and callbacks live in Java objects that must not be collected. */
  private final JlxcFs fs;
  private final Pointer handle;
  private final Pointer mountpointOut;
  private final Pointer session;
  private final Pointer channel;
  private final Pointer channelRef;
  private final int fd;
  private final long bufferSize;
  private final List<Thread> workers = new ArrayList<>();
  private final CountDownLatch ended;
  private volatile boolean stopping;
  private volatile boolean tornDown;

  private FuseLoop(LibFuse2 fuse, JlxcFs fs, Pointer handle, Pointer mountpointOut, int workerCount) {
    this.fuse = fuse;
    this.fs = fs;
    this.handle = handle;
    this.mountpointOut = mountpointOut;
    this.session = fuse.fuse_get_session(handle);
    this.channel = fuse.fuse_session_next_chan(session, null);
    this.fd = fuse.fuse_chan_fd(channel);
    this.bufferSize = fuse.fuse_chan_bufsize(channel);
    this.channelRef = Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 8);
    this.channelRef.putPointer(0, channel);
    this.ended = new CountDownLatch(workerCount);
  }

  /**
   * Mounts {@code fs} at {@code mountPoint} and starts the workers.
   *
   * @param workers the worker count, or 0 for one per usable CPU (pinned), at most {@link #AUTO_MAX_WORKERS}
   */
  public static FuseLoop mount(JlxcFs fs, Path mountPoint, String options, boolean debug, int workers)
      throws MountException {
    LibFuse2 fuse = libFuse2();
    List<String> argv = new ArrayList<>(List.of("jlxcfs", "-f"));
    if (debug) {
      argv.add("-d");
    }
    argv.addAll(List.of(mountPoint.toString(), "-o" + options));
    jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
    Pointer mountpointOut = Memory.allocateDirect(runtime, 8);
    Pointer multithreaded = Memory.allocateDirect(runtime, 8);
    Pointer handle = fuse.fuse_setup(argv.size(), argv.toArray(new String[0]), fs.operations(),
        fs.operationsSize(), mountpointOut, multithreaded, null);
    if (handle == null) {
      throw new MountException("libfuse could not mount " + mountPoint);
    }
    int[] cpus = Native.allowedCpus();
    int count = workers > 0 ? workers : Math.max(1, Math.min(cpus.length, AUTO_MAX_WORKERS));
    boolean pin = workers == 0 && count == cpus.length;
    FuseLoop loop = new FuseLoop(fuse, fs, handle, mountpointOut, count);
    Native.setNonBlocking(loop.fd);
    for (int i = 0; i < count; i++) {
      int cpu = pin ? cpus[i] : -1;
      Thread t = new Thread(() -> loop.work(cpu), "fuse-" + i + (pin ? "-cpu" + cpu : ""));
      t.setDaemon(true);
      loop.workers.add(t);
    }
    loop.workers.forEach(Thread::start);
    LOG.debug("{} FUSE workers{}", count, pin ? ", one pinned to each CPU" : "");
    return loop;
  }

  public int workerCount() {
    return workers.size();
  }

  private void work(int cpu) {
    try {
      if (cpu >= 0 && !Native.pinCurrentThread(cpu)) {
        LOG.debug("cannot pin {} to CPU {}: it runs anywhere", Thread.currentThread().getName(), cpu);
      }
      jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
      Pointer buf = Memory.allocateDirect(runtime, (int) bufferSize);
      Pointer pollfd = Memory.allocateDirect(runtime, 8); // struct pollfd { int fd; short events; short revents; }
      pollfd.putInt(0, fd);
      pollfd.putShort(4, POLLIN);
      long bufAddress = buf.address();
      long sessionAddress = session.address();
      long channelAddress = channel.address();
      long channelRefAddress = channelRef.address();
      while (!stopping) {
        int n = fuse.fuse_chan_recv(channelRefAddress, bufAddress, bufferSize);
        if (n > 0) {
          fuse.fuse_session_process(sessionAddress, bufAddress, n, channelAddress);
        } else if (n == -EAGAIN || n == -EINTR) {
          Native.libc().poll(pollfd, 1, POLL_MILLIS);
        } else {
          // 0: the file system was unmounted (ENODEV) or the session ended; < 0: the device failed.
          if (n < 0 && !stopping) {
            LOG.error("reading the FUSE device failed (errno {}): this worker stops", -n);
          }
          break;
        }
      }
      // The loop used only the addresses: keep the memory (freed when its Pointer is collected) until here.
      Reference.reachabilityFence(buf);
      Reference.reachabilityFence(pollfd);
    } catch (Throwable t) {
      LOG.error("FUSE worker failed: {}", t.toString());
    } finally {
      ended.countDown();
    }
  }

  /** Waits until every worker has ended (the file system was unmounted, or {@link #close} was called). */
  public void awaitUnmounted() throws InterruptedException {
    ended.await();
  }

  public boolean awaitUnmounted(long timeout, TimeUnit unit) throws InterruptedException {
    return ended.await(timeout, unit);
  }

  /** Stops the workers and, once they have ended, unmounts and frees libfuse's state. */
  @Override
  public void close() {
    stopping = true;
    fuse.fuse_session_exit(session);
    try {
      if (!ended.await(2 * POLL_MILLIS + 1000, TimeUnit.MILLISECONDS)) {
        return; // a worker is stuck in a request: leave libfuse's state alone, the process is about to end
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    synchronized (this) {
      if (!tornDown) {
        tornDown = true;
        fuse.fuse_teardown(handle, mountpointOut.getPointer(0));
      }
    }
  }
}
