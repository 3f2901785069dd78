package dev.jlxcfs.files;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * /sys/devices/system/cpu/cpuN/online: "1" for the CPUs the caller is shown, "0" for the others. Every host CPU has
 * the entry (the kernel caches directory entries for all callers alike), but a caller lists only its own cpuN
 * directories (see {@link CpuDirectory}), and the rest read as offline, as its {@code offline} list says.
 */
public final class CpuOnlineFile implements VirtualFile {

  private final int cpu;
  private final SourceFile hostFile;

  public CpuOnlineFile(Path sysRoot, int cpu) {
    this.cpu = cpu;
    this.hostFile = new SourceFile(sysRoot.resolve("devices/system/cpu/cpu" + cpu + "/online"));
  }

  @Override
  public String path() {
    return "/sys/devices/system/cpu/cpu" + cpu + "/online";
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    out.write(ctx.cpuView().shows(cpu) ? '1' : '0').write('\n');
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    try {
      ReadBuffer text = SourceFile.readOnce(hostFile.path(), ctx.host());
      out.write(text.bytes(), 0, text.length());
    } catch (NoSuchFileException e) {
      // The boot CPU of x86 has no online file: it cannot go offline.
      out.write("1\n");
    }
  }
}
