package dev.jlxcfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OpenFilesTest {

  /** A file whose every rendering differs, so that mixing two renderings shows. */
  static class Counter implements VirtualFile {
    final AtomicInteger renders = new AtomicInteger();

    @Override
    public String path() {
      return "/proc/counter";
    }

    @Override
    public void render(int pid, ByteSink out) {
      int n = renders.incrementAndGet();
      for (int i = 0; i < 20; i++) {
        out.write("render ").write(n).write(" for pid ").write(pid).write(" line ").write(i).write('\n');
      }
    }

    @Override
    public void host(ByteSink out) throws java.io.IOException {
      out.write("host\n");
    }
  }

  /** What a reader gets by reading the handle in chunks of {@code chunk} bytes until a short read. */
  static String readAll(OpenFiles files, long handle, int pid, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long offset = 0;
    while (true) {
      int n = files.read(handle, pid, offset, chunk, out::write);
      if (n <= 0) {
        return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
      }
      offset += n;
    }
  }

  static String produce(SafeRender render, VirtualFile f, int pid) {
    ByteSink out = new ByteSink();
    render.produce(f, pid, out);
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
    int n = files.read(h, 1, 7, 1 << 16, (b, off, len) -> tail.append(new String(b, off, len)));
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
    assertEquals(-1, files.read(h, 1, 0, 100, (b, off, len) -> { }));
    long again = files.open(new Counter());
    assertNotEquals(h, again, "the slot is reused, the handle number is not");
    assertEquals(-1, files.read(h, 1, 0, 100, (b, off, len) -> { }), "the old number does not reach the new file");
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
      public void render(int pid, ByteSink out) {
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
      public void render(int pid, ByteSink out) {
        throw new IllegalStateException("x");
      }

      @Override
      public void host(ByteSink out) throws java.io.IOException {
        out.write("part");
        throw new java.io.IOException("no host file");
      }
    };
    assertEquals("", produce(render, noHost, 1), "even then: an empty read, not an error");
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
}
