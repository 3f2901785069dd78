package dev.jlxcfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.TestHost;
import dev.jlxcfs.util.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-request state: what is done once per request, and what a new request starts afresh. */
class ReadContextTest {

  @TempDir
  Path dir;

  @Test
  void aHostFileIsReadOncePerRequestAndAfreshInTheNext() throws Exception {
    Path file = dir.resolve("stat");
    Files.writeString(file, "cpu 1 2 3\n");
    SourceFile source = new SourceFile(file);
    ReadContext ctx = new ReadContext(null).begin(7);
    assertEquals("cpu 1 2 3\n", ctx.host(source).toString());
    Files.writeString(file, "cpu 4 5 6\n");
    assertEquals("cpu 1 2 3\n", ctx.host(source).toString(), "the same request shares its first read");
    ctx.host().set("something else".getBytes());
    assertEquals("cpu 4 5 6\n", ctx.host(source).toString(), "the buffer was taken for another file: read again");
    Files.writeString(file, "cpu 7 8 9\n");
    assertEquals("cpu 7 8 9\n", ctx.begin(7).host(source).toString(), "a new request reads afresh");
  }

  @Test
  void theCallerIsResolvedOncePerRequest(@TempDir Path root) throws Exception {
    FixtureTree t = new FixtureTree(root);
    Path mem = t.v1("memory");
    t.cgroupFile(mem, "/ctr", "memory.limit_in_bytes", "268435456\n");
    t.cgroupFile(mem, "/other", "memory.limit_in_bytes", "134217728\n");
    t.process(300, 100, "4:memory:/ctr\n", 1, FixtureTree.HOST_NS);
    TestHost host = new TestHost(t); // staleness 0: the resolver reads /proc/300/cgroup on every call
    ReadContext ctx = host.context(300);
    Caller first = ctx.caller();
    FixtureTree.write(t.proc().resolve("300/cgroup"), "4:memory:/other\n"); // moved meanwhile
    assertSame(first, ctx.caller(), "one request, one resolution");
    assertEquals(mem.resolve("other"), ctx.begin(300).caller().memory().dir().dir(), "the next request sees the move");
  }

  @Test
  void aContextWithoutResolverHasNoCaller() {
    assertThrows(IllegalStateException.class, () -> new ReadContext(null).begin(1).caller());
  }
}
