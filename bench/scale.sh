#!/usr/bin/env bash
# The scale benchmark for SQLite and PostgreSQL (a throwaway cluster):
# populate (then a checkpoint written while a reader and a writer run),
# load by replaying the whole log (as before checkpoints), load from the
# checkpoint + write, then (PostgreSQL) replica latency.
#   BUILD_DIR=build ACCOUNTS=100000 bench/scale.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build}
accounts=${ACCOUNTS:-100000}
bin=$build/bench/scale_bench
work=$(mktemp -d /tmp/pdp-scale.XXXXXX)
info=$work/pg.info
trap '"$here/scripts/test-postgres" stop "$info"; rm -rf "$work"' EXIT

"$bin" --phase populate --store "sqlite:$work/scale.db" --accounts "$accounts"
"$bin" --phase load --store "sqlite:$work/scale.db" --from log
"$bin" --phase load --store "sqlite:$work/scale.db"

"$here/scripts/test-postgres" start "$info"
# shellcheck disable=SC1090
. "$info"
"$bin" --phase populate --store "postgres:$PDP_PG_CONNINFO" --accounts "$accounts"
"$bin" --phase load --store "postgres:$PDP_PG_CONNINFO" --from log
"$bin" --phase load --store "postgres:$PDP_PG_CONNINFO"
"$bin" --phase replicas --store "postgres:$PDP_PG_CONNINFO"
