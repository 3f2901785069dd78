// handover-reader: what a reader sees while the daemon is handed over (handover-bench.sh builds it statically and
// runs it in each container and on the host).
//   handover-reader OUTDIR PAUSE_US FILE...
// Reads the FILEs in turn (open, read to EOF, close, as `cat` and most programs do), sleeping PAUSE_US after each
// round, until OUTDIR/stop exists or SIGTERM/SIGINT. A read fails if open or read fails or it returns no bytes.
// Writes to OUTDIR:
//   fails    one line per failed read: UTC time, file, step (open/read/empty), error text, how long it took
//   slow     one line per read that took 50 ms or more (the first 10000): UTC time it began, file, duration
//   summary  rewritten every second and at the end: "reads N failed F longest_us L longest_file P longest_at T
//            over_10ms A over_100ms B rounds R done D" (D 1 once the reader stopped)
// Times are UTC with milliseconds, as the daemon's log lines are, so each event can be placed among them.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The wall clock as the daemon logs it: 2026-12-05T06:51:48.591Z. */
static void utc(char *out, size_t n, struct timespec ts) {
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, n, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static char outdir[4096];
static unsigned long long reads, failed, over10, over100, rounds, slow_lines;
static double longest;
static char longest_file[256], longest_at[64];

static void write_summary(int done) {
  char tmp[4200], dst[4200];
  snprintf(tmp, sizeof tmp, "%s/summary.tmp", outdir);
  snprintf(dst, sizeof dst, "%s/summary", outdir);
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, "reads %llu failed %llu longest_us %.0f longest_file %s longest_at %s over_10ms %llu over_100ms %llu "
          "rounds %llu done %d\n", reads, failed, longest * 1e6, longest_file[0] ? longest_file : "-",
          longest_at[0] ? longest_at : "-", over10, over100, rounds, done);
  fclose(f);
  rename(tmp, dst);
}

static void append(const char *name, const char *line) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", outdir, name);
  FILE *f = fopen(path, "a");
  if (!f) return;
  fputs(line, f);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: handover-reader OUTDIR PAUSE_US FILE...\n");
    return 2;
  }
  snprintf(outdir, sizeof outdir, "%s", argv[1]);
  long pause_us = atol(argv[2]);
  char stopfile[4200];
  snprintf(stopfile, sizeof stopfile, "%s/stop", outdir);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  static char buf[1 << 16];
  double next_summary = mono() + 1;
  struct stat st;
  while (!stop && stat(stopfile, &st) != 0) {
    for (int i = 3; i < argc; i++) {
      const char *file = argv[i];
      struct timespec wall;
      clock_gettime(CLOCK_REALTIME, &wall);
      double t0 = mono();
      const char *step = NULL;
      int err = 0;
      int fd = open(file, O_RDONLY);
      if (fd < 0) {
        step = "open";
        err = errno;
      } else {
        ssize_t r;
        size_t total = 0;
        while ((r = read(fd, buf, sizeof buf)) > 0) total += r;
        if (r < 0) {
          step = "read";
          err = errno;
        } else if (total == 0) {
          step = "empty";
        }
        close(fd);
      }
      double dt = mono() - t0;
      reads++;
      char at[64], line[600];
      utc(at, sizeof at, wall);
      if (step) {
        failed++;
        snprintf(line, sizeof line, "%s %s %s %s after %.0f us\n", at, file, step, err ? strerror(err) : "no bytes",
                 dt * 1e6);
        append("fails", line);
      }
      if (dt > longest) {
        longest = dt;
        snprintf(longest_file, sizeof longest_file, "%s", file);
        snprintf(longest_at, sizeof longest_at, "%s", at);
      }
      if (dt >= 0.010) over10++;
      if (dt >= 0.100) over100++;
      if (dt >= 0.050 && slow_lines < 10000) {
        slow_lines++;
        snprintf(line, sizeof line, "%s %s %.0f us\n", at, file, dt * 1e6);
        append("slow", line);
      }
    }
    rounds++;
    if (mono() >= next_summary) {
      write_summary(0);
      next_summary = mono() + 1;
    }
    if (pause_us > 0) usleep(pause_us);
  }
  write_summary(1);
  return 0;
}
