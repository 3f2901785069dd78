# shellcheck shell=bash
# Shared helpers of the benchmark scripts (sourced). Cgroups are made where the host keeps the memory (and cpu)
# controller: a v1 hierarchy if there is one, else cgroup2; every cgroup made is removed by bench_cleanup.

# The cgroups made, one per line: a file, because bench_cgroup usually runs in a $(...) subshell.
BENCH_CGROUP_LIST=$(mktemp /tmp/jlxcfs-bench-cgroups.XXXXXX)

# The directory of the hierarchy that serves controller $1 (v1: /sys/fs/cgroup/$1; v2: the cgroup2 root).
bench_hierarchy() {
  local c=$1
  if [[ -d /sys/fs/cgroup/$c && -f /sys/fs/cgroup/$c/cgroup.procs ]]; then
    echo "/sys/fs/cgroup/$c"
  elif grep -qw "$c" /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    echo /sys/fs/cgroup
  fi
}

# bench_cgroup NAME MEMORY_BYTES [CPU_QUOTA_US]: makes cgroup NAME with a memory limit (and a CFS quota per
# 100 ms period) and prints the directories a process must join, one per line. Like a container runtime, it puts
# the process in a cgroup of its own in every v1 hierarchy that accounts CPU (cpu, cpuacct, cpuset) and in blkio
# (so that /proc/diskstats is computed for it, not the host's).
bench_cgroup() {
  local name=$1 mem=$2 quota=${3:-}
  local m; m=$(bench_hierarchy memory)
  [[ -n $m ]] || { echo "no memory cgroup hierarchy" >&2; return 1; }
  mkdir -p "$m/$name"; echo "$m/$name" >> "$BENCH_CGROUP_LIST"
  if [[ -f $m/$name/memory.limit_in_bytes ]]; then
    echo "$mem" > "$m/$name/memory.limit_in_bytes"
  else
    local c2; for c2 in memory cpu io; do echo "+$c2" > "$m/cgroup.subtree_control" 2>/dev/null || true; done
    echo "$mem" > "$m/$name/memory.max"
  fi
  echo "$m/$name"
  local c; c=$(bench_hierarchy cpu)
  if [[ -n $c && $c != "$m" ]]; then
    mkdir -p "$c/$name"; echo "$c/$name" >> "$BENCH_CGROUP_LIST"
    [[ -n $quota ]] && echo "$quota" > "$c/$name/cpu.cfs_quota_us"
    echo "$c/$name"
    local a; a=$(bench_hierarchy cpuacct)
    if [[ -n $a && $a != "$c" ]]; then
      mkdir -p "$a/$name"; echo "$a/$name" >> "$BENCH_CGROUP_LIST"; echo "$a/$name"
    fi
    local s; s=$(bench_hierarchy cpuset)
    if [[ -n $s && $s != "$m" ]]; then
      mkdir -p "$s/$name"; echo "$s/$name" >> "$BENCH_CGROUP_LIST"
      cat "$s/cpuset.cpus" > "$s/$name/cpuset.cpus"; cat "$s/cpuset.mems" > "$s/$name/cpuset.mems"
      echo "$s/$name"
    fi
    local b; b=$(bench_hierarchy blkio)
    if [[ -n $b && $b != "$m" ]]; then
      mkdir -p "$b/$name"; echo "$b/$name" >> "$BENCH_CGROUP_LIST"; echo "$b/$name"
    fi
  elif [[ -n $c && -n $quota ]]; then
    echo "$quota 100000" > "$c/$name/cpu.max"
  fi
  # A hybrid host's cgroup2 mount (no controllers): a group there too, as runtimes make one, so that what is read
  # from a caller's cgroup2 group (its pressure files) is read in the benchmarks as well.
  local u=/sys/fs/cgroup/unified
  if [[ $m != "$u" && -f $u/cgroup.procs ]] && grep -q " $u cgroup2 " /proc/self/mounts; then
    mkdir -p "$u/$name"; echo "$u/$name" >> "$BENCH_CGROUP_LIST"; echo "$u/$name"
  fi
}

# bench_in DIRS COMMAND...: runs COMMAND inside the cgroups listed (newline-separated) in DIRS.
bench_in() {
  local dirs=$1; shift
  local joins=""
  while read -r d; do [[ -n $d ]] && joins+="echo \$\$ > '$d/cgroup.procs'; "; done <<< "$dirs"
  sh -c "$joins exec \"\$@\"" sh "$@"
}

bench_cleanup() {
  local d
  [[ -f $BENCH_CGROUP_LIST ]] || return 0
  while read -r d; do
    [[ -n $d ]] || continue
    # Move stragglers out, then remove.
    if [[ -f $d/cgroup.procs ]]; then
      local root=${d%/*}
      while read -r p; do echo "$p" > "$root/cgroup.procs" 2>/dev/null || true; done < "$d/cgroup.procs"
    fi
    rmdir "$d" 2>/dev/null || true
  done < "$BENCH_CGROUP_LIST"
  rm -f "$BENCH_CGROUP_LIST" # made again by the next bench_cgroup
}

# bench_build WORKDIR: builds the jar and the reader ($WORKDIR/readbench); sets the EXIT trap that stops the daemon
# bench_jlxcfs_start starts, unmounts, removes the cgroups made and WORKDIR.
bench_build() {
  BENCH_WORK=$1
  trap bench_jlxcfs_stop EXIT
  mvn -B -q -DskipTests package
  gcc -O2 -o "$BENCH_WORK/readbench" "$(dirname "${BASH_SOURCE[0]}")/readbench.c"
}

# bench_jlxcfs_start: starts jlxcfs as packaging/jlxcfs does on $BENCH_WORK/jl (log in $BENCH_WORK/jl.log) and
# returns once proc/meminfo is there; BENCH_JL_PID is its pid. After bench_build.
bench_jlxcfs_start() {
  mkdir -p "$BENCH_WORK/jl"
  packaging/jlxcfs --log-level warn "$BENCH_WORK/jl" 2>"$BENCH_WORK/jl.log" & BENCH_JL_PID=$!
  until [[ -e $BENCH_WORK/jl/proc/meminfo ]]; do
    kill -0 "$BENCH_JL_PID" 2>/dev/null || { echo "jlxcfs exited:" >&2; cat "$BENCH_WORK/jl.log" >&2; exit 1; }
    sleep 0.01
  done
}

bench_jlxcfs_stop() {
  [[ -n ${BENCH_JL_PID:-} ]] && { kill "$BENCH_JL_PID" 2>/dev/null || true; wait "$BENCH_JL_PID" 2>/dev/null || true; }
  umount -l "$BENCH_WORK/jl" 2>/dev/null || true
  bench_cleanup
  rm -rf "$BENCH_WORK"
}

# The RSS of a process, in kB.
bench_rss() {
  awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null
}

# The JVM flags of packaging/jlxcfs (so benchmarks measure the daemon as users run it).
bench_java_opts() {
  # shellcheck disable=SC2016 # the launcher's literal ${JLXCFS_JAVA_OPTS:-...} is matched, not expanded
  sed -n 's/^opts=\${JLXCFS_JAVA_OPTS:-\(.*\)}$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../../packaging/jlxcfs"
}
