package dev.jlxcfs.fs;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;

/**
 * Open handles and their snapshots, apart from FUSE so that the read semantics are tested without a mount.
 *
 * <p>A read at offset 0 computes the content for the caller; a reader that seeks back to 0 (procps keeps /proc
 * files open and does so on every refresh) gets fresh figures each time. When that read took the whole content
 * (the usual case: {@code cat}, libc's 4 KiB+ buffers) only its length is kept, and the next read gets end of
 * file without a copy; when it did not (a reader in small chunks), the content is kept with the handle and later
 * reads are served from it, so the chunks add up to one consistent file. The snapshot is dropped once a read has
 * reached its end.
 *
 * <p>What handles may hold is bounded, because every container reads through this one table (issue 15: 30,000
 * handles of cpuinfo read 1 byte each, each keeping its copy, exhausted the heap and wedged the mount):
 *
 * <ul>
 *   <li>Snapshots of all handles together stay within a byte budget ({@link #DEFAULT_SNAPSHOT_BUDGET}). Past it, the
 *       oldest snapshots are evicted, those of a tenant over its share ({@link #TENANT_SHARE}) first. An evicted handle's next read at an offset below the length it
 *       had is served from a fresh computation, from that offset (and keeps that content as its new snapshot): the
 *       chunks before and after may then not line up (a line cut or repeated at the seam), but the read succeeds.
 *       An error (EIO) would have been the other choice; it is not taken because "a reader never fails" is the
 *       project's rule, and an error would hand any tenant that fills the budget the power to fail other
 *       containers' reads. A snapshot bigger than the whole budget is never kept (each chunk is then computed
 *       afresh).
 *   <li>Open handles are counted per tenant (the caller's cgroups, a key from {@link FileTree#tenantOf}) and in all:
 *       an open past a tenant's cap is refused with {@link #TENANT_FULL} (EMFILE), past the table's cap with
 *       {@link #TABLE_FULL} (ENFILE). The tenant is kept in the handle, so that release (which has no reliable
 *       caller) gives back to the one charged.
 * </ul>
 *
 * <p>Handles are slots of a table, reused after release: an open and a release allocate nothing (in the steady
 * state: a tenant's counter is made at its first open and kept). A handle number carries the slot's generation,
 * so a stale number never reaches another file's slot.
 *
 * <p>Locking: the table's monitor ({@code this}) guards the slots, the counters, the snapshot byte count and the
 * eviction list; each handle's monitor guards its fields. A handle's {@code snapshot} is written only with both
 * held (table first), so it can be read with either. The usual read ({@code cat}: one read at offset 0 that takes
 * the whole file, then one at its end) takes only the handle's monitor.
 */
final class OpenFiles {

  /** Bytes all snapshots may hold together; see {@link #OpenFiles(Producer, int, int, int)}. */
  static final int DEFAULT_SNAPSHOT_BUDGET = 4 << 20;
  /** One tenant's snapshots may hold this fraction of the budget before its own are evicted first. */
  static final int TENANT_SHARE = 4;

  /** {@link #open} refused: the caller's tenant holds its cap of handles (EMFILE). */
  static final long TENANT_FULL = -1;
  /** {@link #open} refused: the table holds its cap of handles (ENFILE). */
  static final long TABLE_FULL = -2;
  /**
   * Tenants kept with no handle open before they are pruned (their counters are reused while they read). Each holds
   * its key, the text of a /proc/PID/cgroup (~300 bytes with the key's String): 4,096 would be ~1.4 MB on a node of
   * thousands of containers, as many as the resolver's texts ({@code CallerResolver.MAX_TEXTS}) share the keys.
   */
  private static final int IDLE_TENANTS_KEPT = 1024;

  /** Computes a file's content for a caller into {@code out}; never throws (falls back to the host's file). */
  interface Producer {
    void produce(VirtualFile file, ReadContext ctx, ByteSink out);
  }

  /** Where a read's bytes go (the FUSE request's buffer). */
  interface Destination {
    void put(byte[] src, int offset, int length);
  }

  /** The handles one tenant holds. Guarded by the table's monitor. */
  private static final class Tenant {
    final Object key;
    int handles;
    /** Bytes of its handles' snapshots. */
    long snapshotBytes;

    Tenant(Object key) {
      this.key = key;
    }
  }

  /** One slot. Its fields are guarded by its own monitor; {@code snapshot} see above; the links by the table's. */
  private static final class Handle {
    VirtualFile file;
    int generation;
    boolean open;
    /** The length of the content made at the last read at offset 0, or -1 before any. */
    int length = -1;
    /** That content, when the reader did not take it all at once (and it was not evicted). */
    byte[] snapshot;
    /** Who was charged for this handle. */
    Tenant tenant;
    /** The eviction list, while it holds a snapshot: newer and older neighbours. */
    Handle newer;
    Handle older;
  }

  /** The key of callers that cannot be told apart (pid 0: outside the daemon's pid namespace; unresolvable). */
  private static final Object SHARED_KEY = "(callers whose cgroups are unknown)";

  private final Producer producer;
  private final int maxPerTenant;
  private final int maxHandles;
  private final int snapshotBudget;
  private volatile Handle[] slots = new Handle[64];
  private int[] free = new int[64];
  private int freeCount;
  private int used; // slots handed out at least once
  private int open;
  private final HashMap<Object, Tenant> tenants = new HashMap<>();
  private final Tenant shared = new Tenant(SHARED_KEY);
  /** The tenant count at which the idle ones are next pruned (twice what a prune left: amortized O(1) per open). */
  private int pruneAt = IDLE_TENANTS_KEPT;
  private long snapshotBytes;
  private Handle newest;
  private Handle oldest;
  private long evictions;

  /** Caps that no test or caller of this constructor will reach, and the default budget. */
  OpenFiles(Producer producer) {
    this(producer, Integer.MAX_VALUE, Integer.MAX_VALUE, DEFAULT_SNAPSHOT_BUDGET);
  }

  /**
   * @param maxPerTenant   handles one tenant may hold open (then EMFILE)
   * @param maxHandles     handles all tenants may hold open together (then ENFILE)
   * @param snapshotBudget bytes the snapshots of all handles may hold together
   */
  OpenFiles(Producer producer, int maxPerTenant, int maxHandles, int snapshotBudget) {
    if (maxPerTenant < 1 || maxHandles < 1 || snapshotBudget < 0) {
      throw new IllegalArgumentException("caps must be positive");
    }
    this.producer = producer;
    this.maxPerTenant = maxPerTenant;
    this.maxHandles = maxHandles;
    this.snapshotBudget = snapshotBudget;
  }

  /** Opens a handle of {@code file} charged to {@code tenantKey} (null: the shared key); or a refusal (< 0). */
  synchronized long open(VirtualFile file, Object tenantKey) {
    Tenant tenant = tenant(tenantKey);
    if (tenant.handles >= maxPerTenant) {
      return TENANT_FULL;
    }
    if (open >= maxHandles) {
      return TABLE_FULL;
    }
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
      h.tenant = tenant;
      generation = h.generation;
    }
    tenant.handles++;
    open++;
    return ((long) generation << 32) | index;
  }

  /** Opens a handle charged to the shared key. */
  long open(VirtualFile file) {
    return open(file, null);
  }

  /** The tenant's counter: looked up (no allocation), made at its first open. Under the table's monitor. */
  private Tenant tenant(Object key) {
    if (key == null) {
      return shared;
    }
    Tenant t = tenants.get(key);
    if (t == null) {
      if (tenants.size() >= pruneAt) {
        // Forget the tenants that hold nothing (containers that are gone or idle): at most this many are kept,
        // whatever the number of cgroups that ever read.
        for (Iterator<Tenant> it = tenants.values().iterator(); it.hasNext(); ) {
          if (it.next().handles == 0) {
            it.remove();
          }
        }
        pruneAt = Math.max(IDLE_TENANTS_KEPT, 2 * tenants.size());
      }
      t = new Tenant(key);
      tenants.put(key, t);
    }
    return t;
  }

  /**
   * Serves a read of up to {@code size} bytes at {@code offset} into {@code to}: the number of bytes put (0 at
   * end of file), or -1 for an unknown handle.
   */
  int read(long handle, ReadContext ctx, long offset, int size, Destination to) {
    Handle h = slot(handle);
    if (h == null) {
      return -1;
    }
    int generation = (int) (handle >>> 32);
    VirtualFile file;
    byte[] served;
    int n;
    synchronized (h) {
      if (!h.open || h.generation != generation) {
        return -1;
      }
      served = h.snapshot;
      // Fresh: the first read, a read at 0, or a read below the length when there is no snapshot (the reader took
      // it all and reads back into it, or the snapshot was evicted: the rest comes from a new computation).
      boolean fresh = offset == 0 || h.length < 0 || (served == null && offset < h.length);
      if (!fresh) {
        if (served == null || offset >= served.length) {
          return 0;
        }
        n = (int) Math.min(size, served.length - offset);
        to.put(served, (int) offset, n);
        file = null;
      } else {
        file = h.file;
        n = 0;
      }
    }
    if (file == null) {
      if (offset + n >= served.length) {
        finished(h, served); // the table's lock once per file read in chunks, not once per chunk
      }
      return n;
    }
    // Computed outside the handle's lock: a computation stuck in a source read must not hold up the release of the
    // handle (and with it every open, which shares the table's lock with release).
    ByteSink sink = ctx.out();
    sink.reset();
    producer.produce(file, ctx, sink);
    int len = sink.length();
    // A first read at an offset (pread) is served from a fresh content too.
    int from = (int) Math.min(offset, len);
    n = Math.min(size, len - from);
    // Kept when the reader did not take it all; not when it alone would exceed the budget.
    byte[] keep = from + n < len && len <= snapshotBudget ? Arrays.copyOf(sink.array(), len) : null;
    boolean accounted;
    synchronized (h) {
      if (!h.open || h.generation != generation) {
        return -1; // released while we computed
      }
      h.length = len;
      accounted = keep != null || h.snapshot != null;
    }
    if (accounted) {
      keep(h, generation, keep);
    }
    to.put(sink.array(), from, n);
    return n;
  }

  /** After a read that served {@code snapshot} to its end: the reader is done with it. */
  private synchronized void finished(Handle h, byte[] snapshot) {
    synchronized (h) {
      if (h.snapshot == snapshot) { // not evicted, replaced or released meanwhile
        drop(h);
      }
    }
  }

  /** Replaces the handle's snapshot by {@code snapshot} (null: none), evicting the oldest others past the budget. */
  private synchronized void keep(Handle h, int generation, byte[] snapshot) {
    synchronized (h) {
      if (!h.open || h.generation != generation) {
        return;
      }
      if (h.snapshot != null) {
        drop(h);
      }
      if (snapshot == null) {
        return;
      }
      h.snapshot = snapshot;
      snapshotBytes += snapshot.length;
      h.tenant.snapshotBytes += snapshot.length;
      linkNewest(h);
    }
    // A tenant over its share of the budget gives up its own oldest snapshots first: one that holds its handles
    // half-read cannot push the others' chunked readers out.
    Tenant t = h.tenant;
    for (Handle v = oldest; v != null && t.snapshotBytes > snapshotBudget / TENANT_SHARE; ) {
      Handle next = v.newer;
      if (v.tenant == t && v != h) {
        evict(v);
      }
      v = next;
    }
    while (snapshotBytes > snapshotBudget && oldest != null && oldest != h) {
      evict(oldest);
    }
  }

  private void evict(Handle victim) {
    synchronized (victim) {
      drop(victim);
    }
    evictions++;
  }

  /** Forgets the handle's snapshot. Under the table's monitor and the handle's. */
  private void drop(Handle h) {
    if (h.snapshot != null) {
      snapshotBytes -= h.snapshot.length;
      h.tenant.snapshotBytes -= h.snapshot.length;
      h.snapshot = null;
      unlink(h);
    }
  }

  private void linkNewest(Handle h) {
    h.older = newest;
    h.newer = null;
    if (newest != null) {
      newest.newer = h;
    }
    newest = h;
    if (oldest == null) {
      oldest = h;
    }
  }

  private void unlink(Handle h) {
    if (h.newer != null) {
      h.newer.older = h.older;
    } else {
      newest = h.older;
    }
    if (h.older != null) {
      h.older.newer = h.newer;
    } else {
      oldest = h.newer;
    }
    h.newer = null;
    h.older = null;
  }

  synchronized void release(long handle) {
    Handle h = slot(handle);
    if (h == null) {
      return;
    }
    Tenant tenant;
    synchronized (h) {
      if (!h.open || h.generation != (int) (handle >>> 32)) {
        return;
      }
      h.open = false;
      h.file = null;
      drop(h);
      tenant = h.tenant;
      h.tenant = null;
    }
    tenant.handles--;
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

  /** Handles open now charged to {@code tenantKey} (null: the shared key). */
  synchronized int handlesOf(Object tenantKey) {
    Tenant t = tenantKey == null ? shared : tenants.get(tenantKey);
    return t == null ? 0 : t.handles;
  }

  /** Tenants remembered (with handles open or not). */
  synchronized int tenants() {
    return tenants.size();
  }

  /** Bytes the snapshots hold now. */
  synchronized long snapshotBytes() {
    return snapshotBytes;
  }

  /** Snapshots evicted so far to stay within the budget. */
  synchronized long evictions() {
    return evictions;
  }

  int maxPerTenant() {
    return maxPerTenant;
  }

  int maxHandles() {
    return maxHandles;
  }

  /** The key printed for callers charged to the shared key. */
  static String describe(Object tenantKey) {
    return String.valueOf(tenantKey == null ? SHARED_KEY : tenantKey);
  }
}
