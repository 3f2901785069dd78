#!/usr/bin/env bash
# End-to-end read benchmark: raw /proc, the floor file, lxcfs (when installed) and jlxcfs, read in one run by
# readers in real limited cgroups (512 MiB, 1.5 CPUs, each in a pid namespace of its own, as in a container):
#   - one long-lived reader (open, read to EOF, close, in a loop),
#   - a new process each time (`cat FILE` in a loop, as scripts and health checks do; the rate is mostly the cost
#     of starting cat), and the same without exec: a forked child's one read, timed in the child (what a new
#     process's first read costs, caller lookup included),
#   - 4 and 16 concurrent readers, each in a cgroup of its own.
# jlxcfs runs as packaging/jlxcfs starts it; the floor is the benchmark-only file /bench/floor (a constant buffer
# the size of /proc/meminfo) of BenchDaemon, the same daemon code and JVM flags, on a mount of its own. Absolute
# figures drift on shared machines: compare the columns of one run.
#   sudo src/bench/e2e-read-bench.sh [SECONDS_PER_CELL [MODES]]   MODES: any of single,exec,fork,4,16 (default all)
# Needs root, gcc, Maven (it builds the jar and BenchDaemon), and lxcfs for its column.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
secs=${1:-3}
warm=5
modes=${2:-single,exec,fork,4,16}
files=(meminfo cpuinfo stat uptime diskstats)
work=$(mktemp -d /tmp/jlxcfs-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for m in jl floor lx; do umount -l "$work/$m" 2>/dev/null || true; done
  bench_cleanup
  rm -rf "$work"
}
trap cleanup EXIT

mvn -B -q -Pbench -DskipTests package
gcc -O2 -o "$work/readbench" src/bench/readbench.c
mkdir -p "$work/jl" "$work/floor" "$work/lx"
packaging/jlxcfs --log-level warn "$work/jl" 2>"$work/jl.log" & jl_pid=$!; pids+=("$jl_pid")
# shellcheck disable=SC2046 # the JVM flags are words
java $(bench_java_opts) -cp target/jlxcfs.jar:target/test-classes dev.jlxcfs.BenchDaemon --log-level warn \
  "$work/floor" 2>"$work/floor.log" & floor_pid=$!; pids+=("$floor_pid")
lx_pid=""
if command -v lxcfs >/dev/null; then
  lxcfs -p "$work/lx.pid" "$work/lx" >"$work/lx.log" 2>&1 & lx_pid=$!; pids+=("$lx_pid")
fi
for _ in $(seq 150); do
  [[ -e $work/jl/proc/meminfo && -e $work/floor/bench/floor && ( -z $lx_pid || -e $work/lx/proc/meminfo ) ]] && break
  sleep 0.1
done

readers=16
cgs=()
for i in $(seq "$readers"); do
  cgs+=("$(bench_cgroup "jlxcfs-bench-$$-$i" $((512 << 20)) 150000)")
done

# One reader in cgroup $1 (1-based): readbench ARGS...
reader() {
  local i=$1; shift
  bench_in "${cgs[$((i - 1))]}" unshare --pid --fork "$work/readbench" "$@"
}

# cell MODE PATH: the cell's text; MODE is single, exec or a number of concurrent readers.
cell() {
  local mode=$1 path=$2
  case $mode in
    single) reader 1 "$path" "$secs" ;;
    exec) reader 1 -exec "$path" "$secs" ;;
    fork) reader 1 -fork "$path" "$secs" ;;
    *)
      local i out="$work/out"
      rm -f "$out".*
      for i in $(seq "$mode"); do reader "$i" "$path" "$secs" > "$out.$i" & done
      wait_readers
      # Aggregate reads/s, the median reader's p50, the worst reader's p99, all failures.
      local p50
      p50=$(awk '{ print $4 }' "$out".* | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
      cat "$out".* | awk -v p50="$p50" '{ r += $1; f += $10; if ($7 > p99) p99 = $7 }
        END { printf "%.0f reads/s  p50 %d us  p99 %d us  failures %d\n", r, p50, p99, f }'
      ;;
  esac
}
wait_readers() {
  local j
  for j in $(jobs -p); do
    case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" || true ;; esac
  done
}

short() { awk '{ printf "%7d/s p50 %4d p99 %5d%s", $1, $4, $7, ($10 > 0 ? " FAILED " $10 : "") }' <<< "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); if (y[1] > 0) printf "x%.1f", x[1] / y[1]; else printf "-" }'; }

echo "jlxcfs e2e read benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r)"
echo "jlxcfs JVM flags: $(bench_java_opts); $secs s per cell; latencies in us"
# Warm-up: a daemon serves for days, so it is measured with its read path compiled. The launcher's flags make the
# JIT wait for methods 5x hotter than by default (less code kept): 5 s of reads of each file first.
for f in "${files[@]}"; do reader 1 "$work/jl/proc/$f" "$warm" >/dev/null; done
reader 1 "$work/floor/bench/floor" "$warm" >/dev/null
IFS=, read -ra mode_list <<< "$modes"
for mode in "${mode_list[@]}"; do
  case $mode in
    single) title="one long-lived reader" ;;
    exec) title="a new process per read (cat)" ;;
    fork) title="a new process per read, without exec (latency: the child's one read)" ;;
    *) title="$mode concurrent readers in $mode cgroups (aggregate reads/s, median p50, worst p99)" ;;
  esac
  echo
  echo "== $title =="
  printf "%-9s | %-30s | %-30s | %-30s | %s\n" file "raw /proc" lxcfs jlxcfs "jlxcfs/lxcfs"
  for f in "${files[@]}"; do
    cell single "$work/jl/proc/$f" >/dev/null # warm-up: JIT, caches
    raw=$(cell "$mode" "/proc/$f")
    lx="0 reads/s"
    [[ -n $lx_pid ]] && lx=$(cell "$mode" "$work/lx/proc/$f")
    jl=$(cell "$mode" "$work/jl/proc/$f")
    printf "%-9s | %-30s | %-30s | %-30s | %s\n" "$f" "$(short "$raw")" "$([[ -n $lx_pid ]] && short "$lx" || echo "(no lxcfs)")" \
      "$(short "$jl")" "$(ratio "$jl" "$lx")"
    [[ $f == meminfo ]] && meminfo_jl=$jl
  done
  cell single "$work/floor/bench/floor" >/dev/null
  floor=$(cell "$mode" "$work/floor/bench/floor")
  printf "%-9s | %-30s | %-30s | %-30s | meminfo = %s of the floor\n" floor "" "" "$(short "$floor")" \
    "$(awk -v a="$meminfo_jl" -v b="$floor" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f%%", 100 * x[1] / y[1] }')"
done
echo
echo "RSS after the run: jlxcfs $(bench_rss "$jl_pid") kB, threads $(awk '/^Threads/{print $2}' /proc/$jl_pid/status)$([[ -n $lx_pid ]] && echo "; lxcfs $(bench_rss "$lx_pid") kB, threads $(awk '/^Threads/{print $2}' /proc/$lx_pid/status)")"
