package dev.jlxcfs.files;

import dev.jlxcfs.render.Cpuinfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** /proc/cpuinfo: the host's blocks of the caller's visible CPUs, renumbered (see {@link Cpuinfo}). */
public final class CpuinfoFile implements VirtualFile {

  private final Sources src;

  public CpuinfoFile(Sources src) {
    this.src = src;
  }

  @Override
  public String path() {
    return "/proc/cpuinfo";
  }

  @Override
  public byte[] render(int pid) throws IOException {
    int[] hostCpus = src.cpuView(pid).hostCpus();
    return Cpuinfo.render(src.proc().hostText("cpuinfo"), hostCpus).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public byte[] hostContent() throws IOException {
    return src.proc().hostFile("cpuinfo");
  }
}
