package dev.jlxcfs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Option} is the one source of truth: --help, conf/jlxcfs.conf and the README's options table must list
 * every option with its default, and nothing else.
 */
class OptionDocsTest {

  @Test
  void everyOptionIsDocumentedEverywhereWithItsDefault() throws Exception {
    List<String> readme = Files.readAllLines(Path.of("README.md"));
    List<String> conf = Files.readAllLines(Path.of("conf/jlxcfs.conf"));
    String usage = CommandLine.usage();
    for (Option o : Option.values()) {
      String row = "| `--" + o.key() + "` | `" + o.defaultValue() + "` |";
      assertTrue(readme.stream().anyMatch(l -> l.startsWith(row)), "README.md's options table lacks " + row);
      String line = "# " + o.key() + " = " + o.defaultValue();
      assertTrue(conf.contains(line), "conf/jlxcfs.conf lacks the line '" + line + "'");
      assertTrue(usage.contains("  --" + o.key() + " " + o.metavar() + "   (default: " + o.defaultValue() + ")"),
          "--help lacks --" + o.key() + " with its default");
    }
    assertEquals(Option.values().length, readme.stream().filter(l -> l.startsWith("| `--")).count(),
        "the README's options table lists an option that does not exist");
    assertEquals(Option.values().length, conf.stream().filter(l -> l.matches("# [a-z-]+ = .*")).count(),
        "conf/jlxcfs.conf lists a setting that does not exist");
  }
}
