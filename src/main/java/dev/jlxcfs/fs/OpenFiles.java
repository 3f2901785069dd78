package dev.jlxcfs.fs;

import dev.jlxcfs.files.VirtualFile;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open handles and their snapshots, apart from FUSE so that the read semantics are tested without a mount.
 *
 * <p>A read at offset 0 computes the content for the caller and keeps it with the handle; reads at other offsets
 * are served from it, so a reader that reads in small chunks sees one consistent file, and a reader that seeks back
 * to 0 (procps keeps /proc files open and does so on every refresh) gets fresh figures.
 */
final class OpenFiles {

  /** One open handle. */
  private static final class Handle {
    final VirtualFile file;
    volatile byte[] content;

    Handle(VirtualFile file) {
      this.file = file;
    }
  }

  /** Computes a file's content for a caller; never throws (falls back to the host's file). */
  interface Producer {
    byte[] produce(VirtualFile file, int pid);
  }

  private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final Producer producer;

  OpenFiles(Producer producer) {
    this.producer = producer;
  }

  long open(VirtualFile file) {
    long handle = nextHandle.getAndIncrement();
    handles.put(handle, new Handle(file));
    return handle;
  }

  /** The snapshot to serve a read at {@code offset} from; null for an unknown handle. */
  byte[] contentFor(long handle, int pid, long offset) {
    Handle h = handles.get(handle);
    if (h == null) {
      return null;
    }
    byte[] content = h.content;
    if (offset == 0 || content == null) {
      content = producer.produce(h.file, pid);
      h.content = content;
    }
    return content;
  }

  void release(long handle) {
    handles.remove(handle);
  }

  int size() {
    return handles.size();
  }
}
