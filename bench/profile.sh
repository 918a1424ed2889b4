#!/usr/bin/env bash
# bench/profile.sh — CPU-profile Concord (node --cpu-prof) under loadgen's
# put 64/4 and range 64/4 workloads and print the top self-time functions of
# the measured phases (bench/cpuprofile-top.js).
#
#   bench/profile.sh                   # put + range, profiles in /tmp/prof
#   WORKLOADS=put bench/profile.sh     # put | range | watch (1000 watchers) | zk
#   WORKLOADS=zk bench/profile.sh      # ZooKeeper port: zk create + zk set 64/4
#                                      # (after a bulk load and warm-up), zk get 64/4;
#                                      # ZK_CLIENTS=16 ZK_CONNS=1 for the 16/1 runs
#   WORKLOADS=zk3 bench/profile.sh     # 3 members on loopback, each profiled: zk set 64/6
#                                      # (ZK3_CLIENTS=16 ZK3_CONNS=3 for the 16/3 runs)
#                                      # and zk create 64/6 (sessions spread over the 3)
#   WORKLOADS=put3 bench/profile.sh    # 3 members: put 64/4 (connections spread over the 3)
#
# Environment: LOADGEN (default /tmp/loadgen/loadgen), PROF_DIR (default
# /tmp/prof), TOTAL (ops per measured run, default 50000), TOP (default 25),
# STOP_SIGNAL (default INT; the server writes the profile on a clean exit).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LOADGEN="${LOADGEN:-/tmp/loadgen/loadgen}"
PROF_DIR="${PROF_DIR:-/tmp/prof}"
TOTAL="${TOTAL:-50000}"
TOP="${TOP:-25}"
STOP_SIGNAL="${STOP_SIGNAL:-INT}"
WORKLOADS="${WORKLOADS:-put range}"
MAIN="${CONCORD_MAIN:-$ROOT/packages/server/dist/src/cli/main.js}"
port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
CPORT="${CPORT:-23891}"
while ! port_free "$CPORT" || ! port_free "$((CPORT + 1))"; do CPORT=$((CPORT + 2)); done
EP="127.0.0.1:$CPORT"
ZKPORT=$((CPORT + 2))
while ! port_free "$ZKPORT"; do ZKPORT=$((ZKPORT + 1)); done
PID=""
DATA=""
log() { echo "[profile $(date +%H:%M:%S)] $*" >&2; }
now_ms() { date +%s%3N; }
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  [ -n "$DATA" ] && rm -rf "$DATA"
  return 0
}
trap cleanup EXIT

start() { # start NAME: node --cpu-prof server, sets PID, LAUNCH_MS
  local name="$1"
  mkdir -p "$PROF_DIR/$name"
  rm -f "$PROF_DIR/$name"/*.cpuprofile
  DATA="$(mktemp -d /tmp/bench-profile-data.XXXXXX)"
  LAUNCH_MS=$(now_ms)
  node --cpu-prof --cpu-prof-dir="$PROF_DIR/$name" "$MAIN" serve --name b --data-dir "$DATA/data" \
    --listen-client-urls "http://$EP" --advertise-client-urls "http://$EP" \
    --listen-peer-urls "http://127.0.0.1:$((CPORT + 1))" \
    --listen-zookeeper-urls "tcp://127.0.0.1:$ZKPORT" >"$PROF_DIR/$name/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    if ETCDCTL_API=3 etcdctl --endpoints="$EP" --command-timeout=2s endpoint health >/dev/null 2>&1 &&
      ss -Htlnp "sport = :$CPORT" | grep -q "pid=$PID,"; then
      log "concord (profiling) up at $EP, pid $PID"; return 0
    fi
    sleep 0.2
  done
  log "server did not come up"; exit 1
}

NEXT_PORT=0
next_free() { # next_free N: sets NEXT_PORT to the first free port >= N (no subshell: callers count on)
  NEXT_PORT="$1"
  while ! port_free "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
}

start3() { # start3 NAME: 3 members on loopback, each with --cpu-prof into NAME/m<i>; sets PID (a,b,c), EPS, ZKS
  local name="$1" i cluster="" eps=() zks=() cps=() pps=()
  mkdir -p "$PROF_DIR/$name"
  rm -rf "$PROF_DIR/$name"/m?
  DATA="$(mktemp -d /tmp/bench-profile-data.XXXXXX)"
  NEXT_PORT=$((ZKPORT + 1))
  for i in 0 1 2; do
    next_free $((NEXT_PORT + 1)); cps[$i]=$NEXT_PORT
    next_free $((NEXT_PORT + 1)); pps[$i]=$NEXT_PORT
    next_free $((NEXT_PORT + 1)); zks[$i]=127.0.0.1:$NEXT_PORT
    eps[$i]=127.0.0.1:${cps[$i]}
    cluster="$cluster${cluster:+,}m$i=http://127.0.0.1:${pps[$i]}"
  done
  LAUNCH_MS=$(now_ms)
  local pids=()
  for i in 0 1 2; do
    node --cpu-prof --cpu-prof-dir="$PROF_DIR/$name/m$i" "$MAIN" serve --name "m$i" --data-dir "$DATA/m$i" \
      --listen-client-urls "http://${eps[$i]}" --advertise-client-urls "http://${eps[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${pps[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${pps[$i]}" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench-profile \
      --listen-zookeeper-urls "tcp://${zks[$i]}" >"$PROF_DIR/$name/server-m$i.log" 2>&1 &
    pids[$i]=$!
  done
  PID=$(IFS=,; echo "${pids[*]}")
  EPS=$(IFS=,; echo "${eps[*]}")
  ZKS=$(IFS=,; echo "${zks[*]}")
  for _ in $(seq 1 150); do
    if ETCDCTL_API=3 etcdctl --endpoints="$EPS" --command-timeout=2s endpoint health >/dev/null 2>&1; then
      log "3 members (profiling) up at $EPS, pids $PID, leader $(grep -l '"isLeader":true' "$PROF_DIR/$name"/server-m?.log | sed 's/.*server-//; s/\.log//' | head -1)"
      return 0
    fi
    sleep 0.2
  done
  log "cluster did not come up"; exit 1
}

stop() { # stop NAME: SIGINT (or STOP_SIGNAL) to each server, check exit and profiles
  local name="$1" rc p t0=$SECONDS
  for p in ${PID//,/ }; do kill -s "$STOP_SIGNAL" "$p"; done
  for p in ${PID//,/ }; do
    rc=0
    for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
      log "pid $p still running 15 s after SIG$STOP_SIGNAL; sending SIGTERM"
      kill "$p"; sleep 5
    fi
    wait "$p" || rc=$?
    log "pid $p: SIG$STOP_SIGNAL: exit code $rc after $((SECONDS - t0)) s"
  done
  PID=""
  log "profiles: $(find "$PROF_DIR/$name" -maxdepth 2 -name '*.cpuprofile' | tr '\n' ' ')"
  rm -rf "$DATA"; DATA=""
}

measure() { # measure NAME LABEL loadgen-args... : runs loadgen, records the window
  local name="$1" label="$2"; shift 2
  local a b
  a=$(now_ms)
  "$LOADGEN" "$@" --server-pids "$PID" --label "profile-$label" >>"$PROF_DIR/$name/loadgen.jsonl"
  b=$(now_ms)
  echo "$label $((a - LAUNCH_MS)) $((b - LAUNCH_MS))" >>"$PROF_DIR/$name/windows.txt"
}

report() { # report NAME: per measured window, each server's profile (3-member runs: m0..m2)
  local name="$1" label from to prof who profs
  profs="$(find "$PROF_DIR/$name" -maxdepth 2 -name '*.cpuprofile' | sort)"
  [ -n "$profs" ] || { log "no profile for $name"; return 0; }
  while read -r label from to; do
    for prof in $profs; do
      who=""
      if [[ "$prof" == "$PROF_DIR/$name/m"?/* ]]; then
        who=" — member $(basename "$(dirname "$prof")")"
        if grep -q '"isLeader":true' "$PROF_DIR/$name/server-${who##* }.log" 2>/dev/null; then who="$who (leader)"; fi
      fi
      echo
      echo "### $label$who (window $from–$to ms after launch)"
      node "$HERE/cpuprofile-top.js" --top "$TOP" --window "$from:$to" "$prof"
      echo
      node "$HERE/cpuprofile-top.js" --top 15 --by pkg --window "$from:$to" "$prof"
    done
  done <"$PROF_DIR/$name/windows.txt"
}

mkdir -p "$PROF_DIR"
common=(--endpoints "$EP" --key-size 8 --val-size 256 --duration 60s)
for wl in $WORKLOADS; do
  case "$wl" in
    put)
      start put; : >"$PROF_DIR/put/windows.txt"; : >"$PROF_DIR/put/loadgen.jsonl"
      "$LOADGEN" etcd put "${common[@]}" --key-space 100000 --clients 64 --conns 4 --total 20000 --key-prefix warmup- >/dev/null
      measure put put-c64 etcd put "${common[@]}" --key-space 100000 --clients 64 --conns 4 --total "$TOTAL"
      stop put; report put ;;
    range)
      start range; : >"$PROF_DIR/range/windows.txt"; : >"$PROF_DIR/range/loadgen.jsonl"
      "$LOADGEN" etcd put "${common[@]}" --key-space 100000 --clients 16 --prepopulate-only
      measure range rangel-c64 etcd range "${common[@]}" --key-space 1 --consistency l --clients 64 --conns 4 --total "$TOTAL"
      measure range ranges-c64 etcd range "${common[@]}" --key-space 1 --consistency s --clients 64 --conns 4 --total "$TOTAL"
      stop range; report range ;;
    watch)
      start watch; : >"$PROF_DIR/watch/windows.txt"; : >"$PROF_DIR/watch/loadgen.jsonl"
      measure watch watch-w1000 etcd watch-latency --endpoints "$EP" --watchers 1000 --conns 4 \
        --puts 100 --put-rate 10 --val-size 256 --duration 60s
      stop watch; report watch ;;
    zk)
      start zk; : >"$PROF_DIR/zk/windows.txt"; : >"$PROF_DIR/zk/loadgen.jsonl"
      zkc=(--servers "127.0.0.1:$ZKPORT" --key-size 8 --val-size 256 --duration 60s --key-space 100000)
      "$LOADGEN" zk create "${zkc[@]}" --clients 16 --prepopulate-only
      for op in create set get; do
        "$LOADGEN" zk "$op" "${zkc[@]}" --clients 64 --conns 4 --total 20000 >/dev/null
      done
      zc="${ZK_CLIENTS:-64}"; zn="${ZK_CONNS:-4}"
      measure zk "zkcreate-c$zc" zk create "${zkc[@]}" --clients "$zc" --conns "$zn" --total "$TOTAL"
      measure zk "zkset-c$zc" zk set "${zkc[@]}" --clients "$zc" --conns "$zn" --total "$TOTAL"
      measure zk "zkget-c$zc" zk get "${zkc[@]}" --clients "$zc" --conns "$zn" --total "$TOTAL"
      stop zk; report zk ;;
    zk3)
      start3 zk3; : >"$PROF_DIR/zk3/windows.txt"; : >"$PROF_DIR/zk3/loadgen.jsonl"
      zkc=(--servers "$ZKS" --key-size 8 --val-size 256 --duration 60s --key-space 100000)
      "$LOADGEN" zk create "${zkc[@]}" --clients 16 --prepopulate-only
      for op in create set; do
        "$LOADGEN" zk "$op" "${zkc[@]}" --clients 64 --conns 6 --total 20000 >/dev/null
      done
      zc="${ZK3_CLIENTS:-64}"; zn="${ZK3_CONNS:-6}"
      measure zk3 "zkset3-c$zc" zk set "${zkc[@]}" --clients "$zc" --conns "$zn" --total "$TOTAL"
      measure zk3 "zkcreate3-c$zc" zk create "${zkc[@]}" --clients "$zc" --conns "$zn" --total "$TOTAL"
      stop zk3; report zk3 ;;
    put3)
      start3 put3; : >"$PROF_DIR/put3/windows.txt"; : >"$PROF_DIR/put3/loadgen.jsonl"
      c3=(--endpoints "$EPS" --key-size 8 --val-size 256 --duration 60s --key-space 100000)
      "$LOADGEN" etcd put "${c3[@]}" --clients 64 --conns 4 --total 20000 --key-prefix warmup- >/dev/null
      measure put3 put3-c64 etcd put "${c3[@]}" --clients 64 --conns 4 --total "$TOTAL"
      stop put3; report put3 ;;
    *) log "unknown workload $wl"; exit 2 ;;
  esac
done
