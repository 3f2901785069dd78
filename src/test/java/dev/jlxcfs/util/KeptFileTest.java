package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A counter file kept open by its descriptor: fresh on every read, whole whatever its size, closed exactly once. */
class KeptFileTest {

  @TempDir Path tmp;

  private static boolean open(int fd) {
    return Files.exists(Path.of("/proc/self/fd/" + fd));
  }

  @Test
  void everyReadSeesTheFileAsItIsNow() throws Exception {
    Path file = Files.writeString(tmp.resolve("memory.usage_in_bytes"), "4096\n");
    try (KeptFile f = new KeptFile(file)) {
      assertEquals("4096\n", f.read(new ReadBuffer(64)).toString());
      Files.writeString(file, "123456789\n"); // rewritten in place: the kept descriptor reads the new content
      assertEquals("123456789\n", f.read(new ReadBuffer(64)).toString());
    }
  }

  @Test
  void aFileLargerThanTheBufferIsReadWhole() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; text.length() < 20_000; i++) {
      text.append("key").append(i).append(' ').append(i * 7L).append('\n');
    }
    Path file = Files.writeString(tmp.resolve("memory.stat"), text);
    ReadBuffer small = new ReadBuffer(16);
    try (KeptFile f = new KeptFile(file)) {
      assertEquals(text.toString(), f.read(small).toString());
      assertEquals(text.toString(), f.read(small).toString(), "again, into the grown buffer");
    }
    // Exactly the buffer's size: a full read is not taken for the end.
    Path exact = Files.writeString(tmp.resolve("exact"), "x".repeat(64));
    try (KeptFile f = new KeptFile(exact)) {
      assertEquals("x".repeat(64), f.read(new ReadBuffer(64)).toString());
    }
  }

  /**
   * A read that fails on the kept descriptor (ENODEV for a removed cgroup's file; here EISDIR) fails with its reason,
   * even when the path now names a readable file (a cgroup removed and made again under the same name): reading the
   * path instead would hide the removal from the caller, which then never opens the new group's files.
   */
  @Test
  void aFailedReadFailsWithItsReasonAndIsNotReadAgainByPath() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("memory.current"));
    KeptFile f = new KeptFile(dir);
    Files.delete(dir);
    Files.writeString(tmp.resolve("memory.current"), "4096\n");
    long failedBefore = KeptFile.FAILED_READS.get();
    java.nio.file.FileSystemException e =
        assertThrows(java.nio.file.FileSystemException.class, () -> f.read(new ReadBuffer(64)));
    assertTrue(e.getMessage().contains("EISDIR"), e.getMessage());
    assertEquals(failedBefore + 1, KeptFile.FAILED_READS.get());
    f.close();
  }

  @Test
  void aMissingFileFailsToOpenWithItsReason() {
    assertThrows(NoSuchFileException.class, () -> new KeptFile(tmp.resolve("gone/cpuacct.usage")));
  }

  @Test
  void closeReleasesTheDescriptorAndLaterReadsUseTheirOwn() throws Exception {
    Path file = Files.writeString(tmp.resolve("cpu.stat"), "usage_usec 5\n");
    KeptFile f = new KeptFile(file);
    int fd = f.fd();
    assertTrue(open(fd));
    f.close();
    f.close(); // idempotent
    assertFalse(open(fd) && Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).equals(file));
    assertEquals("usage_usec 5\n", f.read(new ReadBuffer(64)).toString(), "a read after the close still reads");
  }

  @Test
  void aCloseRacingReadsNeverClosesTheDescriptorUnderOne() throws Exception {
    Path file = Files.writeString(tmp.resolve("memory.current"), "268435456\n");
    long failedBefore = KeptFile.FAILED_READS.get();
    for (int round = 0; round < 50; round++) {
      KeptFile f = new KeptFile(file);
      int fd = f.fd();
      int readers = 4;
      CountDownLatch started = new CountDownLatch(readers);
      AtomicInteger reads = new AtomicInteger();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        Thread t = new Thread(() -> {
          ReadBuffer b = new ReadBuffer(64);
          started.countDown();
          try {
            for (int i = 0; i < 200; i++) {
              String got = f.read(b).toString();
              if (!got.equals("268435456\n")) {
                throw new AssertionError("read " + got);
              }
              reads.incrementAndGet();
            }
          } catch (IOException | AssertionError e) {
            failed.compareAndSet(null, e);
          }
        });
        threads.add(t);
        t.start();
      }
      started.await();
      f.close();
      for (Thread t : threads) {
        t.join();
      }
      if (failed.get() != null) {
        throw new AssertionError("round " + round, failed.get());
      }
      assertEquals(readers * 200, reads.get());
      // The last reader closed it if the close came while reads ran: either way it is closed once, now.
      boolean stillOurs = open(fd) && Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).equals(file);
      assertFalse(stillOurs, "round " + round + ": the descriptor was left open");
    }
    // A read that found the descriptor closed under it would have failed (EBADF) and read again on its own.
    assertEquals(failedBefore, KeptFile.FAILED_READS.get(), "reads whose descriptor failed under them");
  }
}
