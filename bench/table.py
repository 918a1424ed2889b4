#!/usr/bin/env python3
"""Markdown tables from bench/compare.sh results (loadgen JSON lines).

Labels are "<server>:<workload>:r<round>". Every metric is the median over
rounds; ops/s also shows min-max. Ratio = Concord / baseline (ops/s: >1 means
Concord is faster; latency/CPU/RSS: >1 means Concord uses more). The baseline
is etcd (1 member; "...3-c64" workloads: 3 members) or, for the zk* workloads,
Debian's ZooKeeper (server "zookeeper"; standalone, or a 3-server ensemble for
"zk<op>3-c<N>"). One table per section.

--svg PATH also writes an SVG line chart of put ops/s against clients
(put-c<N> workloads, etcd vs Concord, 1 member, medians).

"other cores" = (machine-wide busy CPU - server CPU - loadgen CPU) / wall time
of the loadgen run: background load from other processes on the shared
machine (approximate; server CPU covers only the measured phase).

Usage: bench/table.py results.jsonl [--svg PATH]
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
    wl, _, rate = wl.partition("@")  # "<workload>@N": held to N ops/s (compare.sh ZK3_RATE)
    if rate:
        return f"{describe(wl)}, held to {rate} ops/s"
    if wl.startswith("zk"):
        op, c = wl[2:].split("-c")
        c = int(c)
        if op.endswith("3"):  # zkcluster: sessions = 3 per 48 clients, spread over 3 servers
            what = {"create3": "create (unique znodes)", "set3": "setData (bulk-loaded key space)",
                    "get3": "getData (bulk-loaded key space)"}.get(op, op)
            return f"{what} {c}/{3 * ((c + 47) // 48)}, 3 members"
        what = {"create": "create (unique znodes)", "set": "setData (bulk-loaded key space)",
                "get": "getData (bulk-loaded key space)"}.get(op, op)
        return f"{what} {c}/{(c + 15) // 16}"
    if wl.startswith("put3-c"):
        return "put 64/4, 3 members"
    if wl.startswith("rangel3") or wl.startswith("ranges3"):
        cons = "lin" if wl[5] == "l" else "ser"
        return f"range {cons} 1 key 64/4, 3 members"
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


def svg_chart(g, path):
    """Line chart: put ops/s (median) against clients, etcd vs Concord, 1 member."""
    series = {}
    for wl, by in g.items():
        if not wl.startswith("put-c"):
            continue
        c = int(wl[5:])
        for server in ("etcd", "concord"):
            v = med(by.get(server, []), "ops_per_s")
            if v is not None:
                series.setdefault(server, []).append((c, v))
    if not series:
        return False
    import math
    W, H, L, R, T, Bm = 640, 360, 70, 130, 40, 50
    xs = sorted({c for pts in series.values() for c, _ in pts})
    ymax = max(v for pts in series.values() for _, v in pts) * 1.1
    step = 10 ** math.floor(math.log10(ymax / 5)) if ymax > 0 else 1
    step = next(m * step for m in (1, 2, 5, 10) if ymax / (m * step) <= 6)
    ymax = math.ceil(ymax / step) * step
    def px(c):
        if len(xs) == 1:
            return L + (W - L - R) / 2
        return L + (W - L - R) * xs.index(c) / (len(xs) - 1)
    def py(v):
        return T + (H - T - Bm) * (1 - v / ymax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">put throughput against clients '
           '(1 member, 8-byte keys, 256-byte values)</text>']
    y = 0
    while y <= ymax + 1e-9:
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
        y += step
    for c in xs:
        out.append(f'<text x="{px(c):.1f}" y="{H - Bm + 18}" text-anchor="middle">{c}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">clients (connections = clients/16, '
               'one request in flight each)</text>')
    out.append(f'<text x="16" y="{(T + H - Bm) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(T + H - Bm) / 2})">ops/s (median)</text>')
    colors = {"etcd": "#1f77b4", "concord": "#d62728"}
    names = {"etcd": "etcd 3.4", "concord": "Concord"}
    for k, server in enumerate(("etcd", "concord")):
        pts = sorted(series.get(server, []))
        if not pts:
            continue
        col = colors[server]
        out.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" points="'
                   + " ".join(f"{px(c):.1f},{py(v):.1f}" for c, v in pts) + '"/>')
        for c, v in pts:
            out.append(f'<circle cx="{px(c):.1f}" cy="{py(v):.1f}" r="3.5" fill="{col}"/>')
            out.append(f'<text x="{px(c):.1f}" y="{py(v) - 8:.1f}" text-anchor="middle" fill="{col}" '
                       f'font-size="10">{v:.0f}</text>')
        ly = T + 10 + 20 * k
        out.append(f'<line x1="{W - R + 15}" x2="{W - R + 40}" y1="{ly}" y2="{ly}" stroke="{col}" stroke-width="2"/>')
        out.append(f'<text x="{W - R + 46}" y="{ly + 4}">{names[server]}</text>')
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")
    return True


def main():
    args = sys.argv[1:]
    svg = None
    if "--svg" in args:
        k = args.index("--svg")
        svg = args[k + 1]
        del args[k:k + 2]
    rows = load(args[0])
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

    watch = []
    sections = OrderedDict((k, []) for k in ("etcd 1 member vs Concord 1 member",
                                             "etcd 3 members vs Concord 3 members (loopback)",
                                             "ZooKeeper standalone vs Concord (ZooKeeper protocol)",
                                             "ZooKeeper 3 members vs Concord 3 members (ZooKeeper protocol, loopback)"))
    for wl, by in g.items():
        if wl.startswith("watch"):
            watch.append((wl, by))
        elif wl.startswith("zk") and "3-c" in wl:
            sections["ZooKeeper 3 members vs Concord 3 members (ZooKeeper protocol, loopback)"].append((wl, by))
        elif wl.startswith("zk"):
            sections["ZooKeeper standalone vs Concord (ZooKeeper protocol)"].append((wl, by))
        elif "3-c" in wl:
            sections["etcd 3 members vs Concord 3 members (loopback)"].append((wl, by))
        else:
            sections["etcd 1 member vs Concord 1 member"].append((wl, by))
    first = True
    for title, items in sections.items():
        if not items:
            continue
        base = "zookeeper" if title.startswith("ZooKeeper") else "etcd"
        B = "ZK" if base == "zookeeper" else "E"
        bname = "ZooKeeper" if base == "zookeeper" else "etcd"
        if not first:
            print()
        first = False
        print(f"**{title}**")
        print()
        print(f"| workload | {bname} ops/s | Concord ops/s | ops/s ratio C/{B} | p50 ms {B} / C | p99 ms {B} / C | "
              f"server CPU-s per 1k ops {B} / C (ratio) | peak RSS MB {B} / C | errors {B} / C | runs {B} / C | other cores {B} / C |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for wl, by in items:
            e, c = by.get(base, []), by.get("concord", [])
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

    if svg and svg_chart(g, svg):
        print(f"\n(chart: {svg})", file=sys.stderr)


if __name__ == "__main__":
    main()
