#!/usr/bin/env bash
# bench/trace-hops.sh — where a ZooKeeper write's time goes between the members of a 3-member
# Concord cluster on loopback at a low rate: `perf record` of the members' system calls and
# scheduler switches while loadgen holds setData to RATE, then bench/trace-hops.py (per member:
# from a message's read to the next write, on CPU; fdatasync times; the leader's fan-out gap).
#
#   bench/trace-hops.sh                 # 1 client on a follower, 100 setData/s
#   ON=all CLIENTS=3 RATE=300 bench/trace-hops.sh   # one client per member, as compare.sh's 3/3
#
# Environment: DIST (a built packages/server/dist, default this checkout's), LOADGEN
# (/tmp/loadgen/loadgen), ON (follower | leader | all), CLIENTS (1), RATE (100), TOTAL (1000),
# TRACE_SECONDS (perf's window, 4; it starts 2 s into the run), PORT (where the search for 9 free
# ports starts, 24500), OUT (/tmp/trace-hops). Needs perf (Debian linux-perf), as root; perf
# records system-wide, so that a member's return to a CPU after another program is seen too.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIST="${DIST:-$HERE/../packages/server/dist}"
LG="${LOADGEN:-/tmp/loadgen/loadgen}"
ON="${ON:-follower}" CLIENTS="${CLIENTS:-1}" RATE="${RATE:-100}" TOTAL="${TOTAL:-1000}"
SECS="${TRACE_SECONDS:-4}"
PORT="${PORT:-24500}" OUT="${OUT:-/tmp/trace-hops}" KS=50000
for tool in perf "$LG"; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }; done
rm -rf "$OUT" && mkdir -p "$OUT"
port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
ports_free() { local p; for ((p = $1; p < $1 + 9; p++)); do port_free "$p" || return 1; done; }
while ! ports_free "$PORT"; do PORT=$((PORT + 9)); done
cluster="" PIDS=() EPS=() ZKS=()
for i in 0 1 2; do cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:$((PORT + 3 * i + 2))"; done
for i in 0 1 2; do
  cp=$((PORT + 3 * i)) zp=$((PORT + 3 * i + 1)) pp=$((PORT + 3 * i + 2))
  node "$DIST/src/cli/main.js" serve --name "m$i" --data-dir "$OUT/data-$i" \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --listen-zookeeper-urls "tcp://127.0.0.1:$zp" >"$OUT/m$i.log" 2>&1 &
  PIDS+=($!) EPS+=("127.0.0.1:$cp") ZKS+=("127.0.0.1:$zp")
done
trap 'kill -INT "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$OUT"/data-*' EXIT
up=""
for _ in $(seq 1 150); do
  if "$LG" etcd put --endpoints "${EPS[0]}" --total 1 >/dev/null 2>&1; then up=1; break; fi
  sleep 0.2
done
[ -n "$up" ] || { echo "the cluster did not come up; logs in $OUT" >&2; exit 1; }
Z="$(IFS=,; echo "${ZKS[*]}")"
# a bulk-loaded key space and a warm-up at 64 clients, as compare.sh does before measuring
"$LG" zk create --servers "$Z" --key-size 8 --val-size 256 --key-space $KS --clients 16 --conns 3 --prepopulate-only >/dev/null 2>&1
"$LG" zk set --servers "$Z" --key-size 8 --val-size 256 --key-space $KS --clients 64 --conns 6 --total 10000 >/dev/null 2>&1
# the leader: the member whose last leadership line says so (as bench/profile.sh finds it)
leader=""
for i in 0 1 2; do
  if grep '"isLeader"' "$OUT/m$i.log" | tail -1 | grep -q '"isLeader":true'; then leader=$i; fi
done
[ -n "$leader" ] || { echo "no leader in the member logs ($OUT)" >&2; exit 1; }
case "$ON" in
  leader) S="${ZKS[$leader]}" ;;
  follower) S="${ZKS[$(((leader + 1) % 3))]}" ;;
  *) S="$Z" ;;
esac
echo "leader m$leader (pid ${PIDS[$leader]}); loadgen zk set --servers $S --clients $CLIENTS --rate $RATE --total $TOTAL"
# system calls of the members' threads only; switches of every program (see the header)
filter=$(for p in "${PIDS[@]}"; do ls "/proc/$p/task"; done | sed 's/^/common_pid == /' | paste -sd'|' | sed 's/|/ || /g')
(sleep 2 && perf record -q -a -o "$OUT/perf.data" -e raw_syscalls:sys_enter --filter "$filter" \
  -e raw_syscalls:sys_exit --filter "$filter" -e sched:sched_switch -- sleep "$SECS" >/dev/null 2>&1) &
tracer=$!
# loadgen's summary line (stderr) is printed; perf is on for part of the run only
"$LG" zk set --servers "$S" --key-size 8 --val-size 256 --key-space $KS --clients "$CLIENTS" \
  --conns "$CLIENTS" --rate "$RATE" --total "$TOTAL" >/dev/null
wait "$tracer"
perf script -i "$OUT/perf.data" -F comm,pid,tid,time,event,trace >"$OUT/perf.txt" 2>/dev/null
names="${PIDS[0]}=m0,${PIDS[1]}=m1,${PIDS[2]}=m2"
python3 "$HERE/trace-hops.py" "$OUT/perf.txt" "$names" "${PIDS[$leader]}"
