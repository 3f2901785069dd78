package dev.jlxcfs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs commands to completion with a timeout, capturing stdout and stderr. */
final class Shell {

  record Result(int exit, String out, String err) {
    Result check() {
      if (exit != 0) {
        throw new AssertionError("exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
      }
      return this;
    }
  }

  private Shell() {}

  static Result run(List<String> cmd) {
    return run(cmd, Map.of(), 60);
  }

  static Result sh(String script) {
    return run(List.of("sh", "-c", script));
  }

  static Result run(List<String> cmd, Map<String, String> env, int timeoutSeconds) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("jlxcfs-it", ".out");
      err = Files.createTempFile("jlxcfs-it", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError("timed out after " + timeoutSeconds + " s: " + cmd);
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } finally {
      try {
        if (out != null) {
          Files.deleteIfExists(out);
        }
        if (err != null) {
          Files.deleteIfExists(err);
        }
      } catch (IOException ignored) {
        // temp files: best effort
      }
    }
  }
}
