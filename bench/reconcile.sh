#!/usr/bin/env bash
# A controller reconciling unchanged desired state (issue 11): starts
# billing-pdp-server on a fresh SQLite store (127.0.0.1, any free port), then
# runs bench/reconcile_bench: ACCOUNTS accounts (each the account, a managed
# policy, a user and the policy attached: 4 changes) re-applied ROUNDS times
# through ApplyChanges, BATCH accounts per request. Prints per round the time
# and the revisions it made (0 after the first, or the exit status is 1).
# The server is stopped and the store deleted on exit.
#   BUILD_DIR=build ACCOUNTS=10000 ROUNDS=10 BATCH=1000 bench/reconcile.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build}
accounts=${ACCOUNTS:-10000}
rounds=${ROUNDS:-10}
batch=${BATCH:-1000}
work=$(mktemp -d /tmp/pdp-reconcile.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$build/server/billing-pdp-server" --listen 127.0.0.1:0 --store "sqlite:$work/reconcile.db" \
  >"$work/server.log" 2>&1 &
server_pid=$!
address=
for _ in $(seq 1 100); do
  address=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 | cut -d' ' -f3) || true
  [ -n "$address" ] && break
  sleep 0.1
done
if [ -z "$address" ]; then
  echo "reconcile.sh: the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
"$build/bench/reconcile_bench" --server "$address" --accounts "$accounts" --rounds "$rounds" \
  --batch "$batch"
