package dev.jlxcfs.fs;

import com.kenai.jffi.MemoryIO;
import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.util.ByteSink;
import dev.jlxcfs.util.Texts;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE adapter: maps paths to {@link dev.jlxcfs.files.VirtualFile}s, keeps a snapshot per open handle, and
 * turns every failure into the host's file (reads) or an errno (everything else). Called concurrently from the
 * {@link FuseLoop}'s worker threads.
 *
 * <p>The operations every {@code cat} makes (open, read, release) are bound to libfuse directly with raw
 * addresses instead of through jnr-fuse's wrappers, which make a String and a struct object per call; the rest
 * (getattr, readdir: cached by the kernel for 60 s) use jnr-fuse's. Operations the daemon does not implement
 * (flush, getxattr, access ...) answer ENOSYS, after which the kernel stops sending them.
 *
 * <p>The mount is read-only, so the kernel refuses writes itself with EROFS; the mutating operations are still
 * answered here (EROFS) in case the mount options ever change.
 */
public final class JlxcFs extends FuseStubFS {

  /** libfuse's read operation, with raw addresses: (path, buf, size, offset, fuse_file_info). */
  public interface RawRead {
    @Delegate
    int read(long path, long buf, long size, long offset, long fi);
  }

  /** libfuse's release operation, with raw addresses: (path, fuse_file_info). */
  public interface RawRelease {
    @Delegate
    int release(long path, long fi);
  }

  /** libfuse's open operation: the path (to find the file) and the raw fuse_file_info. */
  public interface RawOpen {
    @Delegate
    int open(String path, long fi);
  }

  private static final Logger LOG = LoggerFactory.getLogger(JlxcFs.class);
  /** Default caps on open handles: per tenant (the caller's cgroups), and in all. */
  public static final int DEFAULT_MAX_HANDLES_PER_CGROUP = 1024;
  public static final int DEFAULT_MAX_HANDLES = 32768;
  /** A refused open is logged at most this often (a flood of them is one line a minute). */
  private static final long REFUSAL_LOG_NANOS = 60_000_000_000L;

  private static final int O_ACCMODE = 3;
  private static final int O_TRUNC = 01000;
  /** struct fuse_file_info (libfuse 2.9, LP64): int flags at 0, uint64_t fh at 24. */
  private static final int FI_FLAGS = 0;
  private static final int FI_FH = 24;
  /** struct fuse_context (libfuse 2.9, LP64): pid_t pid at 16. */
  private static final int CTX_PID = 16;
  private static final MemoryIO MEMORY = MemoryIO.getInstance();

  /** Where a read's bytes go: the request's buffer (its address set per request). */
  private static final class NativeBuffer implements OpenFiles.Destination {
    long address;

    @Override
    public void put(byte[] src, int offset, int length) {
      MEMORY.putByteArray(address, src, offset, length);
    }
  }

  /**
   * What a FUSE worker reuses for every request it serves: the read context (caller, buffers, output) and the
   * destination of its replies. Held by the worker's thread ({@link WorkerThread}), so that a request finds its own
   * without a lookup; made by {@link #newWorker}.
   */
  static final class WorkerState {
    final ReadContext context;
    final NativeBuffer to = new NativeBuffer();

    private WorkerState(ReadContext context) {
      this.context = context;
    }
  }

  private final FileTree tree;
  private final long mountTimeSeconds = System.currentTimeMillis() / 1000;
  private final SafeRender render = new SafeRender();
  private final OpenFiles open;
  private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
  private volatile long lastRefusalLog = System.nanoTime() - REFUSAL_LOG_NANOS;
  private final FuseLoop.LibFuse2 libFuse2;
  // Strong references: libfuse holds only the native stubs of these closures.
  private final RawRead rawRead = this::rawRead;
  private final RawRelease rawRelease = this::rawRelease;
  private final RawOpen rawOpen = this::rawOpen;

  public JlxcFs(FileTree tree) {
    this(tree, DEFAULT_MAX_HANDLES_PER_CGROUP, DEFAULT_MAX_HANDLES);
  }

  /**
   * @param maxHandlesPerCgroup open handles the callers of one tenant ({@link ReadContext#tenant}) may hold: past it
   *                            an open gets EMFILE
   * @param maxHandles          open handles all callers may hold together: past it an open gets ENFILE
   */
  public JlxcFs(FileTree tree, int maxHandlesPerCgroup, int maxHandles) {
    this.tree = tree;
    this.open = new OpenFiles(render, maxHandlesPerCgroup, maxHandles, OpenFiles.DEFAULT_SNAPSHOT_BUDGET);
    this.libFuse2 = FuseLoop.libFuse2();
    jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
    Pointer ops = Struct.getMemory(fuseOperations);
    ops.putPointer(fuseOperations.read.offset(),
        runtime.getClosureManager().getClosurePointer(RawRead.class, rawRead));
    ops.putPointer(fuseOperations.release.offset(),
        runtime.getClosureManager().getClosurePointer(RawRelease.class, rawRelease));
    ops.putPointer(fuseOperations.open.offset(),
        runtime.getClosureManager().getClosurePointer(RawOpen.class, rawOpen));
  }

  /**
   * Computes every file and lists every directory once for process {@code pid}, as reads from it would, without
   * going through the mount: what the start does so that the first container to read does not pay for loading the
   * read path's code. Quietly: a file that cannot be computed for the daemon itself is no reader's failure, and must
   * not mute the cause log for the readers who later meet the same cause. Returns what failed, for one debug line
   * ("" when nothing did).
   */
  public String warmUp(int pid) {
    ReadContext ctx = tree.newContext();
    ByteSink sink = ctx.out();
    int failed = 0;
    String first = "";
    for (String path : tree.paths()) {
      FileTree.Node node = tree.lookup(path);
      try {
        if (node.isLink()) {
          node.link().target(ctx.begin(pid));
        } else if (node.isDirectory()) {
          if (node.lister() != null) {
            node.lister().list(ctx.begin(pid));
          }
        } else {
          sink.reset();
          node.file().render(ctx.begin(pid), sink);
        }
      } catch (Throwable t) { // as a reader would get the host's file: nothing to stop the start for
        if (failed++ == 0) {
          first = path + ": " + CauseLog.describe(t);
        }
      }
    }
    return failed == 0 ? "" : failed + " could not be computed (" + first + (failed > 1 ? ", ..." : "") + ")";
  }

  /** The operations table to hand to libfuse. */
  Pointer operations() {
    return Struct.getMemory(fuseOperations);
  }

  long operationsSize() {
    return Struct.size(fuseOperations);
  }

  /** A worker's reused state, for the thread that will serve this file system's requests. */
  WorkerState newWorker() {
    return new WorkerState(tree.newContext());
  }

  /**
   * The state of the worker serving this request, its context begun for the request's caller: the pid of the
   * process whose request this is (0 when it is outside the daemon's view).
   */
  private WorkerState request() {
    WorkerState w = Thread.currentThread() instanceof WorkerThread t && t.fs() == this ? t.worker() : newWorker();
    w.context.begin(MEMORY.getInt(libFuse2.fuse_get_context() + CTX_PID));
    return w;
  }

  @Override
  protected String getFSName() {
    return "jlxcfs";
  }

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      FileTree.Node node = tree.lookup(path);
      if (node == null) {
        return -ErrorCodes.ENOENT();
      }
      if (node.isLink()) {
        stat.st_mode.set(FileStat.S_IFLNK | 0777); // its target depends on who follows it: readlink
        stat.st_nlink.set(1);
        stat.st_size.set(0);
      } else if (node.isDirectory()) {
        stat.st_mode.set(FileStat.S_IFDIR | 0555);
        stat.st_nlink.set(2);
      } else {
        // Size 0, as procfs reports: the content is made per caller at read time, and direct_io makes the kernel
        // read until we return 0 bytes rather than trust a size.
        stat.st_mode.set(FileStat.S_IFREG | 0444);
        stat.st_nlink.set(1);
        stat.st_size.set(0);
      }
      stat.st_uid.set(0);
      stat.st_gid.set(0);
      stat.st_mtim.tv_sec.set(mountTimeSeconds);
      stat.st_ctim.tv_sec.set(mountTimeSeconds);
      stat.st_atim.tv_sec.set(mountTimeSeconds);
      return 0;
    } catch (Throwable t) {
      return failed("getattr", path, t);
    }
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
    try {
      FileTree.Node node = tree.lookup(path);
      if (node == null) {
        return -ErrorCodes.ENOENT();
      }
      if (!node.isDirectory()) {
        return -ErrorCodes.ENOTDIR();
      }
      filler.apply(buf, ".", null, 0);
      filler.apply(buf, "..", null, 0);
      // Each entry with its type (d_type), as sysfs and procfs give it: lscpu skips vulnerabilities/* entries of an
      // unknown type.
      FileStat type = new FileStat(jnr.ffi.Runtime.getSystemRuntime());
      String prefix = path.equals("/") ? "/" : path + "/";
      for (String child : render.list(node, request().context)) {
        FileTree.Node c = tree.lookup(prefix + child);
        type.st_mode.set(c == null || c.file() != null ? FileStat.S_IFREG | 0444
            : c.isLink() ? FileStat.S_IFLNK | 0777 : FileStat.S_IFDIR | 0555);
        filler.apply(buf, child, type, 0);
      }
      return 0;
    } catch (Throwable t) {
      return failed("readdir", path, t);
    }
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    try {
      FileTree.Node node = tree.lookup(path);
      if (node == null) {
        return -ErrorCodes.ENOENT();
      }
      if (!node.isLink() || size <= 0) {
        return -ErrorCodes.EINVAL();
      }
      byte[] target = render.target(node, request().context).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (Throwable t) {
      return failed("readlink", path, t);
    }
  }

  private int rawOpen(String path, long fi) {
    try {
      FileTree.Node node = tree.lookup(path);
      if (node == null) {
        return -ErrorCodes.ENOENT();
      }
      if (node.isLink()) {
        return -ErrorCodes.ELOOP(); // the kernel follows links itself: an open never names one
      }
      if (node.isDirectory()) {
        return -ErrorCodes.EISDIR();
      }
      // The mount is read-only, so the kernel answers EROFS before asking us; this guards other mount options.
      int flags = MEMORY.getInt(fi + FI_FLAGS);
      if ((flags & O_ACCMODE) != 0 || (flags & O_TRUNC) != 0) {
        return -ErrorCodes.EACCES();
      }
      Object tenant = request().context.tenant();
      long fh = open.open(node.file(), tenant);
      if (fh < 0) {
        return refused(fh, tenant);
      }
      MEMORY.putLong(fi + FI_FH, fh);
      return 0;
    } catch (Throwable t) {
      return failed("open", path, t);
    }
  }

  private int rawRead(long path, long buf, long size, long offset, long fi) {
    try {
      WorkerState w = request();
      w.to.address = buf;
      int n = open.read(MEMORY.getLong(fi + FI_FH), w.context, offset, (int) Math.min(size, Integer.MAX_VALUE),
          w.to);
      return n < 0 ? -ErrorCodes.EBADF() : n;
    } catch (SafeRender.Unreadable e) {
      return -ErrorCodes.EIO(); // said once per cause by SafeRender
    } catch (Throwable t) {
      return failed("read", "fh", t);
    }
  }

  private int rawRelease(long path, long fi) {
    try {
      open.release(MEMORY.getLong(fi + FI_FH));
      return 0;
    } catch (Throwable t) {
      return failed("release", "fh", t);
    }
  }

  /** An open past a cap: EMFILE (the caller's tenant holds its cap) or ENFILE (the table is full). */
  private int refused(long why, Object tenant) {
    long n = refused.incrementAndGet();
    long now = System.nanoTime();
    long last = lastRefusalLog;
    if (now - last >= REFUSAL_LOG_NANOS) {
      lastRefusalLog = now;
      try {
        if (why == OpenFiles.TENANT_FULL) {
          LOG.warn("opens refused with EMFILE: the callers in cgroups [{}] hold {} handles, their cap ({} refused "
              + "opens in all so far; at most one line a minute)", Texts.oneLine(OpenFiles.describe(tenant)),
              open.maxPerTenant(), n);
        } else {
          LOG.warn("opens refused with ENFILE: {} handles are open, the cap for all callers ({} refused opens in all "
              + "so far; at most one line a minute)", open.maxHandles(), n);
        }
      } catch (Throwable ignored) {
        // out of memory: the refusal stands without its line
      }
    }
    return why == OpenFiles.TENANT_FULL ? -ErrorCodes.EMFILE() : -ErrorCodes.ENFILE();
  }

  /** Opens refused so far (for tests). */
  long refusedOpens() {
    return refused.get();
  }

  /** Handles open now (the benchmark's leak check; a handover's drain). */
  public int openHandles() {
    return open.size();
  }

  /** Only a bug in the adapter gets here (SafeRender never throws): EIO for this request, the daemon lives on. */
  private int failed(String op, String path, Throwable t) {
    try {
      render.callbackFailed(op, path, t);
    } catch (Throwable ignored) {
      // logging failed too (out of memory): still answer the kernel
    }
    return -ErrorCodes.EIO();
  }

  // The mutating operations. The mount is read-only ("ro"), so the kernel refuses them with EROFS before they reach
  // the daemon; these answer the same in case the mount options ever change. Each override must exist: jnr-fuse's
  // AbstractFuseFS installs a libfuse callback only for the methods of getClass().getMethods() that carry no
  // @NotImplemented, and every FuseStubFS method carries it, so an operation not overridden here is left out of the
  // operations table and libfuse answers ENOSYS ("Function not implemented") instead of EROFS. ReadOnlyTest checks
  // that each one is installed and answers EROFS.

  /** The one answer to every mutation: EROFS, as the kernel gives for a read-only mount. */
  private static int readOnly() {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long off, FuseFileInfo fi) { return readOnly(); }
  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) { return readOnly(); }
  @Override
  public int truncate(String path, @off_t long size) { return readOnly(); }
  @Override
  public int mkdir(String path, @mode_t long mode) { return readOnly(); }
  @Override
  public int mknod(String path, @mode_t long mode, long rdev) { return readOnly(); }
  @Override
  public int unlink(String path) { return readOnly(); }
  @Override
  public int rmdir(String path) { return readOnly(); }
  @Override
  public int rename(String oldpath, String newpath) { return readOnly(); }
  @Override
  public int symlink(String oldpath, String newpath) { return readOnly(); }
  @Override
  public int link(String oldpath, String newpath) { return readOnly(); }
  @Override
  public int chmod(String path, @mode_t long mode) { return readOnly(); }
  @Override
  public int chown(String path, long uid, long gid) { return readOnly(); }
  @Override
  public int utimens(String path, Timespec[] timespec) { return readOnly(); }
  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) { return readOnly(); }
  @Override
  public int removexattr(String path, String name) { return readOnly(); }
}
