#!/usr/bin/env bash
# Instructions per decision, counted by callgrind: unlike times, the count is
# the same run after run whatever else the machine does, so it shows a
# change's effect on a noisy VM. For each benchmark of decide_bench matching
# FILTER, prints the instructions spent inside pdp::Decide (or
# pdp::DecideAllPages) divided by the number of calls.
#
#   bench/decide_instructions.sh BINARY [FILTER]    (FILTER: BM_Demo)
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 BINARY [FILTER]" >&2
  exit 2
fi
binary=$1 filter=${2:-BM_Demo}
command -v valgrind >/dev/null || { echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$binary" --benchmark_list_tests --benchmark_filter="$filter" >"$work/names"
[ -s "$work/names" ] || { echo "$0: no benchmark matches '$filter'" >&2; exit 1; }
while read -r name; do
  fn='pdp::Decide('
  case $name in BM_DemoDecideAllPages*) fn='pdp::DecideAllPages(' ;; esac
  out="$work/cg.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" "--toggle-collect=${fn}*" \
    "$binary" --benchmark_filter="^${name}\$" --benchmark_min_time=0.01 >/dev/null 2>&1
  # In the caller tree, the "< caller (Nx)" lines just above "* fn" are the
  # calls into fn: their instructions and counts add up to fn's.
  callgrind_annotate --tree=caller --inclusive=yes "$out" 2>/dev/null |
    python3 -c '
import re, sys
name, fn = sys.argv[1], sys.argv[2]
callers, total, calls = [], 0, 0
for line in sys.stdin:
    caller = re.match(r"\s*([\d,]+) \([^)]*\)\s+<.*\(([\d,]+)x\)", line)
    if caller:
        callers.append((int(caller.group(1).replace(",", "")), int(caller.group(2).replace(",", ""))))
        continue
    if re.match(r"\s*[\d,]+ \([^)]*\)\s+\*\s+\S*" + re.escape(fn), line):
        total += sum(ir for ir, _ in callers)
        calls += sum(n for _, n in callers)
    callers = []
if calls == 0:
    sys.exit(f"{name}: no calls to {fn} found")
print(f"{name:<55} {total / calls:>9,.0f} instructions per call ({calls:,} calls)")
' "$name" "$fn"
done <"$work/names"
