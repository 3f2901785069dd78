package dev.jlxcfs.heal;

import dev.jlxcfs.heal.MountTableScan.Mount;
import dev.jlxcfs.util.MountCalls;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.Native.SyscallException;
import dev.jlxcfs.util.Texts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Heals the containers a restart of the daemon broke. A container that bound the daemon's files keeps binds of the
 * dead mount after the daemon ends ("Transport endpoint is not connected"); nothing in the container can fix them.
 * Each such bind is replaced in place by the same file of the live mount.
 *
 * <p>The pass runs as root inside mount namespaces that tenants control, so it trusts nothing it reads there:
 *
 * <ul>
 *   <li><b>Only what jlxcfs made.</b> A bind is stale only if its device is one that an earlier daemon of this
 *       mount point recorded in the root-only {@link MountLedger}; type and source name alone (forgeable by anyone
 *       who may mount FUSE) match nothing.
 *   <li><b>The namespace read is the namespace entered.</b> A process is held by a pidfd from the start; its
 *       namespace and root are opened and then checked to still be that process's. A thread of its own enters the
 *       namespace (unshare(CLONE_FS), setns, chroot to the process's root) and reads the mount list there, from its
 *       own {@code /proc/thread-self/mountinfo} through the daemon's procfs (not the tenant's).
 *   <li><b>The mount, not a path.</b> Each bind's directory is opened one name at a time below that root (openat2,
 *       no symlinks, no magic links), each directory's mount checked first to be in the table read and served by
 *       the kernel, not by a FUSE or network server of the tenant's (which may never answer); the bind is checked
 *       with statx to be the listed mount ID on the listed device, unmounted through that descriptor, and the live
 *       file attached onto the descriptor of what is then at that name; the result is checked with statx and
 *       reported as what was changed (mount IDs and devices).
 *   <li><b>Bounded.</b> Mount tables are streamed, keeping only jlxcfs lines and the mount tree, within caps of
 *       bytes, lines, namespaces and binds per namespace; each namespace gets {@link #NAMESPACE_TIMEOUT_MILLIS}, a
 *       pass {@link #PASS_BUDGET_NANOS}; after {@link #MAX_STUCK} namespaces that do not answer the pass stops.
 *       Every descriptor is closed by the thread that uses it, also after a timeout. What is cut is reported. The
 *       daemon runs the pass in a child process ({@code jlxcfs remount}), so that nothing stuck here holds it.
 *   <li>The daemon's own mount namespace and pid 1's (the host's) are never healed: nothing there binds our files
 *       but root, and it is where a local user's forgery could reach the host's mounts.
 * </ul>
 *
 * <p>Needs Linux 5.12+ (openat2 with RESOLVE_CACHED, statx's mount ID, open_tree, move_mount); on older kernels it
 * says so and changes nothing.
 */
public final class Healer {

  /** What one pass did, one line per stale bind (and per reason a namespace was left alone). */
  public record Report(List<String> healed, List<String> skipped, List<String> failed, List<String> notes,
                       java.util.concurrent.atomic.AtomicInteger notStale) {

    Report() {
      this(Collections.synchronizedList(new ArrayList<>()), Collections.synchronizedList(new ArrayList<>()),
          Collections.synchronizedList(new ArrayList<>()), Collections.synchronizedList(new ArrayList<>()),
          new java.util.concurrent.atomic.AtomicInteger());
    }

    /**
     * Binds of earlier mounts that may still be in place: every skip and failure but those about mounts that are not
     * ours (forged, or a reused device number) or namespaces that went away. A handover's old daemon serves on while
     * any is left.
     */
    public int left() {
      return skipped.size() + failed.size() - notStale.get();
    }

    public String summary() {
      return healed.size() + " healed, " + skipped.size() + " skipped, " + failed.size() + " failed, " + left()
          + " left";
    }

    /** A skip that leaves no stale bind behind. */
    void skippedNotStale(String line) {
      skipped.add(line);
      notStale.incrementAndGet();
    }
  }

  private static final int EINVAL = 22;

  /** How long one container's heal may take. */
  static final long NAMESPACE_TIMEOUT_MILLIS = 10_000;
  /** After this many namespaces that did not answer in time, the pass stops (each holds a thread for good). */
  static final int MAX_STUCK = 8;
  /** The whole pass: past it, the namespaces not yet looked at are left as they are (said in the report). */
  static final long PASS_BUDGET_NANOS = 120_000_000_000L;
  /** Mount namespaces looked at in one pass. */
  static final int MAX_NAMESPACES = 20_000;
  /**
   * Per mount table: a container's has tens of lines, a busy host's a few thousand; a tenant may make 100,000
   * (fs.mount-max) in a namespace of its own, whose binds past the cap are then not healed (said in the report).
   */
  static final long MAX_TABLE_BYTES = 8L << 20;
  static final int MAX_TABLE_LINES = 20_000;
  /** A container binds ~10 files: more stale binds than this in one namespace are not ours to serve. */
  static final int MAX_BINDS_PER_NAMESPACE = 64;

  private final Path proc;
  private final Path mountPoint;
  private final MountLedger ledger;
  private final MountTableScan scan = new MountTableScan(MAX_TABLE_BYTES, MAX_TABLE_LINES, MAX_BINDS_PER_NAMESPACE);

  /**
   * @param proc       the host's procfs, to find processes and their mount namespaces
   * @param mountPoint the live mount whose dead predecessors are replaced
   * @param ledger     the devices earlier daemons of this host recorded
   */
  Healer(Path proc, Path mountPoint, MountLedger ledger) {
    this.proc = proc;
    this.mountPoint = mountPoint;
    this.ledger = ledger;
  }

  /**
   * The pass for the live mount at {@code mountPoint}, trusting the devices recorded in {@code stateDir}.
   *
   * @throws IOException this boot's id cannot be read
   */
  public static Healer of(Path proc, Path stateDir, Path mountPoint) throws IOException {
    return new Healer(proc, mountPoint, MountLedger.of(stateDir, proc));
  }

  /**
   * The FUSE source name the daemon mounts with ("jlxcfs:" and the mount point): containers' binds keep it, which
   * tells an administrator reading a mount table where a bind came from. The heal pass goes by device, not by it.
   */
  public static String fsName(Path mountPoint) {
    return "jlxcfs:" + mountPoint;
  }

  /** The device of the live mount at {@code mountPoint} in the daemon's own mount table, or null. */
  static String liveDevice(Path proc, Path mountPoint) throws IOException {
    byte[] want = mountPoint.toString().getBytes(Texts.PATH_CHARSET);
    String device = null;
    for (Mount m : readTable(proc.resolve("self/mountinfo"), null).mounts()) {
      if (java.util.Arrays.equals(m.mountPoint(), want)) {
        device = m.device(); // the last one at the path is on top
      }
    }
    return device;
  }

  private static MountTableScan.Result readTable(Path file, Set<String> devices) throws IOException {
    try (var in = Files.newInputStream(file)) {
      // The daemon's own table (the host's, where only root mounts): read whole, the caps are a tenant's.
      return new MountTableScan(Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE).scan(buf -> {
        try {
          int n = in.read(buf);
          return n < 0 ? 0 : n;
        } catch (IOException e) {
          return -1;
        }
      }, devices, Set.of());
    }
  }

  /** Finds and replaces every stale bind of this mount point in every other mount namespace. */
  public Report heal() {
    Report report = new Report();
    String live;
    try {
      live = liveDevice(proc, mountPoint);
    } catch (IOException e) {
      report.failed().add("cannot read " + proc.resolve("self/mountinfo") + ": " + e.getMessage());
      return report;
    }
    if (live == null) {
      report.failed().add("nothing is mounted at " + mountPoint + ": start the daemon first");
      return report;
    }
    Set<String> earlier;
    try {
      int before = report.skipped().size();
      earlier = ledger.earlierDevices(mountPoint, live, report.skipped());
      report.notStale().addAndGet(report.skipped().size() - before); // devices that are not ours any more
    } catch (IOException e) {
      report.failed().add("cannot read the record of earlier mounts: " + Texts.printable(e.getMessage()));
      return report;
    }
    if (earlier.isEmpty()) {
      // No earlier daemon of this mount point in this boot (or a state directory other than theirs): no bind can be
      // told ours. Said, since a wrong --state-dir would otherwise look like nothing to do.
      report.notes().add("no earlier mount of " + mountPoint + " is recorded in this boot in " + ledger.directory()
          + ": nothing to heal");
      return report;
    }
    int procFd = -1;
    int liveFd = -1;
    try {
      procFd = Native.openPath(proc.toString());
      liveFd = Native.openPath(mountPoint.toString());
      new Pass(report, earlier, live, procFd, liveFd).run();
    } catch (SyscallException e) {
      report.failed().add("cannot open " + proc + " or " + mountPoint + ": " + e.getMessage());
    } finally {
      Native.closeFd(procFd);
      Native.closeFd(liveFd);
    }
    return report;
  }

  /** One pass over the namespaces. */
  private final class Pass {
    final Report report;
    final Set<String> earlier;
    final String live;
    /** Devices whose jlxcfs-typed mounts are no forgery: the live one (binds made since it started). */
    final Set<String> known;
    final int procFd;
    final int liveFd;
    final Set<String> excluded = new HashSet<>();
    int stuck;

    Pass(Report report, Set<String> earlier, String live, int procFd, int liveFd) {
      this.report = report;
      this.earlier = earlier;
      this.live = live;
      this.known = Set.of(live);
      this.procFd = procFd;
      this.liveFd = liveFd;
    }

    void run() {
      // Never the daemon's own namespace, nor the host's (pid 1's, and the kernel threads'): only root mounts there,
      // and it is where a forged mount could reach the host's mounts. They differ where the daemon runs in a mount
      // namespace of its own (a pod).
      Set<String> seen = new HashSet<>();
      excluded.add(readLink(proc.resolve("self/ns/mnt")));
      excluded.add(readLink(proc.resolve("1/ns/mnt")));
      long deadline = System.nanoTime() + PASS_BUDGET_NANOS;
      try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
        for (Path pidDir : pids) {
          String ns = readLink(pidDir.resolve("ns/mnt"));
          if (ns.isEmpty() || excluded.contains(ns) || seen.contains(ns)) {
            continue; // exited, the daemon's or the host's, or a namespace already done
          }
          if (seen.size() == MAX_NAMESPACES) {
            report.skipped().add("more than " + MAX_NAMESPACES + " mount namespaces: the rest were not looked at");
            return;
          }
          if (System.nanoTime() - deadline > 0) {
            report.failed().add("the pass took over " + PASS_BUDGET_NANOS / 1_000_000_000L + " s: the namespaces "
                + "after " + seen.size() + " were not looked at");
            return;
          }
          seen.add(ns);
          if (!namespace(Integer.parseInt(pidDir.getFileName().toString()), ns)) {
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        report.failed().add("cannot list " + proc + ": " + e);
      }
    }

    /** Looks at one namespace; false when the pass must stop (the kernel cannot, too many stuck). */
    boolean namespace(int pid, String ns) {
      int pidfd = Native.pidfdOpen(pid);
      if (pidfd < 0) {
        return true; // exited
      }
      try {
        // From outside first, as a filter: most namespaces hold no bind of ours, and are not entered.
        MountTableScan.Result outside = readOutside(pid);
        if (outside == null) {
          return true;
        }
        if (outside.others() > 0) {
          Mount m = outside.firstOther();
          report.skippedNotStale(who(pid, ns) + ": " + shown(m.mountPointText()) + (outside.others() > 1
              ? " and " + (outside.others() - 1) + " more" : "") + ": a jlxcfs-typed mount of device " + m.device()
              + ", which no jlxcfs daemon of " + mountPoint + " recorded (forged, or another daemon's): left alone");
        }
        if (outside.cut() != null) {
          report.skipped().add(who(pid, ns) + ": " + outside.cut() + ": not read further, binds past it are not "
              + "healed");
        }
        if (outside.mounts().isEmpty()) {
          return true;
        }
        return enter(pid, pidfd, ns, outside.mounts());
      } finally {
        Native.closeFd(pidfd);
      }
    }

    private MountTableScan.Result readOutside(int pid) {
      int fd = MountCalls.openReadOnly(procFd, pid + "/mountinfo");
      if (fd < 0) {
        return null;
      }
      try {
        return scan.scan(buf -> MountCalls.read(fd, buf), earlier, known);
      } finally {
        Native.closeFd(fd);
      }
    }

    private boolean enter(int pid, int pidfd, String ns, List<Mount> seenOutside) {
      String who = who(pid, ns);
      int nsFd = -1;
      int rootFd = -1;
      Map<String, Deque<Integer>> clones = new HashMap<>();
      boolean handedOver = false;
      try {
        nsFd = Native.openReadOnly(proc.resolve(pid + "/ns/mnt").toString());
        rootFd = Native.openPath(proc.resolve(pid + "/root").toString());
        // Opened while the process lived (its pidfd says so now): they are that process's, not a reused pid's, and
        // the namespace opened is the one listed (not one the pid moved to, or the host's).
        String opened = readLink(Path.of("/proc/self/fd/" + nsFd));
        if (!Native.pidfdAlive(pidfd) || !opened.equals(ns) || excluded.contains(opened)) {
          report.skippedNotStale(who + ": it exited or moved meanwhile");
          return true;
        }
        for (Mount m : seenOutside) {
          String root = m.rootText();
          if (!isServedPath(root)) {
            report.skipped().add(who + ": " + shown(m.mountPointText()) + ": it shows "
                + shown(root) + ", which is no file of jlxcfs");
            continue;
          }
          try {
            int clone = MountCalls.cloneTree(liveFd, MountCalls.cString(root.equals("/") ? "." : root.substring(1)));
            clones.computeIfAbsent(root, r -> new ArrayDeque<>()).add(clone);
          } catch (SyscallException e) {
            if (e.errno() == Native.ENOSYS) {
              report.failed().add("this kernel has no open_tree/move_mount (Linux 5.2+): containers keep their dead "
                  + "mounts of " + mountPoint + " until they restart");
              return false;
            }
            report.skipped().add(who + ": " + shown(m.mountPointText()) + ": " + shown(root)
                + " is not served any more (" + e.getMessage() + ")");
          }
        }
        if (clones.isEmpty()) {
          return true;
        }
        Inside work = new Inside(who, nsFd, rootFd, clones);
        Thread t = new Thread(work, "heal-" + pid);
        t.setDaemon(true);
        t.start();
        handedOver = true; // from here the thread closes the descriptors, when it ends
        t.join(NAMESPACE_TIMEOUT_MILLIS);
        if (t.isAlive()) {
          // A path lookup in the container may wait on a filesystem of its own that never answers.
          report.failed().add(who + ": healing took over " + NAMESPACE_TIMEOUT_MILLIS / 1000 + " s: left to "
              + "finish on its own");
          if (++stuck >= MAX_STUCK) {
            report.failed().add(stuck + " namespaces did not answer in time: the pass stops here");
            return false;
          }
        }
        return !work.kernelTooOld;
      } catch (SyscallException e) {
        report.skippedNotStale(who + ": " + e.getMessage() + " (exited meanwhile?)");
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        if (!handedOver) {
          Native.closeFd(nsFd);
          Native.closeFd(rootFd);
          clones.values().forEach(q -> q.forEach(Native::closeFd));
        }
      }
    }

    /** The work done inside one namespace, on a thread of its own. */
    private final class Inside implements Runnable {
      final String who;
      final int nsFd;
      final int rootFd;
      final Map<String, Deque<Integer>> clones;
      volatile boolean kernelTooOld;

      Inside(String who, int nsFd, int rootFd, Map<String, Deque<Integer>> clones) {
        this.who = who;
        this.nsFd = nsFd;
        this.rootFd = rootFd;
        this.clones = clones;
      }

      @Override
      public void run() {
        try {
          Native.enterMountNamespace(nsFd);
          MountCalls.chrootHere(rootFd);
          // The list of the namespace this thread is in, with paths as the process sees them (from its root).
          int fd = MountCalls.openReadOnly(procFd, "thread-self/mountinfo");
          if (fd < 0) {
            report.failed().add(who + ": cannot read its mount table from inside");
            return;
          }
          MountTableScan.Result inside;
          try {
            inside = scan.scan(buf -> MountCalls.read(fd, buf), earlier, known);
          } finally {
            Native.closeFd(fd);
          }
          if (inside.cut() != null) {
            report.skipped().add(who + ": " + inside.cut() + " (read inside): binds past it are not healed");
          }

          for (Mount m : inside.mounts()) {
            if (inside.tree().pathCrossesForeign(m)) {
              // Looking its path up would ask a server of the tenant's (FUSE, network), which may never answer.
              report.skipped().add(who + ": " + shown(m.mountPointText()) + ": its path crosses a FUSE or "
                  + "network filesystem of the container's own: not looked up, left alone");
              continue;
            }
            Deque<Integer> q = clones.get(m.rootText());
            Integer clone = q == null ? null : q.poll();
            if (clone == null) {
              report.skipped().add(who + ": " + shown(m.mountPointText()) + ": appeared meanwhile");
              continue;
            }
            try {
              healOne(m, clone, inside.tree());
            } finally {
              Native.closeFd(clone);
            }
          }
        } catch (SyscallException e) {
          if (e.errno() == Native.ENOSYS) {
            kernelTooOld = true;
            // ENOSYS on a recent kernel: a seccomp filter (systemd's RestrictSUIDSGID= blocks openat2 entirely).
            report.failed().add("this kernel cannot heal safely (" + e.getMessage() + "; openat2 with "
                + "RESOLVE_CACHED and statx's mount ID need Linux 5.12+, and no seccomp filter that blocks openat2, as "
                + "systemd's RestrictSUIDSGID= does): containers keep their dead mounts of " + mountPoint
                + " until they restart");
          } else {
            report.failed().add(who + ": cannot enter its mount namespace: " + e.getMessage());
          }
        } catch (Throwable t) {
          report.failed().add(who + ": " + t);
        } finally {
          Native.closeFd(nsFd);
          Native.closeFd(rootFd);
          clones.values().forEach(q -> q.forEach(Native::closeFd));
        }
      }

      /**
       * The directory {@code path} below the process's root, opened one name at a time: before each lookup the
       * directory's mount (statx, which never asks a FUSE server) must be one of the table read and served by the
       * kernel, not by a server of the tenant's. A mount made after the table was read (a FUSE mount put on a
       * directory of the path meanwhile) is refused before anything is looked up in it. -1 when refused.
       */
      private int walk(byte[] path, MountTableScan.Tree tree) throws SyscallException {
        int dir = MountCalls.openInRoot(rootFd, new byte[] {'/'}, true);
        int from = 0;
        while (true) {
          while (from < path.length && path[from] == '/') {
            from++;
          }
          if (from == path.length) {
            return dir;
          }
          int end = from;
          while (end < path.length && path[end] != '/') {
            end++;
          }
          byte[] name = java.util.Arrays.copyOfRange(path, from, end);
          int next = -1;
          try {
            if (!((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.'))) {
              next = lookup(dir, name, tree);
            }
          } finally {
            Native.closeFd(dir);
          }
          if (next < 0) {
            return -1;
          }
          dir = next;
          from = end;
        }
      }

      /**
       * {@code name} in the directory {@code dirFd}, looked up only as its mount allows (see
       * {@link MountTableScan.Tree}): not at all on a tenant's filesystem or on a mount not in the table read (-1),
       * from the dentry cache alone on a stacked one (EAGAIN where that is not enough), else as usual.
       */
      private int lookup(int dirFd, byte[] name, MountTableScan.Tree tree) throws SyscallException {
        MountCalls.Stat dir = MountCalls.stat(dirFd);
        byte kind = tree.kindOf(dir.mountId(), dir.devMajor(), dir.devMinor());
        if (kind == MountTableScan.Tree.TENANT) {
          return -1;
        }
        return MountCalls.openBeneath(dirFd, name, kind == MountTableScan.Tree.STACKED);
      }

      /** What is at {@code name} in the directory now (after the attach), looked up as {@link #lookup} allows. */
      private MountCalls.Stat statNow(int parentFd, byte[] name, MountTableScan.Tree tree) throws SyscallException {
        int fd = lookup(parentFd, name, tree);
        if (fd < 0) {
          return null;
        }
        try {
          return MountCalls.stat(fd);
        } finally {
          Native.closeFd(fd);
        }
      }

      /**
       * Replaces the bind with no moment between: the live file attached beneath it, then the bind taken off, so the
       * path shows the old file (from a live daemon, in a handover) until it shows the new one. True when done (or
       * said why not); false when the kernel cannot mount beneath it (before Linux 6.5, or a mount it refuses to
       * tuck under), and the bind is to be replaced the other way: taken off, then the live file attached.
       */
      private boolean beneath(Mount m, int clone, int targetFd, int parentFd, byte[] name, String where,
                              MountTableScan.Tree tree) throws SyscallException {
        try {
          MountCalls.attachBeneath(clone, targetFd);
        } catch (SyscallException e) {
          if (e.errno() != EINVAL) {
            throw e;
          }
          return false;
        }
        try {
          MountCalls.detach(procFd, targetFd);
        } catch (SyscallException e) {
          report.skipped().add(who + ": " + where + ": mount " + m.id() + " cannot be taken off (" + e.getMessage()
              + "; locked in a user namespace?): the live file is beneath it, and shows when it goes");
          return true;
        }
        MountCalls.Stat now = statNow(parentFd, name, tree);
        if (now == null || !now.device().equals(live)) {
          report.failed().add(who + ": " + where + ": mount " + m.id() + " is off, but the file there now is on "
              + (now == null ? "nothing looked up" : now.device()) + ", not the live " + live);
          return true;
        }
        tree.addOurs(now.mountId(), m.parent(), now.devMajor(), now.devMinor());
        report.healed().add(who + ": " + where + " (mount " + m.id() + " of " + m.device() + " replaced by mount "
            + now.mountId() + " of " + live + ")");
        return true;
      }

      /** Replaces one stale bind, acting on the mount found by its ID, never on a path looked up twice. */
      private void healOne(Mount m, int clone, MountTableScan.Tree tree) throws SyscallException {
        String where = shown(m.mountPointText());
        byte[] mp = m.mountPoint();
        int slash = lastSlash(mp);
        if (mp.length < 2 || mp[0] != '/' || slash < 0 || slash == mp.length - 1) {
          report.skipped().add(who + ": " + where + ": not a path a bind can be replaced at");
          return;
        }
        byte[] parent = slash == 0 ? new byte[] {'/'} : java.util.Arrays.copyOfRange(mp, 0, slash);
        byte[] name = java.util.Arrays.copyOfRange(mp, slash + 1, mp.length);
        int parentFd = -1;
        int targetFd = -1;
        int underFd = -1;
        try {
          try {
            parentFd = walk(parent, tree);
            targetFd = parentFd < 0 ? -1 : lookup(parentFd, name, tree);
            if (targetFd < 0) {
              report.skipped().add(who + ": " + where + ": its path crosses a mount that is not in the table read or "
                  + "that a server of the container's answers (mounted meanwhile?): not looked up, left alone");
              return;
            }
          } catch (SyscallException e) {
            if (e.errno() == Native.ENOSYS) {
              throw e;
            }
            report.skipped().add(who + ": " + where + (e.errno() == MountCalls.EAGAIN
                ? ": its path is not in the kernel's cache below a stacked filesystem (a layer of it may be the "
                + "container's own FUSE): not looked up, left alone"
                : ": its path does not resolve without symlinks (" + e.getMessage() + "): left alone"));
            return;
          }
          MountCalls.Stat found = MountCalls.stat(targetFd);
          if (found.mountId() != m.id() || !found.device().equals(m.device())) {
            report.skipped().add(who + ": " + where + ": the mount there is mount " + found.mountId() + " of "
                + found.device() + ", not the listed mount " + m.id() + " of " + m.device()
                + " (covered or moved meanwhile): left alone");
            return;
          }
          if (beneath(m, clone, targetFd, parentFd, name, where, tree)) {
            return;
          }
          try {
            MountCalls.detach(procFd, targetFd);
          } catch (SyscallException e) {
            if (e.errno() == EINVAL) {
              // The kernel keeps mounts that a less privileged user namespace got with its copy of the tree
              // (MNT_LOCKED), even from root: such a copy of ours is dead there for good, and harmless.
              report.skipped().add(who + ": " + where + ": dead mount " + m.id() + " is locked in this namespace "
                  + "(copied into a user namespace): the kernel keeps it there");
            } else {
              report.failed().add(who + ": " + where + ": taking dead mount " + m.id() + " off failed: "
                  + e.getMessage());
            }
            return;
          }
          underFd = lookup(parentFd, name, tree);
          if (underFd < 0) {
            report.failed().add(who + ": " + where + ": dead mount " + m.id() + " is off, but its directory is no "
                + "longer one to look up in: nothing attached");
            return;
          }
          MountCalls.Stat under = MountCalls.stat(underFd);
          if (under.mountId() == m.id()) {
            report.failed().add(who + ": " + where + ": mount " + m.id() + " is still there after the unmount");
            return;
          }
          if (under.isSymlink()) {
            report.failed().add(who + ": " + where + ": dead mount " + m.id() + " is off, but a symlink is there "
                + "now: nothing attached");
            return;
          }
          MountCalls.attach(clone, underFd);
          MountCalls.Stat now = statNow(parentFd, name, tree);
          if (now == null || !now.device().equals(live)) {
            report.failed().add(who + ": " + where + ": dead mount " + m.id() + " is off, but the file there now "
                + "is on " + (now == null ? "nothing looked up" : now.device()) + ", not the live " + live);
            return;
          }
          tree.addOurs(now.mountId(), m.parent(), now.devMajor(), now.devMinor());
          report.healed().add(who + ": " + where + " (dead mount " + m.id() + " of " + m.device()
              + " replaced by mount " + now.mountId() + " of " + live + ")");
        } catch (SyscallException e) {
          if (e.errno() == Native.ENOSYS) {
            throw e;
          }
          report.failed().add(who + ": " + where + ": " + e.getMessage());
        } finally {
          Native.closeFd(parentFd);
          Native.closeFd(targetFd);
          Native.closeFd(underFd);
        }
      }
    }
  }

  /**
   * Whether a bind's root (the path inside our filesystem it shows) can be a file or directory jlxcfs serves:
   * "/" or plain names below it. The live mount is asked for it afterwards; this keeps "..", "." and oddities out.
   */
  static boolean isServedPath(String root) {
    if (root.equals("/")) {
      return true;
    }
    if (!root.startsWith("/") || root.endsWith("/") || root.length() > 256) {
      return false;
    }
    for (String part : root.substring(1).split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || !part.matches("[A-Za-z0-9._-]+")) {
        return false;
      }
    }
    return true;
  }

  /**
   * A path a tenant chose, for the report: escaped, and cut to 256 characters (a mount path may be 16 KiB escaped;
   * the report must stay small whatever the tenants' tables hold).
   */
  static String shown(String path) {
    String p = Texts.printable(path);
    return p.length() <= 256 ? p : p.substring(0, 240) + "...(" + p.length() + " chars)";
  }

  private String who(int pid, String ns) {
    return "pid " + pid + " (" + Texts.printable(comm(pid)) + ", " + ns + ")";
  }

  private static int lastSlash(byte[] b) {
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] == '/') {
        return i;
      }
    }
    return -1;
  }

  private static String readLink(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return "";
    }
  }

  private String comm(int pid) {
    try {
      byte[] b = Files.readAllBytes(proc.resolve(pid + "/comm"));
      int n = Math.min(b.length, 64);
      if (n > 0 && b[n - 1] == '\n') {
        n--; // only the kernel's newline: a tenant's leading or trailing controls are shown (escaped)
      }
      return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "?";
    }
  }

  private static boolean isPid(String name) {
    if (name.isEmpty() || name.length() > 10) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) < '0' || name.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
