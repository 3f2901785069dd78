package dev.jlxcfs.fs;

import dev.jlxcfs.config.Option;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.SourceFile;
import dev.jlxcfs.util.SourceThread;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Every request ends in bounded time: a watchdog looks at the workers every quarter of the request timeout. A
 * worker that has been in one request longer than the timeout (a source file that blocks: a FIFO in a fixture tree, a
 * wedged cgroup file, a FUSE file of someone else's) gets its request answered with EIO by the watchdog, which
 * writes the reply straight to the FUSE device. The worker is interrupted (which ends a blocked read of a file
 * channel), set aside, and replaced by a new worker, so other callers keep getting answers. When the set-aside
 * worker returns, libfuse's own reply for that request is refused by the kernel (ENOENT: already answered, which
 * libfuse ignores, and an open answered that way is released again) and the worker ends, or serves again where
 * the pool is short. Threads stay bounded: workers, stuck or not, never exceed {@link #MAX_THREADS}; at that cap no
 * replacement is started and the stuck workers rejoin as their requests return. A watchdog that wakes up late (the
 * whole process was paused) judges nothing on that tick.
 */
public final class FuseLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FuseLoop.class);

  /** With the worker count left to us: one per CPU, up to this many (a request wakes them all). */
  public static final int AUTO_MAX_WORKERS = 8;
  /**
   * At most this many workers, counting those set aside while stuck in a request: twice the most {@code
   * --fuse-threads} takes, so that even then every worker stuck in a request can be replaced once.
   */
  public static final int MAX_THREADS = 2 * Option.MAX_FUSE_THREADS;

  private static final int EAGAIN = 11;
  private static final int EINTR = 4;
  private static final short POLLIN = 1;
  private static final int EIO = 5;
  /** Requests the kernel expects no reply to: the watchdog never answers them. */
  private static final int FUSE_FORGET = 2;
  private static final int FUSE_INIT = 26;
  private static final int FUSE_INTERRUPT = 36;
  private static final int FUSE_DESTROY = 38;
  private static final int FUSE_BATCH_FORGET = 42;
  /** How often a waiting worker looks at the stop flag. */
  private static final int POLL_MILLIS = 500;
  /**
   * Said when a loop survives an OutOfMemoryError: made at class load, since building a message then could fail
   * again. (The launcher runs the JVM with -XX:+ExitOnOutOfMemoryError, so a heap the JVM finds exhausted ends the
   * process, and a restart heals; these lines are for an OutOfMemoryError thrown by code, or a JVM run without it.)
   */
  private static final String WORKER_OOM =
      "FUSE worker: out of memory in one request (answered EIO if it was not answered); it serves on";
  private static final String WATCHDOG_OOM = "FUSE watchdog: out of memory in one round; it watches on";
  /** After an iteration failed, a loop waits this long (a failure that repeats must not spin a CPU or the log). */
  private static final long FAILURE_PAUSE_NANOS = 10_000_000L;

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
  public static LibFuse2 libFuse2() {
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
  private final List<Worker> workers = new CopyOnWriteArrayList<>();
  /** Workers taking requests (live ones not set aside); kept at {@link #target} by rejoining and by the watchdog. */
  private final AtomicInteger serving = new AtomicInteger();
  private volatile int target;
  private volatile Thread watchdog;
  private final AtomicInteger serial = new AtomicInteger();
  /** Counted down when the session ends: the file system was unmounted, or {@link #close} was called. */
  private final CountDownLatch ended = new CountDownLatch(1);
  private final long timeoutNanos;
  private volatile boolean stopping;
  private volatile boolean tornDown;
  private volatile boolean leftMountPoint;
  private boolean saidFull;

  private static final java.lang.invoke.VarHandle SINCE;

  static {
    try {
      SINCE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Worker.class, "since", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** One worker thread and the request it is serving (written by it, read by the watchdog). */
  private static final class Worker {
    final int cpu;
    SourceThread thread;
    /** When the current request started (System.nanoTime), 0 while waiting for one. */
    volatile long since;
    volatile long unique;
    volatile int opcode;
    /** Set by the watchdog: a replacement serves in its place; it ends when its request returns. */
    volatile boolean setAside;

    Worker(int cpu) {
      this.cpu = cpu;
    }
  }

  private FuseLoop(LibFuse2 fuse, JlxcFs fs, Pointer handle, Pointer mountpointOut, Duration requestTimeout) {
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
    this.timeoutNanos = requestTimeout.toNanos();
  }

  /**
   * Mounts {@code fs} at {@code mountPoint} and starts the workers.
   *
   * @param workers the worker count, or 0 for one per usable CPU (pinned), at most {@link #AUTO_MAX_WORKERS}
   * @param requestTimeout how long one request may take before the watchdog answers it with EIO (zero: never)
   */
  public static FuseLoop mount(JlxcFs fs, Path mountPoint, String options, boolean debug, int workers,
                               Duration requestTimeout) throws MountException {
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
    FuseLoop loop = new FuseLoop(fuse, fs, handle, mountpointOut, requestTimeout);
    Native.setNonBlocking(loop.fd);
    loop.target = count;
    for (int i = 0; i < count; i++) {
      loop.startWorker(pin ? cpus[i] : -1);
    }
    if (!requestTimeout.isZero()) {
      Thread watchdog = new Thread(loop::watch, "fuse-watchdog");
      watchdog.setDaemon(true);
      loop.watchdog = watchdog;
      watchdog.start();
    }
    LOG.debug("{} FUSE workers{}", count, pin ? ", one pinned to each CPU" : "");
    return loop;
  }

  /** Workers serving requests (not counting those set aside while stuck). */
  public int workerCount() {
    return serving.get();
  }

  private void startWorker(int cpu) {
    Worker w = new Worker(cpu);
    SourceThread t = new WorkerThread(() -> work(w),
        "fuse-" + serial.getAndIncrement() + (cpu >= 0 ? "-cpu" + cpu : ""), fs);
    t.setDaemon(true);
    w.thread = t;
    serving.incrementAndGet();
    workers.add(w);
    t.start();
  }

  /**
   * A set-aside worker whose request has returned: it serves again if the pool is short (the watchdog could not
   * replace it: the thread cap was reached), else it ends.
   */
  private boolean rejoin(Worker self) {
    for (int n = serving.get(); n < target; n = serving.get()) {
      if (serving.compareAndSet(n, n + 1)) {
        self.setAside = false;
        return true;
      }
    }
    return false;
  }

  private void work(Worker self) {
    int cpu = self.cpu;
    boolean sessionEnded = false;
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
      Pointer reply = Memory.allocateDirect(runtime, 16); // for answering a request whose serving threw
      while (!stopping) {
        // One request per iteration; whatever one throws (an OutOfMemoryError, a bug) costs that request an EIO,
        // not the worker.
        try {
          int n = fuse.fuse_chan_recv(channelRefAddress, bufAddress, bufferSize);
          if (n > 0) {
            self.unique = buf.getLong(8); // struct fuse_in_header { u32 len; u32 opcode; u64 unique; ... }
            self.opcode = buf.getInt(4);
            self.since = System.nanoTime();
            fuse.fuse_session_process(sessionAddress, bufAddress, n, channelAddress);
            self.since = 0;
            // A watchdog interrupt that came as the request ended must not fail the next one's reads.
            Thread.interrupted();
            if (self.setAside && !rejoin(self)) {
              break; // the watchdog answered this request and a worker serves in our place
            }
          } else if (n == -EAGAIN || n == -EINTR) {
            Native.libc().poll(pollfd, 1, POLL_MILLIS);
          } else {
            // 0: the file system was unmounted (ENODEV) or the session ended; < 0: the device failed.
            if (n < 0 && !stopping) {
              LOG.error("reading the FUSE device failed (errno {}): this worker stops", -n);
            }
            sessionEnded = true;
            break;
          }
        } catch (Throwable t) {
          long since = self.since;
          if (since != 0) {
            // Maybe unanswered: its reader would wait forever. If it was answered, the kernel refuses this one.
            answerEio(reply, self.unique, self.opcode);
            self.since = 0;
          }
          Thread.interrupted();
          survived(t, WORKER_OOM, "FUSE worker");
          if (self.setAside && !rejoin(self)) {
            break;
          }
        }
      }
      // The loop used only the addresses: keep the memory (freed when its Pointer is collected) until here.
      Reference.reachabilityFence(buf);
      Reference.reachabilityFence(pollfd);
      Reference.reachabilityFence(reply);
    } catch (Throwable t) {
      LOG.error("FUSE worker failed: {} (the watchdog starts another)", t.toString());
    } finally {
      self.since = 0;
      if (!self.setAside) {
        serving.decrementAndGet();
      }
      workers.remove(self);
      if (sessionEnded || stopping) {
        ended.countDown();
      }
    }
  }

  /** The watchdog: answers requests that outlive the timeout and replaces the workers stuck in them. */
  private void watch() {
    long tick = Math.max(20, Math.min(250, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) / 4));
    Pointer reply = Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 16);
    long lastWake = System.nanoTime();
    while (!stopping) {
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        return;
      }
      // One round per iteration; whatever one throws (an OutOfMemoryError while starting a thread or logging, a
      // bug) is said and the watchdog watches on: without it no stuck request would be answered.
      try {
        lastWake = round(reply, lastWake, tick);
      } catch (Throwable t) {
        if (t instanceof InterruptedException || stopping) {
          return;
        }
        lastWake = System.nanoTime();
        survived(t, WATCHDOG_OOM, "FUSE watchdog");
      }
    }
  }

  /** One watchdog round; returns when it woke. */
  private long round(Pointer reply, long lastWake, long tick) {
    long now = System.nanoTime();
    long excess = now - lastWake - TimeUnit.MILLISECONDS.toNanos(tick);
    if (excess > TimeUnit.MILLISECONDS.toNanos(2 * tick)) {
      // The watchdog itself was held up (a long GC or safepoint pause, CPU starvation): so were the workers, and
      // their requests are not stuck on a source. The pause is not counted against them: each request in flight is
      // taken to have started that much later (unless it has ended meanwhile), and judged from the next tick.
      for (Worker w : workers) {
        long since = w.since;
        if (since != 0) {
          SINCE.compareAndSet(w, since, Math.min(now, since + excess));
        }
      }
      return now;
    }
    refill();
    for (Worker w : workers) {
      long since = w.since;
      long unique = w.unique;
      if (since == 0 || w.setAside || now - since < timeoutNanos || w.since != since) {
        continue;
      }
      int op = w.opcode;
      answerEio(reply, unique, op);
      w.setAside = true;
      serving.decrementAndGet();
      SourceFile source = w.thread.reading();
      if (source != null) {
        source.quarantine(w.thread);
      }
      w.thread.interrupt(); // ends a read blocked on a pipe or socket (the channel is closed; it is reopened)
      LOG.warn("a FUSE request (opcode {}) took over {} ms{}: answered EIO; {} waits for it", op,
          TimeUnit.NANOSECONDS.toMillis(timeoutNanos), source == null ? "" : " reading " + source,
          w.thread.getName());
      if (workers.size() < MAX_THREADS && serving.get() < target) {
        startWorker(w.cpu); // on the stuck one's CPU, pinned as it was
      }
      refill();
    }
    return now;
  }

  /** Answers request {@code unique} with EIO, straight on the device, unless the kernel expects no reply to it. */
  private void answerEio(Pointer reply, long unique, int op) {
    if (op != FUSE_FORGET && op != FUSE_BATCH_FORGET && op != FUSE_INTERRUPT && op != FUSE_INIT
        && op != FUSE_DESTROY) {
      // struct fuse_out_header { u32 len; s32 error; u64 unique; }
      reply.putInt(0, 16);
      reply.putInt(4, -EIO);
      reply.putLong(8, unique);
      Native.libc().write(fd, reply, 16);
    }
  }

  /** After an iteration of a loop threw: one line (a constant one for OutOfMemoryError), then a short pause. */
  private static void survived(Throwable t, String outOfMemory, String who) {
    try {
      if (t instanceof OutOfMemoryError) {
        LOG.error(outOfMemory);
      } else {
        LOG.error("{} survived: {}", who, t.toString());
      }
    } catch (Throwable again) {
      // no memory even for that: go on without the line
    }
    java.util.concurrent.locks.LockSupport.parkNanos(FAILURE_PAUSE_NANOS);
  }

  /**
   * Starts workers until {@link #target} serve, within {@link #MAX_THREADS} threads in all (set-aside ones count):
   * replaces the workers set aside and any that died.
   */
  private void refill() {
    while (serving.get() < target && !stopping) {
      if (workers.size() >= MAX_THREADS) {
        if (!saidFull) {
          saidFull = true;
          LOG.error("{} FUSE threads, {} of them stuck in requests: no more are started; set-aside workers serve "
              + "again as their requests return", workers.size(), workers.size() - serving.get());
        }
        return;
      }
      saidFull = false;
      startWorker(-1);
    }
  }

  /** Waits until the session has ended (the file system was unmounted, or {@link #close} was called). */
  public void awaitUnmounted() throws InterruptedException {
    ended.await();
  }

  /** Whether the session has ended. */
  public boolean awaitUnmountedNow() {
    return ended.getCount() == 0;
  }

  /** Waits as long for the session to end; whether it has. */
  public boolean awaitUnmounted(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
    return ended.await(timeout, unit);
  }

  /** Threads serving the mount right now, counting stuck ones: at most {@link #MAX_THREADS}. */
  public int threadCount() {
    return workers.size();
  }

  /**
   * Ends the workers: each finishes the request it is serving, then stops. Waits up to {@code timeout} for them;
   * false if some are still in a request (stuck: the process may exit anyway, the kernel ends their readers' wait).
   */
  public boolean stop(Duration timeout) {
    stopping = true;
    Thread w = watchdog;
    if (w != null) {
      // Before the device can be closed: the watchdog writes replies to it and starts workers.
      w.interrupt();
      try {
        w.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      if (tornDown) {
        return true; // libfuse's state is freed: the session is long over
      }
      fuse.fuse_session_exit(session);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (workers.size() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    ended.countDown();
    return true;
  }

  /**
   * From now on {@link #close} leaves the path this loop mounted alone: its mount was moved (a handover's staging
   * directory) or the path holds another daemon's mount now (this one handed over), and libfuse's teardown would
   * unmount whatever is on top there.
   */
  public void leaveMountPoint() {
    leftMountPoint = true;
  }

  /** Stops the workers and, once they have ended, unmounts (unless left) and frees libfuse's state. */
  @Override
  public void close() {
    if (!stop(Duration.ofMillis(2 * POLL_MILLIS + 1000))) {
      return; // a worker is stuck in a request: leave libfuse's state alone, the process is about to end
    }
    synchronized (this) {
      if (!tornDown) {
        tornDown = true;
        // After a handover the path holds the successor's mount: libfuse would unmount whatever is there.
        fuse.fuse_teardown(handle, leftMountPoint ? null : mountpointOut.getPointer(0));
      }
    }
  }
}
