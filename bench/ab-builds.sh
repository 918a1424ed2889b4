#!/usr/bin/env bash
# bench/ab-builds.sh — A/B of two Concord builds with loadgen, to tell whether a change made
# Concord faster: the two builds run alternately in the same sitting (A B, then B A, ...), so machine
# drift hits both alike. Used for docs/benchmarks.md ("What made Concord faster").
# Run an A/A first (the same dist as both): on the Xeon VM of 2026-12-03 the B server of the
# 1-member mode ran zk:set 64/4 up to 20 % faster than A with one build as both (B faster in 3
# of 4 rounds, CPU per 1k 0.063 vs 0.079), whichever order the round ran them in.
#
#   bench/ab-builds.sh OLD_DIST NEW_DIST        # dists: a built packages/server/dist of each build
#
# OLD_DIST / NEW_DIST: e.g. build the old commit with
#   git worktree add /tmp/old REV && ln -s "$PWD/node_modules" /tmp/old/node_modules &&
#   (cd /tmp/old && npx tsc -p packages/server/tsconfig.json)   # -> /tmp/old/packages/server/dist
#
# Environment:
#   MEMBERS  1 (default): both builds run at once as single members (the idle one uses no CPU),
#            each loaded once; 3: one 3-member cluster at a time on loopback, started, loaded
#            and stopped for every build and round
#   TOGETHER 1: with MEMBERS=3, both clusters run at once, each loaded once, and the runs
#            alternate between them as with MEMBERS=1: a drifting VM (steal time) then hits
#            both builds alike within minutes instead of across restarts. Run an A/A and both
#            orders: on 2026-12-03 an A/A had the second cluster 18 % ahead on 3-client setData
#   OPS      what to run, "zk:set zk:create etcd:put" by default (zk:<op> = loadgen zk <op>,
#            etcd:<op> = loadgen etcd <op>)
#   ROUNDS (6), TOTAL ops per run (30000), KS key space (100000; 50000 with MEMBERS=3),
#   CLIENTS (64), CONNS (4 for etcd; ZooKeeper sessions: 4, or 6 with MEMBERS=3),
#   LOADGEN (/tmp/loadgen/loadgen; see docs/benchmarks.md "How to run"),
#   RATE     ops/s each measured run is held to (loadgen --rate; 0, the default, is flat out).
#            At a rate both builds sustain, the server CPU per 1k ops compares the work an op
#            costs with less noise than throughput does on a saturated 2-core VM. Run both
#            orders (OLD NEW, then NEW OLD): in two such A/Bs with MEMBERS=3 (2026-12-05) the
#            build in slot B had the lower p50 in 13 of 16 rounds, whichever build it was
#   A_NODE_FLAGS / B_NODE_FLAGS: node options for that build's servers (e.g. the same dist
#   twice, B with --max-semi-space-size=4, measures what a V8 flag costs)
# Prints one line per run: round, op, build, ops/s, p50, p99, errors, server CPU-s per 1k ops;
# then the medians per op and build, and in how many rounds the new build was faster.
set -euo pipefail
OLD="${1:?usage: bench/ab-builds.sh OLD_DIST NEW_DIST}"
NEW="${2:?usage: bench/ab-builds.sh OLD_DIST NEW_DIST}"
LG="${LOADGEN:-/tmp/loadgen/loadgen}"
MEMBERS="${MEMBERS:-1}"
ROUNDS="${ROUNDS:-6}"
TOTAL="${TOTAL:-30000}"
KS="${KS:-$([ "$MEMBERS" = 3 ] && echo 50000 || echo 100000)}"
CLIENTS="${CLIENTS:-64}"
ZCONNS="${CONNS:-$([ "$MEMBERS" = 3 ] && echo 6 || echo 4)}"
ECONNS="${CONNS:-4}"
OPS="${OPS:-zk:set zk:create etcd:put}"
OUT="$(mktemp -d /tmp/ab-builds.XXXXXX)"
declare -A DIST=([A]="$OLD" [B]="$NEW")
declare -A NODE_FLAGS=([A]="${A_NODE_FLAGS:-}" [B]="${B_NODE_FLAGS:-}")
for b in A B; do [ -f "${DIST[$b]}/src/cli/main.js" ] || { echo "no ${DIST[$b]}/src/cli/main.js" >&2; exit 2; }; done
PIDS="" EPS="" ZKS=""
declare -A B_PIDS B_EPS B_ZKS

start() { # start BUILD BASEPORT: MEMBERS members of BUILD; sets PIDS, EPS, ZKS
  local b=$1 base=$2 i cluster=""
  PIDS="" EPS="" ZKS=""
  for ((i = 0; i < MEMBERS; i++)); do cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:$((base + 10 * i + 2))"; done
  for ((i = 0; i < MEMBERS; i++)); do
    local cp=$((base + 10 * i)) zp=$((base + 10 * i + 1)) pp=$((base + 10 * i + 2))
    # shellcheck disable=SC2086 # the flags are words
    node ${NODE_FLAGS[$b]} "${DIST[$b]}/src/cli/main.js" serve --name "m$i" --data-dir "$OUT/data-$b-$base-$i" \
      --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
      --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --listen-zookeeper-urls "tcp://127.0.0.1:$zp" >"$OUT/$b-$base-m$i.log" 2>&1 &
    PIDS="${PIDS:+$PIDS,}$!" EPS="${EPS:+$EPS,}127.0.0.1:$cp" ZKS="${ZKS:+$ZKS,}127.0.0.1:$zp"
  done
  local t
  for t in $(seq 1 150); do
    "$LG" etcd put --endpoints "${EPS%%,*}" --total 1 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "build $b did not come up; logs in $OUT" >&2
  exit 1
}
stop() { kill ${PIDS//,/ } 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$OUT"/data-*; }
trap 'for b in A B; do [ -n "${B_PIDS[$b]:-}" ] && kill ${B_PIDS[$b]//,/ } 2>/dev/null; done; [ -n "$PIDS" ] && kill ${PIDS//,/ } 2>/dev/null; true' EXIT

load() { # bulk load and warm-up of the started servers
  "$LG" zk create --servers "$ZKS" --key-size 8 --val-size 256 --key-space "$KS" --clients 16 \
    --conns "$MEMBERS" --prepopulate-only >/dev/null 2>&1
  "$LG" etcd put --endpoints "$EPS" --key-size 8 --val-size 256 --key-space "$KS" --clients 16 \
    --prepopulate-only >/dev/null 2>&1
  local op
  for op in $OPS; do one "${op%%:*}" "${op#*:}" 10000 0 >/dev/null; done
}
one() { # one zk|etcd OP TOTAL [RATE]: a loadgen run against the started servers, JSON line
  if [ "$1" = zk ]; then
    "$LG" zk "$2" --servers "$ZKS" --key-size 8 --val-size 256 --key-space "$KS" --clients "$CLIENTS" \
      --conns "$ZCONNS" --total "$3" --rate "${4:-${RATE:-0}}" --server-pids "$PIDS" 2>/dev/null | tail -1
  else
    "$LG" etcd "$2" --endpoints "$EPS" --key-size 8 --val-size 256 --key-space "$KS" --clients "$CLIENTS" \
      --conns "$ECONNS" --total "$3" --rate "${4:-${RATE:-0}}" --server-pids "$PIDS" 2>/dev/null | tail -1
  fi
}
record() { # record ROUND OP BUILD JSON
  python3 -c 'import json,sys; r=json.loads(sys.argv[4]); print(json.dumps({"round":int(sys.argv[1]),"op":sys.argv[2],"build":sys.argv[3],"ops":r["ops_per_s"],"p50":r["lat_p50_ms"],"p99":r["lat_p99_ms"],"errors":r["errors"],"cpu1k":r.get("server_cpu_s_per_1k_ops")}))' "$@" |
    tee -a "$OUT/results.jsonl"
}

TOGETHER="${TOGETHER:-$([ "$MEMBERS" = 1 ] && echo 1 || echo 0)}"
if [ "$TOGETHER" = 1 ]; then
  for b in A B; do
    start "$b" $([ "$b" = A ] && echo 24100 || echo 24200)
    load
    B_PIDS[$b]="$PIDS" B_EPS[$b]="$EPS" B_ZKS[$b]="$ZKS"
  done
  PIDS=""
fi
for r in $(seq 1 "$ROUNDS"); do
  # A B in odd rounds, B A in even ones, so neither build always runs second (the second one
  # came out ahead in some A/Bs; the cause was not found)
  order="A B"; [ $((r % 2)) = 0 ] && order="B A"
  if [ "$TOGETHER" = 1 ]; then
    for op in $OPS; do
      for b in $order; do
        PIDS="${B_PIDS[$b]}" EPS="${B_EPS[$b]}" ZKS="${B_ZKS[$b]}"
        record "$r" "$op" "$b" "$(one "${op%%:*}" "${op#*:}" "$TOTAL")"
      done
    done
    PIDS=""
  else
    for b in $order; do
      start "$b" 24400
      load
      for op in $OPS; do record "$r" "$op" "$b" "$(one "${op%%:*}" "${op#*:}" "$TOTAL")"; done
      stop
      PIDS=""
    done
  fi
done
python3 - "$OUT/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for op in dict.fromkeys(r["op"] for r in rows):
    for b, name in (("A", "old"), ("B", "new")):
        xs = [r for r in rows if r["op"] == op and r["build"] == b]
        med = lambda k: statistics.median(x[k] for x in xs if x[k] is not None)
        print(f"{op} {name}: ops/s {med('ops'):.0f} (runs {' '.join(str(int(x['ops'])) for x in xs)}), "
              f"p99 {med('p99'):.1f} ms, server CPU-s per 1k {med('cpu1k'):.4f}")
    by = {(r["round"], r["build"]): r for r in rows if r["op"] == op}
    rounds = sorted({k[0] for k in by if (k[0], "A") in by and (k[0], "B") in by})
    faster = sum(by[(n, "B")]["ops"] > by[(n, "A")]["ops"] for n in rounds)
    cheaper = sum(by[(n, "B")]["cpu1k"] < by[(n, "A")]["cpu1k"] for n in rounds
                  if by[(n, "A")]["cpu1k"] is not None and by[(n, "B")]["cpu1k"] is not None)
    print(f"{op}: new faster in {faster} of {len(rounds)} rounds, less CPU per op in {cheaper}")
PY
echo "results: $OUT/results.jsonl" >&2
