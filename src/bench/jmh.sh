#!/usr/bin/env bash
# JMH benchmarks of the read path (src/jmh/java/dev/jlxcfs/bench), run from a cgroup with a 256 MiB memory limit so
# that the live-host benchmarks do a limited caller's full work, with the launcher's JVM flags. As root.
#   sudo src/bench/jmh.sh [JMH ARGS...]      e.g. src/bench/jmh.sh FileBenchmark -prof gc
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
trap bench_cleanup EXIT
mvn -B -q -Pbench -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
# JMH_CPU_QUOTA_US: a CFS quota per 100 ms on the reader's cgroup too (a view with a quota reads its throttled time).
dirs=$(bench_cgroup "jlxcfs-jmh-$$" $((256 << 20)) "${JMH_CPU_QUOTA_US:-}")
# Defaults: a short but not tiny run; override with JMH's own flags.
defaults=(-f 1 -wi 3 -w 1s -i 5 -r 1s -jvmArgs "$(bench_java_opts)")
bench_in "$dirs" java -cp "$cp" org.openjdk.jmh.Main "${defaults[@]}" "$@"
