package dev.jlxcfs.proc;

import dev.jlxcfs.util.Bytes;
import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.ReadBuffer;
import dev.jlxcfs.util.SourceFile;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read access to a procfs tree: the real /proc, or a fixture directory in tests. The host-wide files (meminfo,
 * stat ...) are kept open and re-read from offset 0; per-process files are read once per resolution. Every
 * method names the pid it was asked about in its exceptions; a vanished process surfaces as
 * {@link ProcessGoneException}.
 */
public final class ProcFs {

  /** What a small per-process file (stat, status) is read into at first: it grows if need be. */
  private static final int SMALL_FILE = 1024;

  private final Path root;
  private final boolean own;
  private final ConcurrentHashMap<String, SourceFile> hostFiles = new ConcurrentHashMap<>();

  public ProcFs(Path root) {
    this(root, isSystemProcfs(root));
  }

  /**
   * @param own whether {@code root} is (a copy of) the daemon's own procfs, whose pids are those of its pid
   *            namespace: then tasks are identified by pidfd
   */
  public ProcFs(Path root, boolean own) {
    this.root = root;
    this.own = own;
  }

  public static boolean isSystemProcfs(Path root) {
    return root.toAbsolutePath().normalize().equals(Path.of("/proc"));
  }

  public Path root() {
    return root;
  }

  /** Whether this is the daemon's own procfs (so pids here are pids of its pid namespace). */
  boolean isOwnProcfs() {
    return own;
  }

  /** A host-wide file such as "meminfo", kept open. */
  public SourceFile hostFile(String name) {
    return hostFiles.computeIfAbsent(name, n -> new SourceFile(root.resolve(n)));
  }

  /**
   * Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. Read into a buffer of its
   * own: only a new caller's first read needs it (and, where pidfds do not name tasks, a fixture procfs's checks).
   */
  public long startTime(int pid) throws IOException {
    Path file = pidDir(pid).resolve("stat");
    ReadBuffer text = read(pid, file, new ReadBuffer(SMALL_FILE));
    byte[] b = text.bytes();
    int n = text.length();
    // The command name (field 2) is in parentheses and may hold spaces and ')': fields resume after the last ')'.
    int close = -1;
    for (int i = n - 1; i >= 0; i--) {
      if (b[i] == ')') {
        close = i;
        break;
      }
    }
    if (close < 0) {
      throw new MalformedException(file, "no ')' after the command name");
    }
    // After ')' come field 3 (state) onwards; the start time is field 22, i.e. the 20th after ')'.
    int field = 2;
    int i = close + 1;
    while (i < n) {
      while (i < n && b[i] == ' ') {
        i++;
      }
      int start = i;
      while (i < n && b[i] != ' ' && b[i] != '\n') {
        i++;
      }
      if (start == i) {
        break;
      }
      field++;
      if (field == 22) {
        return Bytes.parseLong(b, start, i, file);
      }
    }
    throw new MalformedException(file, "fewer than 22 fields");
  }

  /** Whether /proc/PID exists (the process has not exited). */
  boolean exists(int pid) {
    return Files.exists(pidDir(pid));
  }

  /** /proc/PID/cgroup, the file. */
  public Path cgroupFile(int pid) {
    return pidDir(pid).resolve("cgroup");
  }

  /** The text of /proc/PID/cgroup (its paths decoded as the JVM decodes file names), read into {@code text}. */
  public String cgroupText(int pid, ReadBuffer text) throws IOException {
    read(pid, cgroupFile(pid), text);
    return new String(text.bytes(), 0, text.length(), Texts.PATH_CHARSET);
  }

  /** The target of /proc/PID/ns/pid, e.g. "pid:[4026531836]": it identifies the pid namespace. */
  public String pidNamespace(int pid) throws IOException {
    return pidNamespace(pidDir(pid), pid);
  }

  /** The daemon's own pid namespace: callers in it are on the host's side and see the host's files. */
  public String ownPidNamespace() throws IOException {
    return pidNamespace(root.resolve("self"), -1);
  }

  private static String pidNamespace(Path dir, int pid) throws IOException {
    try {
      return Files.readSymbolicLink(dir.resolve("ns").resolve("pid")).toString();
    } catch (NoSuchFileException e) {
      throw new ProcessGoneException(pid);
    }
  }

  /** The Tgid, PPid and NSpid lines of /proc/PID/status (once per pid namespace: a buffer of its own). */
  public Status status(int pid) throws IOException {
    Path file = pidDir(pid).resolve("status");
    return Status.parse(read(pid, file, new ReadBuffer(SMALL_FILE)).toString(), file);
  }

  /** The numeric entries of the proc root: every process the daemon can see. */
  public List<Integer> pids() throws IOException {
    List<Integer> pids = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        // Only pid-sized numbers (pid_max is at most 2^22): a fixture's longer digit string is not a pid.
        if (!name.isEmpty() && name.length() <= 9 && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
          pids.add(Integer.parseInt(name));
        }
      }
    }
    return pids;
  }

  private Path pidDir(int pid) {
    return root.resolve(Integer.toString(pid));
  }

  private static ReadBuffer read(int pid, Path file, ReadBuffer into) throws IOException {
    try {
      return SourceFile.readOnce(file, into);
    } catch (IOException e) {
      throw gone(pid, e);
    }
  }

  private static IOException gone(int pid, IOException e) {
    // ENOENT: no such process; ESRCH: it died between open and read.
    if (e instanceof NoSuchFileException || String.valueOf(e.getMessage()).contains("No such process")) {
      return new ProcessGoneException(pid);
    }
    return e;
  }

  /** The fields of /proc/PID/status that caller resolution needs. */
  public record Status(int tgid, int ppid, int[] nsPids) {

    /** The pid as seen from the innermost pid namespace the process belongs to (1 for a namespace's init). */
    public int innermostPid() {
      return nsPids[nsPids.length - 1];
    }

    static Status parse(String text, Path file) {
      int tgid = -1;
      int ppid = -1;
      int[] nspid = null;
      for (String line : text.split("\n")) {
        if (line.startsWith("Tgid:")) {
          tgid = (int) number(line.substring(5), file);
        } else if (line.startsWith("PPid:")) {
          ppid = (int) number(line.substring(5), file);
        } else if (line.startsWith("NSpid:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          nspid = new int[parts.length];
          for (int i = 0; i < parts.length; i++) {
            nspid[i] = (int) number(parts[i], file);
          }
        }
      }
      if (ppid < 0 || nspid == null || nspid.length == 0) {
        throw new MalformedException(file, "no PPid or NSpid line");
      }
      return new Status(tgid, ppid, nspid);
    }

    private static long number(String s, Path file) {
      byte[] b = Bytes.ascii(s);
      return Bytes.parseLong(b, 0, b.length, file);
    }
  }
}
