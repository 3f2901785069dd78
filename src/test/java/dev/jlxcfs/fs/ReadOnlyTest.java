package dev.jlxcfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.NotImplemented;

/**
 * Every mutating operation answers EROFS. jnr-fuse installs a libfuse callback only for the methods that carry no
 * {@link NotImplemented} in {@code getClass().getMethods()} (AbstractFuseFS.init), so each must be overridden in
 * {@link JlxcFs}: one that is not answers ENOSYS.
 */
class ReadOnlyTest {

  private static final List<String> MUTATIONS = List.of("write", "create", "truncate", "mkdir", "mknod", "unlink",
      "rmdir", "rename", "symlink", "link", "chmod", "chown", "utimens", "setxattr", "removexattr");

  private static Method method(Class<?> c, String name) {
    for (Method m : c.getMethods()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new AssertionError(c.getSimpleName() + " has no method " + name);
  }

  @Test
  void everyMutationIsOverriddenSoJnrFuseInstallsIt() {
    for (String name : MUTATIONS) {
      assertNotNull(method(FuseStubFS.class, name).getAnnotation(NotImplemented.class),
          "the stub's " + name + " is marked not implemented: the rule this class relies on");
      Method m = method(JlxcFs.class, name);
      assertEquals(JlxcFs.class, m.getDeclaringClass(), name + " is overridden");
      assertNull(m.getAnnotation(NotImplemented.class), name + " is installed");
    }
    // The stub's operations JlxcFs overrides: the three it serves through jnr-fuse and the refusals, nothing else (a
    // new override is either served or belongs in the list above). open, read and release are bound raw instead.
    Set<String> overridden = new TreeSet<>();
    for (Method m : JlxcFs.class.getDeclaredMethods()) {
      for (Method stub : FuseStubFS.class.getMethods()) {
        if (stub.getName().equals(m.getName()) && stub.getAnnotation(NotImplemented.class) != null) {
          overridden.add(m.getName());
        }
      }
    }
    Set<String> expected = new TreeSet<>(MUTATIONS);
    expected.addAll(List.of("getattr", "readdir", "readlink"));
    assertEquals(expected, overridden);
  }

  @Test
  void everyMutationAnswersErofs() throws Exception {
    JlxcFs fs;
    try {
      fs = new JlxcFs(new FileTree(List.of()));
    } catch (LinkageError | RuntimeException e) {
      Assumptions.abort("libfuse.so.2 does not load here: " + e);
      return;
    }
    for (String name : MUTATIONS) {
      Method m = method(JlxcFs.class, name);
      Object[] args = new Object[m.getParameterCount()];
      Class<?>[] types = m.getParameterTypes();
      for (int i = 0; i < args.length; i++) {
        args[i] = types[i] == long.class ? (Object) 0L : types[i] == int.class ? (Object) 0 : null;
      }
      assertEquals(-ErrorCodes.EROFS(), m.invoke(fs, args), name);
    }
  }
}
