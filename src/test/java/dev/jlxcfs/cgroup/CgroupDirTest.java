package dev.jlxcfs.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** CgroupDir and Hierarchy are cache keys with hand-written equals and hashCode: they must keep the records' meaning. */
class CgroupDirTest {

  private static final Hierarchy MEMORY = new Hierarchy(1, Path.of("/sys/fs/cgroup/memory"), "/", Set.of("memory"));

  @Test
  void equalWhenEveryComponentIs() {
    Hierarchy same = new Hierarchy(1, Path.of("/sys/fs/cgroup/memory"), "/", Set.of("memory"));
    CgroupDir a = new CgroupDir(MEMORY, Path.of("/sys/fs/cgroup/memory/a"));
    CgroupDir b = new CgroupDir(same, Path.of("/sys/fs/cgroup/memory/a"));
    assertEquals(MEMORY, same);
    assertEquals(MEMORY.hashCode(), same.hashCode());
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
  }

  @Test
  void anyComponentTellsThemApart() {
    CgroupDir a = new CgroupDir(MEMORY, Path.of("/sys/fs/cgroup/memory/a"));
    assertNotEquals(a, new CgroupDir(MEMORY, Path.of("/sys/fs/cgroup/memory/b")));
    assertNotEquals(MEMORY, new Hierarchy(2, MEMORY.mountPoint(), "/", MEMORY.controllers()));
    assertNotEquals(MEMORY, new Hierarchy(1, Path.of("/elsewhere"), "/", MEMORY.controllers()));
    assertNotEquals(MEMORY, new Hierarchy(1, MEMORY.mountPoint(), "/sub", MEMORY.controllers()));
    assertNotEquals(MEMORY, new Hierarchy(1, MEMORY.mountPoint(), "/", Set.of("memory", "cpu")));
    assertNotEquals(a, new CgroupDir(new Hierarchy(1, MEMORY.mountPoint(), "/", Set.of("cpu")), a.dir()));
    assertNotEquals(a, "not a cgroup");
  }

  @Test
  void nullComponentsAreValuesLikeAnyOther() {
    CgroupDir a = new CgroupDir(null, null);
    assertEquals(a, new CgroupDir(null, null));
    assertEquals(a.hashCode(), new CgroupDir(null, null).hashCode());
    assertNotEquals(a, new CgroupDir(MEMORY, null));
    Hierarchy h = new Hierarchy(1, null, null, null);
    assertEquals(h, new Hierarchy(1, null, null, null));
    assertEquals(h.hashCode(), new Hierarchy(1, null, null, null).hashCode());
  }
}
