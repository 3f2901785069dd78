package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.render.CpuLists;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The CPU lists at the top of /sys/devices/system/cpu, for the caller's view, by the CPUs' own numbers:
 * <ul>
 *   <li>{@code online}, {@code present}, {@code enabled}: the CPUs shown (e.g. "1", "2-3", "0,2"). glibc's
 *       sysconf(_SC_NPROCESSORS_ONLN) (so Python's os.cpu_count() and getconf) counts online;
 *   <li>{@code possible}: {@code 0-M}, M the highest CPU the caller may run on (of its cpuset, before the quota
 *       cut). glibc's _SC_NPROCESSORS_CONF counts it, and programs size per-CPU arrays by it and index them by
 *       sched_getcpu(): every CPU the caller can be scheduled on must be below it;
 *   <li>{@code offline}: possible minus online, as the kernel defines it;
 *   <li>{@code isolated}, {@code nohz_full}: the host's list cut to the CPUs shown.
 * </ul>
 */
public final class CpuRangeFile implements VirtualFile {

  /** The names this class serves. */
  public static final java.util.List<String> NAMES =
      java.util.List.of("online", "possible", "present", "offline", "enabled", "isolated", "nohz_full");

  private final String name;
  private final SourceFile hostFile;

  public CpuRangeFile(Path sysRoot, String name) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException(name);
    }
    this.name = name;
    this.hostFile = new SourceFile(sysRoot.resolve("devices/system/cpu").resolve(name));
  }

  @Override
  public String path() {
    return "/sys/devices/system/cpu/" + name;
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    CpuView view = ctx.cpuView();
    switch (name) {
      case "online", "present", "enabled" -> CpuLists.write(out, view.hostCpus());
      case "possible" -> {
        out.write('0');
        if (view.allowedMax() > 0) {
          out.write('-').write(view.allowedMax());
        }
        out.write('\n');
      }
      case "offline" -> CpuLists.writeOthers(out, view.hostCpus(), view.allowedMax());
      default -> {
        SourceFile.readOnce(hostFile.path(), ctx.host());
        CpuLists.cut(ctx.host().bytes(), ctx.host().length(), view.hostCpus(), out, hostFile.path());
      }
    }
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    SourceFile.readOnce(hostFile.path(), ctx.host());
    out.write(ctx.host().bytes(), 0, ctx.host().length());
  }
}
