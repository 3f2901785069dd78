package dev.jlxcfs.files;

import dev.jlxcfs.render.CpuLists;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Any other file under /sys/devices/system/cpu that the tree serves (cpuN/topology/*, cpuN/cache/index* /*,
 * vulnerabilities/*, kernel_max, modalias ...): the host's file, read at read time, with the CPU lists and masks in
 * it cut to the CPUs the caller is shown. Which it is follows from its name ({@link #kindOf}).
 */
public final class SysCpuFile implements VirtualFile {

  /** How a file is served. */
  public enum Kind {
    /** as the host's */
    PASS,
    /** a CPU list, cut to the CPUs shown */
    LIST,
    /** a CPU mask, with the bits of the CPUs not shown cleared */
    MASK
  }

  private final String path;
  private final Path hostFile;
  private final Kind kind;
  /** The N of a cpuN/topology or cpuN/cache file, else -1. */
  private final int cpu;

  /**
   * @param sysRoot the sysfs to read
   * @param relative the file's path under devices/system/cpu ("cpu0/topology/core_id")
   */
  public SysCpuFile(Path sysRoot, String relative) {
    this(sysRoot, relative, relative);
  }

  /**
   * @param relative the host's file, under devices/system/cpu
   * @param served   where the tree serves it, under the CPU directory ("cpu1/.topology/core_id" for the host's
   *                 "cpu1/topology/core_id": see {@code ServedTree.cpuDirectory})
   */
  public SysCpuFile(Path sysRoot, String relative, String served) {
    this.path = CpuDirectory.PATH + "/" + served;
    this.hostFile = sysRoot.resolve("devices/system/cpu").resolve(relative);
    this.kind = kindOf(relative);
    this.cpu = cpuOf(relative);
  }

  private static int cpuOf(String relative) {
    int slash = relative.indexOf('/');
    if (slash > 0 && CpuDirectory.isCpu(relative.substring(0, slash)) && slash < 12
        && (relative.startsWith("topology/", slash + 1) || relative.startsWith("cache/", slash + 1))) {
      return Integer.parseInt(relative.substring(3, slash));
    }
    return -1;
  }

  /**
   * The kind of a file by its path under devices/system/cpu: in a cpuN's {@code topology/} the {@code *_list} files
   * are lists and the {@code *_cpus} and {@code *_siblings} files masks; in a cache index, {@code shared_cpu_list} is
   * a list and {@code shared_cpu_map} a mask; everything else is passed through.
   */
  public static Kind kindOf(String relative) {
    String name = relative.substring(relative.lastIndexOf('/') + 1);
    if (relative.contains("/topology/")) {
      if (name.endsWith("_list")) {
        return Kind.LIST;
      }
      if (name.endsWith("_cpus") || name.endsWith("_siblings")) {
        return Kind.MASK;
      }
    } else if (relative.contains("/cache/")) {
      if (name.equals("shared_cpu_list")) {
        return Kind.LIST;
      }
      if (name.equals("shared_cpu_map")) {
        return Kind.MASK;
      }
    }
    return Kind.PASS;
  }

  /** The N of a cpuN/topology or cpuN/cache file, else -1. */
  public int cpu() {
    return cpu;
  }

  public Kind kind() {
    return kind;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public void render(ReadContext ctx, ByteSink out) throws IOException {
    if (kind == Kind.PASS) {
      host(ctx, out); // no caller needed: a file that says nothing about which CPUs are there
      return;
    }
    int[] cpus = ctx.cpuView().hostCpus();
    ReadBuffer text = SourceFile.readOnce(hostFile, ctx.host());
    if (kind == Kind.LIST) {
      CpuLists.cut(text.bytes(), text.length(), cpus, out, hostFile);
    } else {
      CpuLists.cutMask(text.bytes(), text.length(), cpus, out, hostFile);
    }
  }

  @Override
  public void host(ReadContext ctx, ByteSink out) throws IOException {
    ReadBuffer text = SourceFile.readOnce(hostFile, ctx.host());
    out.write(text.bytes(), 0, text.length());
  }
}
