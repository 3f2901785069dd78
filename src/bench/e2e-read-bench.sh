#!/usr/bin/env bash
# End-to-end read benchmark: raw /proc, lxcfs and jlxcfs read by the same process, in one run, from a cgroup with
# a 256 MiB limit (so both providers do their full per-read work). Absolute figures drift on shared machines:
# compare the columns of one run.
#   sudo src/bench/e2e-read-bench.sh [SECONDS_PER_CELL]     (needs gcc, lxcfs, a built target/jlxcfs.jar)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-3}
work=$(mktemp -d /tmp/jlxcfs-bench.XXXXXX)
cg=jlxcfs-bench-$$
jl_pid=""; lx_pid=""
cleanup() {
  [[ -n $jl_pid ]] && kill "$jl_pid" 2>/dev/null && wait "$jl_pid" 2>/dev/null || true
  [[ -n $lx_pid ]] && kill "$lx_pid" 2>/dev/null && wait "$lx_pid" 2>/dev/null || true
  fusermount -u -z "$work/jl" 2>/dev/null || true
  fusermount -u -z "$work/lx" 2>/dev/null || true
  rmdir "/sys/fs/cgroup/memory/$cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[[ -f target/jlxcfs.jar ]] || mvn -B -q -DskipTests package
gcc -O2 -o "$work/readbench" src/bench/readbench.c
mkdir -p "$work/jl" "$work/lx"
packaging/jlxcfs --log-level warn "$work/jl" 2>"$work/jl.log" & jl_pid=$!
lxcfs -p "$work/lx.pid" "$work/lx" >"$work/lx.log" 2>&1 & lx_pid=$!
for _ in $(seq 100); do [[ -e $work/jl/proc/meminfo && -e $work/lx/proc/meminfo ]] && break; sleep 0.1; done
mkdir "/sys/fs/cgroup/memory/$cg"
echo $((256 << 20)) > "/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes"
run() { sh -c "echo \$\$ > /sys/fs/cgroup/memory/$cg/cgroup.procs; exec $work/readbench $1 $secs"; }
printf "%-9s | %-52s | %-52s | %-52s\n" file "raw /proc" "lxcfs" "jlxcfs"
for f in meminfo uptime cpuinfo stat; do
  run "$work/jl/proc/$f" >/dev/null   # warm-up: JIT and caches
  printf "%-9s | %-52s | %-52s | %-52s\n" "$f" "$(run /proc/$f)" "$(run "$work/lx/proc/$f")" "$(run "$work/jl/proc/$f")"
done
echo "jlxcfs RSS after the run: $(awk '/VmRSS/{print $2, $3}' /proc/$jl_pid/status); lxcfs: $(awk '/VmRSS/{print $2, $3}' /proc/$lx_pid/status)"
