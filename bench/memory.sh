#!/usr/bin/env bash
# bench/memory.sh — memory side by side: real etcd 3.4 (Debian etcd-server) vs
# Concord, one server at a time on loopback, interleaved rounds (etcd, Concord,
# etcd, Concord), for issue 6's goal "memory per 100,000 keys and per 10,000
# watchers no more than etcd's".
#
# Per server and round, two phases, each on a FRESH server and data dir:
#   keys:     RSS of the idle server (after IDLE_SETTLE s), right after loading
#             KEYS keys (loadgen etcd put --prepopulate-only: 8-byte keys, 256-byte
#             values, 16 clients) and again after SETTLE s;
#   watchers: RSS of the idle server, then `loadgen etcd watch-latency --watchers
#             WATCHERS --conns 4` (etcd's own Go clientv3: watchers multiplexed, 100
#             per gRPC watch stream, 100 streams over 4 connections) is started and
#             kept running; RSS is read once the server's
#             etcd_debugging_mvcc_watcher_total gauge reaches WATCHERS, and again
#             after SETTLE s. loadgen puts the watched key once right after setup
#             (so every watcher has received one event) and not again before it is
#             stopped.
# RSS = VmRSS from /proc/PID/status, split into RssAnon (heap, malloc, stacks)
# and RssFile (mapped files: the binary and libraries, and the pages of a
# memory-mapped database file touched so far — bbolt for etcd, LMDB for
# Concord). Extra per sample: etcd's go_memstats_* from /metrics; Concord's
# process.memoryUsage() via bench/memprobe.cjs (preloaded with --require,
# triggered by SIGUSR2; no server change).
#
# Usage:
#   bench/memory.sh                      # 2 rounds, ~6 min
#   ROUNDS=1 SETTLE=10 bench/memory.sh   # quicker look
#   bench/memory.sh --table DIR/results.jsonl   # re-print the table
#
# Environment: ROUNDS (2), SERVERS ("etcd concord"), KEYS (100000), WATCHERS
# (10000), WATCH_CONNS (4), SETTLE (30 s), IDLE_SETTLE (5 s), LOADGEN
# (/tmp/loadgen/loadgen), ETCD_BIN (/usr/bin/etcd), ETCDCTL, CONCORD_MAIN
# (default: packages/server/dist copied to $OUTDIR/concord at start, as in
# compare.sh; point it at a build of one commit, e.g. from `git archive`, when
# others have uncommitted server changes in the tree), NODE_FLAGS (extra node
# flags for Concord, e.g. --max-semi-space-size=4), OUTDIR (default
# /tmp/bench-memory.<timestamp>; results.jsonl, table.md, meta.txt, logs; kept).

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

table() { # table RESULTS.jsonl: Markdown table of medians and Concord/etcd ratios
  python3 - "$1" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
S = {}  # (server, phase, point) -> list of samples (one per round)
for r in rows:
    S.setdefault((r["server"], r["phase"], r["point"]), []).append(r)
def med(server, phase, point, field):
    xs = [r[field] for r in S.get((server, phase, point), []) if field in r]
    return statistics.median(xs) if xs else None
def delta(server, phase, point, field):
    # per round: point - idle of the same server run, then the median
    xs = []
    for a, b in zip(S.get((server, phase, point), []), S.get((server, phase, "idle"), [])):
        xs.append(a[field] - b[field])
    return (statistics.median(xs), min(xs), max(xs)) if xs else None
def mb(kb): return f"{kb / 1024:.1f}"
def cell(server, kind, phase, point):
    f = delta if kind == "delta" else (lambda *a: (lambda m: (m, m, m) if m is not None else None)(med(*a)))
    v = [f(server, phase, point, k) for k in ("vmrss_kb", "rss_anon_kb", "rss_file_kb")]
    if v[0] is None: return "–", None, None
    rng = f" ({mb(v[0][1])}–{mb(v[0][2])})" if kind == "delta" and v[0][1] != v[0][2] else ""
    return f"**{mb(v[0][0])}**{rng} = {mb(v[1][0])} + {mb(v[2][0])}", v[0][0], v[1][0]
def ratio(c, e):
    return f"{c / e:.2f}" if c is not None and e and e > 0 else "–"
rounds = max((r["round"] for r in rows), default=0)
meta = next((r for r in rows if r.get("keys")), {})
def n(x): return f"{x // 1000}k" if x and x % 1000 == 0 else str(x)
K, W = n(meta.get("keys", 0)), n(meta.get("watchers", 0))
lines = [
    ("idle fresh server", "abs", "keys", "idle"),
    (f"after loading {K} keys", "abs", "keys", "loaded"),
    (f"Δ per {K} keys, right after the load", "delta", "keys", "loaded"),
    (f"Δ per {K} keys, after settle", "delta", "keys", "settled"),
    ("idle fresh server (watch phase)", "abs", "watch", "idle"),
    (f"with {W} watchers", "abs", "watch", "held"),
    (f"Δ per {W} watchers, right after setup", "delta", "watch", "held"),
    (f"Δ per {W} watchers, after settle", "delta", "watch", "settled"),
]
print(f"RSS in MiB: **VmRSS** = RssAnon + RssFile; medians over {rounds} round(s), "
      f"Δ range over rounds in parentheses; {meta.get('keys', '?')} keys, "
      f"{meta.get('watchers', '?')} watchers, settle {meta.get('settle_s', '?')} s.\n")
print("| measure | etcd | Concord | ratio C/E RSS | ratio C/E anon |")
print("|---|---|---|---|---|")
for name, kind, phase, point in lines:
    e, ev, ea = cell("etcd", kind, phase, point)
    c, cv, ca = cell("concord", kind, phase, point)
    print(f"| {name} | {e} | {c} | {ratio(cv, ev)} | {ratio(ca, ea)} |")
PY
}
if [ "${1:-}" = --table ]; then table "$2"; exit 0; fi

LOADGEN="${LOADGEN:-/tmp/loadgen/loadgen}"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"
ETCDCTL="${ETCDCTL:-/usr/bin/etcdctl}"
CONCORD_MAIN="${CONCORD_MAIN:-}"
CONCORD_DESC="CONCORD_MAIN=${CONCORD_MAIN:-?}"
NODE_FLAGS="${NODE_FLAGS:-}"
SERVERS="${SERVERS:-etcd concord}"
ROUNDS="${ROUNDS:-2}"
KEYS="${KEYS:-100000}"
WATCHERS="${WATCHERS:-10000}"
WATCH_CONNS="${WATCH_CONNS:-4}"
SETTLE="${SETTLE:-30}"
IDLE_SETTLE="${IDLE_SETTLE:-5}"
OUTDIR="${OUTDIR:-/tmp/bench-memory.$(date +%Y%m%d-%H%M%S)}"

port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
CPORT="${CPORT:-24791}"
while ! port_free "$CPORT" || ! port_free "$((CPORT + 1))" || ! port_free "$((CPORT + 2))"; do
  CPORT=$((CPORT + 3))
done
PPORT=$((CPORT + 1))
ZPORT=$((CPORT + 2)) # Concord's ZooKeeper listener, kept off the shared 2181
EP="127.0.0.1:$CPORT"

mkdir -p "$OUTDIR"
RESULTS="$OUTDIR/results.jsonl"
: >"$RESULTS"
SERVER_PID=""
LG_PID=""
DATA=""

log() { echo "[memory $(date +%H:%M:%S)] $*" >&2; }

stop_pid() { # stop_pid PID: SIGTERM, up to 10 s, then SIGKILL
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM for 10 s; SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  stop_pid "$LG_PID"; LG_PID=""
  stop_pid "$SERVER_PID"; SERVER_PID=""
  if [ -n "$DATA" ]; then rm -rf "$DATA"; DATA=""; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

[ -x "$LOADGEN" ] || { log "no $LOADGEN (see docs/benchmarks.md, How to run)"; exit 1; }
[ -x "$ETCD_BIN" ] || { log "no $ETCD_BIN: apt-get install -y etcd-server etcd-client"; exit 1; }
if [ -z "$CONCORD_MAIN" ]; then
  if [ ! -f "$ROOT/packages/server/dist/src/cli/main.js" ]; then
    log "building Concord"
    (cd "$ROOT" && npm run build -w @concord/server >/dev/null)
  fi
  mkdir -p "$OUTDIR/concord/packages/server"
  cp -rp "$ROOT/packages/server/dist" "$ROOT/packages/server/package.json" "$OUTDIR/concord/packages/server/"
  ln -sfn "$ROOT/node_modules" "$OUTDIR/concord/node_modules"
  CONCORD_MAIN="$OUTDIR/concord/packages/server/dist/src/cli/main.js"
  CONCORD_DESC="dist of the working tree at HEAD $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'), $(cd "$ROOT" && git status --short packages/server | wc -l) locally modified files under packages/server"
fi
PROBE="$OUTDIR/memprobe.jsonl"

held_by() { ss -Htlnp "sport = :$1" | grep -q "pid=$2,"; }

start_server() { # start_server etcd|concord TAG
  local kind="$1" tag="$2" t logf="$OUTDIR/$2.log"
  DATA="$(mktemp -d /tmp/bench-memory-data.XXXXXX)"
  local -a flags=(--name b --data-dir "$DATA/data"
    --listen-client-urls "http://$EP" --advertise-client-urls "http://$EP"
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT"
    --initial-cluster "b=http://127.0.0.1:$PPORT")
  if [ "$kind" = etcd ]; then
    "$ETCD_BIN" "${flags[@]}" --logger zap --log-outputs stderr >"$logf" 2>&1 &
  else
    # shellcheck disable=SC2086
    CONCORD_MEMPROBE="$PROBE" node $NODE_FLAGS --require "$HERE/memprobe.cjs" "$CONCORD_MAIN" serve \
      "${flags[@]}" --listen-zookeeper-urls "tcp://127.0.0.1:$ZPORT" >"$logf" 2>&1 &
  fi
  SERVER_PID=$!
  for t in $(seq 1 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$kind exited; see $logf"; return 1; }
    if ETCDCTL_API=3 "$ETCDCTL" --endpoints="$EP" --command-timeout=2s endpoint health >/dev/null 2>&1; then
      held_by "$CPORT" "$SERVER_PID" || { log "port $CPORT is not held by our $kind (pid $SERVER_PID)"; return 1; }
      log "$kind up at $EP (pid $SERVER_PID)"
      return 0
    fi
    sleep 0.2
  done
  log "$kind did not become healthy; see $logf"
  return 1
}

status_kb() { awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status"; }
metric() { # metric NAME: value of an unlabelled Prometheus metric of the running server
  { curl -s --max-time 5 "http://$EP/metrics" || true; } |
    awk -v m="$1" '$1 == m { v = $2 } END { if (v != "") printf "%.0f", v }'
}

sample() { # sample SERVER ROUND PHASE POINT: one JSON line to $RESULTS
  local s="$1" r="$2" ph="$3" pt="$4" extra="" f v
  local -a fs=(VmRSS RssAnon RssFile RssShmem VmHWM)
  local -a vals=()
  for f in "${fs[@]}"; do vals+=("$(status_kb "$SERVER_PID" "$f")"); done
  if [ "$s" = etcd ]; then
    for f in go_memstats_heap_inuse_bytes go_memstats_heap_alloc_bytes go_memstats_sys_bytes go_goroutines; do
      v="$(metric "$f")"
      extra="$extra,\"$f\":${v:-null}"
    done
  else
    local n0 i
    n0=$( (cat "$PROBE" 2>/dev/null || true) | wc -l)
    kill -USR2 "$SERVER_PID"
    for i in $(seq 1 50); do [ "$( (cat "$PROBE" 2>/dev/null || true) | wc -l)" -gt "$n0" ] && break; sleep 0.1; done
    local line
    line="$(tail -1 "$PROBE" 2>/dev/null || true)"
    [ -n "$line" ] && extra=",\"node\":$line"
  fi
  printf '{"server":"%s","round":%d,"phase":"%s","point":"%s","keys":%d,"watchers":%d,"settle_s":%d,"vmrss_kb":%d,"rss_anon_kb":%d,"rss_file_kb":%d,"rss_shmem_kb":%d,"vmhwm_kb":%d%s}\n' \
    "$s" "$r" "$ph" "$pt" "$KEYS" "$WATCHERS" "$SETTLE" "${vals[@]}" "$extra" >>"$RESULTS"
  log "$s r$r $ph/$pt: VmRSS $((vals[0] / 1024)) MiB (anon $((vals[1] / 1024)), file $((vals[2] / 1024)))"
}

keys_phase() { # keys_phase SERVER ROUND
  local s="$1" r="$2" t0
  start_server "$s" "$s-keys-r$r" || { stop_all; return 0; }
  sleep "$IDLE_SETTLE"
  sample "$s" "$r" keys idle
  t0=$SECONDS
  timeout 300 "$LOADGEN" etcd put --endpoints "$EP" --key-size 8 --val-size 256 --key-space "$KEYS" \
    --clients 16 --prepopulate-only >/dev/null 2>"$OUTDIR/lg.err" || { log "bulk load failed"; cat "$OUTDIR/lg.err" >&2; }
  log "$s loaded $KEYS keys in $((SECONDS - t0)) s"
  sample "$s" "$r" keys loaded
  sleep "$SETTLE"
  sample "$s" "$r" keys settled
  stop_all
}

watch_phase() { # watch_phase SERVER ROUND
  local s="$1" r="$2" t n=0 hold
  start_server "$s" "$s-watch-r$r" || { stop_all; return 0; }
  sleep "$IDLE_SETTLE"
  sample "$s" "$r" watch idle
  # first put right after setup, the second one only after the hold: loadgen is stopped before
  hold=$((SETTLE + 120))
  "$LOADGEN" etcd watch-latency --endpoints "$EP" --watchers "$WATCHERS" --conns "$WATCH_CONNS" \
    --puts 2 --put-rate "$(awk -v h="$hold" 'BEGIN{printf "%.6f", 1 / h}')" --duration "$((hold + 30))s" \
    >"$OUTDIR/$s-watch-r$r.loadgen.json" 2>"$OUTDIR/$s-watch-r$r.loadgen.err" &
  LG_PID=$!
  for t in $(seq 1 600); do # up to 120 s for the watchers to be created
    n="$(metric etcd_debugging_mvcc_watcher_total)"
    [ -n "$n" ] && [ "$n" -ge "$WATCHERS" ] && break
    kill -0 "$LG_PID" 2>/dev/null || { log "loadgen exited early; see $OUTDIR/$s-watch-r$r.loadgen.err"; break; }
    sleep 0.2
  done
  log "$s: $n watchers after $((t / 5)) s"
  sleep 1 # the first put's fan-out
  sample "$s" "$r" watch held
  sleep "$SETTLE"
  sample "$s" "$r" watch settled
  stop_all
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "rounds $ROUNDS, order per round: $SERVERS; keys $KEYS, watchers $WATCHERS over $WATCH_CONNS conns, settle $SETTLE s"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); mem: $(awk '/MemTotal/{print int($2/1024)" MiB"}' /proc/meminfo)"
  echo "etcd: $("$ETCD_BIN" --version | head -1)"
  echo "node: $(node --version) $NODE_FLAGS; concord: $CONCORD_DESC, main.js built $(date -r "$CONCORD_MAIN" +%H:%M:%S)"
  bash "$ROOT/bench/damon-state.sh"
} >"$OUTDIR/meta.txt"
log "results in $OUTDIR"
T0=$SECONDS
for ((round = 1; round <= ROUNDS; round++)); do
  for s in $SERVERS; do
    log "round $round: $s"
    keys_phase "$s" "$round"
    watch_phase "$s" "$round"
  done
done
log "done in $((SECONDS - T0)) s"
table "$RESULTS" | tee "$OUTDIR/table.md"
