#!/usr/bin/env bash
# The cost of one loadavg sampling pass over many cgroups (LoadTracker.sample, what the housekeeping thread runs
# every 5 s), by each way of counting a group's active tasks (LoadSampleBench: the walk alone, every group's threads,
# idle groups skipped as the daemon does, taskstats on v1): makes CGROUPS cpu cgroups with THREADS sleeping
# processes each (and one busy loop in the first) and times PASSES passes of each over the whole cpu hierarchy (the
# host's own groups too) with the launcher's JVM flags.
#   sudo src/bench/loadavg-bench.sh [CGROUPS [THREADS [PASSES]]]     (default 300 2 200)
# LOADBENCH_MOUNT=DIR makes the groups in the hierarchy mounted at DIR instead (e.g. a hybrid host's cgroup2 mount,
# whose groups all have cpu.stat) and walks that one.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
count=${1:-300}
per=${2:-2}
passes=${3:-200}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT
mvn -B -q -Pbench -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
cpu=${LOADBENCH_MOUNT:-$(bench_hierarchy cpu)}
[[ -n $cpu ]] || { echo "no cpu cgroup hierarchy" >&2; exit 1; }
for ((c = 0; c < count; c++)); do
  d="$cpu/jlxcfs-loadbench-$$-$c"
  mkdir "$d"; echo "$d" >> "$BENCH_CGROUP_LIST"
  for ((k = 0; k < per; k++)); do
    if ((c == 0 && k == 0)); then
      sh -c "echo \$\$ > '$d/cgroup.procs'; while :; do :; done" & pids+=($!)
    else
      sh -c "echo \$\$ > '$d/cgroup.procs'; exec sleep 3600" & pids+=($!)
    fi
  done
done
sleep 1
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), cpu hierarchy $cpu"
# shellcheck disable=SC2046 # the JVM flags are words
java $(bench_java_opts) -cp "$cp" dev.jlxcfs.bench.LoadSampleBench "$passes" ${LOADBENCH_MOUNT:+"$LOADBENCH_MOUNT"}
