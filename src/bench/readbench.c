// readbench: reads a file the way its users do and reports reads/s and latency percentiles.
//   readbench FILE SECONDS          open, read to EOF, close, in a loop, in this process (a long-lived reader)
//   readbench -exec FILE SECONDS    run `cat FILE` (a new process each time, as scripts and health checks do)
//   readbench -fork FILE SECONDS    a new process each time that reads the file once: the latency reported is
//                                   that one read's (open to close) in the new process, without the fork
//   readbench -count N FILE...      N reads in this process, round-robin over the FILEs (a short-lived reader;
//                                   -count 1 FILE times a new process's first read)
// Used by e2e-read-bench.sh to compare raw /proc, the floor file, lxcfs and jlxcfs in one run. Exit status 1 if
// any read failed.
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int read_once(const char *file) {
  static char buf[1 << 16];
  int fd = open(file, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t r;
  size_t total = 0;
  while ((r = read(fd, buf, sizeof buf)) > 0) total += r;
  close(fd);
  return r < 0 || total == 0 ? -1 : 0;
}

static int cat_once(const char *file, posix_spawn_file_actions_t *fa) {
  pid_t pid;
  char *argv[] = {"cat", (char *)file, NULL};
  if (posix_spawn(&pid, "/bin/cat", fa, NULL, argv, environ) != 0) return -1;
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A child reads once and leaves its latency (or -1) in *slot. */
static int fork_once(const char *file, volatile double *slot) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    double t0 = now();
    int r = read_once(file);
    *slot = r == 0 ? now() - t0 : -1;
    _exit(0);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return *slot >= 0 ? 0 : -1;
}

/* -count N FILE...: N reads round-robin over the files, then the same report line. */
static int count_mode(int argc, char **argv) {
  long n = atol(argv[2]);
  int files = argc - 3;
  size_t failures = 0;
  double *lat = malloc((n > 0 ? n : 1) * sizeof(double));
  double start = now();
  for (long i = 0; i < n; i++) {
    double t0 = now();
    if (read_once(argv[3 + i % files]) != 0) failures++;
    lat[i] = now() - t0;
  }
  double elapsed = now() - start;
  qsort(lat, n, sizeof(double), cmp);
  printf("%.0f reads/s  p50 %.0f us  p99 %.0f us  failures %zu\n", n / elapsed, n ? lat[n / 2] * 1e6 : 0,
         n ? lat[(size_t)(n * 0.99)] * 1e6 : 0, failures);
  return failures ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "-count") == 0) return count_mode(argc, argv);
  int exec_mode = argc == 4 && strcmp(argv[1], "-exec") == 0;
  int fork_mode = argc == 4 && strcmp(argv[1], "-fork") == 0;
  if (argc != 3 && !exec_mode && !fork_mode) {
    fprintf(stderr, "usage: readbench [-exec|-fork] FILE SECONDS | readbench -count N FILE...\n");
    return 2;
  }
  const char *file = argv[argc - 2];
  double seconds = atof(argv[argc - 1]);
  volatile double *slot = mmap(NULL, sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  size_t cap = 1 << 21, n = 0, failures = 0;
  double *lat = malloc(cap * sizeof(double));
  double start = now(), end = start + seconds;
  for (;;) {
    double t0 = now();
    if (t0 >= end) break;
    int r = exec_mode ? cat_once(file, &fa) : fork_mode ? fork_once(file, slot) : read_once(file);
    if (r != 0) failures++;
    if (n < cap) lat[n] = fork_mode ? *slot : now() - t0;
    n++;
  }
  double elapsed = now() - start;
  size_t m = n < cap ? n : cap;
  qsort(lat, m, sizeof(double), cmp);
  printf("%.0f reads/s  p50 %.0f us  p99 %.0f us  failures %zu\n", n / elapsed, m ? lat[m / 2] * 1e6 : 0,
         m ? lat[(size_t)(m * 0.99)] * 1e6 : 0, failures);
  return failures ? 1 : 0;
}
