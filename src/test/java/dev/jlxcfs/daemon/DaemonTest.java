package dev.jlxcfs.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DaemonTest {

  /** The source name (Healer.fsName) names the mount point; libfuse splits options at commas, so they are escaped. */
  @Test
  void theMountOptionsEscapeLibfuseOptionCommasInTheSourceName() {
    String options = Daemon.mountOptions(Path.of("/odd,dir"));
    assertTrue(options.contains("fsname=jlxcfs:/odd\\,dir,"), options);
    assertTrue(options.startsWith("ro,allow_other,default_permissions,direct_io,"), options);
  }
}
