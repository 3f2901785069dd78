package dev.jlxcfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages form one-way layers: a package uses only packages of lower layers (by import or by a fully
 * qualified name), so the structure reads from the bottom up and no cycle can creep in. Above the read path (fs and
 * what it serves): the heal of containers' binds, below the daemon's life, below the commands, below the root
 * package (Main, the entry point) at the top.
 */
class LayeringTest {

  /** Each package's layer: lower numbers are lower layers. */
  private static final Map<String, Integer> LAYERS = Map.ofEntries(
      Map.entry("util", 0), Map.entry("config", 0),
      Map.entry("cgroup", 1),
      Map.entry("proc", 2), Map.entry("render", 2),
      Map.entry("files", 3),
      Map.entry("fs", 4),
      Map.entry("heal", 5),
      Map.entry("daemon", 6),
      Map.entry("command", 7),
      Map.entry("", 8));

  /** A use of a class of package dev.jlxcfs.X (group 1: X, empty for the root package). */
  private static final Pattern USE = Pattern.compile("\\bdev\\.jlxcfs\\.(?:([a-z]+)\\.)?[A-Z]");

  @Test
  void everyPackageUsesOnlyLowerLayers() throws IOException {
    Path main = Path.of("src/main/java/dev/jlxcfs");
    List<String> violations = new ArrayList<>();
    int files = 0;
    try (Stream<Path> s = Files.walk(main)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
        files++;
        Path rel = main.relativize(f.getParent());
        String pkg = rel.toString().replace('/', '.');
        Integer layer = LAYERS.get(pkg);
        assertTrue(layer != null, "package dev.jlxcfs." + pkg + " has no layer in LayeringTest: give it one");
        Matcher m = USE.matcher(Files.readString(f));
        while (m.find()) {
          String used = m.group(1) == null ? "" : m.group(1);
          if (used.equals(pkg)) {
            continue;
          }
          Integer usedLayer = LAYERS.get(used);
          if (usedLayer == null || usedLayer >= layer) {
            violations.add(main.relativize(f) + " uses dev.jlxcfs." + used);
          }
        }
      }
    }
    assertTrue(files > 50, "read " + files + " files");
    assertEquals(List.of(), violations.stream().distinct().toList());
  }
}
