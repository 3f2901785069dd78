package dev.jlxcfs.daemon;

import dev.jlxcfs.cgroup.CgroupMounts;
import dev.jlxcfs.config.Config;
import dev.jlxcfs.files.CarriedState;
import dev.jlxcfs.files.VirtualFile;
import dev.jlxcfs.fs.FileTree;
import dev.jlxcfs.fs.FuseLoop;
import dev.jlxcfs.fs.JlxcFs;
import dev.jlxcfs.heal.HealPass;
import dev.jlxcfs.heal.Healer;
import dev.jlxcfs.heal.MountLedger;
import dev.jlxcfs.util.Native;
import dev.jlxcfs.util.SystemdNotify;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's life: start the mount (after the {@link Preflight} checks), serve it until a signal or an unmount from
 * outside, stop. The pieces it runs have classes of their own: the checks ({@link Preflight}), the tree it serves
 * ({@link ServedTree}), the mount point ({@link MountPoint}), the private source trees ({@link SourceTrees}), the
 * warm-up ({@link WarmUp}), the stop on SIGTERM/SIGINT ({@link StopSignals}), the record and the heal of containers'
 * binds ({@link MountLedger}, {@link HealPass}).
 */
public final class Daemon {

  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final Config config;
  private final List<VirtualFile> extraFiles;
  private final String mainClass;

  /**
   * @param extraFiles files beyond the product's (the benchmark's constant "floor" file, served through the same path)
   * @param mainClass  the entry point whose {@code remount} command the heal pass at start runs
   */
  public Daemon(Config config, List<VirtualFile> extraFiles, String mainClass) {
    this.config = config;
    this.extraFiles = List.copyOf(extraFiles);
    this.mainClass = mainClass;
  }

  public int run() throws StartupException {
    new Preflight(config).start(Daemon::said);
    Path mountPoint = MountPoint.canonical(config.mountPoint());
    Path mountinfo = config.procRoot().resolve("self/mountinfo");
    CgroupMounts mounts;
    try {
      mounts = CgroupMounts.load(mountinfo);
    } catch (IOException e) {
      throw new StartupException(Preflight.unreadableMountTable(mountinfo, e));
    }
    SourceTrees sources = new SourceTrees();
    Path procRoot = sources.copy(config.procRoot());
    Path sysRoot = sources.copy(config.sysRoot());
    CgroupMounts privateMounts = sources.copy(mounts);
    List<Path> roots = new ArrayList<>(List.of(config.procRoot(), config.sysRoot()));
    mounts.hierarchies().forEach(h -> roots.add(h.mountPoint()));
    sources.refuseFuseOverSourcesReadInPlace(mountinfo, roots);
    Housekeeping housekeeping = new Housekeeping();
    CarriedState carried = new CarriedState(privateMounts);
    JlxcFs fs = loadFuse(ServedTree.build(config, procRoot, sysRoot, privateMounts, extraFiles, housekeeping,
        carried));
    boolean live = new MountPoint(mountPoint, mountinfo).prepare(config.takeover());
    MountLedger.mountControlFilesystem(mountinfo);
    try (Takeover takeover = live ? Takeover.begin(config.procRoot(), config.stateDir(), mountPoint) : null) {
      return serve(fs, mountPoint, housekeeping, carried, takeover);
    }
  }

  private int serve(JlxcFs fs, Path mountPoint, Housekeeping housekeeping, CarriedState carried, Takeover takeover)
      throws StartupException {
    long t0 = System.nanoTime();
    FuseLoop loop;
    try {
      loop = FuseLoop.mount(fs, takeover == null ? mountPoint : takeover.staging(), mountOptions(mountPoint),
          config.fuseDebug(), config.fuseThreads(), config.requestTimeout());
    } catch (FuseLoop.MountException e) {
      throw new StartupException("mounting " + mountPoint + " failed (run with --fuse-debug for libfuse's "
          + "messages)");
    }
    if (takeover != null) {
      // Before any sample and any read: what the old daemon's readers saw carries on here.
      byte[] state = takeover.state();
      if (state != null) {
        CarriedState.Restored r = carried.restore(state);
        LOG.info("takeover: carried on {} load averages and {} CPU views ({} bytes{})", r.loads(), r.views(),
            state.length, r.skipped() > 0 ? ", " + r.skipped() + " lines skipped" : "");
      }
      WarmUp.run(fs);
      takeover.switchOver();
      loop.leaveMountPoint(); // its staging directory: the stop unmounts the mount point, by device
      Takeover.pauseIfAsked("switched");
    }
    OwnMount own;
    try {
      own = OwnMount.at(mountPoint);
    } catch (Native.SyscallException e) {
      loop.close();
      throw new StartupException("cannot open the mount at " + mountPoint + ": " + e.getMessage());
    }
    HealPass heal = config.heal() ? new HealPass(config, mountPoint, mainClass, LOG) : null;
    Handover[] handover = {null};
    StopSignals signals = StopSignals.install(mountPoint, own, loop, () -> {
      notifySystemd("STOPPING=1");
      if (heal != null) {
        heal.stop();
      }
      if (handover[0] != null) {
        handover[0].close();
      }
    });
    // Before the heal pass, and before a successor may re-point anything: the next daemon takes binds of this device.
    MountLedger.recordLive(config.procRoot(), config.stateDir(), mountPoint);
    housekeeping.start();
    if (takeover == null) {
      WarmUp.run(fs);
    }
    if (takeover != null) {
      // Containers' binds of the old mount, re-pointed here (beneath, then off), before the old daemon is told.
      // Part of the takeover whatever --heal says: binds left on the old mount would die when it exits.
      int left = (heal != null ? heal : new HealPass(config, mountPoint, mainClass, LOG)).runNow();
      Takeover.pauseIfAsked("healed");
      takeover.finish(left == 0 ? 0 : Math.max(1, left));
      takeover.close();
      LOG.info("takeover from process {} done in {} ms{}", takeover.oldPid(), (System.nanoTime() - t0) / 1_000_000,
          left == 0 ? "" : left < 0 ? ": the heal pass gave no summary, so the old daemon serves on what it still has"
              : ": " + left + " binds could not be moved, and the old daemon serves them on");
    }
    handover[0] = new Handover(config.stateDir(), mountPoint, own, loop, config.handoverDrain(),
        Handover.parts(heal == null ? null : new Handover.HealPassHolder() {
          @Override
          public void stop() {
            heal.stopAndWait();
          }

          @Override
          public void again() {
            heal.start();
          }
        }, carried, fs), Daemon.class.getPackage().getImplementationVersion() == null ? "dev"
            : Daemon.class.getPackage().getImplementationVersion());
    handover[0].listen();
    LOG.info("serving proc/meminfo, proc/uptime, proc/cpuinfo, proc/stat, proc/loadavg, proc/swaps, proc/diskstats, "
        + "proc/pressure, sys/devices/system/cpu at {} with {} FUSE workers ({})", mountPoint, loop.workerCount(),
        config);
    // MAINPID: a successor started by the unit's reload (not its main process) becomes the unit's main process.
    notifySystemd("MAINPID=" + ProcessHandle.current().pid() + "\nREADY=1\nSTATUS=serving " + mountPoint);
    if (heal != null && takeover == null) {
      // After serving has started: whatever tenants' mount tables and filesystems do, the mount serves.
      heal.start();
    }

    try {
      loop.awaitUnmounted();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (signals.requested()) {
      // The signal's shutdown thread unmounts, says so and exits the process.
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (handover[0].handedOver()) {
      LOG.info("handed over {}: nothing is served here any more, exiting", mountPoint);
    } else {
      LOG.info("{} was unmounted from outside: exiting", mountPoint);
    }
    housekeeping.close();
    handover[0].close();
    loop.close();
    if (!handover[0].handedOver()) {
      LOG.info("unmounted {}", mountPoint);
    }
    return 0;
  }

  /** A preflight item the start passed: a warning said once; the cgroup layout at info; the rest at debug. */
  private static void said(Preflight.Item item) {
    if (item.verdict() == Preflight.Verdict.WARN) {
      LOG.warn("{}", item.line());
    } else if (item.name().equals(Preflight.CGROUPS)) {
      LOG.info("{}", item.line());
    } else {
      LOG.debug("{}", item.line());
    }
  }

  /**
   * Tells systemd (a unit of {@code Type=notify}, packaging/jlxcfs.service) how the daemon is doing: {@code READY=1}
   * once the mount serves, so that {@code systemctl start} returns, and units ordered after this one start, only
   * then. Without {@code NOTIFY_SOCKET} (not started by such a unit) nothing is sent; a failed send is said once (the
   * unit's start then times out, and the line tells why).
   */
  private static void notifySystemd(String state) {
    try {
      SystemdNotify.send(state);
    } catch (Native.SyscallException | RuntimeException e) {
      LOG.warn("cannot notify systemd ({}): {}", state.replace('\n', ' '), e.getMessage());
    }
  }

  static String mountOptions(Path mountPoint) {
    // ro: the kernel refuses writes before they reach us. direct_io: never serve from the page cache (content
    // depends on the caller). allow_other: containers' processes are other users. The tree is static, so its
    // entries and attributes may be cached. fsname: names the mount point in every container's bind of our files,
    // so that a restarted daemon finds the binds its predecessor left (Healer). libfuse splits options at commas.
    String fsName = Healer.fsName(mountPoint).replace("\\", "\\\\").replace(",", "\\,");
    return "ro,allow_other,default_permissions,direct_io,fsname=" + fsName + ",subtype=jlxcfs,"
        + "attr_timeout=60,entry_timeout=60,negative_timeout=60";
  }

  private JlxcFs loadFuse(FileTree tree) throws StartupException {
    try {
      return new JlxcFs(tree, config.maxHandlesPerCgroup(), config.maxHandles());
    } catch (LinkageError | RuntimeException t) {
      throw new StartupException("libfuse2: " + Preflight.libfuseMissing(t));
    }
  }
}
