#!/usr/bin/env bash
# Authorize latency while another client asks heavy questions.
#
# For each server binary given (default: this build's), interleaved ROUNDS
# times: starts it (memory store, data/demo-world.yaml plus an account of
# PRINCIPALS users), measures Authorize (dave VIEW billing_bills) with the
# shared grpcload at CONCURRENCY for DURATION seconds, alone and then while
# a second grpcload keeps HOSTILE_CONCURRENCY WhoCan calls in flight on
# that account (include_denied, page_size 10,000; a server without paging
# answers every principal). Prints one line per measurement and the ratio of
# Authorize's p50 and p99 with the questions to without.
#
# usage: bench/heavy_questions.sh [--server-bin PATH ...]
# environment (defaults):
#   BUILD_DIR=<repo>/build        pdpctl, proto/pdp.pb, the default server
#   GRPCLOAD=/tmp/bench-tools/grpcload/grpcload   (../shared/bench/README.md builds it)
#   PRINCIPALS=56000 CONCURRENCY=16 HOSTILE_CONCURRENCY=4 DURATION=10 ROUNDS=2
#   HOSTILE_NICE=0   nice value of the questioning client (19: as if it ran elsewhere,
#                    on this machine only when its cores are idle)
#   WORK=/tmp/billing-pdp-heavy-questions
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
GRPCLOAD=${GRPCLOAD:-/tmp/bench-tools/grpcload/grpcload}
PRINCIPALS=${PRINCIPALS:-56000}
CONCURRENCY=${CONCURRENCY:-16}
HOSTILE_CONCURRENCY=${HOSTILE_CONCURRENCY:-4}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
WORK=${WORK:-/tmp/billing-pdp-heavy-questions}
HOSTILE_NICE=${HOSTILE_NICE:-0}

SERVERS=()
while [ $# -gt 0 ]; do
  case $1 in
    --server-bin) SERVERS+=("${2:?--server-bin needs a path}"); shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;;
    *) echo "heavy_questions.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=("$BUILD_DIR/server/billing-pdp-server")
[ -x "$GRPCLOAD" ] || { echo "heavy_questions.sh: no grpcload at $GRPCLOAD" >&2; exit 1; }

mkdir -p "$WORK"
DESCRIPTORS=$BUILD_DIR/proto/pdp.pb
AUTHORIZE=$HERE/requests/authorize_dave_billing_bills.json
WHO_CAN='{"account_id": "444444444444", "page": {"page_id": "billing_bills", "access": "VIEW"},
  "include_denied": true, "page_size": 10000}'
python3 - "$PRINCIPALS" > "$WORK/big.json" <<'PY'
import json, sys
changes = [{"create_account": {"account": {"id": "444444444444", "name": "big"}}}]
for i in range(int(sys.argv[1])):
    user = {"arn": "arn:aws:iam::444444444444:user/u%06d" % i}
    if i % 7 == 0:
        user["attached_policies"] = ["arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"]
    changes.append({"put_user": {"user": user}})
json.dump({"changes": changes}, sys.stdout)
PY

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }

run() {  # run SERVER_BIN ROUND
  local bin=$1 round=$2 log=$WORK/server.log
  "$bin" --listen 127.0.0.1:0 --world "$REPO/data/demo-world.yaml" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$log" >&2; exit 1; }
  "$BUILD_DIR/client/pdpctl" --server "127.0.0.1:$port" --timeout 120000 apply "$WORK/big.json" \
    >/dev/null
  local common=(--target "127.0.0.1:$port" --descriptor-set "$DESCRIPTORS" --server-pid "$pid")
  local alone with hostile
  alone=$("$GRPCLOAD" "${common[@]}" --method /pdp.v1.AuthorizationService/Authorize \
    --request-json "$AUTHORIZE" --concurrency "$CONCURRENCY" --warmup 2 --duration "$DURATION")
  nice -n "$HOSTILE_NICE" "$GRPCLOAD" "${common[@]}" --method /pdp.v1.AuthorizationService/WhoCan \
    --request-json "$WHO_CAN" --concurrency "$HOSTILE_CONCURRENCY" --warmup 0 \
    --duration $((DURATION + 4)) >"$WORK/hostile.json" &
  local hostile_pid=$!
  sleep 2
  with=$("$GRPCLOAD" "${common[@]}" --method /pdp.v1.AuthorizationService/Authorize \
    --request-json "$AUTHORIZE" --concurrency "$CONCURRENCY" --warmup 0 --duration "$DURATION")
  wait "$hostile_pid" || true
  hostile=$(cat "$WORK/hostile.json")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local a50 a99 w50 w99
  a50=$(field p50_us <<<"$alone") a99=$(field p99_us <<<"$alone")
  w50=$(field p50_us <<<"$with") w99=$(field p99_us <<<"$with")
  printf '%s round %s: Authorize alone %s qps p50 %s p99 %s us | with WhoCan %s qps p50 %s p99 %s us (p50 x%.2f, p99 x%.2f) | WhoCan %s calls/s p50 %s us\n' \
    "$bin" "$round" "$(field qps <<<"$alone")" "$a50" "$a99" "$(field qps <<<"$with")" "$w50" \
    "$w99" "$(echo "$w50 / $a50" | bc -l)" "$(echo "$w99 / $a99" | bc -l)" \
    "$(field qps <<<"$hostile")" "$(field p50_us <<<"$hostile")"
}

for round in $(seq "$ROUNDS"); do
  for bin in "${SERVERS[@]}"; do run "$bin" "$round"; done
done
