#!/usr/bin/env bash
# Handover benchmark (issue 19): what readers in containers see while the daemon is restarted RESTARTS times in a
# row by handover (a new daemon started where the live one serves takes over from it).
#   - the daemon is started as packaging/jlxcfs starts it, on a temporary mount point with a state directory of its
#     own (both daemons of a handover must use the same one);
#   - readers (handover-reader.c, built statically: open, read to EOF, close meminfo, stat and loadavg in turn, with
#     PAUSE_US between rounds; every failed read is a line with its time and error text, every read of 50 ms or
#     more too) run in 3 runc containers (256 MiB each; r1 and r2 half a CPU; rbusy 1 CPU and a busy loop beside
#     its reader, so that its loadavg and its stat busy time are not trivial), in 2 Docker containers (256 MiB,
#     half a CPU; a private dockerd that changes no network, with an image imported from Debian's packages; skipped,
#     with the reason printed, where Docker cannot run here) and on the host (the mount point's own files);
#   - after WARMUP seconds, RESTARTS handovers, SECONDS_BETWEEN apart: each starts a new daemon, waits for its
#     "takeover from process N done in X ms" line and for the old daemon's exit status (it must be 0, after its
#     "handover: process M serves ... now" or "handed over ..." line); each container's loadavg 1-min, stat user+system and idle ticks
#     are sampled before the first handover and after each one (a figure that falls back is marked JUMP);
#   - then the readers stop, and it prints per reader the reads, failed reads and the longest read (when, and
#     whether it fell inside a handover), the handovers' durations, the figures, and every failed read among the
#     daemons' log lines of the 3 s around it.
#   sudo src/bench/handover-bench.sh [RESTARTS [SECONDS_BETWEEN]]    (defaults 20 and 5)
#   environment: HBENCH_WARMUP (seconds before the first handover, default 30), HBENCH_PAUSE_US (a reader's pause
#   between rounds, default 5000), HBENCH_DOCKER=0 (no Docker containers), HBENCH_KEEP=1 (keep the daemons' logs
#   and the readers' records in /tmp/jlxcfs-hbench-logs.*: always kept when the benchmark fails),
#   HBENCH_DAEMON_OPTS (more options for every daemon, e.g. --request-timeout 5s)
# Needs root, gcc (and glibc's static libc), Maven, runc and python3; dockerd, docker.io's client and debootstrap
# for the Docker containers. Removes everything it made (containers, the engine, cgroups, mounts), also when it
# fails or is interrupted. Exit status 1 if a read failed, a figure fell back or a handover went wrong.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
restarts=${1:-20}
between=${2:-5}
warmup=${HBENCH_WARMUP:-30}
pause_us=${HBENCH_PAUSE_US:-5000}
tag=jlxcfs-hbench-$$
work=$(mktemp -d /tmp/jlxcfs-hbench.XXXXXX)
mnt=$work/mnt
state=$work/state
out=$work/out
files=(/proc/meminfo /proc/stat /proc/loadavg)
dkclient=docker
[[ -x /usr/bin/docker ]] && dkclient=/usr/bin/docker # docker.io's client, of its dockerd's version
dkdir=$work/docker
dkimage=$tag-debian

daemon_pids=()   # every daemon started, in order
runc_ids=()      # runc containers made
docker_names=()  # Docker containers made
containers=()    # "NAME KIND" of every container with a reader, in order
dockerd_pid=
host_reader_pid=
docker_note=

now_utc() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
now_ms() { date +%s%3N; }
note() { echo "[$(now_utc)] $*" >&2; }

mounted() { # is something mounted at $1?
  awk -v d="$1" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo
}

cleanup() {
  local rc=$? p i keep left
  set +e
  trap - ERR
  [[ -d $out ]] && for i in "$out"/*/; do touch "$i/stop" 2>/dev/null; done
  [[ -n $host_reader_pid ]] && kill "$host_reader_pid" 2>/dev/null
  for i in "${runc_ids[@]}"; do timeout -k 2 30 runc delete -f "$i" >/dev/null 2>&1; done
  for i in "${docker_names[@]}"; do timeout -k 2 60 "$dkclient" -H "unix://$dkdir/docker.sock" rm -f "$i" >/dev/null 2>&1; done
  if [[ -n $dockerd_pid ]]; then
    kill "$dockerd_pid" 2>/dev/null # SIGTERM: dockerd stops its containerd and shims
    for _ in $(seq 300); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$dockerd_pid" 2>/dev/null
    wait "$dockerd_pid" 2>/dev/null
  fi
  # What the engine may have left: processes whose command line names its directory (by pid), its mounts.
  if [[ -d $dkdir ]]; then
    # (The list first, then the kills: grep's own command line names the directory too, and it is done by then.)
    mapfile -t left < <(grep -l -s -F "$dkdir" /proc/[0-9]*/cmdline | cut -d/ -f3)
    for p in "${left[@]}"; do [[ $p != "$$" ]] && kill -9 "$p" 2>/dev/null; done
    awk -v d="$dkdir" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r p; do
      umount -l "$p" 2>/dev/null
    done
  fi
  # Cgroups: the runc containers' (runc delete removes them) and the Docker engine's parent, in every hierarchy.
  for p in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
    for i in "$p$tag"*; do [[ -d $i ]] && find "$i" -depth -type d -exec rmdir {} + 2>/dev/null; done
  done
  # The daemons, newest first: a live one unmounts what it serves on SIGTERM.
  for ((i = ${#daemon_pids[@]} - 1; i >= 0; i--)); do
    p=${daemon_pids[$i]}
    kill -0 "$p" 2>/dev/null || continue
    kill "$p" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  for _ in 1 2 3 4 5; do mounted "$mnt" || break; umount -l "$mnt" 2>/dev/null; done
  if [[ $rc != 0 || -n ${HBENCH_KEEP:-} ]]; then # the daemons' logs and the readers' records, for a look after
    keep=$(mktemp -d /tmp/jlxcfs-hbench-logs.XXXXXX)
    cp -a "$work"/jl.*.log "$work"/figures "$work"/handovers "$work"/windows "$out" "$keep"/ 2>/dev/null
    echo "daemons' logs and readers' records kept in $keep" >&2
  fi
  rm -rf --one-file-system "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'note "failed at line $LINENO: $BASH_COMMAND"' ERR

# --- build ---
mvn -B -q -DskipTests package >&2 # its -q output (colour resets) stays out of the report
mkdir -p "$out" "$state"
chmod 0700 "$state"
touch "$work/handovers" "$work/windows" "$work/figures"
gcc -O2 -static -o "$work/hreader" src/bench/handover-reader.c 2>/dev/null \
  || gcc -O2 -o "$work/hreader" src/bench/handover-reader.c # static: it also runs in the Docker image

# --- the daemon ---
# start_daemon N: starts daemon N (log $work/jl.N.log); its pid is appended to daemon_pids.
start_daemon() {
  # shellcheck disable=SC2086 # HBENCH_DAEMON_OPTS splits into options
  packaging/jlxcfs --log-level info --state-dir "$state" ${HBENCH_DAEMON_OPTS:-} "$mnt" 2>"$work/jl.$1.log" &
  daemon_pids+=($!)
}
# await_log PID N PATTERN SECONDS: waits until daemon N's log holds PATTERN (a fixed string); 1 if it exits first.
await_log() {
  local pid=$1 n=$2 pat=$3 end=$((SECONDS + $4))
  until grep -q -s -F -- "$pat" "$work/jl.$n.log"; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > end)); then
      note "daemon $n (process $pid) did not log '$pat':"; cat "$work/jl.$n.log" >&2; return 1
    fi
    sleep 0.05
  done
}

echo "jlxcfs handover benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: src/bench/handover-bench.sh $restarts $between (warm-up ${warmup} s, readers pause ${pause_us} us between rounds of ${files[*]##*/}${HBENCH_DAEMON_OPTS:+, daemon options $HBENCH_DAEMON_OPTS})"
start_daemon 0
await_log "${daemon_pids[0]}" 0 "serving " 60
note "daemon 0 (process ${daemon_pids[0]}) serves $mnt"

# --- runc containers ---
command -v runc >/dev/null || { echo "runc is missing (apt-get install runc)" >&2; exit 2; }
# runc_start NAME CPU_QUOTA_US SCRIPT: a container with no image (the host's /usr and /etc read-only), 256 MiB, a
# CFS quota per 100 ms, the served files bound over its own as examples/oci-mounts.json says, $out/NAME at /out.
runc_start() {
  local name=$1 quota=$2 script=$3 b=$work/runc/$1 id=$tag-$1 d
  mkdir -p "$b/rootfs" "$out/$name"
  for d in usr proc sys dev etc tmp out; do mkdir -p "$b/rootfs/$d"; done
  for d in bin lib lib64 sbin; do ln -s "usr/$d" "$b/rootfs/$d"; done
  cp "$work/hreader" "$b/rootfs/hreader"
  runc spec --bundle "$b"
  python3 - "$b" "$script" "$quota" "$mnt" "$out/$name" "/$id" <<'EOF'
import json, sys
b, script, quota, mnt, outdir, cgpath = sys.argv[1:]
c = json.load(open(b + '/config.json'))
p = c['process']; p.pop('rlimits', None); p['terminal'] = False; p['args'] = ['/bin/sh', '-c', script]
c['mounts'] = [m for m in c['mounts'] if m['destination'] not in ('/dev/pts', '/dev/mqueue')]
c['mounts'] += [{'destination': d, 'type': 'bind', 'source': d, 'options': ['rbind', 'ro']} for d in ('/usr', '/etc')]
c['mounts'] += json.loads(open('examples/oci-mounts.json').read().replace('/var/lib/jlxcfs', mnt))
c['mounts'].append({'destination': '/out', 'type': 'bind', 'source': outdir, 'options': ['rbind', 'rw']})
l = c['linux']; l['namespaces'] = [n for n in l['namespaces'] if n['type'] != 'network']
l['cgroupsPath'] = cgpath
l['resources'] = {'memory': {'limit': 256 << 20}, 'cpu': {'quota': int(quota), 'period': 100000}}
json.dump(c, open(b + '/config.json', 'w'))
EOF
  runc_ids+=("$id")
  runc run --detach --bundle "$b" "$id" </dev/null >/dev/null 2>"$work/runc-$name.err" \
    || { note "runc run $id failed: $(cat "$work/runc-$name.err")"; return 1; }
  containers+=("$name runc")
}
reader="exec /hreader /out $pause_us ${files[*]}"
runc_start r1 50000 "$reader"
runc_start r2 50000 "$reader"
runc_start rbusy 100000 "while :; do :; done & $reader"

# --- Docker containers, where Docker can run ---
dk() { timeout -k 2 120 "$dkclient" -H "unix://$dkdir/docker.sock" "$@"; }
docker_setup() {
  [[ ${HBENCH_DOCKER:-1} != 0 ]] || { docker_note="HBENCH_DOCKER=0"; return 1; }
  command -v dockerd >/dev/null || { docker_note="no dockerd (apt-get install docker.io)"; return 1; }
  command -v "$dkclient" >/dev/null || { docker_note="no docker client"; return 1; }
  command -v debootstrap >/dev/null || { docker_note="no debootstrap to make the image (apt-get install debootstrap)"; return 1; }
  mkdir -p "$dkdir"
  mount -t tmpfs -o size=1g,mode=0700 "$tag-docker" "$dkdir" 2>/dev/null || true
  echo '{}' > "$dkdir/daemon.json" # not /etc/docker/daemon.json, whatever it says
  dockerd --config-file "$dkdir/daemon.json" --iptables=false --ip6tables=false --bridge=none --ip-forward=false \
    --ip-masq=false --data-root "$dkdir/data" --exec-root "$dkdir/exec" --pidfile "$dkdir/dockerd.pid" \
    -H "unix://$dkdir/docker.sock" --cgroup-parent "/$tag-docker" >"$dkdir/dockerd.log" 2>&1 &
  dockerd_pid=$!
  local end=$((SECONDS + 60))
  until dk version >/dev/null 2>&1; do
    if ! kill -0 "$dockerd_pid" 2>/dev/null || ((SECONDS > end)); then
      docker_note="dockerd did not answer within 60 s: $(tail -3 "$dkdir/dockerd.log" | tr '\n' ' ')"; return 1
    fi
    sleep 0.2
  done
  local tarball
  tarball=$(src/test/containers/debian-rootfs procps python3-minimal) \
    || { docker_note="no Debian image (debootstrap failed)"; return 1; }
  dk import - "$dkimage" < "$tarball" >/dev/null || { docker_note="docker import failed"; return 1; }
  local name flags
  flags=$(packaging/jlxcfs flags --mountpoint "$mnt")
  for name in d1 d2; do
    mkdir -p "$out/$name"
    docker_names+=("$tag-$name")
    # shellcheck disable=SC2086 # the -v options split into words
    dk run -d --network none --name "$tag-$name" -m 256m --cpus 0.5 $flags -v "$work/hreader:/hreader:ro" \
      -v "$out/$name:/out" "$dkimage" /bin/sh -c "$reader" >/dev/null 2>"$work/docker-$name.err" \
      || { docker_note="docker run failed: $(cat "$work/docker-$name.err")"; return 1; }
    containers+=("$name docker")
  done
}
if ! docker_setup; then
  echo "Docker: skipped: $docker_note"
  if [[ -n $dockerd_pid ]]; then kill "$dockerd_pid" 2>/dev/null || true; wait "$dockerd_pid" 2>/dev/null || true; dockerd_pid=; fi
  # What was made of it goes now, not only at the end; runc's readers go on.
  for i in "${docker_names[@]}"; do dk rm -f "$i" >/dev/null 2>&1 || true; done
  for i in "${!containers[@]}"; do [[ ${containers[$i]} == *" docker" ]] && unset "containers[$i]"; done
  containers=("${containers[@]}")
fi

# --- the host's reader ---
mkdir -p "$out/host"
"$work/hreader" "$out/host" "$pause_us" "$mnt/proc/meminfo" "$mnt/proc/stat" "$mnt/proc/loadavg" &
host_reader_pid=$!

# sample NAME KIND: "LOAD1 USER+SYSTEM IDLE" as a process in the container reads them.
sample() {
  local o
  case $2 in
    runc) o=$(timeout -k 2 20 runc exec "$tag-$1" /bin/sh -c 'cat /proc/loadavg; head -1 /proc/stat' 2>&1) ;;
    docker) o=$(dk exec "$tag-$1" /bin/sh -c 'cat /proc/loadavg; head -1 /proc/stat' 2>&1) ;;
  esac || { echo "? ? ? ($(tr '\n' ' ' <<< "$o"))"; return 0; }
  awk 'NR == 1 { l = $1; rt = $4 } NR == 2 { print l, $2 + $4, $5, rt }' <<< "$o"
}
# sample_all LABEL: one line of $work/figures per container: LABEL NAME LOAD1 USER+SYSTEM IDLE RUNNING/TOTAL.
sample_all() {
  local c
  local c name kind
  for c in "${containers[@]}"; do
    read -r name kind <<< "$c"
    echo "$1 $name $(sample "$name" "$kind")" >> "$work/figures"
  done
}

note "readers started in ${#containers[@]} containers (${containers[*]}) and on the host; warm-up ${warmup} s"
sleep "$warmup"
sample_all before

# --- the handovers ---
problems=0
cur=0
for ((h = 1; h <= restarts; h++)); do
  old_pid=${daemon_pids[$cur]}
  t_start=$(now_utc); m0=$(now_ms)
  start_daemon "$h"
  new_pid=${daemon_pids[$h]}
  if ! await_log "$new_pid" "$h" "takeover from process $old_pid done in" 120; then
    # It gave up (or hangs): the old daemon must serve on; the next handover starts from it again.
    kill -0 "$new_pid" 2>/dev/null && kill "$new_pid"
    new_rc=0; wait "$new_pid" || new_rc=$?
    line="handover $h: FAILED: process $new_pid did not take over (exit $new_rc: $(tail -1 "$work/jl.$h.log" \
      | cut -c1-160))"
    problems=$((problems + 1))
    echo "$h $t_start $(now_utc)" >> "$work/windows"
    if kill -0 "$old_pid" 2>/dev/null; then
      line+="; process $old_pid serves on$( (grep -o 'went away before it was done.*' "$work/jl.$cur.log" || true) \
        | tail -1 | cut -c1-120 | sed 's/^/: /')"
      echo "$line" >> "$work/handovers"; note "$line"
      sample_all "failed-$h"
      ((h == restarts)) || sleep "$between"
      continue
    fi
    line+="; process $old_pid is gone too"
    echo "$line" >> "$work/handovers"; note "$line"
    break
  fi
  m1=$(now_ms)
  end=$((SECONDS + 90)) # the drain is 60 s at most
  # bash collects a child's status as soon as it exits (while sleep runs): kill -0 then fails.
  while kill -0 "$old_pid" 2>/dev/null && ((SECONDS < end)); do sleep 0.05; done
  m2=$(now_ms); t_exit=$(now_utc)
  if kill -0 "$old_pid" 2>/dev/null; then
    old_rc="still running after 90 s"
  else
    old_rc=0; wait "$old_pid" || old_rc=$?
  fi
  took=$(sed -n "s/.*takeover from process $old_pid done in \([0-9]*\) ms.*/\1/p" "$work/jl.$h.log")
  said=$(grep -c -F "handover: process $new_pid serves" "$work/jl.$cur.log" || true)
  bye=$(grep -c -F "handed over $mnt" "$work/jl.$cur.log" || true)
  echo "$h $t_start $t_exit" >> "$work/windows"
  line="handover $h: process $old_pid -> $new_pid: takeover done in $took ms (new daemon's log); new JVM started to takeover done $((m1 - m0)) ms; then the old one exited ${old_rc} after $((m2 - m1)) ms"
  if [[ $old_rc != 0 || $said$bye == 00 ]]; then
    line+=" FAILED (the old daemon logged neither 'handover: process $new_pid serves' nor 'handed over')"
    problems=$((problems + 1))
  elif [[ $said == 0 ]]; then
    line+=" (the old daemon's log has 'handed over ... exiting' but not 'handover: process $new_pid serves ... now')"
  fi
  echo "$line" >> "$work/handovers"
  note "$line"
  sample_all "after-$h"
  cur=$h
  ((h == restarts)) || sleep "$between"
done

# --- stop the readers, collect ---
for i in "$out"/*/; do touch "$i/stop"; done
kill "$host_reader_pid" 2>/dev/null || true
wait "$host_reader_pid" 2>/dev/null || true
host_reader_pid=
for i in "$out"/*/; do
  for _ in $(seq 100); do grep -q ' done 1$' "$i/summary" 2>/dev/null && break; sleep 0.1; done
done

echo
echo "== handovers (${restarts} in a row, ${between} s apart) =="
cat "$work/handovers" 2>/dev/null || true
awk '{ for (i = 1; i <= NF; i++) if ($i == "done" && $(i+1) == "in") print $(i+2) }' "$work/handovers" 2>/dev/null \
  | sort -n | awk '{ v[NR] = $1; s += $1 } END { if (NR) printf "takeover done in: min %d ms, median %d ms, max %d ms, mean %.0f ms\n", v[1], v[int((NR + 1) / 2)], v[NR], s / NR }' || true

echo
echo "== readers (open, read to EOF, close of meminfo, stat, loadavg in turn; ${pause_us} us pause between rounds) =="
printf '%-7s %-7s %9s %7s %12s %-14s %-25s %s\n' reader kind reads failed longest_ms file at "reads >=10ms / >=100ms"
total=0 total_failed=0
for c in "${containers[@]}" "host host"; do
  read -r name kind <<< "$c"
  s=$(cat "$out/$name/summary" 2>/dev/null || echo "reads 0 failed 0 longest_us 0 longest_file - longest_at - over_10ms 0 over_100ms 0 rounds 0 done 0")
  read -r _ reads _ failed _ longest _ lfile _ lat _ o10 _ o100 _ _ _ stopped <<< "$s"
  win=$(awk -v t="$lat" '$2 "" <= t "" && t "" <= $3 "" { print "in handover " $1 }' "$work/windows" 2>/dev/null | head -1)
  printf '%-7s %-7s %9d %7d %12.1f %-14s %-25s %d / %d%s\n' "$name" "$kind" "$reads" "$failed" \
    "$(awk -v u="$longest" 'BEGIN { print u / 1000 }')" "${lfile##*/}" "$lat" "$o10" "$o100" \
    "${win:+ (longest $win)}$([[ $stopped == 1 ]] || echo ' (reader did not stop)')"
  total=$((total + reads)); total_failed=$((total_failed + failed))
done
echo "total: $total reads, $total_failed failed"
# Reads of 50 ms or more: how many began inside a handover (from the new daemon's start to the old one's exit).
cat "$out"/*/slow 2>/dev/null | awk 'NR == FNR { s[NR] = $2; e[NR] = $3; n = NR; next }
  { a++; for (i = 1; i <= n; i++) if (s[i] <= $1 "" && $1 "" <= e[i]) { b++; break } }
  END { printf "reads of 50 ms or more: %d, of which %d began inside a handover\n", a, b }' "$work/windows" - || true

echo
echo "== figures each container reads (loadavg 1-min, stat cpu user+system ticks, idle ticks) =="
awk -v list="$(for c in "${containers[@]}"; do echo "${c%% *}"; done | paste -sd' ')" '
  BEGIN { n = split(list, names, " "); printf "%-10s", "sample"; for (i = 1; i <= n; i++) printf " | %-26s", names[i]; print "" }
  {
    if (!($1 in seen)) { seen[$1] = 1; order[++rows] = $1 }
    v[$1, $2] = sprintf("%5s %8s %9s", $3, $4, $5)
    if (($2 in load) && $3 != "?") {
      if ((load[$2] >= 0.1 && $3 < load[$2] / 2) || $4 < busy[$2] || $5 < idle[$2]) { v[$1, $2] = v[$1, $2] " JUMP"; jumps++ }
    }
    if ($3 != "?") { load[$2] = $3; busy[$2] = $4; idle[$2] = $5 }
    if ($1 == "before") { nb++; if ($6 ~ /\/0$/) zb++ } else { na++; if ($6 ~ /\/0$/) za++ }
    if ($1 == "before") { first[$2] = $0 }
    last[$2] = $0
  }
  END {
    for (r = 1; r <= rows; r++) {
      printf "%-10s", order[r]; for (i = 1; i <= n; i++) printf " | %-26s", v[order[r], names[i]]; print ""
    }
    print ""
    for (i = 1; i <= n; i++) {
      split(first[names[i]], f, " "); split(last[names[i]], l, " ")
      printf "%-6s before the first handover: load %s, user+system %s, idle %s; after the last: load %s, user+system %s (+%d), idle %s (+%d)\n", names[i], f[3], f[4], f[5], l[3], l[4], l[4] - f[4], l[5], l[5] - f[5]
    }
    printf "figures that fell back (JUMP: a load that fell by more than half, ticks that went backwards): %d\n", jumps
    printf "loadavg field 4 (running/total threads) read with a total of 0: %d of %d samples before the first handover, %d of %d after one\n", zb, nb, za, na
    exit (jumps > 0)
  }' "$work/figures" || problems=$((problems + 1))

if ((total_failed > 0)); then
  echo
  echo "== each failed read, placed among the handovers and the daemons' log lines (3 s either side) =="
  python3 - "$out" "$work" "${#daemon_pids[@]}" <<'EOF'
import glob, os, sys
from datetime import datetime, timezone
out, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def t(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
logs = []  # (time, daemon, line) of the lines that tell what a daemon did, not each healed bind
for i in range(n):
    healed = 0
    for line in open(f"{work}/jl.{i}.log", errors="replace"):
        if not line[:4].isdigit():
            continue
        ts, _, rest = line.rstrip("\n").partition(" ")
        if " healed pid " in line:  # the first only: when binds began to move
            healed += 1
            if healed > 1:
                continue
            rest = "(first bind moved) " + rest
        logs.append((t(ts), i, rest[:200]))
logs.sort()
windows = [l.split() for l in open(f"{work}/windows")] if os.path.exists(f"{work}/windows") else []
for f in sorted(glob.glob(f"{out}/*/fails")):
    reader = f.split("/")[-2]
    for line in open(f):
        ts, rest = line.rstrip("\n").split(" ", 1)
        at = t(ts)
        where = "outside the handovers"
        for h, a, b in windows:
            if t(a) - 1 <= at <= t(b) + 1:
                where = f"in handover {h} (new daemon {h} started {int((at - t(a)) * 1000)} ms before this read began)"
        print(f"{ts} reader {reader}: {rest}; {where}")
        for lt, i, l in logs:
            if abs(lt - at) <= 3:
                print(f"    {int((lt - at) * 1000):+6d} ms  daemon {i}: {l}")
EOF
  problems=$((problems + 1))
fi
echo
echo "Docker: ${docker_note:+skipped: $docker_note}$( [[ -z $docker_note ]] && echo "2 containers (docker.io $($dkclient -H "unix://$dkdir/docker.sock" version -f '{{.Server.Version}}' 2>/dev/null), private dockerd, --network none)")"
echo "host load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
((problems == 0))
