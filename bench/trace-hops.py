#!/usr/bin/env python3
"""bench/trace-hops.py — where a write's time goes between the members of a cluster, from a
`perf script` of system-call and scheduler events (bench/trace-hops.sh records one).

  python3 bench/trace-hops.py PERF_SCRIPT_TXT PID=NAME[,PID=NAME...] [LEADER_PID]

Prints, per member main thread (the thread whose id is the process id):
  - hops: the time from the last read that returned data before a write (write, writev,
    pwrite) to that write, grouped by bytes read and the system call, with the time the thread
    was switched out in between subtracted (so: CPU time, the tracing's own included; the
    recording must be system-wide, or a switch back from a program it did not trace is missed);
  - fdatasync durations on any of its threads;
and for LEADER_PID, the fan-out gap: the time between two writes of the same size to different
sockets (a proposal or commit notice to each follower), which grows when writing to the first
follower wakes it onto the leader's CPU.
"""
import re
import sys
from collections import defaultdict

SYSCALLS = {0: 'read', 1: 'write', 18: 'pwrite', 20: 'writev', 75: 'fdatasync'}
WRITES = (1, 18, 20)
LINE = re.compile(r'\s*(\S+)\s+(\d+)/(\d+)\s+(?:\[\d+\]\s+)?([\d.]+):\s+(\S+): (.*)')


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))]


def summary(v):
    v = sorted(v)
    return f'n {len(v):5d}  p50 {pct(v, 0.5):7.0f}  p75 {pct(v, 0.75):7.0f}  p90 {pct(v, 0.9):7.0f}'


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, names = sys.argv[1], dict(x.split('=') for x in sys.argv[2].split(','))
    leader = sys.argv[3] if len(sys.argv) > 3 else None
    pending = {}  # tid -> (nr, t, args) of the system call it is in
    last_read = {}  # main thread -> (t, bytes, switched-out total at that time)
    switched_at, switched_total = {}, defaultdict(float)
    hops = defaultdict(list)  # (pid, bytes, syscall) -> [us]
    syncs = defaultdict(list)  # pid -> [us]
    leader_writes = []  # (t, fd, bytes)
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        _, pid, tid, t, event, rest = m.groups()
        t = float(t)
        if event == 'sched:sched_switch':
            prev = re.search(r'prev_pid=(\d+)', rest).group(1)
            nxt = re.search(r'next_pid=(\d+)', rest).group(1)
            switched_at[prev] = t
            if nxt in switched_at:
                switched_total[nxt] += t - switched_at.pop(nxt)
            continue
        if pid not in names:
            continue
        if event == 'raw_syscalls:sys_enter':
            nr = int(rest.split()[1])
            args = re.search(r'\((.*)\)', rest).group(1).split(', ')
            pending[tid] = (nr, t, args)
            if tid == pid and nr in WRITES and tid in last_read:
                t0, size, out0 = last_read.pop(tid)
                on_cpu = (t - t0) - (switched_total[tid] - out0)
                hops[(pid, size, SYSCALLS[nr])].append(on_cpu * 1e6)
            if tid == leader and nr in (1, 20):
                leader_writes.append((t, int(args[0], 16), int(args[2], 16)))
        elif event == 'raw_syscalls:sys_exit' and tid in pending:
            nr, t0, args = pending.pop(tid)
            ret = rest.split('= ')[-1]
            if nr == 75:
                syncs[pid].append((t - t0) * 1e6)
            elif nr == 0 and tid == pid and ret.isdigit() and int(ret) > 0:
                last_read[tid] = (t, int(ret), switched_total[tid])
    for pid, name in names.items():
        mark = ' (leader)' if pid == leader else ''
        print(f'{name}{mark}: read -> next write of the main thread, on CPU, us')
        rows = sorted(((k, v) for k, v in hops.items() if k[0] == pid), key=lambda kv: -len(kv[1]))
        for (_, size, call), v in rows[:8]:
            print(f'  read {size:6d} B -> {call:7s} {summary(v)}')
        if syncs[pid]:
            print(f'  fdatasync duration, us          {summary(syncs[pid])}')
    if leader:
        gaps = defaultdict(list)
        for a, b in zip(leader_writes, leader_writes[1:]):
            if a[1] != b[1] and a[2] == b[2]:
                gaps[a[2]].append((b[0] - a[0]) * 1e6)
        print(f'{names.get(leader, leader)} (leader): fan-out gap between same-size writes to two sockets, us')
        for size, v in sorted(gaps.items(), key=lambda kv: -len(kv[1]))[:4]:
            print(f'  {size:6d} B {summary(v)}')


if __name__ == '__main__':
    main()
