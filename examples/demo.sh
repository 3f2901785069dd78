#!/usr/bin/env bash
# Shows what jlxcfs changes inside a container: one runc container limited to 256 MiB and 1 CPU runs twice, without
# and with jlxcfs's files bound over its own (the mounts of examples/oci-mounts.json), and the two outputs of
# free -m, nproc, getconf _NPROCESSORS_ONLN, grep -c processor /proc/cpuinfo, top -bn1 | head -5 and /proc/uptime
# are printed side by side.
#
#   sudo examples/demo.sh            (root, runc, python3; from a checkout)
#
# Uses the daemon serving $JLXCFS_MNT (default /var/lib/jlxcfs) if there is one; otherwise starts one from the
# checkout (packaging/jlxcfs, target/jlxcfs.jar: run 'mvn package' first) on a temporary mount point, and stops it at
# the end. The containers need no image: an empty rootfs with the host's /usr and /etc bound read-only.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in runc python3; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is not installed (packaging/install-deps --test)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "demo: run as root (runc, cgroups, FUSE)" >&2; exit 1; }

work=$(mktemp -d /tmp/jlxcfs-demo.XXXXXX)
daemon=
containers=()
cleanup() {
  for c in "${containers[@]}"; do runc delete -f "$c" >/dev/null 2>&1 || true; done
  if [[ -n $daemon ]]; then
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
    umount -l "$work/mnt" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mnt=${JLXCFS_MNT:-/var/lib/jlxcfs}
if ! timeout -k 1 2 head -c1 "$mnt/proc/meminfo" >/dev/null 2>&1; then
  mnt=$work/mnt
  [[ -f target/jlxcfs.jar ]] || { echo "demo: no daemon at ${JLXCFS_MNT:-/var/lib/jlxcfs} and no target/jlxcfs.jar: run 'mvn package'" >&2; exit 1; }
  packaging/jlxcfs --heal false "$mnt" >"$work/daemon.log" 2>&1 &
  daemon=$!
  for _ in $(seq 100); do
    timeout -k 1 2 head -c1 "$mnt/proc/meminfo" >/dev/null 2>&1 && break
    kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "demo: started jlxcfs on $mnt (stopped at the end)"
else
  echo "demo: using the jlxcfs already serving $mnt"
fi

script='echo "\$ free -m"; free -m
echo "\$ nproc"; nproc
echo "\$ getconf _NPROCESSORS_ONLN"; getconf _NPROCESSORS_ONLN
echo "\$ grep -c processor /proc/cpuinfo"; grep -c processor /proc/cpuinfo
echo "\$ top -bn1 | head -5"; top -bn1 | head -5
echo "\$ cat /proc/uptime"; cat /proc/uptime'

# bundle DIR WITH_JLXCFS: an OCI bundle shaped as machine-notes.md says (no terminal, rlimits, /dev/pts, /dev/mqueue
# or network namespace), 256 MiB and 1 CPU, with jlxcfs's files bound if WITH_JLXCFS is 1.
bundle() {
  local b=$1
  mkdir -p "$b/rootfs"/{usr,proc,sys,dev,etc,tmp}
  for l in bin lib lib64 sbin; do ln -s "usr/$l" "$b/rootfs/$l"; done
  runc spec --bundle "$b"
  python3 - "$b" "$mnt" "$2" "$script" <<'EOF'
import json, sys
b, mnt, with_jlxcfs, script = sys.argv[1], sys.argv[2], sys.argv[3] == '1', sys.argv[4]
c = json.load(open(b + '/config.json'))
p = c['process']; p.pop('rlimits', None); p['terminal'] = False; p['args'] = ['sh', '-c', script]
c['mounts'] = [m for m in c['mounts'] if m['destination'] not in ('/dev/pts', '/dev/mqueue')]
c['mounts'] += [{'destination': d, 'type': 'bind', 'source': d, 'options': ['rbind', 'ro']} for d in ('/usr', '/etc')]
if with_jlxcfs:
    for m in json.load(open('examples/oci-mounts.json')):
        m['source'] = m['source'].replace('/var/lib/jlxcfs', mnt, 1)
        c['mounts'].append(m)
l = c['linux']; l['namespaces'] = [n for n in l['namespaces'] if n['type'] != 'network']
l['resources'] = {'memory': {'limit': 256 << 20}, 'cpu': {'quota': 100000, 'period': 100000}}
json.dump(c, open(b + '/config.json', 'w'))
EOF
}

run() {
  local id
  id=jlxcfs-demo-$1-$$
  containers+=("$id")
  runc run --bundle "$work/$1" "$id" >"$work/$1.out" 2>&1 </dev/null || { cat "$work/$1.out" >&2; exit 1; }
}

bundle "$work/without" 0
bundle "$work/with" 1
run without
run with

echo "runc, 256 MiB, 1 CPU, on a host with $(nproc) CPUs and $(awk '/MemTotal/ {printf "%d MiB", $2 / 1024}' /proc/meminfo)"
echo
python3 - "$work/without.out" "$work/with.out" <<'EOF'
import sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
w = max(len(x) for x in a + ['--- without jlxcfs (the host\'s /proc)']) + 2
print('--- without jlxcfs (the host\'s /proc)'.ljust(w) + '| --- with jlxcfs\'s files bound')
for i in range(max(len(a), len(b))):
    print((a[i] if i < len(a) else '').ljust(w) + '| ' + (b[i] if i < len(b) else ''))
EOF
