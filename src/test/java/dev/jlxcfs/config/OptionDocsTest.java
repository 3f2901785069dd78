package dev.jlxcfs.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link Option} is the one source of truth: --help, conf/jlxcfs.conf and the README must list every option. */
class OptionDocsTest {

  @Test
  void everyOptionIsDocumentedEverywhere() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String conf = Files.readString(Path.of("conf/jlxcfs.conf"));
    String usage = CommandLine.usage();
    for (Option o : Option.values()) {
      assertTrue(readme.contains("`--" + o.key() + "`"), "README.md lacks --" + o.key());
      assertTrue(readme.contains(o.defaultValue()), "README.md lacks the default of --" + o.key());
      assertTrue(conf.contains("# " + o.key() + " = " + o.defaultValue()), "conf/jlxcfs.conf lacks " + o.key());
      assertTrue(usage.contains("--" + o.key() + " "), "--help lacks " + o.key());
    }
  }
}
