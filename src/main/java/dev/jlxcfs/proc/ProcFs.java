package dev.jlxcfs.proc;

import dev.jlxcfs.util.MalformedException;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Read access to a procfs tree: the real /proc, or a fixture directory in tests. Every method names the pid it
 * was asked about in its exceptions; a vanished process surfaces as {@link ProcessGoneException}.
 */
public final class ProcFs {

  private final Path root;

  public ProcFs(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** A host-wide file such as "meminfo", as the host shows it. */
  public byte[] hostFile(String name) throws IOException {
    return Files.readAllBytes(root.resolve(name));
  }

  public String hostText(String name) throws IOException {
    return Texts.read(root.resolve(name));
  }

  /** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
  public long startTime(int pid) throws IOException {
    Path file = pidDir(pid).resolve("stat");
    String stat = read(pid, file);
    // The command name (field 2) is in parentheses and may hold spaces and ')': fields resume after the last ')'.
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new MalformedException(file, "no ')' after the command name");
    }
    // After ')' come field 3 (state) onwards; the start time is field 22, i.e. the 20th after ')'.
    int field = 2;
    int i = close + 1;
    int n = stat.length();
    while (i < n) {
      while (i < n && stat.charAt(i) == ' ') {
        i++;
      }
      int start = i;
      while (i < n && stat.charAt(i) != ' ' && stat.charAt(i) != '\n') {
        i++;
      }
      field++;
      if (field == 22) {
        return Texts.parseLong(stat.substring(start, i), file);
      }
    }
    throw new MalformedException(file, "fewer than 22 fields");
  }

  /** The lines of /proc/PID/cgroup. */
  public List<CgroupLine> cgroups(int pid) throws IOException {
    Path file = pidDir(pid).resolve("cgroup");
    return CgroupLine.parseAll(read(pid, file, true), file);
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

  /** The Tgid, PPid and NSpid lines of /proc/PID/status. */
  public Status status(int pid) throws IOException {
    Path file = pidDir(pid).resolve("status");
    return Status.parse(read(pid, file), file);
  }

  /** The numeric entries of the proc root: every process the daemon can see. */
  public List<Integer> pids() throws IOException {
    List<Integer> pids = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          pids.add(Integer.parseInt(name));
        }
      }
    }
    return pids;
  }

  private Path pidDir(int pid) {
    return root.resolve(Integer.toString(pid));
  }

  private static String read(int pid, Path file) throws IOException {
    return read(pid, file, false);
  }

  private static String read(int pid, Path file, boolean holdsPaths) throws IOException {
    try {
      return holdsPaths ? Texts.readPaths(file) : Texts.read(file);
    } catch (NoSuchFileException e) {
      throw new ProcessGoneException(pid);
    } catch (IOException e) {
      // ESRCH: the process died between open and read.
      if (String.valueOf(e.getMessage()).contains("No such process")) {
        throw new ProcessGoneException(pid);
      }
      throw e;
    }
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
          tgid = (int) Texts.parseLong(line.substring(5), file);
        } else if (line.startsWith("PPid:")) {
          ppid = (int) Texts.parseLong(line.substring(5), file);
        } else if (line.startsWith("NSpid:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          nspid = new int[parts.length];
          for (int i = 0; i < parts.length; i++) {
            nspid[i] = (int) Texts.parseLong(parts[i], file);
          }
        }
      }
      if (ppid < 0 || nspid == null || nspid.length == 0) {
        throw new MalformedException(file, "no PPid or NSpid line");
      }
      return new Status(tgid, ppid, nspid);
    }
  }
}
