#!/usr/bin/env bash
# Compares two decide_bench binaries (e.g. one built before a change, kept
# aside, and one after) on this noisy VM: they run interleaved, pinned to one
# core, ROUNDS times each, and the minimum time per benchmark counts (the
# run least disturbed by the host). Prints before, after and their ratio.
#
#   bench/decide_ab.sh BEFORE_BINARY AFTER_BINARY [FILTER]    (FILTER: BM_Demo)
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BEFORE_BINARY AFTER_BINARY [FILTER]" >&2
  exit 2
fi
before=$1 after=$2 filter=${3:-BM_Demo}
rounds=${ROUNDS:-6}
cpu=$(( $(nproc) - 1 ))
# JSON, one line per run: Google Benchmark's CSV output aborts on the cases
# that set counters (the synthetic and explained ones).
for _ in $(seq "$rounds"); do
  for who in before after; do
    binary=$before
    [ "$who" = after ] && binary=$after
    taskset -c "$cpu" "$binary" --benchmark_filter="$filter" --benchmark_min_time=0.2 \
      --benchmark_format=json 2>/dev/null |
      python3 -c '
import json, sys
scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
for b in json.load(sys.stdin)["benchmarks"]:
    print(sys.argv[1], b["name"], b["real_time"] * scale[b["time_unit"]], sep="\t")
' "$who"
  done
done | python3 -c '
import collections, sys
best = collections.defaultdict(lambda: float("inf"))
for line in sys.stdin:
    who, name, ns = line.rstrip("\n").split("\t")
    best[(name, who)] = min(best[(name, who)], float(ns))
for name in sorted({k[0] for k in best}):
    a, b = best[(name, "before")], best[(name, "after")]
    print(f"{name:55s} before {a:9.0f} ns  after {b:9.0f} ns  after/before {b / a:.2f}")
'
