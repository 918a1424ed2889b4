#!/usr/bin/env bash
# Prints one line: whether the kernel's DAMON memory monitor runs, and how. On the benchmark
# VMs a kdamond samples physical memory every 500 ms for proactive reclaim; under load each sample
# holds a CPU for 5-20 ms, which stalls whatever runs there and sets the p99 of low-rate runs for
# every server alike (docs/benchmarks.md, twentieth sitting). The benchmark scripts record it
# with their settings; they do not change it.
set -u
root=/sys/kernel/mm/damon/admin/kdamonds
n=$(cat "$root/nr_kdamonds" 2>/dev/null || echo 0)
if [ "$n" = 0 ]; then
  echo "damon: no kdamond"
  exit 0
fi
out=""
for ((i = 0; i < n; i++)); do
  k=$root/$i
  c=$k/contexts/0
  desc="kdamond $i $(cat "$k/state" 2>/dev/null || echo '?')"
  if [ -d "$c" ]; then
    desc="$desc ($(cat "$c/operations" 2>/dev/null || echo '?'), sample $(($(cat "$c/monitoring_attrs/intervals/sample_us" 2>/dev/null || echo 0) / 1000)) ms"
    [ -f "$c/schemes/0/action" ] && desc="$desc, action $(cat "$c/schemes/0/action")"
    desc="$desc)"
  fi
  out="${out:+$out; }$desc"
done
echo "damon: $out"
