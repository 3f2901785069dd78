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

  /**
   * A symbolic link whose target depends on the caller. The kernel caches lookups for every caller alike, but asks
   * for a FUSE link's target at every path walk: a link is how one path can lead to a directory for some callers
   * and to nothing for others.
   */
  public interface Linker {
    /** The target for the request's caller (relative to the link's directory). */
    String target(ReadContext ctx) throws Exception;

    /** The target when the caller's cannot be computed (as the host would have it). */
    String host();
  }

  /** A node: a directory (maybe with a per-caller lister), an emulated file, or a per-caller link. */
  public record Node(String path, VirtualFile file, List<String> children, Lister lister, Linker link) {
    public boolean isDirectory() {
      return file == null && link == null;
    }

    public boolean isLink() {
      return link != null;
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
    this(files, listers, Map.of(), callers);
  }

  /** @param links per-caller symbolic links by path (see {@link Linker}) */
  public FileTree(List<VirtualFile> files, Map<String, Lister> listers, Map<String, Linker> links,
                  CallerResolver callers) {
    this.callers = callers;
    Map<String, TreeMap<String, Boolean>> dirs = new HashMap<>();
    Map<String, Node> map = new HashMap<>();
    dirs.put("/", new TreeMap<>());
    for (VirtualFile f : files) {
      String path = f.path();
      if (!path.startsWith("/") || path.endsWith("/") || map.containsKey(path)) {
        throw new IllegalArgumentException("bad or duplicate file path: " + path);
      }
      map.put(path, new Node(path, f, List.of(), null, null));
      String child = path;
      for (String parent = parentOf(child); parent != null; child = parent, parent = parentOf(parent)) {
        dirs.computeIfAbsent(parent, k -> new TreeMap<>()).put(nameOf(child), Boolean.TRUE);
      }
    }
    links.forEach((path, link) -> {
      if (!path.startsWith("/") || path.endsWith("/") || map.containsKey(path) || dirs.containsKey(path)) {
        throw new IllegalArgumentException("bad or duplicate link path: " + path);
      }
      map.put(path, new Node(path, null, List.of(), null, link));
      String child = path;
      for (String parent = parentOf(child); parent != null; child = parent, parent = parentOf(parent)) {
        dirs.computeIfAbsent(parent, k -> new TreeMap<>()).put(nameOf(child), Boolean.TRUE);
      }
    });
    dirs.forEach((dir, children) ->
        map.put(dir, new Node(dir, null, List.copyOf(children.keySet()), listers.get(dir), null)));
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
