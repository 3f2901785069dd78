package dev.jlxcfs.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * /sys/devices/system/cpu/{online,possible,present}: "0-(n-1)" for the caller's n visible CPUs. glibc's
 * sysconf(_SC_NPROCESSORS_ONLN) (so Python's os.cpu_count()) reads online; _SC_NPROCESSORS_CONF reads possible.
 */
public final class CpuRangeFile implements VirtualFile {

  private final Sources src;
  private final String name;

  public CpuRangeFile(Sources src, String name) {
    this.src = src;
    this.name = name;
  }

  @Override
  public String path() {
    return "/sys/devices/system/cpu/" + name;
  }

  @Override
  public byte[] render(int pid) throws IOException {
    int n = src.cpuView(pid).count();
    return (n == 1 ? "0\n" : "0-" + (n - 1) + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public byte[] hostContent() throws IOException {
    return Files.readAllBytes(src.sys("devices/system/cpu/" + name));
  }
}
