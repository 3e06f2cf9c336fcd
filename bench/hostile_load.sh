#!/usr/bin/env bash
# Authorize latency while a hostile caller runs (issue 9, "bounded cost").
#
# Three phases, each on a fresh billing-pdp-server (demo world, memory store,
# no admin token, 127.0.0.1 only):
#   baseline  grpcload: Authorize (dave VIEW billing_bills, checked ALLOW) at
#             CONCURRENCY, nothing else running;
#   slow      the same while bench/hostile_client --pattern slow runs: a
#             StringLike "*aaaa...b" (5,000 a's) policy and Authorize calls
#             carrying the largest context values the server accepts;
#   waits     the same while hostile_client --pattern waits runs: WAITS
#             WhoCan/Authorize calls parked on min_revision 2^40 and WATCHES
#             Watch streams.
# Prints per phase: qps, p50, p99, max, errors, the ratio of p99 to the
# baseline's p99, the server's peak thread count, and what the hostile
# client saw. Exit status 1 when a phase got no answer at all from the
# server (the table says why). Builds what it needs first (billing-pdp-server, hostile_client
# and the descriptor set in BUILD_DIR, under BUILD_LOCK; grpcload from
# SHARED_BENCH). Every process it starts is stopped on exit.
#
# usage: bench/hostile_load.sh [--server-bin PATH]
# environment (defaults):
#   BUILD_DIR=<repo>/build   BUILD=1 (0: use what is built)   BUILD_LOCK=/tmp/pdp-build.lock
#   SHARED_BENCH=<repo>/../shared/bench   WORK=/tmp/billing-pdp-hostile-load
#   OUT=$WORK/<timestamp>    WARMUP=2 DURATION=10 CONCURRENCY=16 CHANNELS=1
#   SLOW_CONCURRENCY=2       hostile Authorize calls outstanding (slow)
#   WAITS=2000 WATCHES=1000  parked calls and Watch streams (waits)
#   PHASES="baseline slow waits"   QUIET_WAIT=30 (seconds to wait for an idle machine)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SERVER_BIN=
while [ $# -gt 0 ]; do
  case $1 in
    --server-bin) SERVER_BIN=${2:?--server-bin needs a path}; shift 2 ;;
    --server-bin=*) SERVER_BIN=${1#*=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;;
    *) echo "hostile_load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-$REPO/build}
BUILD=${BUILD:-1}
BUILD_LOCK=${BUILD_LOCK:-/tmp/pdp-build.lock}
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
WORK=${WORK:-/tmp/billing-pdp-hostile-load}
OUT=${OUT:-$WORK/$(date +%Y%m%d-%H%M%S)}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-10}
CONCURRENCY=${CONCURRENCY:-16}
CHANNELS=${CHANNELS:-1}
SLOW_CONCURRENCY=${SLOW_CONCURRENCY:-2}
WAITS=${WAITS:-2000}
WATCHES=${WATCHES:-1000}
PHASES=${PHASES:-baseline slow waits}
QUIET_WAIT=${QUIET_WAIT:-30}
REQ=$HERE/requests

log() { echo "== $*" >&2; }
die() { echo "hostile_load.sh: $*" >&2; exit 1; }

for cmd in cmake python3 timeout flock; do
  command -v "$cmd" >/dev/null || die "missing $cmd"
done
[ -f "$SHARED_BENCH/CMakeLists.txt" ] || die "no shared bench tools at $SHARED_BENCH (set SHARED_BENCH)"
SHARED_BENCH=$(cd "$SHARED_BENCH" && pwd)
mkdir -p "$WORK" "$OUT"

# ---- build
if [ "$BUILD" = 1 ]; then
  log "building billing-pdp-server, hostile_client, the descriptor set (BUILD_DIR=$BUILD_DIR)"
  (cd "$REPO" && BUILD_DIR=$BUILD_DIR flock "$BUILD_LOCK" scripts/build \
    billing-pdp-server hostile_client pdp_descriptor_set) >"$OUT/build.log" 2>&1 ||
    die "build failed (see $OUT/build.log)"
  log "building grpcload in $WORK/tools"
  (flock "$BUILD_LOCK" sh -c "cmake -S '$SHARED_BENCH' -B '$WORK/tools' \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build '$WORK/tools' -j2 --target grpcload") \
    >"$OUT/tools-build.log" 2>&1 || die "building grpcload failed (see $OUT/tools-build.log)"
fi
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/server/billing-pdp-server}
HOSTILE=$BUILD_DIR/bench/hostile_client
LOAD=$WORK/tools/grpcload/grpcload
DESC=$BUILD_DIR/proto/pdp.pb
for f in "$SERVER_BIN" "$HOSTILE" "$LOAD"; do
  [ -x "$f" ] || die "missing $f (run with BUILD=1)"
done
[ -f "$DESC" ] || die "missing $DESC (build target pdp_descriptor_set)"

# ---- processes
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
# A process waited for leaves the list (its id may be reused afterwards).
forget() {
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SERVER_PID=
SERVER_PORT=
start_server() { # phase
  local log=$OUT/server-$1.log
  "$SERVER_BIN" --listen 127.0.0.1:0 --world "$REPO/data/demo-world.yaml" \
    --page-catalog "$REPO/data/page-catalog.json" \
    --aws-managed-policies "$REPO/data/aws-managed-policies.json" 2>"$log" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_PORT=
  for _ in $(seq 100); do
    SERVER_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log")
    [ -n "$SERVER_PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || die "billing-pdp-server exited: $(cat "$log")"
    sleep 0.1
  done
  die "billing-pdp-server did not start (see $log)"
}
# SIGTERM, then SIGKILL after 10 s (a server busy with hostile work may not
# stop promptly; that is part of what is measured, not a reason to hang).
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server $SERVER_PID still running 10 s after SIGTERM: SIGKILL"
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  forget "$SERVER_PID"
}

busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
wait_quiet() { # up to QUIET_WAIT s for < 0.2 cores busy
  local hz a b
  hz=$(getconf CLK_TCK)
  for _ in $(seq "$QUIET_WAIT"); do
    a=$(busy_ticks); sleep 1; b=$(busy_ticks)
    (((b - a) * 5 < hz)) && return 0
  done
  [ "$QUIET_WAIT" = 0 ] || log "machine still busy; measuring anyway"
}

# Peak thread count of the server while the measurement runs.
sample_threads() { # pid out-file
  local max=0 n
  while kill -0 "$1" 2>/dev/null; do
    n=$(awk '/^Threads:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    [ -n "$n" ] && [ "$n" -gt "$max" ] && max=$n && echo "$max" >"$2"
    sleep 0.2
  done
}

{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "server: $SERVER_BIN"
  echo "grpcload: Authorize --concurrency $CONCURRENCY --warmup $WARMUP --duration $DURATION"
  echo "hostile: slow --concurrency $SLOW_CONCURRENCY; waits --waits $WAITS --watches $WATCHES"
} | tee "$OUT/env.txt" >&2

HOSTILE_SECONDS=$((WARMUP + DURATION + 3))
FAILED=0
for phase in $PHASES; do
  log "phase $phase"
  wait_quiet
  start_server "$phase"
  HOSTILE_PID=
  if [ "$phase" != baseline ]; then
    args=(--target "127.0.0.1:$SERVER_PORT" --pattern "$phase" --duration "$HOSTILE_SECONDS")
    [ "$phase" = slow ] && args+=(--concurrency "$SLOW_CONCURRENCY")
    [ "$phase" = waits ] && args+=(--waits "$WAITS" --watches "$WATCHES")
    "$HOSTILE" "${args[@]}" >"$OUT/hostile-$phase.json" 2>"$OUT/hostile-$phase.log" &
    HOSTILE_PID=$!
    PIDS+=("$HOSTILE_PID")
    for _ in $(seq 600); do
      grep -q '^hostile: attacking' "$OUT/hostile-$phase.log" && break
      kill -0 "$HOSTILE_PID" 2>/dev/null || die "hostile_client exited: $(cat "$OUT/hostile-$phase.log")"
      sleep 0.1
    done
    grep -q '^hostile: attacking' "$OUT/hostile-$phase.log" ||
      die "hostile_client did not start its attack (see $OUT/hostile-$phase.log)"
    sleep 1  # let the attack build up
  fi
  echo 0 >"$OUT/threads-$phase"
  sample_threads "$SERVER_PID" "$OUT/threads-$phase" &
  SAMPLER=$!
  rc=0
  result=$(timeout $((WARMUP + DURATION + 60)) "$LOAD" --target "127.0.0.1:$SERVER_PORT" \
    --server-pid "$SERVER_PID" --descriptor-set "$DESC" --warmup "$WARMUP" \
    --duration "$DURATION" --channels "$CHANNELS" --concurrency "$CONCURRENCY" \
    --method /pdp.v1.AuthorizationService/Authorize \
    --request-json "$REQ/authorize_dave_billing_bills.json" \
    --expect-json "$REQ/authorize_expect_allow.json" 2>"$OUT/grpcload-$phase.log") || rc=$?
  # 0: fine; 1: some RPCs failed (counted in "errors"); else no measurement.
  if [ -n "$result" ] && [ "$rc" -le 1 ]; then
    echo "{\"label\":\"$phase\",${result:1}" >>"$OUT/runs.jsonl"
  else
    log "grpcload failed in phase $phase (exit $rc; see $OUT/grpcload-$phase.log)"
    echo "{\"label\":\"$phase\",\"failed\":$rc}" >>"$OUT/runs.jsonl"
    FAILED=1
  fi
  if [ -n "$HOSTILE_PID" ]; then
    wait "$HOSTILE_PID" || log "hostile_client exit status $? (see $OUT/hostile-$phase.log)"
    forget "$HOSTILE_PID"
  fi
  stop_server
  wait "$SAMPLER" 2>/dev/null || true
  echo "{\"label\":\"$phase\",\"threads\":$(cat "$OUT/threads-$phase")}" >>"$OUT/threads.jsonl"
done

python3 - "$OUT" <<'EOF' | tee "$OUT/table.md"
import json, os, sys
out = sys.argv[1]
runs = {}
for name in ("runs.jsonl", "threads.jsonl"):
    with open(os.path.join(out, name)) as f:
        for line in filter(str.strip, f):
            r = json.loads(line)
            runs.setdefault(r["label"], {}).update(r)
base = runs.get("baseline", {}).get("p99_us")
print("| phase | qps | p50 µs | p99 µs | max µs | errors | p99 / baseline p99 | server threads (peak) |")
print("|---|--:|--:|--:|--:|--:|--:|--:|")
for phase, r in runs.items():
    if "failed" in r:
        # grpcload sends one request before measuring; it could not even do that.
        with open(os.path.join(out, f"grpcload-{phase}.log")) as f:
            why = (f.read().strip().splitlines() or ["?"])[-1].replace("|", "/")
        print(f"| {phase} | no answers ({why}) | | | | | | {r.get('threads', '')} |")
        continue
    ratio = f"{r['p99_us'] / base:.2f}" if base else "-"
    print(f"| {phase} | {r['qps']:,.0f} | {r['p50_us']:,.0f} | {r['p99_us']:,.0f} | "
          f"{r['max_us']:,.0f} | {r['errors']} | {ratio} | {r.get('threads', '')} |")
print()
for phase in runs:
    path = os.path.join(out, f"hostile-{phase}.json")
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path) as f:
            print(f"hostile client ({phase}): {f.read().strip()}")
EOF
log "results in $OUT"
# 1 when a phase got no measurement at all (the server did not answer).
exit "$FAILED"
