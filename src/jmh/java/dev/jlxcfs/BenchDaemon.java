package dev.jlxcfs;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.util.ByteSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The daemon as {@code jlxcfs} runs it, plus one benchmark-only file, {@code /bench/floor}: a constant buffer the
 * size of the host's /proc/meminfo, served through the same FUSE adapter, handle table and fallback wrapper as
 * every real file. Reading it costs what the FUSE path costs; the gap between it and proc/meminfo is what
 * computing meminfo costs. Not in the production jar. Same arguments as jlxcfs.
 */
public final class BenchDaemon {

  private BenchDaemon() {}

  /** The floor file: constant content, made once. */
  static final class FloorFile implements VirtualFile {
    private final byte[] content;

    FloorFile(int size) {
      content = new byte[size];
      Arrays.fill(content, (byte) 'x');
      for (int i = 63; i < size; i += 64) {
        content[i] = '\n';
      }
      content[size - 1] = '\n';
    }

    @Override
    public String path() {
      return "/bench/floor";
    }

    @Override
    public void render(ReadContext ctx, ByteSink out) {
      out.write(content);
    }

    @Override
    public void host(ReadContext ctx, ByteSink out) {
      out.write(content);
    }
  }

  public static void main(String[] args) throws IOException {
    int size = Files.readAllBytes(Path.of("/proc/meminfo")).length;
    System.exit(Main.run(args, List.of(new FloorFile(size))));
  }
}
