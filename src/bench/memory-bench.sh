#!/usr/bin/env bash
# Start-up and memory benchmark of the daemon as packaging/jlxcfs starts it (JLXCFS_JAVA_OPTS is honoured, to try
# other JVM flags):
#   - mount ready: from the launcher's start to the first successful stat of proc/meminfo on the mount;
#   - first read from a brand-new container: a new cgroup (memory, cpu, cpuacct, cpuset) and a new pid namespace,
#     one read of meminfo timed in that process (readbench -count 1), repeated for 50 containers;
#   - load: each million reads is made by 2000 short-lived processes spread over 200 limited cgroups (10 per cgroup,
#     each in a pid namespace of its own, 500 reads each round-robin over meminfo, cpuinfo, stat and uptime), with
#     as many processes at a time as there are CPUs; the daemon's RSS, threads and open fds are printed before the
#     load and after each million, so growth between the first and the second million shows.
#   sudo src/bench/memory-bench.sh [MILLIONS]    (default 2)
# Needs root, gcc and Maven (it builds the jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
millions=${1:-2}
cgroup_count=200
pids_per_cgroup=10
reads_per_pid=500
work=$(mktemp -d /tmp/jlxcfs-membench.XXXXXX)
mnt=$work/jl
files=("$mnt/proc/meminfo" "$mnt/proc/cpuinfo" "$mnt/proc/stat" "$mnt/proc/uptime")

# The daemon's RSS (kB), threads and open descriptors.
daemon_state() {
  echo "RSS $(bench_rss "$jl_pid") kB, threads $(awk '/^Threads/{print $2}' "/proc/$jl_pid/status"), fds $(find "/proc/$jl_pid/fd" -mindepth 1 | wc -l)"
}

bench_build "$work"
echo "jlxcfs memory benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r)"
echo "JVM flags: ${JLXCFS_JAVA_OPTS:-$(bench_java_opts)}"
start=$(date +%s%N)
bench_jlxcfs_start
jl_pid=$BENCH_JL_PID
echo "mount ready: $((($(date +%s%N) - start) / 1000000)) ms after start"
echo "idle after start: $(daemon_state)"

# First reads from brand-new containers: each a new cgroup set and a new pid namespace.
firsts=()
for i in $(seq 50); do
  dirs=$(bench_cgroup "jlxcfs-membench-new-$$-$i" $((256 << 20)) 100000)
  firsts+=("$(bench_in "$dirs" unshare --pid --fork "$work/readbench" -count 1 "$mnt/proc/meminfo" | awk '{print $4}')")
done
sorted=$(printf '%s\n' "${firsts[@]}" | sort -n)
echo "first read from a brand-new container (50 containers, in us): p50 $(sed -n 25p <<< "$sorted"), p90 $(sed -n 45p <<< "$sorted"), max $(tail -1 <<< "$sorted") (the first container after start: ${firsts[0]})"
bench_cleanup

cgs=()
for i in $(seq "$cgroup_count"); do
  cgs+=("$(bench_cgroup "jlxcfs-membench-$$-$i" $(((128 + i) << 20)) $((20000 + i * 500)))")
done

# One worker: runs the short-lived readers whose index is WORKER modulo WORKERS, one after the other; prints the
# failed reads.
worker() {
  local w=$1 workers=$2 n=$((cgroup_count * pids_per_cgroup)) k failed=0 out
  for ((k = w; k < n; k += workers)); do
    out=$(bench_in "${cgs[$((k % cgroup_count))]}" unshare --pid --fork "$work/readbench" -count "$reads_per_pid" \
      "${files[@]}") || true
    failed=$((failed + $(awk '{print $10}' <<< "$out")))
  done
  echo "$failed"
}

workers=$(nproc)
for m in $(seq "$millions"); do
  t0=$(date +%s%N)
  for w in $(seq 0 $((workers - 1))); do worker "$w" "$workers" > "$work/failed.$w" & done
  wait_pids=$(jobs -p | grep -vx "$jl_pid" || true)
  for p in $wait_pids; do wait "$p"; done
  failed=$(cat "$work"/failed.* | awk '{ s += $1 } END { print s }')
  secs=$((($(date +%s%N) - t0) / 1000000))
  reads=$((cgroup_count * pids_per_cgroup * reads_per_pid))
  echo "after million $m ($reads reads by $((cgroup_count * pids_per_cgroup)) processes in $cgroup_count cgroups, ${secs} ms, failed $failed): $(daemon_state)"
done
