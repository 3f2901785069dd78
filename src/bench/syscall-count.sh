#!/usr/bin/env bash
# The daemon's system calls per read: starts jlxcfs as packaging/jlxcfs does, warms it up, then counts with
# `strace -f -c` on the daemon while a reader in a limited cgroup (256 MiB, 1 CPU, own pid namespace) reads FILE N
# times; prints strace's table and the calls per read. With -new, each read is made by a new process (what `cat`
# costs the daemon: caller lookup included).
#   sudo src/bench/syscall-count.sh [-new] [FILE [N]]      FILE: a path under the mount (default proc/meminfo)
# Needs root, gcc, strace and Maven (it builds the jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
new=""
if [[ ${1:-} == -new ]]; then new=1; shift; fi
file=${1:-proc/meminfo}
n=${2:-2000}
command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)" >&2; exit 1; }
work=$(mktemp -d /tmp/jlxcfs-strace.XXXXXX)
bench_build "$work"
bench_jlxcfs_start
jl_pid=$BENCH_JL_PID
dirs=$(bench_cgroup "jlxcfs-strace-$$" $((256 << 20)) 100000)
path=$work/jl/$file
# Warm-up: JIT, caches, kept-open files.
bench_in "$dirs" unshare --pid --fork "$work/readbench" -count 20000 "$path" >/dev/null

strace -f -c -q -p "$jl_pid" -o "$work/strace.txt" & st=$!
sleep 1 # strace attaches to every thread
if [[ -n $new ]]; then
  bench_in "$dirs" unshare --pid --fork sh -c "for i in \$(seq $n); do '$work/readbench' -count 1 '$path' >/dev/null; done"
else
  bench_in "$dirs" unshare --pid --fork "$work/readbench" -count "$n" "$path" >/dev/null
fi
sleep 0.5
kill -INT "$st"; wait "$st" 2>/dev/null || true
echo "daemon system calls for $n reads of $file$([[ -n $new ]] && echo ", each by a new process")  ($(date -u '+%Y-%m-%d'), kernel $(uname -r))"
awk -v n="$n" '
  /^------/ { print; next }
  /^ *% time/ { printf "%-16s %10s %12s\n", "syscall", "calls", "per read"; next }
  NF >= 5 && $4 ~ /^[0-9]+$/ { name = $NF; calls = $4; if (name == "total") total = calls;
    printf "%-16s %10d %12.2f\n", name, calls, calls / n }
' "$work/strace.txt"
