#!/usr/bin/env python3
"""Markdown tables from bench/compare.sh results (loadgen JSON lines).

Labels are "<server>:<workload>:r<round>". Every metric is the median over
rounds; ops/s also shows min-max. Ratio = Concord / etcd (ops/s: >1 means
Concord is faster; latency/CPU/RSS: >1 means Concord uses more).

"other cores" = (machine-wide busy CPU - server CPU - loadgen CPU) / wall time
of the loadgen run: background load from other processes on the shared
machine (approximate; server CPU covers only the measured phase).

Usage: bench/table.py results.jsonl
"""
import json
import statistics
import sys
from collections import OrderedDict


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def med(rs, field):
    vals = [r[field] for r in rs if isinstance(r.get(field), (int, float))]
    return statistics.median(vals) if vals else None


def f(v, nd=2):
    if v is None:
        return "–"
    return f"{v:.{nd}f}" if nd else f"{v:.0f}"


def ratio(c, e, nd=2):
    if c is None or e in (None, 0):
        return "–"
    return f"{c / e:.{nd}f}"


def rng(rs, field):
    vals = [r[field] for r in rs if isinstance(r.get(field), (int, float))]
    if len(vals) < 2:
        return ""
    return f" ({min(vals):.0f}–{max(vals):.0f})"


def other_cores(rs):
    """Median cores used by processes other than server+loadgen during the runs."""
    vals = []
    for r in rs:
        if isinstance(r.get("machine_busy_s"), (int, float)) and r.get("wall_s"):
            other = r["machine_busy_s"] - r.get("server_cpu_s", 0) - r.get("client_cpu_s", 0)
            vals.append(max(other, 0) / r["wall_s"])
    return statistics.median(vals) if vals else None


def describe(wl):
    if wl.startswith("put-c"):
        c = int(wl[5:])
        return f"put {c}/{(c + 15) // 16}"
    if wl.startswith("txnput-c"):
        return "txn-put CAS 64/4 (1k keys)"
    if wl.startswith("range"):
        cons = "lin" if wl[5] == "l" else "ser"
        c = int(wl.split("-c")[1])
        return f"range {cons} 1 key {c}/{(c + 15) // 16}"
    return wl


def main():
    rows = load(sys.argv[1])
    g = OrderedDict()  # workload -> server -> [rows]
    failed = []
    for r in rows:
        parts = r.get("label", "").split(":")
        if len(parts) != 3:
            continue
        server, wl, _ = parts
        if r.get("failed"):
            failed.append(r["label"])
            continue
        g.setdefault(wl, {}).setdefault(server, []).append(r)

    print("| workload | etcd ops/s | Concord ops/s | ops/s ratio C/E | p50 ms E / C | p99 ms E / C | "
          "server CPU-s per 1k ops E / C (ratio) | peak RSS MB E / C | errors E / C | runs E / C | other cores E / C |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    watch = []
    for wl, by in g.items():
        if wl.startswith("watch"):
            watch.append((wl, by))
            continue
        e, c = by.get("etcd", []), by.get("concord", [])
        eo, co = med(e, "ops_per_s"), med(c, "ops_per_s")
        ecpu, ccpu = med(e, "server_cpu_s_per_1k_ops"), med(c, "server_cpu_s_per_1k_ops")
        errs = f"{sum(r.get('errors', 0) for r in e)} / {sum(r.get('errors', 0) for r in c)}"
        print(f"| {describe(wl)} | {f(eo, 0)}{rng(e, 'ops_per_s')} | {f(co, 0)}{rng(c, 'ops_per_s')} | "
              f"**{ratio(co, eo)}** | {f(med(e, 'lat_p50_ms'))} / {f(med(c, 'lat_p50_ms'))} | "
              f"{f(med(e, 'lat_p99_ms'))} / {f(med(c, 'lat_p99_ms'))} | "
              f"{f(ecpu, 3)} / {f(ccpu, 3)} ({ratio(ccpu, ecpu)}) | "
              f"{f(med(e, 'server_peak_rss_mb'), 0)} / {f(med(c, 'server_peak_rss_mb'), 0)} | {errs} | "
              f"{len(e)} / {len(c)} | {f(other_cores(e))} / {f(other_cores(c))} |")

    if watch:
        print()
        print("| watch | server | watchers held / req | events recv / expected (min) | delivery p50 ms | p99 ms | "
              "max ms | fan-out p99 ms | put p50 ms | server CPU-s per 1k events | peak RSS MB | runs |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for wl, by in watch:
            for server in ("etcd", "concord"):
                rs = by.get(server, [])
                if not rs:
                    continue
                recv = min(r.get("events_received", 0) for r in rs)
                exp = max(r.get("events_expected", 0) for r in rs)
                held = min(r.get("watchers_held", 0) for r in rs)
                req = max(r.get("watchers_requested", 0) for r in rs)
                print(f"| {wl} | {server} | {held} / {req} | {recv} / {exp} | {f(med(rs, 'lat_p50_ms'))} | "
                      f"{f(med(rs, 'lat_p99_ms'))} | {f(med(rs, 'lat_max_ms'))} | "
                      f"{f(med(rs, 'fanout_complete_p99_ms'))} | {f(med(rs, 'put_lat_p50_ms'))} | "
                      f"{f(med(rs, 'server_cpu_s_per_1k_events'), 3)} | {f(med(rs, 'server_peak_rss_mb'), 0)} | {len(rs)} |")

    errs = [r for r in rows if r.get("errors") or r.get("put_errors") or r.get("watchers_canceled")]
    if errs or failed:
        print()
        print("Errors:")
        for r in errs:
            print(f"- {r['label']}: errors={r.get('errors', 0)} put_errors={r.get('put_errors', 0)} "
                  f"canceled={r.get('watchers_canceled', 0)} first_error={r.get('first_error', '')!r}")
        for l in failed:
            print(f"- {l}: loadgen produced no result")


if __name__ == "__main__":
    main()
