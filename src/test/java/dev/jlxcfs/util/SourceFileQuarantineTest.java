package dev.jlxcfs.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quarantine of a source file whose read is stuck: held while the read is stuck, never after it returned. */
class SourceFileQuarantineTest {

  @TempDir Path tmp;

  @Test
  void aReadThatHasReturnedIsNeverQuarantined() throws Exception {
    Path file = Files.writeString(tmp.resolve("meminfo"), "MemTotal: 1 kB\n");
    SourceFile f = new SourceFile(file);
    SourceThread t = new SourceThread(() -> {
      try {
        f.read(new ReadBuffer(64));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }, "reader");
    t.start();
    t.join();
    // The watchdog looked at the thread just before its read ended: nothing must stay quarantined.
    f.quarantine(t);
    assertFalse(f.quarantined());
    assertEquals("MemTotal: 1 kB\n", f.read(new ReadBuffer(64)).toString());
  }

  @Test
  void aStuckReadQuarantinesUntilItReturns() throws Exception {
    Path fifo = tmp.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    SourceFile f = new SourceFile(fifo);
    SourceThread t = new SourceThread(() -> {
      try {
        f.read(new ReadBuffer(64)); // opening a FIFO without a writer blocks
      } catch (IOException e) {
        // the test's writer may close early: either way the read returns
      }
    }, "stuck-reader");
    t.start();
    while (t.reading() != f) {
      Thread.sleep(5);
    }
    f.quarantine(t);
    assertTrue(f.quarantined());
    IOException e = assertThrows(IOException.class, () -> f.read(new ReadBuffer(64)));
    assertTrue(e.getMessage().contains("an earlier read of it is stuck"), e.getMessage());
    // A writer appears: the stuck read returns, and with it the quarantine ends.
    Process writer = new ProcessBuilder("sh", "-c", "echo x > " + fifo).start();
    t.join(TimeUnit.SECONDS.toMillis(10));
    writer.waitFor(10, TimeUnit.SECONDS);
    assertFalse(t.isAlive());
    assertFalse(f.quarantined());
  }
}
