package dev.jlxcfs.fs;

import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;
import java.util.Arrays;

/**
 * Open handles and their snapshots, apart from FUSE so that the read semantics are tested without a mount.
 *
 * <p>A read at offset 0 computes the content for the caller; a reader that seeks back to 0 (procps keeps /proc
 * files open and does so on every refresh) gets fresh figures each time. When that read took the whole content
 * (the usual case: {@code cat}, libc's 4 KiB+ buffers) only its length is kept, and the next read gets end of
 * file without a copy; when it did not (a reader in small chunks), the content is kept with the handle and later
 * reads are served from it, so the chunks add up to one consistent file.
 *
 * <p>Handles are slots of a table, reused after release: an open and a release allocate nothing. A handle number
 * carries the slot's generation, so a stale number never reaches another file's slot.
 */
final class OpenFiles {

  /** Computes a file's content for a caller into {@code out}; never throws (falls back to the host's file). */
  interface Producer {
    void produce(VirtualFile file, int pid, ByteSink out);
  }

  /** Where a read's bytes go (the FUSE request's buffer). */
  interface Destination {
    void put(byte[] src, int offset, int length);
  }

  /** One slot. Guarded by its own monitor. */
  private static final class Handle {
    VirtualFile file;
    int generation;
    boolean open;
    /** The length of the content made at the last read at offset 0, or -1 before any. */
    int length = -1;
    /** That content, when the reader did not take it all at once. */
    byte[] snapshot;
  }

  private static final ThreadLocal<ByteSink> SINK = ThreadLocal.withInitial(() -> new ByteSink(8192));

  private final Producer producer;
  private volatile Handle[] slots = new Handle[64];
  private int[] free = new int[64];
  private int freeCount;
  private int used; // slots handed out at least once
  private int open;

  OpenFiles(Producer producer) {
    this.producer = producer;
  }

  synchronized long open(VirtualFile file) {
    int index;
    if (freeCount > 0) {
      index = free[--freeCount];
    } else {
      if (used == slots.length) {
        slots = Arrays.copyOf(slots, slots.length * 2);
      }
      index = used++;
      slots[index] = new Handle();
    }
    Handle h = slots[index];
    int generation;
    synchronized (h) {
      h.generation = (h.generation + 1) & 0x7fffffff;
      h.file = file;
      h.open = true;
      h.length = -1;
      h.snapshot = null;
      generation = h.generation;
    }
    open++;
    return ((long) generation << 32) | index;
  }

  /**
   * Serves a read of up to {@code size} bytes at {@code offset} into {@code to}: the number of bytes put (0 at
   * end of file), or -1 for an unknown handle.
   */
  int read(long handle, int pid, long offset, int size, Destination to) {
    Handle h = slot(handle);
    if (h == null) {
      return -1;
    }
    int generation = (int) (handle >>> 32);
    VirtualFile file;
    synchronized (h) {
      if (!h.open || h.generation != generation) {
        return -1;
      }
      boolean fresh = offset == 0 || h.length < 0 || (h.snapshot == null && offset < h.length);
      if (!fresh) {
        if (h.snapshot == null || offset >= h.snapshot.length) {
          return 0;
        }
        int n = (int) Math.min(size, h.snapshot.length - offset);
        to.put(h.snapshot, (int) offset, n);
        return n;
      }
      file = h.file;
    }
    // Computed outside the handle's lock: a computation stuck in a source read must not hold up the release of the
    // handle (and with it every open, which shares the table's lock with release).
    ByteSink sink = SINK.get();
    sink.reset();
    producer.produce(file, pid, sink);
    int len = sink.length();
    // A first read at an offset (pread) is served from a fresh content too.
    int from = (int) Math.min(offset, len);
    int n = Math.min(size, len - from);
    synchronized (h) {
      if (!h.open || h.generation != generation) {
        return -1; // released while we computed
      }
      h.length = len;
      h.snapshot = from + n < len ? Arrays.copyOf(sink.array(), len) : null;
    }
    to.put(sink.array(), from, n);
    return n;
  }

  synchronized void release(long handle) {
    Handle h = slot(handle);
    if (h == null) {
      return;
    }
    synchronized (h) {
      if (!h.open || h.generation != (int) (handle >>> 32)) {
        return;
      }
      h.open = false;
      h.file = null;
      h.snapshot = null;
    }
    if (freeCount == free.length) {
      free = Arrays.copyOf(free, free.length * 2);
    }
    free[freeCount++] = (int) handle;
    open--;
  }

  private Handle slot(long handle) {
    int index = (int) handle;
    Handle[] s = slots;
    return index >= 0 && index < s.length ? s[index] : null;
  }

  /** Handles open now. */
  synchronized int size() {
    return open;
  }
}
