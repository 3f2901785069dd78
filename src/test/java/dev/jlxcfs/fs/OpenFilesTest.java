package dev.jlxcfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OpenFilesTest {

  /** A request's context for the caller with this pid (these files resolve no caller). */
  static ReadContext ctx(int pid) {
    return new ReadContext(null).begin(pid);
  }

  /** A file whose every rendering differs, so that mixing two renderings shows. */
  static class Counter implements VirtualFile {
    final AtomicInteger renders = new AtomicInteger();

    @Override
    public String path() {
      return "/proc/counter";
    }

    @Override
    public void render(ReadContext ctx, ByteSink out) {
      int pid = ctx.pid();
      int n = renders.incrementAndGet();
      for (int i = 0; i < 20; i++) {
        out.write("render ").write(n).write(" for pid ").write(pid).write(" line ").write(i).write('\n');
      }
    }

    @Override
    public void host(ReadContext ctx, ByteSink out) throws java.io.IOException {
      out.write("host\n");
    }
  }

  /** What a reader gets by reading the handle in chunks of {@code chunk} bytes until a short read. */
  static String readAll(OpenFiles files, long handle, int pid, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long offset = 0;
    while (true) {
      int n = files.read(handle, ctx(pid), offset, chunk, out::write);
      if (n <= 0) {
        return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
      }
      offset += n;
    }
  }

  static String produce(SafeRender render, VirtualFile f, int pid) {
    ByteSink out = new ByteSink();
    render.produce(f, ctx(pid), out);
    return out.toString();
  }

  @Test
  void chunkedReadsOfOneHandleSeeOneSnapshot() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(counter);
    String chunked = readAll(files, h, 42, 13);
    assertEquals(1, counter.renders.get(), "13-byte reads must not re-render");
    long h2 = files.open(counter);
    String whole = readAll(files, h2, 42, 1 << 16);
    assertEquals(2, counter.renders.get(), "the end-of-file read after a whole read does not render either");
    assertEquals(whole.replace("render 2", "render 1"), chunked);
  }

  @Test
  void aReadAtOffsetZeroRegenerates() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(counter);
    String first = readAll(files, h, 1, 1 << 16);
    String again = readAll(files, h, 1, 1 << 16);
    assertNotEquals(first, again);
    assertEquals(2, counter.renders.get());
  }

  @Test
  void aReadBackIntoTheMiddleAfterAWholeReadIsServedFromAFreshContent() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(counter);
    readAll(files, h, 1, 1 << 16);
    StringBuilder tail = new StringBuilder();
    int n = files.read(h, ctx(1), 7, 1 << 16, (b, off, len) -> tail.append(new String(b, off, len)));
    assertEquals(tail.length(), n);
    assertEquals("2 for pid 1 line 0", tail.substring(0, 18), "a pread into the middle: the rest of a new one");
  }

  @Test
  void releaseForgetsTheHandleAndItsNumberIsNeverReused() {
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(new Counter());
    assertEquals(1, files.size());
    files.release(h);
    assertEquals(0, files.size());
    assertEquals(-1, files.read(h, ctx(1), 0, 100, (b, off, len) -> { }));
    long again = files.open(new Counter());
    assertNotEquals(h, again, "the slot is reused, the handle number is not");
    assertEquals(-1, files.read(h, ctx(1), 0, 100, (b, off, len) -> { }), "the old number does not reach the new file");
    files.release(h); // a stale release is ignored
    assertEquals(1, files.size());
  }

  @Test
  void thousandsOfHandlesAtOnce() {
    OpenFiles files = new OpenFiles(new SafeRender());
    long[] handles = new long[5000];
    for (int i = 0; i < handles.length; i++) {
      handles[i] = files.open(new Counter());
    }
    assertEquals(5000, files.size());
    assertEquals(readAll(files, handles[4999], 3, 64).length(), readAll(files, handles[0], 3, 1 << 16).length());
    for (long h : handles) {
      files.release(h);
    }
    assertEquals(0, files.size());
  }

  @Test
  void failuresServeTheHostFileAndAreCounted() {
    SafeRender render = new SafeRender();
    VirtualFile broken = new Counter() {
      @Override
      public void render(ReadContext ctx, ByteSink out) {
      int pid = ctx.pid();
        out.write("half a file");
        throw new IllegalStateException("cgroup vanished");
      }
    };
    assertEquals("host\n", produce(render, broken, 5), "not a mix of the half-made file and the host's");
    assertEquals("host\n", produce(render, broken, 6));
    assertEquals("host\n", produce(render, new Counter(), 0), "invisible caller (pid 0)");
    assertEquals(3, render.fallbacks());
    VirtualFile noHost = new Counter() {
      @Override
      public void render(ReadContext ctx, ByteSink out) {
      int pid = ctx.pid();
        throw new IllegalStateException("x");
      }

      @Override
      public void host(ReadContext ctx, ByteSink out) throws java.io.IOException {
        out.write("part");
        throw new java.io.IOException("no host file");
      }
    };
    // Then the read fails (EIO): an empty file would be read as data.
    org.junit.jupiter.api.Assertions.assertThrows(SafeRender.Unreadable.class, () -> produce(render, noHost, 1));
  }

  @Test
  void causesAreMaskedSoOneCauseLogsOnce() {
    assertEquals("missing file /proc/12/cgroup",
        CauseLog.describe(new java.nio.file.NoSuchFileException("/proc/12/cgroup")));
    CauseLog log = new CauseLog();
    log.fellBack("/proc/meminfo", new java.io.IOException("process 812 exited"));
    log.fellBack("/proc/meminfo", new java.io.IOException("process 977 exited"));
    log.fellBack("/proc/uptime", new java.io.IOException("process 977 exited"));
    assertEquals(3, log.fallbacks());
    assertEquals(2, log.logged(), "one line per file and cause, not per read");
    log.fellBack("/proc/meminfo", new java.nio.file.NoSuchFileException(
        "/sys/fs/cgroup/memory/docker/4f9c0e1a2b3c4d5e6f70/memory.stat"));
    log.fellBack("/proc/meminfo", new java.nio.file.NoSuchFileException(
        "/sys/fs/cgroup/memory/docker/a81b2c3d4e5f60718293/memory.stat"));
    assertEquals(3, log.logged(), "container ids are masked like pids");
  }

  // --- The budget of snapshots and the caps on handles (issue 15) ---

  /** The Counter's content for render {@code n} and {@code pid}, as a whole read gets it. */
  static String rendering(int n, int pid) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      b.append("render ").append(n).append(" for pid ").append(pid).append(" line ").append(i).append('\n');
    }
    return b.toString();
  }

  /** One read of {@code size} bytes at {@code offset}, as a string. */
  static String chunk(OpenFiles files, long handle, long offset, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = files.read(handle, ctx(7), offset, size, out::write);
    assertTrue(n >= 0, "the handle is known");
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** The rest of the handle's content from {@code offset}, in 16-byte chunks. */
  static String rest(OpenFiles files, long handle, long offset) {
    StringBuilder b = new StringBuilder();
    for (String c = chunk(files, handle, offset, 16); !c.isEmpty(); c = chunk(files, handle, offset, 16)) {
      b.append(c);
      offset += c.length();
    }
    return b.toString();
  }

  @Test
  void snapshotsStayWithinTheBudgetByEvictingTheOldest() {
    Counter counter = new Counter();
    int size = rendering(1, 7).length();
    OpenFiles files = new OpenFiles(new SafeRender(), 100, 100, 3 * size);
    long h1 = files.open(counter, "a");
    long h2 = files.open(counter, "b");
    long h3 = files.open(counter, "c");
    assertEquals("render 1 f", chunk(files, h1, 0, 10));
    assertEquals("render 2 f", chunk(files, h2, 0, 10));
    assertEquals("render 3 f", chunk(files, h3, 0, 10));
    assertEquals(3L * size, files.snapshotBytes());
    chunk(files, h1, 10, 10); // a read from a snapshot does not reorder them (no table lock per chunk)
    long h4 = files.open(counter, "d");
    assertEquals("render 4 f", chunk(files, h4, 0, 10));
    assertEquals(1, files.evictions());
    assertEquals(3L * size, files.snapshotBytes(), "within the budget");
    assertEquals(4, counter.renders.get());
    assertEquals(rendering(2, 7).substring(10), rest(files, h2, 10), "kept: served from its snapshot");
    assertEquals(rendering(3, 7).substring(10), rest(files, h3, 10));
    assertEquals(rendering(4, 7).substring(10), rest(files, h4, 10));
    assertEquals(4, counter.renders.get(), "no computation for the kept ones");
    // The evicted one (the oldest): its next read is served from a fresh computation, from that offset.
    assertEquals(rendering(5, 7).substring(20), rest(files, h1, 20), "re-rendered, never an error");
    assertEquals(5, counter.renders.get(), "one computation for the whole rest");
    assertEquals(0, files.snapshotBytes(), "every snapshot read to its end is dropped");
    for (long h : new long[] {h1, h2, h3, h4}) {
      files.release(h);
    }
    assertEquals(0, files.size());
  }

  @Test
  void aTenantOverItsShareOfTheBudgetGivesUpItsOwnSnapshotsFirst() {
    Counter counter = new Counter();
    int size = rendering(1, 7).length();
    OpenFiles files = new OpenFiles(new SafeRender(), 100, 100, OpenFiles.TENANT_SHARE * 2 * size);
    long b1 = files.open(counter, "b");
    long b2 = files.open(counter, "b");
    chunk(files, b1, 0, 10);
    chunk(files, b2, 0, 10);
    // Tenant a holds its handles half-read, one after another: past its share (2 snapshots) its own oldest go.
    long[] a = new long[6];
    for (int i = 0; i < a.length; i++) {
      a[i] = files.open(counter, "a");
      chunk(files, a[i], 0, 10);
    }
    assertEquals(4, files.evictions(), "a's own four oldest");
    assertEquals(4L * size, files.snapshotBytes());
    int renders = counter.renders.get();
    assertEquals(rendering(1, 7).substring(10), rest(files, b1, 10), "the other tenant's chunks still line up");
    assertEquals(rendering(2, 7).substring(10), rest(files, b2, 10));
    assertEquals(renders, counter.renders.get());
    for (long h : a) {
      files.release(h);
    }
    files.release(b1);
    files.release(b2);
    assertEquals(0, files.snapshotBytes());
  }

  @Test
  void aSnapshotReadToItsEndIsDroppedAndTheEndStaysTheEnd() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender(), 10, 10, 1 << 20);
    long h = files.open(counter, "a");
    String all = readAll(files, h, 7, 100);
    assertEquals(rendering(1, 7), all);
    assertEquals(0, files.snapshotBytes());
    assertEquals("", chunk(files, h, all.length(), 100), "end of file, not a new computation");
    assertEquals(1, counter.renders.get());
    files.release(h);
  }

  @Test
  void aContentBiggerThanTheWholeBudgetIsNeverKeptButStillServed() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender(), 10, 10, 100);
    long h = files.open(counter, "a");
    String all = readAll(files, h, 7, 64);
    assertEquals(rendering(1, 7).length(), all.length());
    assertEquals(0, files.snapshotBytes());
    assertTrue(counter.renders.get() > 1, "each chunk computed afresh");
    files.release(h);
  }

  @Test
  void opensAreCappedPerTenantWithEmfileAndInAllWithEnfile() {
    OpenFiles files = new OpenFiles(new SafeRender(), 3, 5, 1 << 20);
    Counter f = new Counter();
    List<Long> a = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      a.add(files.open(f, "cgroup a"));
    }
    assertEquals(OpenFiles.TENANT_FULL, files.open(f, new String("cgroup a")), "an equal key is the same tenant");
    assertEquals(3, files.handlesOf("cgroup a"));
    long b1 = files.open(f, "cgroup b");
    long b2 = files.open(f, "cgroup b");
    assertTrue(b1 >= 0 && b2 >= 0);
    assertEquals(OpenFiles.TABLE_FULL, files.open(f, "cgroup c"), "the table is full");
    assertEquals(OpenFiles.TENANT_FULL, files.open(f, "cgroup a"), "a tenant at its cap is told so first");
    files.release(a.remove(0));
    assertEquals(2, files.handlesOf("cgroup a"));
    long c = files.open(f, "cgroup c");
    assertTrue(c >= 0, "room again after a release");
    assertEquals(OpenFiles.TABLE_FULL, files.open(f, "cgroup c"), "full again");
    assertEquals(OpenFiles.TABLE_FULL, files.open(f, "cgroup a"), "a, below its cap now, meets the table's");
    files.release(b1);
    for (long h : new long[] {a.get(0), a.get(1), b2, c}) {
      files.release(h);
    }
    assertEquals(0, files.size());
    assertEquals(0, files.handlesOf("cgroup a"));
    assertEquals(0, files.handlesOf("cgroup b"));
    assertEquals(0, files.handlesOf("cgroup c"));
  }

  @Test
  void callersThatCannotBeToldApartShareOneTenant() {
    OpenFiles files = new OpenFiles(new SafeRender(), 2, 100, 1 << 20);
    long h1 = files.open(new Counter(), null);
    long h2 = files.open(new Counter());
    assertEquals(OpenFiles.TENANT_FULL, files.open(new Counter(), null));
    assertEquals(2, files.handlesOf(null));
    assertTrue(files.open(new Counter(), "someone else") >= 0);
    files.release(h1);
    files.release(h2);
    assertEquals(0, files.handlesOf(null));
  }

  @Test
  void aStaleOrMadeUpHandleNumberChangesNoCounter() {
    OpenFiles files = new OpenFiles(new SafeRender(), 2, 2, 1 << 20);
    Counter f = new Counter();
    long h = files.open(f, "a");
    chunk(files, h, 0, 5);
    assertTrue(files.snapshotBytes() > 0);
    files.release(h);
    assertEquals(0, files.snapshotBytes(), "release drops the snapshot");
    assertEquals(0, files.handlesOf("a"));
    long again = files.open(f, "a"); // the same slot, a new generation
    files.release(h);
    files.release(h);
    assertEquals(1, files.handlesOf("a"), "a stale release gives back nothing");
    assertEquals(-1, files.read(h, ctx(1), 0, 10, (b, off, len) -> { }));
    assertEquals(-1, files.read(1L << 40 | 12345, ctx(1), 0, 10, (b, off, len) -> { }), "a slot never handed out");
    files.release(1L << 40 | 12345);
    files.release(-7);
    assertEquals(1, files.size());
    files.release(again);
    assertEquals(0, files.size());
    assertEquals(0, files.handlesOf("a"));
  }

  @Test
  void tenantsWithNothingOpenAreForgottenPastABound() {
    OpenFiles files = new OpenFiles(new SafeRender(), 2, 2, 1 << 20);
    long held = files.open(new Counter(), "holder");
    for (int i = 0; i < 10_000; i++) {
      files.release(files.open(new Counter(), "cgroup " + i));
    }
    assertTrue(files.tenants() <= 4097, files.tenants() + " tenants remembered");
    assertEquals(1, files.handlesOf("holder"), "one that holds a handle is kept");
    files.release(held);
  }

  @Test
  void concurrentOpensReadsAndReleasesLeaveEveryCounterAtZero() throws Exception {
    Counter counter = new Counter();
    int size = rendering(1, 7).length();
    OpenFiles files = new OpenFiles(new SafeRender(), 40, 100, 5 * size);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String key = "cgroup " + (t % 2);
      threads.add(new Thread(() -> {
        try {
          for (int i = 0; i < 3000; i++) {
            long[] hs = new long[8];
            for (int j = 0; j < hs.length; j++) {
              hs[j] = files.open(counter, key);
              assertTrue(hs[j] >= 0, "within the caps");
            }
            for (long h : hs) {
              chunk(files, h, 0, 7);
              long kept = files.snapshotBytes();
              assertTrue(kept <= 5L * size, "within the budget while the others run: " + kept);
            }
            for (long h : hs) {
              String r = rest(files, h, 7);
              assertTrue(r.endsWith(" line 19\n"), "whole to its end, evicted or not: " + r);
            }
            for (long h : hs) {
              files.release(h);
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    assertEquals(0, files.size());
    assertEquals(0, files.snapshotBytes());
    assertEquals(0, files.handlesOf("cgroup 0"));
    assertEquals(0, files.handlesOf("cgroup 1"));
    assertTrue(files.evictions() > 0, "32 half-read handles, room for 5: some were evicted");
  }
}
