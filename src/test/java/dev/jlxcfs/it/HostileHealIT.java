package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The heal pass against a hostile tenant, replayed through the real kernel, always in mount namespaces the test makes
 * (never the host's): a forged jlxcfs mount and a directory swapped with a symlink under the pass, and a user
 * namespace flooded with 100,000 mounts. Each leaves every mount outside the attacker's own untouched and the
 * daemon serving.
 */
class HostileHealIT {

  private static final Map<String, String> ENV = Map.of("JLXCFS_JAR", Host.JAR.toString());
  private static final int PASSES = 50;

  @BeforeAll
  static void require() {
    Host.require();
    Host.requireTool("python3");
    Host.requireTool("setpriv");
  }

  /** A mount namespace of the test's own (private propagation), held by a sleeping process; gone with it. */
  private static final class Namespace implements AutoCloseable {
    final Process holder;

    Namespace(List<String> prefix) throws IOException {
      List<String> cmd = new ArrayList<>(prefix);
      cmd.addAll(List.of("sleep", "3600"));
      holder = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      RunningDaemon.sleep(200);
    }

    /** The pid whose namespace it is (unshare execs sleep). */
    long pid() {
      return holder.pid();
    }

    Shell.Result sh(String script) {
      return Shell.run(List.of("nsenter", "-t", Long.toString(pid()), "-m", "--", "sh", "-c", script), Map.of(), 60);
    }

    String mountinfo() throws IOException {
      return Files.readString(Path.of("/proc/" + pid() + "/mountinfo"));
    }

    @Override
    public void close() throws InterruptedException {
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Shell.Result remount(Path mountPoint, Path state) {
    return Shell.run(List.of(Host.LAUNCHER.toString(), "remount", "--state-dir", state.toString(),
        mountPoint.toString()), ENV, 120);
  }

  /** The mountinfo lines whose mount point starts with {@code prefix}, without the per-line options. */
  private static List<String> mountsUnder(String mountinfo, String prefix) {
    List<String> out = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith(prefix)) {
        out.add(f[0] + " " + f[2] + " " + f[3] + " " + f[4] + " " + line.substring(line.indexOf(" - ") + 3));
      }
    }
    return out;
  }

  @Test
  void aForgedMountAndASymlinkSwappedUnderFiftyPassesTouchNothingOutsideTheAttackersTree() throws Exception {
    Path base = Files.createTempDirectory("jlxcfs-hostile");
    Path mountPoint = base.resolve("mnt");
    Path state = base.resolve("state");
    String x = base.resolve("ns").toString(); // the attacker's namespace's playground
    Shell.run(List.of("chmod", "755", base.toString())).check(); // nobody must reach att/
    try (RunningDaemon first = RunningDaemon.start(mountPoint, "--state-dir", state.toString());
         Namespace ns = new Namespace(List.of("unshare", "-m", "--propagation", "private", "--"))) {
      // In a namespace a runtime made: a root-owned tmpfs and a file bind stand for the host's mounts (/run,
      // /etc/resolv.conf); the attacker (nobody) owns att/, where the container's binds of our files are, and a
      // symlink att/s -> host that it swaps with the directory att/d while the pass runs.
      String esc = "e\u001b[31mx";
      ns.sh("set -e; mkdir -p " + x + "/host/v " + x + "/att/d/v; mount -t tmpfs victim " + x + "/host/v; "
          + "echo marker > " + x + "/host/v/marker; echo original > " + x + "/hostfile; touch " + x + "/host/m; "
          + "mount --bind " + x + "/hostfile " + x + "/host/m; ln -s " + x + "/host " + x + "/att/s; "
          + "for i in m $(seq 1 20) '" + esc + "'; do touch \"" + x + "/att/d/$i\"; "
          + "mount --bind " + mountPoint + "/proc/meminfo \"" + x + "/att/d/$i\"; done; "
          // the forgery: our type and source name on a FUSE connection nobody serves
          + "mount -i -t fuse.jlxcfs -o fd=3,rootmode=40000,user_id=0,group_id=0 jlxcfs:" + mountPoint + " "
          + x + "/att/d/v 3<>/dev/fuse; chown -h 65534:65534 " + x + "/att " + x + "/att/d " + x + "/att/s").check();
      List<String> hostMountsBefore = mountsUnder(ns.mountinfo(), x + "/host");
      assertEquals(2, hostMountsBefore.size(), String.join("\n", hostMountsBefore));
      // A reservoir of the dead mount in the test's own (host) namespace, which no pass heals: before each pass the
      // attacker's binds are made stale again from it, so that every pass races the swap loop.
      Path reservoir = base.resolve("reservoir");
      Files.createFile(reservoir);
      Shell.run(List.of("mount", "--bind", mountPoint + "/proc/meminfo", reservoir.toString())).check();
      first.kill();

      try (RunningDaemon second = RunningDaemon.start(mountPoint, "--state-dir", state.toString(), "--heal",
          "false")) {
        Process swapper = new ProcessBuilder("nsenter", "-t", Long.toString(ns.pid()), "-m", "--", "setpriv",
            "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
            "import ctypes\n"
                + "libc = ctypes.CDLL(None, use_errno=True)\n"
                + "a, b = b'" + x + "/att/d', b'" + x + "/att/s'\n"
                + "if libc.renameat2(-100, a, -100, b, 2) != 0:\n"
                + "    raise OSError(ctypes.get_errno(), 'renameat2')\n"
                + "while True:\n"
                + "    libc.renameat2(-100, a, -100, b, 2)\n").redirectErrorStream(true).start();
        List<String> outputs = new ArrayList<>();
        try {
          RunningDaemon.sleep(300);
          for (int i = 0; i < PASSES; i++) {
            if (i > 0) {
              restale(reservoir, ns.pid(), x + "/att/d");
            }
            Shell.Result r = remount(mountPoint, state);
            assertTrue(r.exit() == 0 || r.exit() == 1, r.out() + r.err());
            outputs.add(r.out() + r.err());
          }
          if (!swapper.isAlive()) {
            throw new AssertionError("the swap loop stopped: " + new String(swapper.getInputStream().readAllBytes()));
          }
        } finally {
          swapper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String all = String.join("\n", outputs);
        Shell.Result own = Shell.run(List.of("stat", "-f", reservoir.toString()));
        assertTrue(own.err().contains("not connected"), "the daemon's own namespace is never healed: " + own.err());
        System.out.println("HostileHealIT: pass 1 of " + PASSES + ":\n" + outputs.get(0));

        // Nothing outside the attacker's tree changed: the same mounts, with the same IDs, the same content.
        String after = ns.mountinfo();
        assertEquals(hostMountsBefore, mountsUnder(after, x + "/host"), "the stand-ins for the host's mounts");
        assertEquals("marker", ns.sh("cat " + x + "/host/v/marker").check().out().trim());
        assertEquals("original", ns.sh("cat " + x + "/host/m").check().out().trim());
        assertFalse(all.contains("\u001b"), "escape sequences from mount paths are escaped:\n" + all);
        assertTrue(all.contains("\\x1b[31mx"), all);
        assertTrue(all.contains("which no jlxcfs daemon of " + mountPoint + " recorded (forged, or another "
            + "daemon's): left alone"), "the forged mount is reported as skipped:\n" + outputs.get(0));
        assertTrue(mountsUnder(after, x + "/att").stream().anyMatch(l -> l.endsWith("/att/d/v fuse.jlxcfs jlxcfs:"
            + mountPoint + " rw,user_id=0,group_id=0") || l.contains("/att/s/v fuse.jlxcfs")),
            "the forged mount is still there, untouched:\n" + after);

        // Put the directory back and heal once more: every genuine stale bind of the attacker's is healed now.
        ns.sh("[ -L " + x + "/att/d ] && python3 -c \"import ctypes; ctypes.CDLL(None).renameat2(-100, b'" + x
            + "/att/d', -100, b'" + x + "/att/s', 2)\"; true").check();
        Shell.Result last = remount(mountPoint, state);
        String devices = ns.sh("for f in " + x + "/att/d/*; do [ -f \"$f\" ] && head -c 9 \"$f\" && echo; done")
            .out();
        assertEquals(22, devices.split("\n").length, devices + "\n" + last.out());
        assertTrue(devices.lines().allMatch(l -> l.equals("MemTotal:")), "every bind reads again:\n" + devices
            + "\n" + last.out());
        assertEquals(hostMountsBefore, mountsUnder(ns.mountinfo(), x + "/host"));
        int healed = 0;
        int raced = 0;
        for (String o : outputs) {
          healed += (int) o.lines().filter(l -> l.startsWith("healed: ")).count();
          raced += (int) o.lines().filter(l -> l.contains("does not resolve without symlinks")
              || l.contains("(covered or moved meanwhile)")).count();
        }
        // Both outcomes of the race happened (how often each depends on the machine's timing): binds healed while
        // the directory stood, and binds left alone because the path had changed under the pass.
        assertTrue(healed > 0 && raced > 0, "healed " + healed + ", left alone " + raced);
        System.out.println("HostileHealIT: over " + PASSES + " passes with the swap loop running: " + healed
            + " binds healed, " + raced + " left alone because the path had changed under the pass; then: "
            + last.out().lines().reduce((a, b) -> b).orElse(""));
      }
    } finally {
      Shell.run(List.of("umount", "-l", base.resolve("reservoir").toString()));
      Shell.run(List.of("rm", "-rf", base.toString()));
    }
  }

  /**
   * Mounts a fresh copy of the dead mount at {@code reservoir} on each file of {@code dir} in the namespace of
   * {@code pid}, through a descriptor of the directory taken while it is one (the swap loop keeps turning its name
   * into a symlink): as a container whose binds went stale again.
   */
  private static void restale(Path reservoir, long pid, String dir) {
    String script = String.join("\n",
        "import ctypes, os, sys",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "libc.syscall.restype = ctypes.c_long",
        "names = ['m', 'e\\x1b[31mx'] + [str(i) for i in range(1, 21)]",
        "fds = []",
        "for n in names:",
        "    fd = libc.syscall(428, -100, b'" + reservoir + "', 1 | 0o2000000)",
        "    assert fd >= 0, os.strerror(ctypes.get_errno())",
        "    fds.append(fd)",
        "assert libc.setns(os.open('/proc/" + pid + "/ns/mnt', os.O_RDONLY), 0x20000) == 0",
        "while True:",
        "    try:",
        "        d = os.open(b'" + dir + "', os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)",
        "        break",
        "    except OSError:",
        "        pass",
        "for fd, n in zip(fds, names):",
        "    assert libc.syscall(429, fd, b'', d, n.encode(), 4) == 0, os.strerror(ctypes.get_errno())");
    Shell.run(List.of("/usr/bin/python3", "-c", script), Map.of(), 30).check();
  }

  @Test
  void aNamespaceOfOneHundredThousandMountsNeitherStopsNorStarvesTheDaemon() throws Exception {
    Path base = Files.createTempDirectory("jlxcfs-flood");
    Path mountPoint = base.resolve("mnt");
    Path state = base.resolve("state");
    Path play = Files.createDirectory(base.resolve("play"));
    Shell.run(List.of("chmod", "755", base.toString())).check();
    Shell.run(List.of("chown", "65534:65534", play.toString())).check();
    try (RunningDaemon first = RunningDaemon.start(mountPoint, "--state-dir", state.toString())) {
      // As nobody, in a user and mount namespace of its own: one bind of our file (a stale one after the kill), then
      // as many mounts as the kernel allows (fs.mount-max, 100,000), by recursive binds that double the tree.
      String script = String.join("\n",
          "import ctypes, os, sys, time",
          "libc = ctypes.CDLL(None, use_errno=True)",
          "MS_BIND, MS_REC = 4096, 16384",
          "p = b'" + play + "'",
          "open(p + b'/f', 'w').close()",
          "assert libc.mount(b'" + mountPoint + "/proc/meminfo', p + b'/f', None, MS_BIND, None) == 0",
          "t = p + b'/t'",
          "os.mkdir(t)",
          "assert libc.mount(b'none', t, b'tmpfs', 0, None) == 0",
          "for i in range(40):",
          "    os.mkdir(t + b'/%d' % i)",
          "n = 0",
          "for i in range(20):",
          "    if libc.mount(t, t + b'/%d' % i, None, MS_BIND | MS_REC, None) != 0:",
          "        n = i",
          "        break",
          "for j in range(n - 1, -1, -1):",
          "    libc.mount(t + b'/%d' % j, t + b'/%d' % (20 + j), None, MS_BIND | MS_REC, None)",
          "print(sum(1 for _ in open('/proc/self/mountinfo')), flush=True)",
          "time.sleep(3600)");
      Process flood = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare",
          "-U", "-r", "-m", "--propagation", "private", "/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
      try (TestCgroup cg = new TestCgroup()) {
        String lines = new java.io.BufferedReader(new java.io.InputStreamReader(flood.getInputStream())).readLine();
        assertTrue(lines != null && Integer.parseInt(lines.trim()) > 90_000, "the flood made its mounts: " + lines);
        first.kill();
        cg.limitMemory("", 256L << 20);
        Path memory = cg.dir("memory", "");
        // A reader in a limited cgroup reads through the whole start and heal pass of the next daemon.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (RunningDaemon second = RunningDaemon.start(mountPoint, "--state-dir", state.toString())) {
          Thread reader = new Thread(() -> {
            while (!stop.get()) {
              Shell.Result r = cg.run("head -1 " + mountPoint + "/proc/meminfo", memory);
              reads.incrementAndGet();
              if (r.exit() != 0 || !r.out().startsWith("MemTotal:") || !r.out().contains(" 262144 kB")) {
                failures.add(r.out() + r.err());
              }
            }
          });
          reader.start();
          String log;
          try {
            log = second.awaitLog("containers' dead mounts: ");
            Shell.Result again = remount(mountPoint, state);
            assertTrue(again.out().contains("the mount table has more than 20000 lines: not read further"),
                again.out() + again.err());
            System.out.println("HostileHealIT: remount with " + lines.trim() + " mounts in one namespace:\n"
                + again.out());
          } finally {
            stop.set(true);
            reader.join(30_000);
          }
          assertTrue(log.contains("the mount table has more than 20000 lines: not read further"), log);
          assertTrue(second.process().isAlive(), "the daemon lives on:\n" + log);
          assertEquals(List.of(), failures, reads.get() + " reads");
          assertTrue(reads.get() > 0);
          long rssKb = rssKb(second.process().pid());
          assertTrue(rssKb < 150_000, "RSS " + rssKb + " kB");
          System.out.println("HostileHealIT: " + reads.get() + " meminfo reads during the start and heal pass, 0 "
              + "failed; daemon RSS " + rssKb / 1024 + " MB; " + String.join("\n", log.lines().filter(l ->
              l.contains("heal")).toList()));
        }
      } finally {
        flood.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } finally {
      Shell.run(List.of("rm", "-rf", base.toString()));
    }
  }

  /**
   * A tenant's FUSE server (root in a container given /dev/fuse) that serves {@code /d/meminfo} until told to go
   * silent, then reads every request and answers none: a lookup through it then waits for good, uninterruptibly.
   */
  private static final String SILENT_FUSE = """
      # A tenant's FUSE server (root in a container with /dev/fuse): serves /d/meminfo until the file named by argv[2]
      # exists, then reads every request and answers none, so that a lookup through it waits for good.
      import ctypes, os, struct, sys
      target, silent = sys.argv[1], sys.argv[2]
      fd = os.open('/dev/fuse', os.O_RDWR)
      libc = ctypes.CDLL(None, use_errno=True)
      opts = ('fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other' % fd).encode()
      if libc.mount(b'evil', target.encode(), b'fuse.evil', 0, opts) != 0:
          raise OSError(ctypes.get_errno(), 'mount')
      print('mounted', flush=True)
      def attr(ino, mode):
          # fuse_attr: ino size blocks atime mtime ctime (u64) atimensec mtimensec ctimensec mode nlink uid gid rdev blksize flags (u32)
          return struct.pack('<6Q10I', ino, 0, 0, 0, 0, 0, 0, 0, 0, mode, 1, 0, 0, 0, 4096, 0)
      def reply(unique, body=b'', error=0):
          os.write(fd, struct.pack('<IiQ', 16 + len(body), error, unique) + body)
      NODES = {b'd': (2, 0o40755), b'meminfo': (3, 0o100444)}
      while True:
          buf = os.read(fd, 1 << 17)
          length, opcode, unique, nodeid = struct.unpack('<IIQQ', buf[:24])
          if opcode == 26:  # INIT
              major, minor, readahead = struct.unpack('<III', buf[40:52])
              reply(unique, struct.pack('<IIIIHHIIHHI7I', 7, 31, readahead, 0, 16, 12, 4096, 1, 0, 0, 0, *[0] * 7))
          elif os.path.exists(silent):
              continue  # read, never answered
          elif opcode == 1:  # LOOKUP
              name = buf[40:].split(b'\\0')[0]
              if name in NODES:
                  ino, mode = NODES[name]
                  reply(unique, struct.pack('<4Q2I', ino, 0, 0, 0, 0, 0) + attr(ino, mode))
              else:
                  reply(unique, error=-2)
          elif opcode == 3:  # GETATTR
              mode = 0o40755 if nodeid in (1, 2) else 0o100444
              reply(unique, struct.pack('<QII', 0, 0, 0) + attr(nodeid, mode))
          elif opcode == 17:  # STATFS (overlayfs asks it of its layers when mounted)
              reply(unique, struct.pack('<5Q4I6I', 1000, 1000, 1000, 100, 100, 4096, 255, 4096, 0, *[0] * 6))
          elif opcode in (2, 42):  # FORGET, BATCH_FORGET: no reply
              continue
          else:
              reply(unique, error=-38)
      """;

  @Test
  void aTenantsFuseServerThatNeverAnswersHoldsNeitherThePassNorTheDaemon() throws Exception {
    Path base = Files.createTempDirectory("jlxcfs-silent");
    Path mountPoint = base.resolve("mnt");
    Path state = base.resolve("state");
    Path server = base.resolve("silentfuse.py");
    Files.writeString(server, SILENT_FUSE);
    String evil = base.resolve("evil").toString();
    Path silent = base.resolve("silent");
    Process fuse = null;
    try (RunningDaemon first = RunningDaemon.start(mountPoint, "--state-dir", state.toString());
         Namespace tenant = new Namespace(List.of("unshare", "-m", "--propagation", "private", "--"));
         Namespace victim = new Namespace(List.of("unshare", "-m", "--propagation", "private", "--"))) {
      Files.createDirectories(Path.of(evil));
      fuse = new ProcessBuilder("nsenter", "-t", Long.toString(tenant.pid()), "-m", "--", "/usr/bin/python3",
          server.toString(), evil, silent.toString()).redirectErrorStream(true).start();
      String ready = new java.io.BufferedReader(new java.io.InputStreamReader(fuse.getInputStream())).readLine();
      assertEquals("mounted", ready);
      // The tenant binds our file inside its own FUSE filesystem, and again inside an overlay whose lower layer is
      // that FUSE filesystem (an overlay's lookups revalidate its layers' dentries: they reach the server too); the
      // victim, a plain container, on a file.
      tenant.sh("mount --bind " + mountPoint + "/proc/meminfo " + evil + "/d/meminfo").check();
      String ovl = base.resolve("ovl").toString();
      tenant.sh("set -e; mkdir -p " + ovl + " " + base + "/ovl-rw; mount -t tmpfs rw " + base + "/ovl-rw; mkdir "
          + base + "/ovl-rw/u " + base + "/ovl-rw/w; mount -t overlay overlay -o lowerdir=" + evil + ",upperdir="
          + base + "/ovl-rw/u,workdir=" + base + "/ovl-rw/w " + ovl + "; mount --bind " + mountPoint
          + "/proc/meminfo " + ovl + "/d/meminfo").check();
      Path plain = Files.createFile(base.resolve("plain"));
      victim.sh("mount --bind " + mountPoint + "/proc/meminfo " + plain).check();
      first.kill();
      Files.createFile(silent); // from now on the tenant's server answers nothing

      try (RunningDaemon second = RunningDaemon.start(mountPoint, "--state-dir", state.toString())) {
        String log = second.awaitLog("containers' dead mounts: ");
        assertTrue(log.contains(evil + "/d/meminfo: its path crosses a FUSE or network filesystem of the "
            + "container's own: not looked up, left alone"), log);
        assertTrue(log.contains(ovl + "/d/meminfo: its path is not in the kernel's cache below a stacked "
            + "filesystem"), log);
        assertFalse(log.contains("healing took over"), "no thread of the pass got stuck:\n" + log);
        assertEquals("MemTotal:", victim.sh("head -c 9 " + plain).check().out(), "the victim is healed:\n" + log);
        long start = System.nanoTime();
        assertEquals(0, second.terminate(), "the daemon stops as ever");
        System.out.println("HostileHealIT: a FUSE server that never answers: " + log.lines()
            .filter(l -> l.contains("dead mounts:")).findFirst().orElse("") + "; SIGTERM to exit "
            + (System.nanoTime() - start) / 1_000_000 + " ms");
      }
    } finally {
      if (fuse != null) {
        fuse.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      Shell.run(List.of("rm", "-rf", base.toString()));
    }
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
