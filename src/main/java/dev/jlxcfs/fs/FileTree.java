package dev.jlxcfs.fs;

import dev.jlxcfs.files.ReadContext;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.proc.CallerResolver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mount's directory tree: paths -> nodes. Directories are implied by the files' paths. Lookups are one hash
 * probe on the path FUSE hands us.
 */
public final class FileTree {

  /** A directory whose listing depends on the caller (it lists a subset of its static children). */
  public interface Lister {
    List<String> list(ReadContext ctx) throws Exception;
  }

  /** A node: a directory (file == null, maybe with a per-caller lister) or an emulated file. */
  public record Node(String path, VirtualFile file, List<String> children, Lister lister) {
    public boolean isDirectory() {
      return file == null;
    }
  }

  private final Map<String, Node> nodes;
  private final CallerResolver callers;

  public FileTree(List<VirtualFile> files) {
    this(files, Map.of());
  }

  public FileTree(List<VirtualFile> files, Map<String, Lister> listers) {
    this(files, listers, null);
  }

  /**
   * @param callers resolves the callers, for the files and for the tenant a caller's opens are counted against
   *                ({@link ReadContext#tenant}); null for a tree whose files need no caller (tests)
   */
  public FileTree(List<VirtualFile> files, Map<String, Lister> listers, CallerResolver callers) {
    this.callers = callers;
    Map<String, TreeMap<String, Boolean>> dirs = new HashMap<>();
    Map<String, Node> map = new HashMap<>();
    dirs.put("/", new TreeMap<>());
    for (VirtualFile f : files) {
      String path = f.path();
      if (!path.startsWith("/") || path.endsWith("/") || map.containsKey(path)) {
        throw new IllegalArgumentException("bad or duplicate file path: " + path);
      }
      map.put(path, new Node(path, f, List.of(), null));
      String child = path;
      for (String parent = parentOf(child); parent != null; child = parent, parent = parentOf(parent)) {
        dirs.computeIfAbsent(parent, k -> new TreeMap<>()).put(nameOf(child), Boolean.TRUE);
      }
    }
    dirs.forEach((dir, children) ->
        map.put(dir, new Node(dir, null, List.copyOf(children.keySet()), listers.get(dir))));
    for (String dir : listers.keySet()) {
      if (!dirs.containsKey(dir)) {
        throw new IllegalArgumentException("lister for a path that is not a directory: " + dir);
      }
    }
    this.nodes = Map.copyOf(map);
  }

  /** Every node's path ("/", "/proc", "/proc/meminfo" ...), sorted. */
  public List<String> paths() {
    return nodes.keySet().stream().sorted().toList();
  }

  /** A context for computing this tree's files: one per worker thread, reused request after request. */
  public ReadContext newContext() {
    return new ReadContext(callers);
  }

  /** The node at {@code path} ("/", "/proc", "/proc/meminfo"), or null. */
  public Node lookup(String path) {
    return nodes.get(path);
  }

  private static String parentOf(String path) {
    if (path.equals("/")) {
      return null;
    }
    int slash = path.lastIndexOf('/');
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  private static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
