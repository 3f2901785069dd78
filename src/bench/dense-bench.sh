#!/usr/bin/env bash
# Dense-node benchmark: the daemon, as packaging/jlxcfs starts it, on a node with GROUPS containers' cgroups:
#   - meminfo p50 of a long-lived reader in one group, with only that group known to the daemon, then again once
#     GROUPS groups are tracked (the ratio is the cost of many groups on a read);
#   - two passes over GROUPS cgroups (256 MiB, half a CPU each, as bench_cgroup makes them): in each group a new
#     process in a pid namespace of its own reads meminfo, stat and loadavg once each; failed reads, and the
#     daemon's RSS, threads and open descriptors after each pass (growth shows between the two);
#   - the daemon's idle CPU over 60 s afterwards, after 10 s to settle (IDLE_SECONDS, IDLE_SETTLE; user + system
#     time over wall time, % of one core);
#   - churn: for CHURN seconds, groups made, read in once by a new process, and removed as fast as CHURN_WORKERS
#     (4) loops can (the target is 50 a second), while 4 long-lived readers read meminfo in groups of their own;
#     failed reads.
#   sudo [CHURN_WORKERS=N] src/bench/dense-bench.sh [GROUPS [CHURN]]    (defaults 5000 and 10)
# Needs root, gcc and Maven (it builds the jar). Removes every cgroup it makes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
groups=${1:-5000}
churn=${2:-10}
work=$(mktemp -d /tmp/jlxcfs-densebench.XXXXXX)
mnt=$work/jl
hz=$(getconf CLK_TCK)

daemon_state() {
  echo "RSS $(bench_rss "$jl_pid") kB, threads $(awk '/^Threads/{print $2}' "/proc/$jl_pid/status"), fds $(find "/proc/$jl_pid/fd" -mindepth 1 | wc -l)"
}
# The daemon's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$jl_pid/stat"
}
# p50 of a long-lived reader of meminfo in the cgroups $1, over 2 s.
meminfo_p50() {
  bench_in "$1" "$work/readbench" "$mnt/proc/meminfo" 2 | awk '{print $4}'
}

bench_build "$work"
echo "jlxcfs dense-node benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $groups groups"
bench_jlxcfs_start
jl_pid=$BENCH_JL_PID
echo "idle after start: $(daemon_state)"
probe=$(bench_cgroup "jlxcfs-dense-probe-$$" $((256 << 20)) 50000)
alone=$(meminfo_p50 "$probe")

t0=$(date +%s)
dirs=()
for i in $(seq "$groups"); do
  dirs+=("$(bench_cgroup "jlxcfs-dense-$$-$i" $((256 << 20)) 50000)")
done
echo "$groups groups made in $(($(date +%s) - t0)) s"

# One pass: a new process per group reads meminfo, stat and loadavg once each; prints the failed reads.
pass_worker() {
  local w=$1 workers=$2 k failed=0 out
  for ((k = w; k < groups; k += workers)); do
    out=$(bench_in "${dirs[$k]}" unshare --pid --fork "$work/readbench" -count 3 "$mnt/proc/meminfo" \
      "$mnt/proc/stat" "$mnt/proc/loadavg") || true
    failed=$((failed + $(awk '{print $10}' <<< "$out")))
  done
  echo "$failed"
}
for pass in 1 2; do
  t0=$(date +%s%N)
  workers=$(nproc)
  pass_pids=()
  for w in $(seq 0 $((workers - 1))); do pass_worker "$w" "$workers" > "$work/failed.$w" & pass_pids+=($!); done
  for p in "${pass_pids[@]}"; do wait "$p"; done
  failed=$(cat "$work"/failed.* | awk '{ s += $1 } END { print s }')
  echo "pass $pass: $((groups * 3)) reads by $groups new processes in $groups groups in $((($(date +%s%N) - t0) / 1000000)) ms, failed $failed; $(daemon_state)"
done
crowded=$(meminfo_p50 "$probe")
echo "meminfo p50 of a long-lived reader: ${alone} us with one group known, ${crowded} us with $groups groups tracked"

# Idle: 10 s to settle first (the groups the readers just left are sampled in full once more at the next pass),
# then 60 s: one clock tick is 0.017% of a core over 60 s, 0.033% over 30 s.
sleep "${IDLE_SETTLE:-10}"
c0=$(cpu_ticks)
sleep "${IDLE_SECONDS:-60}"
c1=$(cpu_ticks)
echo "idle CPU over ${IDLE_SECONDS:-60} s with $groups groups: $(awk -v d=$((c1 - c0)) -v hz="$hz" -v s="${IDLE_SECONDS:-60}" 'BEGIN { printf "%.2f", 100 * d / hz / s }')% of one core; $(daemon_state)"

# Churn: 50 groups a second made, read in once, removed; 4 steady readers beside it.
steady=()
for r in 1 2 3 4; do
  sd=$(bench_cgroup "jlxcfs-dense-steady-$$-$r" $((256 << 20)) 50000)
  bench_in "$sd" "$work/readbench" "$mnt/proc/meminfo" "$churn" > "$work/steady.$r" &
  steady+=($!)
done
# CHURN_WORKERS (4) churn loops at once (one is bound by starting processes: two reached 45 groups a second here):
# each makes a group in the memory and cpu hierarchies (bench_cgroup's five are too slow to make 50 a second here),
# reads in it from a new process, removes it; the rate reached is printed.
churn_mem=$(bench_hierarchy memory)
churn_cpu=$(bench_hierarchy cpu)
churn_worker() {
  local w=$1 n=0 failed=0 dirs out end=$(($(date +%s) + churn))
  while (($(date +%s) < end)); do
    n=$((n + 1))
    dirs="$churn_mem/jlxcfs-dense-churn-$$-$w-$n"
    [[ $churn_cpu != "$churn_mem" ]] && dirs+=$'\n'"$churn_cpu/jlxcfs-dense-churn-$$-$w-$n"
    while read -r d; do mkdir "$d"; echo "$d" >> "$BENCH_CGROUP_LIST"; done <<< "$dirs"
    out=$(bench_in "$dirs" unshare --pid --fork "$work/readbench" -count 3 "$mnt/proc/meminfo" \
      "$mnt/proc/stat" "$mnt/proc/loadavg") || true
    failed=$((failed + $(awk '{print $10}' <<< "$out")))
    while read -r d; do rmdir "$d" 2>/dev/null || true; done <<< "$dirs"
  done
  echo "$n $failed"
}
churn_pids=()
for w in $(seq "${CHURN_WORKERS:-4}"); do churn_worker "$w" > "$work/churn.$w" & churn_pids+=($!); done
for p in "${churn_pids[@]}" "${steady[@]}"; do wait "$p" || true; done
churned=$(cat "$work"/churn.* | awk '{ s += $1 } END { print s }')
failed=$(cat "$work"/churn.* | awk '{ s += $2 } END { print s }')
steady_failed=$(cat "$work"/steady.* | awk '{ s += $10 } END { print s }')
echo "churn: $churned groups made, read in and removed over ${churn} s ($((churned / churn))/s), failed $failed; 4 steady readers: failed $steady_failed; $(daemon_state)"
