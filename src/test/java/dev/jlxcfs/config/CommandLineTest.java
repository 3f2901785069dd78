package dev.jlxcfs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

  @TempDir Path tmp;

  private static Config run(String... args) throws ConfigException {
    CommandLine.Parsed p = CommandLine.parse(List.of(args));
    assertEquals(CommandLine.Action.RUN, p.action());
    return p.config();
  }

  @Test
  void defaults() throws Exception {
    Config c = run();
    assertEquals(Path.of("/var/lib/jlxcfs"), c.mountPoint());
    assertEquals(Duration.ofSeconds(1), c.cacheTtl());
    assertTrue(c.showSwap());
    assertTrue(c.cpuQuota());
    assertEquals("info", c.logLevel());
  }

  @Test
  void remountIsASubcommandThatTakesTheSameMountPoint() throws Exception {
    CommandLine.Parsed p = CommandLine.parse(List.of("remount", "/mnt/x"));
    assertEquals(CommandLine.Action.REMOUNT, p.action());
    assertEquals(Path.of("/mnt/x"), p.config().mountPoint());
    assertEquals(CommandLine.Action.REMOUNT, CommandLine.parse(List.of("remount")).action());
    // only as the first word: elsewhere it is a mount point named "remount"
    assertEquals(Path.of("remount").toAbsolutePath(), run("--swap", "false", "remount").mountPoint());
  }

  @Test
  void flagsTakesAFormatAndShowAPidAndAFile() throws Exception {
    CommandLine.Parsed f = CommandLine.parse(List.of("flags", "--format", "k8s", "--mountpoint", "/m"));
    assertEquals(CommandLine.Action.FLAGS, f.action());
    assertEquals(List.of("k8s"), f.operands());
    assertEquals(Path.of("/m"), f.config().mountPoint());
    assertEquals(List.of("docker"), CommandLine.parse(List.of("flags")).operands());
    assertEquals(List.of("compose"), CommandLine.parse(List.of("flags", "--format=compose")).operands());
    assertThrows(ConfigException.class, () -> CommandLine.parse(List.of("flags", "--format", "helm")));
    // `jlxcfs flags docker`: a format given where the mount point goes is refused, with the right spelling.
    ConfigException word = assertThrows(ConfigException.class, () -> CommandLine.parse(List.of("flags", "docker")));
    assertEquals("'docker' is a format, not a mount point: jlxcfs flags --format docker [--mountpoint DIR]",
        word.getMessage());
    // Any other positional argument is kept for Main, which requires a live jlxcfs mount there.
    assertEquals(List.of("docker", "/m"), CommandLine.parse(List.of("flags", "/m")).operands());
    assertEquals("/m", CommandLine.parse(List.of("flags", "/m")).config().mountPoint().toString());
    assertThrows(ConfigException.class, () -> CommandLine.parse(List.of("flags", "--format")));

    CommandLine.Parsed s = CommandLine.parse(List.of("show", "--cache-ttl", "0", "1234", "meminfo"));
    assertEquals(CommandLine.Action.SHOW, s.action());
    assertEquals(List.of("1234", "meminfo"), s.operands());
    assertEquals(Duration.ZERO, s.config().cacheTtl());
    assertEquals(List.of("1"), CommandLine.parse(List.of("show", "1")).operands());
    Path conf = java.nio.file.Files.writeString(tmp.resolve("show.conf"), "swap = false\n");
    CommandLine.Parsed withConfig = CommandLine.parse(List.of("show", "1234", "--config", conf.toString(), "--swap",
        "true", "meminfo"));
    assertEquals(List.of("1234", "meminfo"), withConfig.operands(), "--config's and --swap's values are no operands");
    assertTrue(withConfig.config().showSwap(), "the command line wins over the file");
    assertEquals(List.of("7"), CommandLine.parse(List.of("show", "--config=" + conf, "7")).operands());
    assertThrows(ConfigException.class, () -> CommandLine.parse(List.of("show")));
    assertThrows(ConfigException.class, () -> CommandLine.parse(List.of("show", "me")));
    assertThrows(ConfigException.class, () -> CommandLine.parse(List.of("show", "1", "a", "b")));
    assertEquals(CommandLine.Action.CHECK, CommandLine.parse(List.of("check", "/m")).action());
    assertEquals(CommandLine.Action.RUN, CommandLine.parse(List.of("serve", "/m")).action());
  }

  @Test
  void requestTimeoutIsBounded() throws Exception {
    assertEquals(Duration.ofMillis(500), run("--request-timeout", "500ms").requestTimeout());
    assertThrows(ConfigException.class, () -> run("--request-timeout", "10ms"));
    assertThrows(ConfigException.class, () -> run("--request-timeout", "2m"));
  }

  @Test
  void handleCapsAreBounded() throws Exception {
    assertEquals(1024, run().maxHandlesPerCgroup());
    assertEquals(32768, run().maxHandles());
    assertEquals(64, run("--max-handles-per-cgroup", "64").maxHandlesPerCgroup());
    assertEquals(100, run("--max-handles=100").maxHandles());
    assertThrows(ConfigException.class, () -> run("--max-handles-per-cgroup", "0"));
    assertThrows(ConfigException.class, () -> run("--max-handles", "lots"));
    assertThrows(ConfigException.class, () -> run("--max-handles", "2000000"));
    // At most half the FUSE loop's thread cap: every worker stuck in a request can still be replaced.
    assertEquals(32, run("--fuse-threads", "32").fuseThreads());
    ConfigException tooMany = assertThrows(ConfigException.class, () -> run("--fuse-threads", "33"));
    assertTrue(tooMany.getMessage().contains("expected 0 (one per CPU) to 32"), tooMany.getMessage());
    assertEquals(2 * Option.MAX_FUSE_THREADS, dev.jlxcfs.fs.FuseLoop.MAX_THREADS);
  }

  @Test
  void optionsInEveryForm() throws Exception {
    Config c = run("--cache-ttl", "250ms", "--swap=false", "--log-level=debug", "--fuse-debug", "/mnt/x");
    assertEquals(Duration.ofMillis(250), c.cacheTtl());
    assertFalse(c.showSwap());
    assertTrue(c.fuseDebug());
    assertEquals("debug", c.logLevel());
    assertEquals(Path.of("/mnt/x"), c.mountPoint());
    assertEquals(Duration.ZERO, run("--cache-ttl", "0").cacheTtl());
    assertFalse(run("--cpu-quota", "false").cpuQuota());
  }

  @Test
  void configFileThenCommandLine() throws Exception {
    Path f = tmp.resolve("j.conf");
    Files.writeString(f, "# comment\nswap = false   # trailing comment\n\nmountpoint = /from/file\ncache-ttl=2s\n");
    Config c = run("--config", f.toString(), "--cache-ttl", "3s");
    assertFalse(c.showSwap());
    assertEquals(Path.of("/from/file"), c.mountPoint());
    assertEquals(Duration.ofSeconds(3), c.cacheTtl(), "the command line wins");
    assertEquals(Path.of("/arg"), run("/arg", "--config=" + f).mountPoint());
  }

  @Test
  void theShippedConfigFileParsesToTheDefaults() throws Exception {
    assertEquals(Config.defaults().toString(), run("--config", "conf/jlxcfs.conf").toString());
  }

  @Test
  void errorsNameTheCulprit() throws Exception {
    assertEquals("unknown option --nope", assertThrows(ConfigException.class, () -> run("--nope")).getMessage());
    assertEquals("--cache-ttl: cache-ttl 'soon': expected a duration such as 500ms, 1s or 0",
        assertThrows(ConfigException.class, () -> run("--cache-ttl", "soon")).getMessage());
    assertThrows(ConfigException.class, () -> run("--cache-ttl", "5m"));
    assertEquals("--cache-ttl: cache-ttl '-1s': must not be negative",
        assertThrows(ConfigException.class, () -> run("--cache-ttl=-1s")).getMessage());
    assertThrows(ConfigException.class, () -> run("--swap=maybe"));
    assertThrows(ConfigException.class, () -> run("--log-level", "loud"));
    assertThrows(ConfigException.class, () -> run("a", "b"));
    assertThrows(ConfigException.class, () -> run("-x"));
    assertThrows(ConfigException.class, () -> run("--cache-ttl"));
    Path f = tmp.resolve("bad.conf");
    Files.writeString(f, "swap = true\ncolour = blue\n");
    assertEquals(f + ":2: unknown setting 'colour'",
        assertThrows(ConfigException.class, () -> run("--config", f.toString())).getMessage());
    assertEquals("config file /nonexistent does not exist",
        assertThrows(ConfigException.class, () -> run("--config", "/nonexistent")).getMessage());
  }

  @Test
  void helpAndVersionWinAnywhere() throws Exception {
    assertEquals(CommandLine.Action.HELP, CommandLine.parse(List.of("--bogus", "--help")).action());
    assertEquals(CommandLine.Action.VERSION, CommandLine.parse(List.of("--version")).action());
  }
}
