package dev.jlxcfs.proc;

import dev.jlxcfs.cgroup.CgroupDir;

/**
 * A process that read one of our files, resolved: who it is and where its cgroups are. A resolution is cached for
 * at most the staleness bound, keyed by pid and start time so that a reused pid never inherits it.
 *
 * @param pid       the caller's pid in the daemon's pid namespace: FUSE reports the calling thread's id, which
 *                  /proc resolves like a pid (/proc/TID/cgroup is the thread's, as the kernel accounts it)
 * @param startTime when it started, in clock ticks since boot (field 22 of /proc/PID/stat)
 * @param memory    its memory cgroup, or null when no hierarchy serves the memory controller
 * @param cpu       its cgroup in the hierarchy that holds CFS quotas ("cpu"), or null
 * @param cpuset    its cpuset cgroup, or null
 * @param cpuUsage  its cgroup in the hierarchy that accounts CPU time (v1 "cpuacct", v2 "cpu"), or null
 */
public record Caller(int pid, long startTime, CgroupDir memory, CgroupDir cpu, CgroupDir cpuset,
                     CgroupDir cpuUsage) {}
