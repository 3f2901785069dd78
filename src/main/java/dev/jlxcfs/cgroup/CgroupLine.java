package dev.jlxcfs.cgroup;

import dev.jlxcfs.util.MalformedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of /proc/PID/cgroup: {@code hierarchy-id:controllers:path}. On cgroup v2 (and for the v2 half of a
 * hybrid host) the line is {@code 0::path}. The path may hold any character but a newline, colons included.
 */
public record CgroupLine(int hierarchyId, List<String> controllers, String path) {

  public boolean isUnified() {
    return hierarchyId == 0 && controllers.isEmpty();
  }

  public static List<CgroupLine> parseAll(String text, Path file) {
    List<CgroupLine> lines = new ArrayList<>(12);
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int c1 = line.indexOf(':');
      int c2 = c1 < 0 ? -1 : line.indexOf(':', c1 + 1);
      if (c2 < 0) {
        throw new MalformedException(file, "line without two colons: " + line);
      }
      int id;
      try {
        id = Integer.parseInt(line.substring(0, c1));
      } catch (NumberFormatException e) {
        throw new MalformedException(file, "bad hierarchy id in: " + line);
      }
      String ctl = line.substring(c1 + 1, c2);
      List<String> controllers = ctl.isEmpty() ? List.of() : List.of(ctl.split(","));
      lines.add(new CgroupLine(id, controllers, line.substring(c2 + 1)));
    }
    return lines;
  }
}
