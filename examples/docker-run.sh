#!/bin/sh
# Runs a container limited to 256 MiB and 1 CPU with jlxcfs's files bound over its own, and shows what it sees.
#   examples/docker-run.sh                    docker, the daemon at /var/lib/jlxcfs (the .deb's systemd unit)
#   ENGINE=podman examples/docker-run.sh      podman takes the same -v options
#   JLXCFS_MNT=/var/lib/jlxcfs/mnt ...        the daemon run as a container or a DaemonSet (packaging/Dockerfile)
# The binds are those of examples/oci-mounts.json (and of `jlxcfs flags`); keep them read-only.
set -eu
engine=${ENGINE:-docker}
mnt=${JLXCFS_MNT:-/var/lib/jlxcfs}
exec "$engine" run --rm -m 256m --cpus 1 \
  -v "$mnt/proc/meminfo:/proc/meminfo:ro" \
  -v "$mnt/proc/cpuinfo:/proc/cpuinfo:ro" \
  -v "$mnt/proc/stat:/proc/stat:ro" \
  -v "$mnt/proc/uptime:/proc/uptime:ro" \
  -v "$mnt/proc/swaps:/proc/swaps:ro" \
  -v "$mnt/proc/diskstats:/proc/diskstats:ro" \
  -v "$mnt/proc/loadavg:/proc/loadavg:ro" \
  -v "$mnt/sys/devices/system/cpu:/sys/devices/system/cpu:ro" \
  debian:12 sh -c 'head -3 /proc/meminfo; getconf _NPROCESSORS_ONLN; grep -c ^processor /proc/cpuinfo; cat /proc/uptime'
