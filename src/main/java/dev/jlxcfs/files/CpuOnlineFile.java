package dev.jlxcfs.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/**
 * /sys/devices/system/cpu/cpuN/online: "1" for the caller's visible CPUs (N < n), "0" for the others. Every host
 * CPU has the entry (the kernel caches directory entries for all callers alike), but a caller lists only its own
 * (see {@link CpuDirectory}), and the rest read as offline.
 */
public final class CpuOnlineFile implements VirtualFile {

  private final Sources src;
  private final int cpu;

  public CpuOnlineFile(Sources src, int cpu) {
    this.src = src;
    this.cpu = cpu;
  }

  @Override
  public String path() {
    return "/sys/devices/system/cpu/cpu" + cpu + "/online";
  }

  @Override
  public byte[] render(int pid) throws IOException {
    int n = src.cpuView(pid).count();
    return (cpu < n ? "1\n" : "0\n").getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public byte[] hostContent() throws IOException {
    try {
      return Files.readAllBytes(src.sys("devices/system/cpu/cpu" + cpu + "/online"));
    } catch (NoSuchFileException e) {
      // The boot CPU of x86 has no online file: it cannot go offline.
      return "1\n".getBytes(StandardCharsets.US_ASCII);
    }
  }
}
