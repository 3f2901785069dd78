package dev.jlxcfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jlxcfs.files.VirtualFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
    public byte[] render(int pid) {
      int n = renders.incrementAndGet();
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        b.append("render ").append(n).append(" for pid ").append(pid).append(" line ").append(i).append('\n');
      }
      return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public byte[] hostContent() throws java.io.IOException {
      return "host\n".getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** What a reader gets by reading the handle in chunks of {@code chunk} bytes until a short read. */
  static byte[] readAll(OpenFiles files, long handle, int pid, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long offset = 0;
    while (true) {
      byte[] content = files.contentFor(handle, pid, offset);
      if (offset >= content.length) {
        return out.toByteArray();
      }
      int n = (int) Math.min(chunk, content.length - offset);
      out.write(content, (int) offset, n);
      offset += n;
    }
  }

  @Test
  void chunkedReadsOfOneHandleSeeOneSnapshot() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(counter);
    byte[] chunked = readAll(files, h, 42, 13);
    assertEquals(1, counter.renders.get(), "13-byte reads must not re-render");
    long h2 = files.open(counter);
    byte[] whole = readAll(files, h2, 42, 1 << 16);
    assertEquals(new String(whole).replace("render 2", "render 1"), new String(chunked));
  }

  @Test
  void aReadAtOffsetZeroRegenerates() {
    Counter counter = new Counter();
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(counter);
    byte[] first = files.contentFor(h, 1, 0);
    byte[] again = files.contentFor(h, 1, 0);
    assertNotEquals(new String(first), new String(again));
    assertEquals(2, counter.renders.get());
  }

  @Test
  void releaseForgetsTheHandle() {
    OpenFiles files = new OpenFiles(new SafeRender());
    long h = files.open(new Counter());
    assertEquals(1, files.size());
    files.release(h);
    assertEquals(0, files.size());
    assertNull(files.contentFor(h, 1, 0));
  }

  @Test
  void failuresServeTheHostFileAndAreCounted() {
    SafeRender render = new SafeRender();
    VirtualFile broken = new Counter() {
      @Override
      public byte[] render(int pid) {
        throw new IllegalStateException("cgroup vanished");
      }
    };
    assertArrayEquals("host\n".getBytes(), render.produce(broken, 5));
    assertArrayEquals("host\n".getBytes(), render.produce(broken, 6));
    assertArrayEquals("host\n".getBytes(), render.produce(new Counter(), 0), "invisible caller (pid 0)");
    assertEquals(3, render.fallbacks());
    VirtualFile noHost = new Counter() {
      @Override
      public byte[] render(int pid) {
        throw new IllegalStateException("x");
      }

      @Override
      public byte[] hostContent() throws java.io.IOException {
        throw new java.io.IOException("no host file");
      }
    };
    assertEquals(0, render.produce(noHost, 1).length, "even then: an empty read, not an error");
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
