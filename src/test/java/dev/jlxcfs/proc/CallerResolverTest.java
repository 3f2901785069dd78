package dev.jlxcfs.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.jlxcfs.testing.FixtureTree;
import dev.jlxcfs.testing.TestHost;
import dev.jlxcfs.util.ReadBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the resolver keeps per task: one canonical copy of each distinct /proc/PID/cgroup text, shared by every task
 * that has it (16,384 threads of one container hold one text, not 16,384), which is also the task's tenant key for
 * the caps on open handles.
 */
class CallerResolverTest {

  @TempDir Path tmp;

  private static final String TEXT_A = "4:memory:/a\n3:cpuset:/a\n2:cpu,cpuacct:/a\n0::/a\n";
  private static final String TEXT_B = "4:memory:/b\n3:cpuset:/b\n2:cpu,cpuacct:/b\n0::/b\n";

  private TestHost host(FixtureTree t, TestHost.ManualTicker ticker) throws Exception {
    Path memory = t.v1("memory");
    t.v1("cpuset");
    t.v1("cpu,cpuacct");
    t.v2("");
    for (String cg : new String[] {"/a", "/b"}) {
      t.cgroupFile(memory, cg, "memory.limit_in_bytes", "268435456\n");
    }
    for (int pid = 100; pid < 110; pid++) {
      t.process(pid, 1000 + pid, TEXT_A, 1, FixtureTree.HOST_NS);
    }
    t.process(200, 2000, TEXT_B, 1, FixtureTree.HOST_NS);
    return new TestHost(t, new TestHost.ManualClock(1000.0), true, true, Duration.ofSeconds(1), ticker);
  }

  @Test
  void tasksWithOneTextShareOneCopyOfIt() throws Exception {
    TestHost.ManualTicker ticker = new TestHost.ManualTicker();
    CallerResolver callers = host(new FixtureTree(tmp), ticker).callers;
    for (int pid = 100; pid < 110; pid++) {
      callers.resolve(pid, new ReadBuffer(64));
    }
    callers.resolve(200, new ReadBuffer(64));
    String shared = callers.cgroupTextOf(100);
    assertEquals(TEXT_A, shared);
    for (int pid = 101; pid < 110; pid++) {
      assertSame(shared, callers.cgroupTextOf(pid), "task " + pid + " holds its own copy of the text");
    }
    // Past the staleness bound the text is read again; an unchanged one keeps the shared copy.
    ticker.advance(Duration.ofSeconds(5));
    for (int pid = 100; pid < 110; pid++) {
      callers.resolve(pid, new ReadBuffer(64));
      assertSame(shared, callers.cgroupTextOf(pid), "after the refresh, task " + pid);
    }
    assertEquals(TEXT_B, callers.cgroupTextOf(200));
  }

  @Test
  void theTenantKeyIsTheSharedTextAndNullForWhomCannotBeResolved() throws Exception {
    TestHost.ManualTicker ticker = new TestHost.ManualTicker();
    CallerResolver callers = host(new FixtureTree(tmp), ticker).callers;
    Object a = callers.tenantKey(100, new ReadBuffer(64));
    assertNotNull(a);
    assertSame(a, callers.tenantKey(105, new ReadBuffer(64)), "one container, one key (the same String)");
    // A peek within the bound reads nothing: with the process's files gone, only a peek can still answer.
    java.nio.file.Files.move(tmp.resolve("proc/100"), tmp.resolve("proc-100-away"));
    assertSame(a, callers.tenantKey(100, new ReadBuffer(64)), "a peek of a resolved caller");
    java.nio.file.Files.move(tmp.resolve("proc-100-away"), tmp.resolve("proc/100"));
    assertNotEquals(a, callers.tenantKey(200, new ReadBuffer(64)), "another container, another key");
    assertNull(callers.tenantKey(0, new ReadBuffer(64)), "a caller outside the daemon's pid namespace");
    assertNull(callers.tenantKey(-3, new ReadBuffer(64)));
    assertNull(callers.tenantKey(4242, new ReadBuffer(64)), "a caller already gone");
    ticker.advance(Duration.ofSeconds(5)); // past the bound: resolved again, the same key
    assertSame(a, callers.tenantKey(100, new ReadBuffer(64)));
    assertEquals(3, callers.size(), "100, 105 and 200");
  }
}
