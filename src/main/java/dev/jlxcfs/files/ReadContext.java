package dev.jlxcfs.files;

import dev.jlxcfs.cgroup.CpuView;
import dev.jlxcfs.cgroup.IoCounters;
import dev.jlxcfs.proc.Caller;
import dev.jlxcfs.proc.CallerResolver;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import java.io.IOException;

/**
 * What one request's computation works with: the caller, resolved once, and the buffers its sources are read into.
 * Each FUSE worker owns one and reuses it for every request it serves ({@link #begin}), so that a read allocates
 * nothing once the buffers have grown to fit the largest file. Not thread-safe: one request at a time.
 *
 * <p>The buffers have one job each, so that what a callee may overwrite is visible in its signature:
 * <ul>
 *   <li>{@link #host()}: the host's own file (/proc/meminfo, /proc/stat ...), read by the file's handler and held
 *       while the file is computed and rendered;
 *   <li>{@link #scratch()}: the text of whatever smaller file a step reads and parses before it returns: the caller's
 *       /proc/PID/cgroup, a cgroup's limit and usage files, a pressure file. A method that takes it may overwrite
 *       it, so what it holds is good only until the next such call.
 * </ul>
 */
public final class ReadContext {

  /** The handlers' reused figures (package-private: only they use them). */
  final MeminfoFile.Scratch meminfo = new MeminfoFile.Scratch();
  final IoCounters io = new IoCounters();
  final IoCounters spareIo = new IoCounters();

  private final CallerResolver callers;
  private final ReadBuffer host = new ReadBuffer(8192);
  private final ReadBuffer scratch = new ReadBuffer(8192);
  private final ByteSink out = new ByteSink(8192);
  private int pid;
  private Caller caller;
  /** The file whose text {@link #host} holds in this request, or null. */
  private SourceFile inHost;

  /** @param callers resolves the caller; null where no file needs one (a tree of constant files in a test) */
  public ReadContext(CallerResolver callers) {
    this.callers = callers;
  }

  /**
   * Starts a request of the caller with this pid (as the daemon's pid namespace numbers it; 0 when the caller is
   * outside it). FUSE reports the calling thread's id; /proc/TID/... answers for it like for a pid.
   */
  public ReadContext begin(int pid) {
    this.pid = pid;
    this.caller = null;
    this.inHost = null;
    return this;
  }

  public int pid() {
    return pid;
  }

  /** The caller, resolved on first use in this request (see {@link CallerResolver#resolve}). */
  public Caller caller() throws IOException {
    Caller c = caller;
    if (c == null) {
      if (callers == null) {
        throw new IllegalStateException("no caller resolution here");
      }
      c = callers.resolve(pid, scratch);
      caller = c;
    }
    return c;
  }

  /** The CPUs the caller is shown (cached with the caller, see {@link CallerResolver#cpuView}). */
  public CpuView cpuView() throws IOException {
    return callers.cpuView(caller(), scratch);
  }

  /**
   * The tenant the caller's opens count against ({@link CallerResolver#tenantKey}), or null when it cannot be told.
   * Never throws.
   */
  public Object tenant() {
    return callers == null || pid <= 0 ? null : callers.tenantKey(pid, scratch);
  }

  /**
   * The text of the host's file {@code file}, in the host buffer: read once per request, so that steps that need the
   * same file (/proc/stat's handler and the CPU times of a caller without a CPU cgroup) share one read.
   */
  public ReadBuffer host(SourceFile file) throws IOException {
    if (inHost != file) {
      inHost = null; // a failed read leaves the buffer undefined
      file.read(host);
      inHost = file;
    }
    return host;
  }

  /** The host buffer, to read another file into (it then holds no file of {@link #host(SourceFile)}). */
  public ReadBuffer host() {
    inHost = null;
    return host;
  }

  /** Where the file's content is made (the FUSE layer's; a file's render writes to the sink it is given). */
  public ByteSink out() {
    return out;
  }

  /** The buffer every step that reads a smaller file may overwrite (see the class comment). */
  public ReadBuffer scratch() {
    return scratch;
  }
}
