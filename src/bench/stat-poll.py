#!/usr/bin/env python3
"""Accuracy check of a /proc/stat view under fast polling: reads FILE every INTERVAL seconds for SECONDS and
prints the busy and idle ticks of the `cpu` line over the whole run, and the busy share top would show.

    src/bench/stat-poll.py FILE [SECONDS] [INTERVAL]

Run it inside the cgroup under test (e.g. beside a busy loop in a cgroup with a one-CPU quota: expect ~100%).
"""
import sys
import time


def cpu(path):
    with open(path) as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[2], v[3]


def main():
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.005
    b0, i0 = cpu(path)
    t0 = time.time()
    while time.time() - t0 < seconds:
        cpu(path)
        time.sleep(interval)
    b1, i1 = cpu(path)
    busy, idle = b1 - b0, i1 - i0
    print("busy ticks", busy, "idle ticks", idle, "busy%", round(100 * busy / max(1, busy + idle), 1))


if __name__ == "__main__":
    main()
