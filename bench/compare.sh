#!/usr/bin/env bash
# bench/compare.sh — side-by-side: real etcd 3.4 (Debian etcd-server) vs Concord,
# same loadgen workloads, one server at a time on loopback, interleaved
# A B A B (etcd, Concord, etcd, Concord, ...), then a Markdown table with
# medians and the Concord/etcd ratio.
#
# Usage (from anywhere):
#   npm run bench:compare            # = bench/compare.sh after a build
#   bench/compare.sh                 # full, every workload: ~20 min on a quiet 2-core machine
#   QUICK=1 bench/compare.sh         # smoke: fewer clients, short runs (~3 min)
#
# Environment:
#   LOADGEN      loadgen binary (default /tmp/loadgen/loadgen; built there from
#                $LOADGEN_SRC with Debian's Go if missing — see
#                shared/tools/loadgen/README.md for the apt packages)
#   LOADGEN_SRC  loadgen sources (default /work/shared/tools/loadgen)
#   ETCD_BIN     etcd binary (default /usr/bin/etcd)
#   ZK_JAR ZK_CONF_DIR  Debian ZooKeeper (default /usr/share/java/zookeeper.jar,
#                /etc/zookeeper/conf; started as in shared/BASELINE.md, heap
#                -Xms256m -Xmx1g, forceSync default yes)
#   ETCDCTL      etcdctl (readiness probe; default /usr/bin/etcdctl)
#   CONCORD_MAIN Concord CLI. Default: packages/server/dist (built with tsc if
#                missing) is copied to $OUTDIR/concord at start and run from
#                there, so every round measures the same build even when
#                others rebuild the tree meanwhile (node_modules is symlinked)
#   NODE_FLAGS   extra node flags for Concord (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
#   SERVERS      order inside a round (default "etcd concord")
#   ROUNDS       interleaved rounds (default 2)
#   ALTERNATE=1  even rounds run SERVERS in reverse order (A B, B A, ...), so neither server
#                always runs first after the other's load; for many-round runs of one section
#   WORKLOADS    subset of: put txn range watch zk cluster zkcluster (default:
#                all of them; e.g. WORKLOADS="zk cluster" or WORKLOADS=zk,cluster)
#   CPORT PPORT  client/peer port used by both servers (default: a free pair
#                picked at start, from 23791 up; other people's servers on this
#                machine may hold ports — the script checks the listener is ours)
#   SVG_OUT      SVG chart of put throughput against clients (etcd vs Concord,
#                1 member; default $OUTDIR/benchmarks-put.svg; the copy in
#                docs/ is updated by hand from a full run)
#   OUTDIR       where results.jsonl, table.md and server logs go
#                (default /tmp/bench-compare.<timestamp>; kept)
#   QUICK=1      quick mode (see below)
#   DOCS=1       write this run's table into docs/benchmarks.md (the "Latest run"
#                section, between its markers) and its chart to docs/benchmarks-put.svg
#   QUIET_PCT QUIET_MAX  before each measured run wait (up to QUIET_MAX s,
#                default 10) until the whole machine is below QUIET_PCT % of one
#                core busy (default 30) over 1 s: the dev machine is shared
#
# Workloads (as shared/BASELINE.md; 8-byte keys, 256-byte values):
#   write phase, fresh server: warm-up 20k puts (64/4, unreported), then
#     put 16/1, 64/4, 256/16 (key space 100k, total 50000, bound 30 s),
#     txn-put CAS 64/4 (key space 1000)
#   read phase, fresh server: bulk load 100k keys (--prepopulate-only), then
#     range linearizable and serializable, 1 key, 64/4 and 256/16,
#     watch-latency 1000 watchers (100 puts @ 10/s)
#   zk (Debian ZooKeeper standalone vs Concord's ZooKeeper port; labels
#     "zookeeper:" / "concord:"): fresh server, bulk load of the key space
#     (loadgen zk create --prepopulate-only), warm-up (JIT) of 2k/20k each of
#     create/set/get at 64/4, then zk create, set, get at 16/1 and 64/4
#   cluster (etcd 3 members vs Concord 3 members on loopback; clients spread
#     over the members, writes to followers are forwarded): warm-up puts, put
#     64/4; bulk load, range linearizable and serializable 64/4; watch-latency
#     1000 watchers spread over the 3 members, puts through the first (watch3-w1000)
#   zkcluster (ZooKeeper 3-server ensemble vs Concord 3 members, ZooKeeper
#     protocol on loopback; labels "zookeeper:" / "concord:", workloads
#     zk<op>3-c<N>): as zk, with sessions spread over the 3 servers (loadgen
#     --servers a,b,c: session i -> server i mod 3; ceil(N/48)*3 sessions, so
#     3/3, 16/3 and 64/6), ZK3_CLIENTS (default "3 16 64"; fewer than 16 clients run
#     TOTAL/5 ops: one request per client at a time is slow, and each run is bounded anyway);
#     ZK3_RATE=N adds a 3/3 setData run held to N ops/s for 20 s (workload zkset3-c3@N), to
#     compare latency where both systems keep up (empty, the default: no such run);
#     ZK3_OPS (default "create set get") picks the ops of the flat-out runs
# Server CPU/RSS via loadgen --server-pids (utime+stime, VmHWM reset per phase).

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LOADGEN="${LOADGEN:-/tmp/loadgen/loadgen}"
LOADGEN_SRC="${LOADGEN_SRC:-/work/shared/tools/loadgen}"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"
ETCDCTL="${ETCDCTL:-/usr/bin/etcdctl}"
CONCORD_MAIN="${CONCORD_MAIN:-}"
NODE_FLAGS="${NODE_FLAGS:-}"
SERVERS="${SERVERS:-etcd concord}"
ROUNDS="${ROUNDS:-2}"
WORKLOADS="${WORKLOADS:-put txn range watch zk cluster zkcluster}"
WORKLOADS="${WORKLOADS//,/ }"
ZK_JAR="${ZK_JAR:-/usr/share/java/zookeeper.jar}"
ZK_CONF_DIR="${ZK_CONF_DIR:-/etc/zookeeper/conf}"
port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
if [ -z "${CPORT:-}" ]; then
  CPORT=23791
  while ! port_free "$CPORT" || ! port_free "$((CPORT + 1))"; do CPORT=$((CPORT + 2)); done
fi
PPORT="${PPORT:-$((CPORT + 1))}"
# free_ports N: N free TCP ports above CPORT+1 (3-member clusters, ZooKeeper)
free_ports() {
  local n="$1" p=$((CPORT + 2)) out=()
  while [ "${#out[@]}" -lt "$n" ]; do
    port_free "$p" && out+=("$p")
    p=$((p + 1))
  done
  echo "${out[*]}"
}
OUTDIR="${OUTDIR:-/tmp/bench-compare.$(date +%Y%m%d-%H%M%S)}"
QUICK="${QUICK:-0}"

if [ "$QUICK" = 1 ]; then
  PUT_CLIENTS="1 16 64"; RANGE_CLIENTS="64"; TOTAL=5000; BOUND=10s
  KEY_SPACE=10000; WARMUP=2000; WATCHERS=100; WATCH_PUTS=20
else
  PUT_CLIENTS="1 16 64 256"; RANGE_CLIENTS="64 256"; TOTAL=50000; BOUND=30s
  KEY_SPACE=100000; WARMUP=20000; WATCHERS=1000; WATCH_PUTS=100
fi
PUT_CLIENTS="${PUT_CLIENTS_OVERRIDE:-$PUT_CLIENTS}"
RANGE_CLIENTS="${RANGE_CLIENTS_OVERRIDE:-$RANGE_CLIENTS}"
TOTAL="${TOTAL_OVERRIDE:-$TOTAL}"
BOUND="${BOUND_OVERRIDE:-$BOUND}"
VAL_SIZE=256
WATCH_RATE=10

mkdir -p "$OUTDIR"
RESULTS="$OUTDIR/results.jsonl"
: >"$RESULTS"
SERVER_PID=""   # comma-separated PIDs of the running server(s)
DATA=""         # their temporary data dirs (space-separated)
EP=""           # comma-separated host:port the load goes to

log() { echo "[compare $(date +%H:%M:%S)] $*" >&2; }

stop_server() {
  local pid i
  for pid in ${SERVER_PID//,/ }; do kill "$pid" 2>/dev/null || true; done
  for pid in ${SERVER_PID//,/ }; do
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid ignored SIGTERM for 10 s; SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PID=""
  # shellcheck disable=SC2086
  if [ -n "$DATA" ]; then rm -rf $DATA; DATA=""; fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup ----
if [ ! -x "$LOADGEN" ]; then
  log "building loadgen from $LOADGEN_SRC into $(dirname "$LOADGEN")"
  command -v go >/dev/null || { log "no Go: apt-get install -y golang-go golang-etcd-server-dev golang-github-samuel-go-zookeeper-dev"; exit 1; }
  mkdir -p "$(dirname "$LOADGEN")"
  tmpsrc="$(mktemp -d)"; cp "$LOADGEN_SRC"/*.go "$tmpsrc"/
  (cd "$tmpsrc" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o "$LOADGEN" .)
  rm -rf "$tmpsrc"
fi
[ -x "$ETCD_BIN" ] || { log "no $ETCD_BIN: apt-get install -y etcd-server etcd-client"; exit 1; }
if [ -z "$CONCORD_MAIN" ]; then
  if [ ! -f "$ROOT/packages/server/dist/src/cli/main.js" ]; then
    log "building Concord (tsc)"
    (cd "$ROOT/packages/server" && npx tsc -p tsconfig.json)
  fi
  mkdir -p "$OUTDIR/concord/packages/server"
  cp -rp "$ROOT/packages/server/dist" "$ROOT/packages/server/package.json" "$OUTDIR/concord/packages/server/"
  ln -sfn "$ROOT/node_modules" "$OUTDIR/concord/node_modules"
  CONCORD_MAIN="$OUTDIR/concord/packages/server/dist/src/cli/main.js"
fi

# -------------------------------------------------------------- servers ----
add_pid() { SERVER_PID="${SERVER_PID:+$SERVER_PID,}$1"; }

# held_by PORT PID: the listener on PORT is that process (not someone else's server)
held_by() { ss -Htlnp "sport = :$1" | grep -q "pid=$2,"; }

start_server() { # start_server etcd|concord TAG [MEMBERS]  (1 or 3 members)
  local kind="$1" tag="$2" members="${3:-1}" i
  local -a cports pports
  if [ "$members" = 1 ]; then
    cports=("$CPORT"); pports=("$PPORT")
  else
    read -r -a ps <<<"$(free_ports $((2 * members)))"
    for ((i = 0; i < members; i++)); do cports+=("${ps[$((2 * i))]}"); pports+=("${ps[$((2 * i + 1))]}"); done
  fi
  local cluster="" eps=""
  for ((i = 0; i < members; i++)); do
    cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:${pports[$i]}"
    eps="${eps:+$eps,}127.0.0.1:${cports[$i]}"
  done
  for ((i = 0; i < members; i++)); do
    local d logf="$OUTDIR/$tag-m$i.log" cep="127.0.0.1:${cports[$i]}" pep="http://127.0.0.1:${pports[$i]}"
    [ "$members" = 1 ] && logf="$OUTDIR/$tag.log"
    d="$(mktemp -d /tmp/bench-compare-data.XXXXXX)"; DATA="$DATA $d"
    local -a flags=(--name "m$i" --data-dir "$d/data"
      --listen-client-urls "http://$cep" --advertise-client-urls "http://$cep"
      --listen-peer-urls "$pep" --initial-advertise-peer-urls "$pep"
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench-compare)
    if [ "$kind" = etcd ]; then
      "$ETCD_BIN" "${flags[@]}" --logger zap --log-outputs stderr >"$logf" 2>&1 &
    else
      # shellcheck disable=SC2086
      node $NODE_FLAGS "$CONCORD_MAIN" serve "${flags[@]}" >"$logf" 2>&1 &
    fi
    add_pid $!
  done
  EP="$eps"
  local t pid ok
  for t in $(seq 1 150); do
    for pid in ${SERVER_PID//,/ }; do
      kill -0 "$pid" 2>/dev/null || { log "$kind (pid $pid) exited; see $OUTDIR/$tag*.log"; return 1; }
    done
    if ETCDCTL_API=3 "$ETCDCTL" --endpoints="$EP" --command-timeout=2s endpoint health >/dev/null 2>&1 &&
      ETCDCTL_API=3 "$ETCDCTL" --endpoints="${EP%%,*}" --command-timeout=2s put bench-compare-probe x >/dev/null 2>&1; then
      ok=1
      i=0
      for pid in ${SERVER_PID//,/ }; do
        held_by "${cports[$i]}" "$pid" || { log "port ${cports[$i]} is not held by our $kind (pid $pid)"; ok=0; }
        i=$((i + 1))
      done
      [ "$ok" = 1 ] || return 1
      log "$kind x$members up at $EP (pids $SERVER_PID)"; return 0
    fi
    sleep 0.2
  done
  log "$kind did not become healthy; see $OUTDIR/$tag*.log"; return 1
}

# zk_srvr_ok PORT: the server answers the srvr four-letter word with its mode
zk_srvr_ok() {
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf srvr >&3 && cat <&3" 2>/dev/null | grep -q '^Mode:'
}

# start_zk zookeeper|concord TAG: one ZooKeeper-protocol server; sets EP, SERVER_PID
start_zk() {
  local kind="$1" tag="$2" zp d logf="$OUTDIR/$2.log"
  zp="$(free_ports 1)"
  d="$(mktemp -d /tmp/bench-compare-data.XXXXXX)"; DATA="$DATA $d"
  if [ "$kind" = zookeeper ]; then
    mkdir -p "$d/data"
    cat >"$d/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=$zp
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,mntr
CFG
    java -Xms256m -Xmx1g -cp "$ZK_CONF_DIR:$ZK_JAR" org.apache.zookeeper.server.quorum.QuorumPeerMain \
      "$d/zoo.cfg" >"$logf" 2>&1 &
  else
    # shellcheck disable=SC2086
    node $NODE_FLAGS "$CONCORD_MAIN" serve --name b --data-dir "$d/data" \
      --listen-client-urls "http://127.0.0.1:$CPORT" --advertise-client-urls "http://127.0.0.1:$CPORT" \
      --listen-peer-urls "http://127.0.0.1:$PPORT" --listen-zookeeper-urls "tcp://127.0.0.1:$zp" \
      --zookeeper-4lw-commands-whitelist srvr,ruok,mntr >"$logf" 2>&1 &
  fi
  add_pid $!
  EP="127.0.0.1:$zp"
  local t
  for t in $(seq 1 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$kind exited; see $logf"; tail -5 "$logf" >&2; return 1; }
    if zk_srvr_ok "$zp"; then
      held_by "$zp" "$SERVER_PID" || { log "port $zp is not held by our $kind (pid $SERVER_PID)"; return 1; }
      log "$kind (ZooKeeper protocol) up at $EP (pid $SERVER_PID)"; return 0
    fi
    sleep 0.2
  done
  log "$kind did not answer srvr; see $logf"; return 1
}

# start_zkcluster zookeeper|concord TAG: 3 ZooKeeper-protocol servers on loopback
# (a ZooKeeper ensemble server.1..3, or 3 Concord members with a ZooKeeper port
# each); sets EP to the 3 ZooKeeper client addresses, SERVER_PID to the 3 pids
start_zkcluster() {
  local kind="$1" tag="$2" i d logf t pid ok cluster="" servers=""
  local -a ps zps
  read -r -a ps <<<"$(free_ports 9)"
  zps=("${ps[0]}" "${ps[1]}" "${ps[2]}")
  EP="127.0.0.1:${zps[0]},127.0.0.1:${zps[1]},127.0.0.1:${zps[2]}"
  for i in 0 1 2; do
    servers="${servers}server.$((i + 1))=127.0.0.1:${ps[$((3 + 2 * i))]}:${ps[$((4 + 2 * i))]}"$'\n'
    cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:${ps[$((4 + 2 * i))]}"
  done
  for i in 0 1 2; do
    logf="$OUTDIR/$tag-m$i.log"
    d="$(mktemp -d /tmp/bench-compare-data.XXXXXX)"; DATA="$DATA $d"
    if [ "$kind" = zookeeper ]; then
      # quorum port = ps[3+2i], election port = ps[4+2i]; same JVM/heap as start_zk
      mkdir -p "$d/data"; echo "$((i + 1))" >"$d/data/myid"
      cat >"$d/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=${zps[$i]}
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,mntr
$servers
CFG
      java -Xms256m -Xmx1g -cp "$ZK_CONF_DIR:$ZK_JAR" org.apache.zookeeper.server.quorum.QuorumPeerMain \
        "$d/zoo.cfg" >"$logf" 2>&1 &
    else
      # client port = ps[3+2i], peer port = ps[4+2i], ZooKeeper port = zps[i]
      local cep="127.0.0.1:${ps[$((3 + 2 * i))]}" pep="http://127.0.0.1:${ps[$((4 + 2 * i))]}"
      # shellcheck disable=SC2086
      node $NODE_FLAGS "$CONCORD_MAIN" serve --name "m$i" --data-dir "$d/data" \
        --listen-client-urls "http://$cep" --advertise-client-urls "http://$cep" \
        --listen-peer-urls "$pep" --initial-advertise-peer-urls "$pep" \
        --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench-compare \
        --listen-zookeeper-urls "tcp://127.0.0.1:${zps[$i]}" \
        --zookeeper-4lw-commands-whitelist srvr,ruok,mntr >"$logf" 2>&1 &
    fi
    add_pid $!
  done
  for t in $(seq 1 300); do
    for pid in ${SERVER_PID//,/ }; do
      kill -0 "$pid" 2>/dev/null || { log "$kind (pid $pid) exited; see $OUTDIR/$tag-m*.log"; return 1; }
    done
    ok=1
    for i in 0 1 2; do zk_srvr_ok "${zps[$i]}" || { ok=0; break; }; done
    # Concord answers srvr before a leader exists: also wait for a healthy cluster
    if [ "$ok" = 1 ] && [ "$kind" = concord ]; then
      ETCDCTL_API=3 "$ETCDCTL" --command-timeout=2s --endpoints="127.0.0.1:${ps[3]},127.0.0.1:${ps[5]},127.0.0.1:${ps[7]}" \
        endpoint health >/dev/null 2>&1 || ok=0
    fi
    if [ "$ok" = 1 ]; then
      i=0
      for pid in ${SERVER_PID//,/ }; do
        held_by "${zps[$i]}" "$pid" || { log "port ${zps[$i]} is not held by our $kind (pid $pid)"; return 1; }
        i=$((i + 1))
      done
      local modes=""
      for i in 0 1 2; do
        modes="$modes $(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/${zps[$i]} && printf srvr >&3 && cat <&3" 2>/dev/null | sed -n 's/^Mode: //p')"
      done
      log "$kind x3 (ZooKeeper protocol) up at $EP (pids $SERVER_PID; modes$modes)"; return 0
    fi
    sleep 0.2
  done
  log "$kind x3 did not answer srvr; see $OUTDIR/$tag-m*.log"; return 1
}

# lg SERVER WORKLOAD ROUND loadgen-args... : one measured run, JSON to $RESULTS
lg() {
  local server="$1" wl="$2" round="$3"; shift 3
  local out rc=0 b0 b1 t0 t1
  wait_quiet
  b0=$(busy_ticks); t0=$(date +%s.%N)
  out="$(timeout 120 "$LOADGEN" "$@" --label "$server:$wl:r$round" --server-pids "$SERVER_PID" 2>"$OUTDIR/lg.err")" || rc=$?
  b1=$(busy_ticks); t1=$(date +%s.%N)
  sed "s/^/    $server /" "$OUTDIR/lg.err" >&2
  if [ -n "$out" ]; then
    # machine-wide busy CPU over the loadgen run, to spot background load from
    # other processes (busy - server - loadgen = everything else)
    printf '%s\n' "${out%\}}$(awk -v b="$((b1 - b0))" -v w="$t1 $t0" 'BEGIN{split(w, t, " "); printf ",\"machine_busy_s\":%.2f,\"wall_s\":%.3f}", b / 100, t[1] - t[2]}')" >>"$RESULTS"
  else
    log "loadgen failed (rc=$rc) for $server $wl r$round"
    printf '{"label":"%s:%s:r%s","failed":true,"rc":%d}\n' "$server" "$wl" "$round" "$rc" >>"$RESULTS"
  fi
}

busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
QUIET_PCT="${QUIET_PCT:-30}"
QUIET_MAX="${QUIET_MAX:-10}"
wait_quiet() {
  local start=$SECONDS b0 b1
  while :; do
    b0=$(busy_ticks); sleep 1; b1=$(busy_ticks)
    [ $((b1 - b0)) -le "$QUIET_PCT" ] && break
    if [ $((SECONDS - start)) -ge "$QUIET_MAX" ]; then
      log "machine still busy ($((b1 - b0)) % of a core) after $((SECONDS - start)) s; measuring anyway"; break
    fi
  done
  [ $((SECONDS - start)) -gt 2 ] && log "waited $((SECONDS - start)) s for background load to settle"
  return 0
}
has() { [[ " $WORKLOADS " == *" $1 "* ]]; }
conns_for() { echo $(( ($1 + 15) / 16 )); }
common() { echo --endpoints "$EP" --key-size 8 --val-size "$VAL_SIZE" --duration "$BOUND"; }
zkcommon() { echo --servers "$EP" --key-size 8 --val-size "$VAL_SIZE" --duration "$BOUND"; }

write_phase() { # write_phase SERVER ROUND
  local s="$1" r="$2" c
  has put || has txn || return 0
  start_server "$s" "$s-w-r$r" || { stop_server; return 0; }
  timeout 120 "$LOADGEN" etcd put $(common) --key-space "$KEY_SPACE" --clients 64 --conns 4 \
    --total "$WARMUP" --key-prefix warmup- >/dev/null 2>"$OUTDIR/lg.err" || { log "warm-up failed"; cat "$OUTDIR/lg.err" >&2; }
  if has put; then
    for c in $PUT_CLIENTS; do
      lg "$s" "put-c$c" "$r" etcd put $(common) --key-space "$KEY_SPACE" --clients "$c" \
        --conns "$(conns_for "$c")" --total "$TOTAL"
    done
  fi
  if has txn; then
    lg "$s" "txnput-c64" "$r" etcd txn-put $(common) --key-space 1000 --clients 64 --conns 4 --total "$TOTAL"
  fi
  stop_server
}

read_phase() { # read_phase SERVER ROUND
  local s="$1" r="$2" c cons
  has range || has watch || return 0
  start_server "$s" "$s-r-r$r" || { stop_server; return 0; }
  if has range; then
    local t0=$SECONDS
    timeout 300 "$LOADGEN" etcd put $(common) --key-space "$KEY_SPACE" --clients 16 --prepopulate-only \
      2>"$OUTDIR/lg.err" || { log "bulk load failed"; cat "$OUTDIR/lg.err" >&2; }
    log "$s bulk load of $KEY_SPACE keys: $((SECONDS - t0)) s"
    for cons in l s; do
      for c in $RANGE_CLIENTS; do
        lg "$s" "range$cons-c$c" "$r" etcd range $(common) --key-space 1 --consistency "$cons" \
          --clients "$c" --conns "$(conns_for "$c")" --total "$TOTAL"
      done
    done
  fi
  if has watch; then
    lg "$s" "watch-w$WATCHERS" "$r" etcd watch-latency --endpoints "$EP" --watchers "$WATCHERS" --conns 4 \
      --puts "$WATCH_PUTS" --put-rate "$WATCH_RATE" --val-size "$VAL_SIZE" --duration 60s
  fi
  stop_server
}

zk_phase() { # zk_phase SERVER ROUND  (SERVER: etcd -> Debian ZooKeeper, concord -> Concord)
  local s="$1" r="$2" kind op c
  has zk || return 0
  kind=$([ "$s" = etcd ] && echo zookeeper || echo concord)
  start_zk "$kind" "$kind-zk-r$r" || { stop_server; return 0; }
  local t0=$SECONDS
  timeout 300 "$LOADGEN" zk create $(zkcommon) --key-space "$KEY_SPACE" --clients 16 --prepopulate-only \
    2>"$OUTDIR/lg.err" || { log "zk bulk load failed"; cat "$OUTDIR/lg.err" >&2; }
  log "$kind bulk load of $KEY_SPACE znodes: $((SECONDS - t0)) s"
  for op in create set get; do
    timeout 120 "$LOADGEN" zk "$op" $(zkcommon) --key-space "$KEY_SPACE" --clients 64 --conns 4 \
      --total "$WARMUP" >/dev/null 2>"$OUTDIR/lg.err" || { log "zk warm-up failed"; cat "$OUTDIR/lg.err" >&2; }
  done
  for op in create set get; do
    for c in $ZK_CLIENTS; do
      lg "$kind" "zk$op-c$c" "$r" zk "$op" $(zkcommon) --key-space "$KEY_SPACE" --clients "$c" \
        --conns "$(conns_for "$c")" --total "$TOTAL"
    done
  done
  stop_server
}

cluster_phase() { # cluster_phase SERVER ROUND: 3 members on loopback
  local s="$1" r="$2" cons
  has cluster || return 0
  start_server "$s" "$s-3w-r$r" 3 || { stop_server; return 0; }
  timeout 120 "$LOADGEN" etcd put $(common) --key-space "$KEY_SPACE" --clients 64 --conns 4 \
    --total "$WARMUP" --key-prefix warmup- >/dev/null 2>"$OUTDIR/lg.err" || { log "warm-up failed"; cat "$OUTDIR/lg.err" >&2; }
  lg "$s" "put3-c64" "$r" etcd put $(common) --key-space "$KEY_SPACE" --clients 64 --conns 4 --total "$TOTAL"
  local t0=$SECONDS
  timeout 300 "$LOADGEN" etcd put $(common) --key-space "$KEY_SPACE" --clients 16 --prepopulate-only \
    2>"$OUTDIR/lg.err" || { log "bulk load failed"; cat "$OUTDIR/lg.err" >&2; }
  log "$s x3 bulk load of $KEY_SPACE keys: $((SECONDS - t0)) s"
  for cons in l s; do
    lg "$s" "range${cons}3-c64" "$r" etcd range $(common) --key-space 1 --consistency "$cons" \
      --clients 64 --conns 4 --total "$TOTAL"
  done
  # watchers on all 3 members (connection i goes to endpoint i mod 3), puts through the first
  lg "$s" "watch3-w$WATCHERS" "$r" etcd watch-latency --endpoints "$EP" --watchers "$WATCHERS" --conns 4 \
    --puts "$WATCH_PUTS" --put-rate "$WATCH_RATE" --val-size "$VAL_SIZE" --duration 60s
  stop_server
}

zkcluster_phase() { # zkcluster_phase SERVER ROUND: 3-server ZooKeeper ensemble vs 3 Concord members
  local s="$1" r="$2" kind op c
  has zkcluster || return 0
  kind=$([ "$s" = etcd ] && echo zookeeper || echo concord)
  start_zkcluster "$kind" "$kind-zk3-r$r" || { stop_server; return 0; }
  local t0=$SECONDS
  timeout 300 "$LOADGEN" zk create $(zkcommon) --key-space "$KEY_SPACE" --clients 16 --conns 3 --prepopulate-only \
    2>"$OUTDIR/lg.err" || { log "zk bulk load failed"; cat "$OUTDIR/lg.err" >&2; }
  log "$kind x3 bulk load of $KEY_SPACE znodes: $((SECONDS - t0)) s"
  for op in create set get; do
    timeout 120 "$LOADGEN" zk "$op" $(zkcommon) --key-space "$KEY_SPACE" --clients 64 --conns 6 \
      --total "$WARMUP" >/dev/null 2>"$OUTDIR/lg.err" || { log "zk warm-up failed"; cat "$OUTDIR/lg.err" >&2; }
  done
  # sessions go to server i mod 3 (loadgen --servers): 3 sessions per 48 clients
  for op in $ZK3_OPS; do
    for c in $ZK3_CLIENTS; do
      lg "$kind" "zk${op}3-c$c" "$r" zk "$op" $(zkcommon) --key-space "$KEY_SPACE" --clients "$c" \
        --conns "$((3 * ((c + 47) / 48)))" --total "$([ "$c" -lt 16 ] && echo $((TOTAL / 5)) || echo "$TOTAL")"
    done
  done
  if [ -n "$ZK3_RATE" ]; then
    lg "$kind" "zkset3-c3@$ZK3_RATE" "$r" zk set $(zkcommon) --key-space "$KEY_SPACE" --clients 3 --conns 3 \
      --rate "$ZK3_RATE" --total "$((ZK3_RATE * 20))"
  fi
  stop_server
}

if has zk || has zkcluster; then
  [ -f "$ZK_JAR" ] && command -v java >/dev/null || { log "no $ZK_JAR or java: apt-get install -y zookeeper"; exit 1; }
fi
ZK_CLIENTS="${ZK_CLIENTS:-16 64}"
ZK3_CLIENTS="${ZK3_CLIENTS:-3 16 64}"
ZK3_RATE="${ZK3_RATE:-}"
ZK3_OPS="${ZK3_OPS:-create set get}"
ALTERNATE="${ALTERNATE:-0}"
SVG_OUT="${SVG_OUT:-$OUTDIR/benchmarks-put.svg}"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mode: $([ "$QUICK" = 1 ] && echo QUICK || echo full), rounds $ROUNDS, order per round: $SERVERS$([ "$ALTERNATE" = 1 ] && echo ", reversed in even rounds")"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "workloads: $WORKLOADS"
  echo "etcd: $("$ETCD_BIN" --version | head -1)"
  { has zk || has zkcluster; } && echo "zookeeper: $(dpkg-query -W -f '${Version}' zookeeper 2>/dev/null || echo '?') ($ZK_JAR), java $(java -version 2>&1 | head -1)"
  echo "node: $(node --version); concord: HEAD $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'), dist built $(date -r "$CONCORD_MAIN" +%H:%M:%S), $(cd "$ROOT" && git status --short packages/server packages/proto | wc -l) locally modified files under packages/server+proto"
  echo "loadgen: $LOADGEN"
  bash "$ROOT/bench/damon-state.sh"
} >"$OUTDIR/meta.txt"
log "results in $OUTDIR"
T0=$SECONDS
for ((round = 1; round <= ROUNDS; round++)); do
  order="$SERVERS"
  [ "$ALTERNATE" = 1 ] && [ $((round % 2)) = 0 ] && order="$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' ')"
  for s in $order; do
    log "round $round: $s"
    write_phase "$s" "$round"
    read_phase "$s" "$round"
    zk_phase "$s" "$round"
    cluster_phase "$s" "$round"
    zkcluster_phase "$s" "$round"
  done
done
log "all runs done in $((SECONDS - T0)) s"
python3 "$HERE/table.py" "$RESULTS" --svg "$SVG_OUT" | tee "$OUTDIR/table.md"
if [ "${DOCS:-0}" = 1 ]; then
  # this run becomes the "Latest run" section of docs/benchmarks.md (between its markers),
  # and its chart docs/benchmarks-put.svg when the run measured put against client counts
  python3 - "$ROOT/docs/benchmarks.md" "$OUTDIR/meta.txt" "$OUTDIR/table.md" <<'PY'
import sys
doc_path, meta_path, table_path = sys.argv[1:4]
begin, end = '<!-- compare.sh DOCS=1: begin -->', '<!-- compare.sh DOCS=1: end -->'
doc = open(doc_path).read()
if begin not in doc or end not in doc:
    sys.exit(f'{doc_path}: markers {begin} / {end} not found')
meta = ''.join(f'    {line}' for line in open(meta_path))
section = f"{begin}\n\nWritten by `DOCS=1 bench/compare.sh`; the run's settings:\n\n{meta}\n{open(table_path).read()}\n{end}"
head, rest = doc.split(begin, 1)
open(doc_path, 'w').write(head + section + rest.split(end, 1)[1])
PY
  if has put && [ -s "$SVG_OUT" ]; then cp "$SVG_OUT" "$ROOT/docs/benchmarks-put.svg"; fi
  log "docs/benchmarks.md (latest run) and the chart updated"
fi
