package dev.jlxcfs.fs;

import dev.jlxcfs.files.VirtualFile;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE adapter: maps paths to {@link VirtualFile}s, keeps a snapshot per open handle, and turns every failure
 * into the host's file (reads) or an errno (everything else). Called concurrently from libfuse's worker threads.
 *
 * <p>The mount is read-only, so the kernel refuses writes itself with EROFS; the mutating operations are still
 * answered here (EROFS) in case the mount options ever change.
 */
public final class JlxcFs extends FuseStubFS {

  private static final int O_ACCMODE = 3;
  private static final int O_TRUNC = 01000;

  private final FileTree tree;
  private final long mountTimeSeconds = System.currentTimeMillis() / 1000;
  private final SafeRender render = new SafeRender();
  private final OpenFiles open = new OpenFiles(render);

  public JlxcFs(FileTree tree) {
    this.tree = tree;
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
      if (node.isDirectory()) {
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
      for (String child : render.list(node, (int) getContext().pid.get())) {
        filler.apply(buf, child, null, 0);
      }
      return 0;
    } catch (Throwable t) {
      return failed("readdir", path, t);
    }
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      FileTree.Node node = tree.lookup(path);
      if (node == null) {
        return -ErrorCodes.ENOENT();
      }
      if (node.isDirectory()) {
        return -ErrorCodes.EISDIR();
      }
      // The mount is read-only, so the kernel answers EROFS before asking us; this guards other mount options.
      int flags = fi.flags.get();
      if ((flags & O_ACCMODE) != 0 || (flags & O_TRUNC) != 0) {
        return -ErrorCodes.EACCES();
      }
      fi.fh.set(open.open(node.file()));
      return 0;
    } catch (Throwable t) {
      return failed("open", path, t);
    }
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      byte[] content = open.contentFor(fi.fh.get(), (int) getContext().pid.get(), offset);
      if (content == null) {
        return -ErrorCodes.EBADF();
      }
      if (offset >= content.length) {
        return 0;
      }
      int n = (int) Math.min(size, content.length - offset);
      buf.put(0, content, (int) offset, n);
      return n;
    } catch (Throwable t) {
      return failed("read", path, t);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    try {
      open.release(fi.fh.get());
      return 0;
    } catch (Throwable t) {
      return failed("release", path, t);
    }
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

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int mknod(String path, @mode_t long mode, long rdev) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int unlink(String path) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int rmdir(String path) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int symlink(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int link(String oldpath, String newpath) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int chown(String path, long uid, long gid) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    return -ErrorCodes.EROFS();
  }

  @Override
  public int removexattr(String path, String name) {
    return -ErrorCodes.EROFS();
  }
}
