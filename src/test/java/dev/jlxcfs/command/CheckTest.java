package dev.jlxcfs.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jlxcfs.config.Config;
import dev.jlxcfs.config.Option;
import dev.jlxcfs.daemon.Preflight;
import dev.jlxcfs.testing.FixtureTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jlxcfs check} prints the daemon's preflight items (PreflightTest ties them to the start), and a verdict. */
class CheckTest {

  @TempDir
  Path tmp;

  @Test
  void checkPrintsEveryPreflightItemAndABusyMountPointIsNoFailure() throws Exception {
    FixtureTree t = new FixtureTree(tmp);
    t.v1("memory");
    Path mnt = Files.createDirectory(tmp.resolve("mnt")).toRealPath();
    t.mountLine("90 25 0:90 / " + mnt + " ro,nosuid - fuse.jlxcfs jlxcfs:" + mnt + " ro,user_id=0,group_id=0");
    Config config = Config.builder().set(Option.PROC_ROOT, t.proc().toString(), "test")
        .set(Option.SYS_ROOT, t.sys().toString(), "test")
        .set(Option.MOUNTPOINT, mnt.toString(), "test").set(Option.TAKEOVER, "false", "test").build();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = new Check(config).run(new PrintStream(out, true, StandardCharsets.UTF_8));
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    List<Preflight.Item> items = new Preflight(config).items();
    assertEquals(items.stream().map(Preflight.Item::toString).toList(), lines.subList(0, lines.size() - 1),
        "one line per preflight item, in its order");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("busy  mount point    " + mnt + ": served by a live "
        + "jlxcfs daemon: already mounted, and --takeover is off")), lines.toString());
    long failed = items.stream().filter(i -> i.verdict() == Preflight.Verdict.FAIL).count();
    assertEquals(failed == 0 ? 0 : 1, exit, "only FAIL items fail check");
    assertEquals(failed == 0 ? "jlxcfs can serve here" : "jlxcfs cannot serve here: " + failed + " problem(s) above",
        lines.get(lines.size() - 1));
  }
}
