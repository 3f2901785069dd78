// readbench: open, read to EOF, close a file in a loop, as `cat` would, and report reads/s and latency
// percentiles. Used by e2e-read-bench.sh to compare raw /proc, lxcfs and jlxcfs in one run.
//   readbench FILE SECONDS
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: readbench FILE SECONDS\n");
    return 2;
  }
  const char *file = argv[1];
  double seconds = atof(argv[2]);
  size_t cap = 1 << 20, n = 0, failures = 0;
  double *lat = malloc(cap * sizeof(double));
  static char buf[1 << 16];
  double start = now(), end = start + seconds;
  for (;;) {
    double t0 = now();
    if (t0 >= end) break;
    int fd = open(file, O_RDONLY);
    if (fd < 0) {
      failures++;
      continue;
    }
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
    }
    if (r < 0) failures++;
    close(fd);
    if (n < cap) lat[n] = now() - t0;
    n++;
  }
  double elapsed = now() - start;
  size_t m = n < cap ? n : cap;
  qsort(lat, m, sizeof(double), cmp);
  printf("%.0f reads/s  p50 %.0f us  p99 %.0f us  failures %zu\n", n / elapsed, m ? lat[m / 2] * 1e6 : 0,
         m ? lat[(size_t)(m * 0.99)] * 1e6 : 0, failures);
  return failures ? 1 : 0;
}
