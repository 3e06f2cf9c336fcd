#!/usr/bin/env bash
# End-to-end gRPC load on billing-pdp-server next to the no-op ceiling.
#
# Starts billing-pdp-server with data/demo-world.yaml and the shared
# noopserver (1 thread) on free 127.0.0.1 ports, then drives them with the
# shared grpcload, interleaved, ROUNDS times:
#   - Authorize (dave VIEW billing_bills, checked: ALLOW / ALLOWED_BY_POLICY)
#     at each concurrency in CONCURRENCY, billing-pdp and no-op side by side;
#   - BatchAuthorize with 20 and with 100 pages per request (BATCH_SIZES;
#     each decision checked) at each concurrency in BATCH_CONCURRENCY, also
#     next to no-op (which answers the same request bytes without decoding
#     them).
#   - ListAccessiblePages for dave with include_denied (every page of the
#     catalogue, VIEW and MODIFY: 84 page decisions per call, each page's two
#     decisions checked) at each concurrency in BATCH_CONCURRENCY. billing-pdp
#     only: no-op and Cerbos have no call that answers the same question.
#   - Cerbos (the peer PDP of ../shared/bench, installed from npm into WORK),
#     CheckResources with 1 page per request next to Authorize and with 20
#     pages per request next to BatchAuthorize, same concurrencies (CERBOS=0
#     leaves it out).
# Prints a summary table (qps, p50, p99, billing-pdp/no-op ratio as the median of
# the rounds' own ratios, decisions/s)
# and the per-workload detail table of ../shared/bench/perf-table.py. Every
# process it starts is stopped on exit; nothing listens beyond 127.0.0.1.
#
# usage: bench/grpc_load.sh [--server-bin PATH]
# environment (defaults):
#   BUILD_DIR=<repo>/build       billing-pdp build tree (server binary, proto/pdp.pb)
#   SHARED_BENCH=<repo>/../shared/bench   grpcload, noopserver, perf-table.py
#   WARMUP=2 DURATION=10 ROUNDS=1 CONCURRENCY="1 16 64" BATCH_CONCURRENCY="1 16 64"
#   BATCH_SIZES="20 100"
#   CHANNELS=1                   grpcload --channels
#   WORK=/tmp/billing-pdp-grpc-load   tools build (kept between runs)
#   OUT=$WORK/<timestamp>        logs, runs.jsonl, table.md
#   BUILD_LOCK=                  a file to flock while building the tools (optional)
#   QUIET_WAIT=60                seconds to wait for an idle machine before each run (0: don't)
#   CERBOS=1                     also measure Cerbos (needs node, npm and the npm registry)
#   CERBOS_VERSION=0.55.0 CERBOS_API_VERSION=0.8.0 CERBOS_LOG_LEVEL=warn
#   SERVER_ARGS=                 more billing-pdp-server flags, e.g. "--callers-file F" (the
#                                calls stay anonymous: the caller check's cost on Authorize)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SERVER_BIN=
while [ $# -gt 0 ]; do
  case $1 in
    --server-bin) SERVER_BIN=${2:?--server-bin needs a path}; shift 2 ;;
    --server-bin=*) SERVER_BIN=${1#*=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;;
    *) echo "grpc_load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-$REPO/build}
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
CONCURRENCY=${CONCURRENCY:-1 16 64}
BATCH_CONCURRENCY=${BATCH_CONCURRENCY:-$CONCURRENCY}
CHANNELS=${CHANNELS:-1}
WORK=${WORK:-/tmp/billing-pdp-grpc-load}
OUT=${OUT:-$WORK/$(date +%Y%m%d-%H%M%S)}
BUILD_LOCK=${BUILD_LOCK:-}
QUIET_WAIT=${QUIET_WAIT:-60}
CERBOS=${CERBOS:-1}
CERBOS_VERSION=${CERBOS_VERSION:-0.55.0}
CERBOS_API_VERSION=${CERBOS_API_VERSION:-0.8.0}
CERBOS_LOG_LEVEL=${CERBOS_LOG_LEVEL:-warn}
# Pages per BatchAuthorize request: requests/batch_dave_<N>_pages.json and
# its _expect.json exist for 20 and 100 (Cerbos's check_<N>.json for 20).
BATCH_SIZES=${BATCH_SIZES:-20 100}
# ListAccessiblePages with include_denied decides VIEW and MODIFY for every
# page of data/page-catalog.json.
LIST_DECISIONS=$((2 * $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pages"]))' "$REPO/data/page-catalog.json")))
REQ=$HERE/requests
METHOD=/pdp.v1.AuthorizationService

log() { echo "== $*" >&2; }
die() { echo "grpc_load.sh: $*" >&2; exit 1; }

SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/server/billing-pdp-server}
[ -x "$SERVER_BIN" ] || die "no server binary at $SERVER_BIN (build target billing-pdp-server, or pass --server-bin)"
[ -f "$SHARED_BENCH/CMakeLists.txt" ] || die "no shared bench tools at $SHARED_BENCH (set SHARED_BENCH)"
SHARED_BENCH=$(cd "$SHARED_BENCH" && pwd)
for cmd in cmake python3 timeout; do
  command -v "$cmd" >/dev/null || die "missing $cmd"
done
if [ "$CERBOS" = 1 ]; then
  for cmd in node npm; do
    command -v "$cmd" >/dev/null || die "missing $cmd (Cerbos comes from npm; CERBOS=0 skips it)"
  done
fi
mkdir -p "$WORK" "$OUT"

for n in $BATCH_SIZES; do
  [ -f "$REQ/batch_dave_${n}_pages.json" ] && [ -f "$REQ/batch_dave_${n}_pages_expect.json" ] ||
    die "no requests/batch_dave_${n}_pages{,_expect}.json for BATCH_SIZES=$n"
done

# ---- tools
log "building grpcload and noopserver in $WORK/tools"
build_tools() {
  cmake -S "$SHARED_BENCH" -B "$WORK/tools" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$WORK/tools" -j2
}
if [ -n "$BUILD_LOCK" ]; then
  (flock 9 && build_tools) 9>"$BUILD_LOCK" >"$OUT/tools-build.log" 2>&1
else
  build_tools >"$OUT/tools-build.log" 2>&1
fi || die "building the tools failed (see $OUT/tools-build.log)"
LOAD=$WORK/tools/grpcload/grpcload
NOOP=$WORK/tools/noopserver/noopserver

# ---- descriptor set: the build's (target pdp_descriptor_set) when it is
# newer than every .proto, else made here with protoc.
PROTOS=(google/rpc/status.proto google/rpc/error_details.proto pdp/v1/types.proto
  pdp/v1/decision.proto pdp/v1/changes.proto pdp/v1/authorization.proto pdp/v1/admin.proto)
DESC=$BUILD_DIR/proto/pdp.pb
fresh=1
[ -f "$DESC" ] || fresh=0
if [ $fresh = 1 ]; then
  for p in "${PROTOS[@]}"; do [ "$REPO/proto/$p" -nt "$DESC" ] && fresh=0; done
fi
if [ $fresh = 0 ]; then
  command -v protoc >/dev/null || die "no up-to-date $DESC and no protoc to make one"
  DESC=$OUT/pdp.pb
  (cd "$REPO/proto" && protoc --include_imports --descriptor_set_out="$DESC" "${PROTOS[@]}")
fi
log "descriptor set: $DESC"

# ---- servers
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# billing-pdp picks its own port (--listen 127.0.0.1:0) and prints it.
"$SERVER_BIN" --listen 127.0.0.1:0 --world "$REPO/data/demo-world.yaml" \
  --page-catalog "$REPO/data/page-catalog.json" \
  --aws-managed-policies "$REPO/data/aws-managed-policies.json" ${SERVER_ARGS:-} \
  2>"$OUT/billing-pdp.log" &
PDP_PID=$!
PIDS+=("$PDP_PID")
PDP_PORT=
for _ in $(seq 100); do
  PDP_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
    "$OUT/billing-pdp.log")
  [ -n "$PDP_PORT" ] && break
  kill -0 "$PDP_PID" 2>/dev/null || die "billing-pdp-server exited: $(cat "$OUT/billing-pdp.log")"
  sleep 0.1
done
[ -n "$PDP_PORT" ] || die "billing-pdp-server did not start (see $OUT/billing-pdp.log)"

# noopserver does not report its port: take a free one.
NOOP_PORT=$(free_port)
"$NOOP" --address "127.0.0.1:$NOOP_PORT" --threads 1 2>"$OUT/noop.log" &
NOOP_PID=$!
PIDS+=("$NOOP_PID")
for _ in $(seq 100); do
  port_open "$NOOP_PORT" && break
  kill -0 "$NOOP_PID" 2>/dev/null || die "noopserver exited: $(cat "$OUT/noop.log")"
  sleep 0.1
done
port_open "$NOOP_PORT" || die "noopserver is not listening on 127.0.0.1:$NOOP_PORT"
log "billing-pdp on 127.0.0.1:$PDP_PORT (pid $PDP_PID), no-op on 127.0.0.1:$NOOP_PORT (pid $NOOP_PID)"

# ---- Cerbos: the npm package's binary with ../shared/bench/cerbos's policy,
# loopback only, its descriptor set made from the npm package's descriptors.
CERBOS_DIR=$SHARED_BENCH/cerbos
if [ "$CERBOS" = 1 ]; then
  log "installing Cerbos $CERBOS_VERSION from npm in $WORK/npm"
  mkdir -p "$WORK/npm"
  [ -f "$WORK/npm/package.json" ] || echo '{"private": true}' >"$WORK/npm/package.json"
  (cd "$WORK/npm" && npm install --no-audit --no-fund --silent \
    "@cerbos/cerbos-linux-x64@$CERBOS_VERSION" "@cerbos/api@$CERBOS_API_VERSION") \
    >"$OUT/npm.log" 2>&1 || die "npm install of Cerbos failed (see $OUT/npm.log)"
  CERBOS_BIN=$WORK/npm/node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64
  CERBOS_DESC=$OUT/cerbos.pb
  node "$CERBOS_DIR/descset.mjs" "$WORK/npm/node_modules" "$CERBOS_DESC" 2>>"$OUT/npm.log" ||
    die "could not make Cerbos's descriptor set (see $OUT/npm.log)"
  CERBOS_PORT=$(free_port)
  CERBOS_HTTP_PORT=$(free_port)
  (cd "$OUT" && exec "$CERBOS_BIN" server --config="$CERBOS_DIR/.cerbos.yaml" \
    --log-level="$CERBOS_LOG_LEVEL" \
    --set=storage.disk.directory="$CERBOS_DIR/policies" \
    --set=server.grpcListenAddr="127.0.0.1:$CERBOS_PORT" \
    --set=server.httpListenAddr="127.0.0.1:$CERBOS_HTTP_PORT") >"$OUT/cerbos.log" 2>&1 &
  CERBOS_PID=$!
  PIDS+=("$CERBOS_PID")
  for _ in $(seq 100); do
    port_open "$CERBOS_PORT" && break
    kill -0 "$CERBOS_PID" 2>/dev/null || die "Cerbos exited: $(cat "$OUT/cerbos.log")"
    sleep 0.1
  done
  port_open "$CERBOS_PORT" || die "Cerbos is not listening on 127.0.0.1:$CERBOS_PORT"
  log "Cerbos $CERBOS_VERSION on 127.0.0.1:$CERBOS_PORT (pid $CERBOS_PID)"
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "kernel $(uname -r)"
  echo "server: $SERVER_BIN ($(head -1 "$OUT/billing-pdp.log"))"
  if [ "$CERBOS" = 1 ]; then
    echo "cerbos: $("$CERBOS_BIN" --version 2>&1 | head -1), log level $CERBOS_LOG_LEVEL"
  fi
  echo "grpcload: --warmup $WARMUP --duration $DURATION --channels $CHANNELS, $ROUNDS round(s)"
} | tee "$OUT/env.txt" >&2

busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Waits up to QUIET_WAIT seconds for the machine to be nearly idle (< 0.2 cores busy).
wait_quiet() {
  local hz a b
  hz=$(getconf CLK_TCK)
  for _ in $(seq "$QUIET_WAIT"); do
    a=$(busy_ticks); sleep 1; b=$(busy_ticks)
    (((b - a) * 5 < hz)) && return 0
  done
  [ "$QUIET_WAIT" = 0 ] || log "machine still busy; measuring anyway (see the noise column)"
}

ROUND=0
measure() { # label port server-pid grpcload-args...
  local label=$1 port=$2 pid=$3 result rc=0 limit
  shift 3
  wait_quiet
  limit=$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN { printf "%d", w + d + 60 }')
  result=$(timeout "$limit" "$LOAD" --target "127.0.0.1:$port" \
    --server-pid "$pid" --warmup "$WARMUP" --duration "$DURATION" \
    --channels "$CHANNELS" "$@" 2>>"$OUT/grpcload.log") || rc=$?
  if [ "$rc" != 0 ] || [ -z "$result" ]; then
    die "grpcload failed (exit $rc) for $label (see $OUT/grpcload.log)"
  fi
  echo "{\"label\":\"$label\",\"round\":$ROUND,${result:1}" | tee -a "$OUT/runs.jsonl" >&2
}

# One workload on no-op and on billing-pdp, back to back: no-op first in odd
# rounds, billing-pdp first in even ones, so neither always runs on the
# machine the other has just warmed (load_table.py pairs them by round).
# usage: side_by_side WORKLOAD grpcload-args... -- billing-pdp-only-args...
side_by_side() {
  local workload=$1 common=() own=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do common+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  own=("$@")
  if ((ROUND % 2 == 1)); then
    measure "noop $workload" "$NOOP_PORT" "$NOOP_PID" "${common[@]}"
    measure "billing-pdp $workload" "$PDP_PORT" "$PDP_PID" "${common[@]}" "${own[@]}"
  else
    measure "billing-pdp $workload" "$PDP_PORT" "$PDP_PID" "${common[@]}" "${own[@]}"
    measure "noop $workload" "$NOOP_PORT" "$NOOP_PID" "${common[@]}"
  fi
}

AUTH=(--descriptor-set "$DESC" --method "$METHOD/Authorize" --request-json "$REQ/authorize_dave_billing_bills.json")
LIST=(--descriptor-set "$DESC" --method "$METHOD/ListAccessiblePages" --request-json "$REQ/list_accessible_pages_dave.json")
# Cerbos's CheckResources answers for 1 or 20 billing pages per request.
CHECK=(--descriptor-set "${CERBOS_DESC:-}" --method /cerbos.svc.v1.CerbosService/CheckResources)
for ROUND in $(seq "$ROUNDS"); do
  log "round $ROUND of $ROUNDS"
  for c in $CONCURRENCY; do
    side_by_side "Authorize" "${AUTH[@]}" --concurrency "$c" -- \
      --expect-json "$REQ/authorize_expect_allow.json"
    if [ "$CERBOS" = 1 ]; then
      measure "cerbos Authorize" "$CERBOS_PORT" "$CERBOS_PID" "${CHECK[@]}" \
        --request-json "$CERBOS_DIR/check_1.json" --expect-json "$CERBOS_DIR/expect_1.json" \
        --concurrency "$c"
    fi
  done
  for n in $BATCH_SIZES; do
    BATCH=(--descriptor-set "$DESC" --method "$METHOD/BatchAuthorize"
      --request-json "$REQ/batch_dave_${n}_pages.json")
    for c in $BATCH_CONCURRENCY; do
      side_by_side "BatchAuthorize x$n" "${BATCH[@]}" --concurrency "$c" -- \
        --expect-json "$REQ/batch_dave_${n}_pages_expect.json"
      if [ "$CERBOS" = 1 ] && [ -f "$CERBOS_DIR/check_$n.json" ]; then
        measure "cerbos BatchAuthorize x$n" "$CERBOS_PORT" "$CERBOS_PID" "${CHECK[@]}" \
          --request-json "$CERBOS_DIR/check_$n.json" \
          --expect-json "$CERBOS_DIR/expect_$n.json" --concurrency "$c"
      fi
    done
  done
  for c in $BATCH_CONCURRENCY; do
    measure "billing-pdp ListAccessiblePages x$LIST_DECISIONS" "$PDP_PORT" "$PDP_PID" "${LIST[@]}" \
      --concurrency "$c" --expect-json "$REQ/list_accessible_pages_dave_expect.json"
  done
done

{
  python3 "$HERE/load_table.py" "$OUT/runs.jsonl"
  echo
  echo "Detail (../shared/bench/perf-table.py; cells: median [min–max] over rounds):"
  echo
  python3 "$SHARED_BENCH/perf-table.py" "$OUT/runs.jsonl"
} | tee "$OUT/table.md"
log "results in $OUT"
