package dev.jlxcfs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed settings: built once from the defaults, the file and the flags; every value checked on the way in. */
class ConfigTest {

  @TempDir
  Path tmp;

  private static Config parse(String... args) throws ConfigException {
    return CommandLine.parse(List.of(args)).config();
  }

  @Test
  void everyOptionsDefaultIsTheTypedDefault() throws Exception {
    Config d = Config.defaults();
    assertEquals(Path.of("/var/lib/jlxcfs"), d.mountPoint());
    assertEquals("info", d.logLevel());
    assertEquals(Duration.ofSeconds(1), d.cacheTtl());
    assertTrue(d.showSwap());
    assertTrue(d.cpuQuota());
    assertEquals(Path.of("/proc"), d.procRoot());
    assertEquals(Path.of("/sys"), d.sysRoot());
    assertEquals(0, d.fuseThreads());
    assertEquals(Duration.ofSeconds(1), d.requestTimeout());
    assertEquals(1024, d.maxHandlesPerCgroup());
    assertEquals(32768, d.maxHandles());
    assertTrue(d.heal());
    assertEquals(Path.of("/run/jlxcfs"), d.stateDir());
    assertFalse(d.fuseDebug());
    // Each option's value is its documented default, spelled as Option (and so --help and the conf file) spell it.
    for (Option o : Option.values()) {
      assertEquals(o.defaultValue(), Config.format(d.value(o)), o.key());
      assertEquals(o.isBoolean(), d.value(o) instanceof Boolean, o.key());
    }
    assertEquals(Stream.of(Option.values()).map(o -> o.key() + "=" + o.defaultValue())
        .collect(Collectors.joining(", ")), d.toString());
    assertEquals(d, parse(), "no arguments: the defaults");
  }

  @Test
  void aFlagOverridesTheFileAndTheFileTheDefault() throws Exception {
    Path f = Files.writeString(tmp.resolve("j.conf"), "fuse-threads = 4\ncache-ttl = 250ms\nlog-level = DEBUG\n");
    Config c = parse("--config", f.toString(), "--fuse-threads", "2");
    assertEquals(2, c.fuseThreads(), "the flag wins over the file");
    assertEquals(Duration.ofMillis(250), c.cacheTtl(), "the file wins over the default");
    assertEquals("debug", c.logLevel(), "levels are kept in lower case");
    assertEquals(Duration.ofSeconds(1), c.requestTimeout(), "neither: the default");
    // The same settings from the file or from flags are the same value.
    assertEquals(c, parse("--fuse-threads=2", "--cache-ttl", "250ms", "--log-level", "debug"));
    assertEquals("fuse-threads=2", Stream.of(c.toString().split(", ")).filter(s -> s.startsWith("fuse-threads="))
        .findFirst().orElseThrow());
    assertTrue(c.toString().contains("cache-ttl=250ms, "), c.toString());
  }

  @Test
  void aBadValueIsOneLineNamingTheOptionAndWhereItCameFrom() throws Exception {
    Path f = Files.writeString(tmp.resolve("bad.conf"), "# threads\nswap = false\nfuse-threads = many\n");
    assertEquals(f + ":3: fuse-threads 'many': expected a number of threads (0 = one per CPU)",
        assertThrows(ConfigException.class, () -> parse("--config", f.toString())).getMessage());
    assertEquals("--max-handles: max-handles '0': expected 1 to 1048576",
        assertThrows(ConfigException.class, () -> parse("--max-handles", "0")).getMessage());
    assertEquals("--request-timeout: request-timeout '90s': expected 100ms to 60s",
        assertThrows(ConfigException.class, () -> parse("--request-timeout=90s")).getMessage());
    assertEquals("--heal: heal 'yes': expected true or false",
        assertThrows(ConfigException.class, () -> parse("--heal=yes")).getMessage());
    assertEquals("--state-dir: state-dir '': expected a path",
        assertThrows(ConfigException.class, () -> parse("--state-dir=")).getMessage());
    assertEquals("--cache-ttl: cache-ttl '999999999999999999m': expected a duration such as 500ms, 1s or 0",
        assertThrows(ConfigException.class, () -> parse("--cache-ttl", "999999999999999999m")).getMessage());
    // A bad value in the file is reported even when a flag would have replaced it: the file is wrong either way.
    assertThrows(ConfigException.class, () -> parse("--config", f.toString(), "--fuse-threads", "1"));
  }

  @Test
  void aValueBuiltInCodeIsCheckedToo() {
    Config d = Config.defaults();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Config(d.mountPoint(),
        d.logLevel(), d.cacheTtl(), d.showSwap(), d.cpuQuota(), d.procRoot(), d.sysRoot(), 99, d.requestTimeout(),
        d.maxHandlesPerCgroup(), d.maxHandles(), d.heal(), d.stateDir(), d.takeover(), d.handoverDrain(), d.fuseDebug()));
    assertEquals("fuse-threads 99: expected 0 (one per CPU) to 32", e.getMessage());
    Config relative = new Config(Path.of("mnt/../m"), "WARN", d.cacheTtl(), d.showSwap(), d.cpuQuota(),
        d.procRoot(), d.sysRoot(), d.fuseThreads(), d.requestTimeout(), d.maxHandlesPerCgroup(), d.maxHandles(),
        d.heal(), Path.of("state"), d.takeover(), d.handoverDrain(), d.fuseDebug());
    assertEquals(Path.of("m").toAbsolutePath(), relative.mountPoint());
    assertEquals(Path.of("state").toAbsolutePath(), relative.stateDir());
    assertEquals("warn", relative.logLevel());
  }
}
