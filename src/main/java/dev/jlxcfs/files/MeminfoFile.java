package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.MemoryLimits;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.render.Meminfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** /proc/meminfo from the caller's memory cgroup; see {@link Meminfo#values} for the rules. */
public final class MeminfoFile implements VirtualFile {

  private final Sources src;

  public MeminfoFile(Sources src) {
    this.src = src;
  }

  @Override
  public String path() {
    return "/proc/meminfo";
  }

  @Override
  public byte[] render(int pid) throws IOException {
    String host = src.proc().hostText("meminfo");
    Caller caller = src.callers().resolve(pid);
    if (caller.memory() == null) {
      throw new IOException("no mounted cgroup hierarchy serves the memory controller");
    }
    MemoryLimits limits = src.figures().memoryLimits(caller.memory());
    Map<String, Long> hostKb = Meminfo.parseKb(host);
    if (!hostKb.containsKey("MemTotal")) {
      throw new IOException("host meminfo has no MemTotal line");
    }
    Map<String, Long> values = Meminfo.isLimited(hostKb, limits)
        ? Meminfo.values(hostKb, limits, src.figures().memoryUsage(caller.memory(), limits), src.showSwap())
        : Meminfo.unlimited(src.showSwap());
    return Meminfo.render(host, values).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public byte[] hostContent() throws IOException {
    return src.proc().hostFile("meminfo");
  }
}
