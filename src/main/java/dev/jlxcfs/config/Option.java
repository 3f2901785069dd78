package dev.jlxcfs.config;

/**
 * Every setting jlxcfs has: the one list that the command line, the config file, {@code --help}, conf/jlxcfs.conf
 * and the README's table are checked against (OptionDocsTest).
 */
public enum Option {
  MOUNTPOINT("mountpoint", "PATH", "/var/lib/jlxcfs",
      "Where to mount the filesystem (also the first argument); created if missing."),
  LOG_LEVEL("log-level", "LEVEL", "info",
      "error, warn, info, debug or trace. Logs go to stderr."),
  CACHE_TTL("cache-ttl", "DURATION", "1s",
      "Longest a cgroup limit or a pid's cgroup membership is served from cache (e.g. 500ms, 1s; 0 = no cache; "
          + "at most 60s). Usage figures are always read fresh."),
  SWAP("swap", "BOOL", "true",
      "Show the cgroup's swap in meminfo; false shows SwapTotal 0 (like lxcfs -u)."),
  CPU_QUOTA("cpu-quota", "BOOL", "true",
      "Reduce the visible CPU count to ceil(CFS quota) when a quota is set; false counts the cpuset only."),
  PROC_ROOT("proc-root", "PATH", "/proc",
      "The procfs to read (tests point it at fixture trees)."),
  SYS_ROOT("sys-root", "PATH", "/sys",
      "The sysfs to read the host's CPU files from (tests point it at fixture trees)."),
  FUSE_THREADS("fuse-threads", "N", "0",
      "Threads serving FUSE requests; 0 = one per CPU the daemon may run on (at most 8), each pinned to its CPU."),
  REQUEST_TIMEOUT("request-timeout", "DURATION", "1s",
      "Longest one FUSE request may take (a source file that blocks): then the reader gets EIO and a new thread "
          + "serves in the stuck one's place (at most 64 in all). 100ms to 60s."),
  MAX_HANDLES_PER_CGROUP("max-handles-per-cgroup", "N", "1024",
      "Open handles the processes of one cgroup may hold on the mount; past it an open gets EMFILE (1 to 1048576)."),
  MAX_HANDLES("max-handles", "N", "32768",
      "Open handles all callers may hold on the mount together; past it an open gets ENFILE (1 to 1048576)."),
  HEAL("heal", "BOOL", "true",
      "At start, re-attach the files in running containers that still hold binds of a dead mount of this mount point "
          + "(a crash or restart), as 'jlxcfs remount' does."),
  STATE_DIR("state-dir", "PATH", "/run/jlxcfs",
      "Root-only directory where the daemon records the FUSE devices it mounted: a restarted daemon heals only binds "
          + "of those (created 0700; not used if anyone but root can write it)."),
  TAKEOVER("takeover", "BOOL", "true",
      "A start where a live jlxcfs daemon serves the mount point takes over from it: its mount, every container's "
          + "binds and its load averages, without a failed read; false refuses to start there."),
  HANDOVER_DRAIN("handover-drain", "DURATION", "60s",
      "After handing over, how long a daemon keeps answering files still open on its mount (a program that keeps "
          + "/proc/stat open) before it exits; 0s to 1h."),
  FUSE_DEBUG("fuse-debug", "BOOL", "false",
      "Print libfuse's request trace on stderr.");

  /**
   * The most {@code --fuse-threads} takes: half of the FUSE loop's thread cap (which is twice this), so that every
   * worker stuck in a request can still be replaced.
   */
  public static final int MAX_FUSE_THREADS = 32;

  private final String key;
  private final String metavar;
  private final String defaultValue;
  private final String help;

  Option(String key, String metavar, String defaultValue, String help) {
    this.key = key;
    this.metavar = metavar;
    this.defaultValue = defaultValue;
    this.help = help;
  }

  /** The name in the config file; on the command line it is {@code --key}. */
  public String key() {
    return key;
  }

  public String metavar() {
    return metavar;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String help() {
    return help;
  }

  public boolean isBoolean() {
    return metavar.equals("BOOL");
  }

  public static Option byKey(String key) {
    for (Option o : values()) {
      if (o.key.equals(key)) {
        return o;
      }
    }
    return null;
  }
}
