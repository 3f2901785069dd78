package dev.jlxcfs.util;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jnr.ffi.Pointer;

/**
 * A cgroup counter file kept open by its bare descriptor and re-read from offset 0 on every read, as
 * {@link SourceFile} does (why that sees fresh figures is said there), for the thousands a dense node's cgroups keep.
 *
 * <p>Why not a SourceFile: its FileChannel, with the channel's descriptor object, cleaner, thread set, locks and path
 * string, is ~600 bytes of heap per file, and a node with 5,000 groups keeps ~3,400 such files (a heap dump of the
 * dense-node benchmark: 2.1 MB reachable from its SourceFiles). This is the descriptor, a use count and the path.
 *
 * <p>What a FileChannel gave is kept: a {@link #close} that races with reads never closes the descriptor under one
 * (it is closed by whichever of them finishes last, so it is never reused under a read), and a read that finds the
 * file closed reads once through a descriptor of its own. Not kept: the watchdog's quarantine and interrupt of a
 * stuck read; cgroupfs has no FIFOs or sockets and its reads do not wait on anything a tenant holds, so the
 * {@link SourceFile}s of the host's files keep that. The descriptor is opened relative to its private tree copy
 * ({@link TreePath}), at construction.
 */
public final class KeptFile implements AutoCloseable {

  /** {@link #state}: this bit once closed; the count of reads in progress above it. */
  private static final int CLOSED = 1;
  private static final int READ = 2;
  private static final int EIO = 5;

  private final Path path;
  private final int fd;
  /** Reads in progress times {@link #READ}, plus {@link #CLOSED}. Updated through {@link #STATE} only. */
  @SuppressWarnings("unused")
  private volatile int state;

  /**
   * Opens {@code path} read-only.
   *
   * @throws IOException why it cannot be opened (NoSuchFileException for a removed cgroup's file)
   */
  public KeptFile(Path path) throws IOException {
    this.path = path;
    TreePath at = TreePath.of(path);
    int opened = Native.openReadOnly(at.dirFd(), at.cString(new byte[0]));
    if (opened < 0) {
      // The failure's reason (errno is not kept by the bare call): opened again as the JDK does, which says it.
      FileChannel.open(path, StandardOpenOption.READ).close();
      throw new FileSystemException(path.toString(), null, "cannot be opened");
    }
    this.fd = opened;
  }

  public Path path() {
    return path;
  }

  /** Reads the whole file into {@code into} (from its start). */
  public ReadBuffer read(ReadBuffer into) throws IOException {
    int s;
    do {
      s = state;
      if ((s & CLOSED) != 0) {
        // Closed under us (its cgroup was dropped by the sweep, the cap, or idle expiry): one read of our own.
        return SourceFile.readOnce(path, into);
      }
    } while (!STATE.weakCompareAndSet(this, s, s + READ));
    int n;
    try {
      n = readFromStart(into);
    } finally {
      if ((int) STATE.getAndAdd(this, -READ) - READ == CLOSED) {
        Native.closeFd(fd); // closed while this read ran, and it was the last: the close is ours to finish
      }
    }
    if (n < 0) {
      // ENODEV: the cgroup was removed, even if one was made again at the same path since (a service restarted
      // under its name): the caller marks it gone, and its next reader opens the files of the new one. Not read
      // again by path here: that would keep the removed cgroup alive through this descriptor, and succeed.
      FAILED_READS.incrementAndGet();
      throw new FileSystemException(path.toString(), null, "read: " + Native.describe(-n));
    }
    return into;
  }

  /**
   * Reads into native memory of this thread's own, then copies the bytes read; the count, or -errno. Not into the
   * byte[] itself: jnr-ffi would copy all of it (the read path's buffers are 8 KiB) in and out for a read of a few
   * bytes.
   */
  private int readFromStart(ReadBuffer into) {
    while (true) {
      int capacity = into.capacity();
      Pointer p = READ_MEMORY.get();
      if (p.size() < capacity) {
        p = jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), capacity);
        READ_MEMORY.set(p);
      }
      int n = (int) Native.libc().pread(fd, p, capacity, 0);
      if (n < 0) {
        int errno = Native.lastErrno();
        return errno > 0 ? -errno : -EIO;
      }
      if (n < capacity) {
        // A short read is the end (seq_file fills the buffer until its records run out); a full one may not be.
        p.get(0, into.bytes(), 0, n);
        into.setLength(n);
        return n;
      }
      into.grow(); // and read it again from its start, whole: the kernel regenerates it at offset 0
    }
  }

  /** Reads whose descriptor failed (tests: a descriptor closed under a read would fail with EBADF). */
  static final java.util.concurrent.atomic.AtomicLong FAILED_READS = new java.util.concurrent.atomic.AtomicLong();

  private static final ThreadLocal<Pointer> READ_MEMORY =
      ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 8192));

  /** Closes the descriptor now, or when the last read in progress ends. Idempotent. */
  @Override
  public void close() {
    int s = (int) STATE.getAndBitwiseOr(this, CLOSED);
    if ((s & CLOSED) == 0 && s == 0) {
      Native.closeFd(fd);
    }
  }

  /** The descriptor (tests: whether it is still open). */
  int fd() {
    return fd;
  }

  /** Whether {@link #close} was called (tests). */
  boolean closed() {
    return (state & CLOSED) != 0;
  }

  @Override
  public String toString() {
    return path.toString();
  }

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(KeptFile.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
