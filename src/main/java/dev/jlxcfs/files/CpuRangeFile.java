package dev.jlxcfs.files;

import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * /sys/devices/system/cpu/{online,possible,present}: "0-(n-1)" for the caller's n visible CPUs. glibc's
 * sysconf(_SC_NPROCESSORS_ONLN) (so Python's os.cpu_count()) reads online; _SC_NPROCESSORS_CONF reads possible.
 */
public final class CpuRangeFile implements VirtualFile {

  private final String name;
  private final SourceFile hostFile;

  public CpuRangeFile(Path sysRoot, String name) {
    this.name = name;
    this.hostFile = new SourceFile(sysRoot.resolve("devices/system/cpu").resolve(name));
  }

  @Override
  public String path() {
    return "/sys/devices/system/cpu/" + name;
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    int n = ctx.cpuView().count();
    out.write('0');
    if (n > 1) {
      out.write('-').write(n - 1);
    }
    out.write('\n');
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    hostFile.copyTo(out, ctx.host());
  }
}
