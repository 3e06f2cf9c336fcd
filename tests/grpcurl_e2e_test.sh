#!/usr/bin/env bash
# grpcurl against a real server, every RPC family the way README.md's "With
# grpcurl" walk-through shows it: reflection (list, describe), health, the
# decisions and questions, admin writes with update_mask and etags, an error
# whose details grpcurl decodes, Watch with a deadline, and a bearer token
# (the server runs with --admin-token-file). grpcurl missing is a failure,
# never a skip: Debian 12 does not package it, scripts/test puts the shared
# tools' build on PATH.
# README's walk-through must show exactly the grpcurl commands run here
# (compared with whitespace collapsed), so what it shows is what is tested.
#   tests/grpcurl_e2e_test.sh SERVER_BINARY DEMO_WORLD README
set -uo pipefail
SERVER=${1:?server binary}
WORLD=${2:?world file}
README=${3:?README.md}
command -v grpcurl >/dev/null || {
  echo "FAIL: grpcurl is not on PATH (scripts/test adds ../shared/tools/bin)"
  exit 1
}

dir=$(mktemp -d)
log=$dir/server.log
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$dir/admin.token"
"$SERVER" --listen 127.0.0.1:0 --world "$WORLD" --admin-token-file "$dir/admin.token" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
[ -n "${port:-}" ] || { echo "FAIL: server did not start:"; cat "$log"; exit 1; }
addr=127.0.0.1:$port
TOKEN=$token

passed=0
failed=0
# check NAME COMMAND...: the command must succeed; its output is in $out.
# Every answer is captured before it is searched (`grpcurl | grep -q` under
# pipefail fails whenever grep stops reading first).
check() {
  local name=$1
  shift
  local rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then
    current=$name
    return 0
  fi
  echo "FAIL: $name: exit $rc:"
  head -n 40 <<<"$out"
  failed=$((failed + 1))
  current=""
  return 1
}
# check_fails NAME COMMAND...: the command must fail (a gRPC error).
check_fails() {
  local name=$1
  shift
  if out=$("$@" 2>&1); then
    echo "FAIL: $name: succeeded but should have failed:"
    head -n 40 <<<"$out"
    failed=$((failed + 1))
    current=""
    return 1
  fi
  current=$name
}
# expect PATTERN...: each extended regex must be in $out (after check*).
expect() {
  [ -n "$current" ] || return 1
  local p
  for p in "$@"; do
    if ! grep -Eq -- "$p" <<<"$out"; then
      echo "FAIL: $current: no match for /$p/ in:"
      head -n 40 <<<"$out"
      failed=$((failed + 1))
      current=""
      return 1
    fi
  done
  passed=$((passed + 1))
  current=""
}
# refute PATTERN: the regex must not be in $out (an expect follows).
refute() {
  [ -n "$current" ] || return 1
  if grep -Eq -- "$1" <<<"$out"; then
    echo "FAIL: $current: unexpected /$1/ in:"
    head -n 40 <<<"$out"
    failed=$((failed + 1))
    current=""
    return 1
  fi
}

# --- Reflection (grpcurl 1.8.5 asks v1alpha; v1 is served alongside) ---
check "list" grpcurl -plaintext "$addr" list &&
  expect '^grpc\.health\.v1\.Health$' '^grpc\.reflection\.v1\.ServerReflection$' \
    '^grpc\.reflection\.v1alpha\.ServerReflection$' '^pdp\.v1\.AdminService$' \
    '^pdp\.v1\.AuthorizationService$'
check "list methods" grpcurl -plaintext "$addr" list pdp.v1.AuthorizationService &&
  expect '^pdp\.v1\.AuthorizationService\.WhatIf$'
# Every service on one reflection stream: a client that fails on repeated
# or misordered files fails here on the second service.
check "describe all" grpcurl -plaintext "$addr" describe &&
  expect 'pdp\.v1\.AuthorizationService is a service' 'pdp\.v1\.AdminService is a service' \
    'rpc Watch \( \.pdp\.v1\.WatchRequest \) returns \( stream \.pdp\.v1\.WatchResponse \)' \
    'grpc\.reflection\.v1\.ServerReflection is a service'
check "describe service" grpcurl -plaintext "$addr" describe pdp.v1.AuthorizationService &&
  expect 'rpc Authorize \( \.pdp\.v1\.AuthorizeRequest \) returns \( \.pdp\.v1\.AuthorizeResponse \)' \
    'rpc AccessMatrix \( \.pdp\.v1\.AccessMatrixRequest \) returns \( stream \.pdp\.v1\.AccessMatrixResponse \)'
check "describe message" grpcurl -plaintext "$addr" describe pdp.v1.AuthorizeRequest &&
  expect 'message AuthorizeRequest' 'string principal = 1;'
check_fails "describe unknown" grpcurl -plaintext "$addr" describe pdp.v1.NoSuchThing &&
  expect 'Symbol not found: pdp\.v1\.NoSuchThing'

# --- Health (open to anyone, no token) ---
check "health" grpcurl -plaintext "$addr" grpc.health.v1.Health/Check &&
  expect '"status": "SERVING"'
check "health of a service" grpcurl -plaintext -d '{"service":"pdp.v1.AdminService"}' \
  "$addr" grpc.health.v1.Health/Check &&
  expect '"status": "SERVING"'

# --- Decisions ---
check "Authorize ALLOW" grpcurl -plaintext -d '{"principal":"arn:aws:iam::111111111111:user/admin",
    "page":{"page_id":"billing_bills","access":"VIEW"}}' \
  "$addr" pdp.v1.AuthorizationService/Authorize &&
  expect '"effect": "ALLOW"'
check "Authorize DENY" grpcurl -plaintext -d '{"principal":"arn:aws:iam::222222222222:user/admin",
    "page":{"page_id":"billing_bills","access":"VIEW"}}' \
  "$addr" pdp.v1.AuthorizationService/Authorize &&
  expect '"effect": "DENY"' '"reason": "IAM_ACCESS_NOT_ACTIVATED"'
check "BatchAuthorize" grpcurl -plaintext -d '{"requests":[{"principal":"arn:aws:iam::111111111111:root",
    "action":{"action":"ce:GetCostAndUsage"}},
    {"principal":"arn:aws:iam::111111111111:user/auditor-bob",
    "page":{"page_id":"billing_payment_methods","access":"VIEW"}}]}' \
  "$addr" pdp.v1.AuthorizationService/BatchAuthorize &&
  expect '"reason": "ROOT_USER"' '"reason": "EXPLICIT_DENY"'
# Explain and the questions need a reader: the token (-H, sent with the
# reflection requests too).
check "Explain" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"principal":"arn:aws:iam::111111111111:user/auditor-bob",
    "page":{"page_id":"billing_payment_methods","access":"VIEW"}}' \
  "$addr" pdp.v1.AuthorizationService/Explain &&
  expect '"reason": "EXPLICIT_DENY"' '"gate": "resolve"' 'DenyPaymentMethods'
version=$("$SERVER" --version | sed 's/^billing-pdp-server //')
version_re=$(sed 's/[][().*^$+?{}|\\]/\\&/g' <<<"$version")
check "ListPages" grpcurl -plaintext "$addr" pdp.v1.AuthorizationService/ListPages &&
  expect '"id": "billing_bills"' "\"server_version\": \"$version_re\""
check "ListAccessiblePages" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"principal":"arn:aws:iam::111111111111:user/finance-alice"}' \
  "$addr" pdp.v1.AuthorizationService/ListAccessiblePages &&
  expect '"page_id": "billing_bills"' '"effect": "ALLOW"'
check "WhoCan" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"account_id":"111111111111",
    "page":{"page_id":"billing_bills","access":"VIEW"}}' \
  "$addr" pdp.v1.AuthorizationService/WhoCan &&
  expect '"principal": "arn:aws:iam::111111111111:root"' \
    '"principal": "arn:aws:iam::111111111111:user/admin"'
check "WhatIf" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"changes":[{"update_account_settings":{
    "account_id":"222222222222","settings":{"iam_access_to_billing":true},
    "update_mask":["iam_access_to_billing"],"actor":"arn:aws:iam::222222222222:root"}}],
    "authorize":[{"principal":"arn:aws:iam::222222222222:user/admin",
    "page":{"page_id":"billing_bills","access":"VIEW"}}]}' \
  "$addr" pdp.v1.AuthorizationService/WhatIf &&
  expect '"before": \{' '"reason": "IAM_ACCESS_NOT_ACTIVATED"' '"after": \{' '"effect": "ALLOW"'
# The access matrix streams its messages; grpcurl prints each. Root on
# billing_bills: VIEW (the page has nothing to modify); on billing_budgets:
# MODIFY as the root user.
check "AccessMatrix" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"account_id":"111111111111","page_ids":["billing_bills","billing_budgets"]}' \
  "$addr" pdp.v1.AuthorizationService/AccessMatrix &&
  expect '"id": "billing_bills"' '"id": "billing_budgets"' \
    '"principal": "arn:aws:iam::111111111111:root"' '"kind": "root"' '"access": "MODIFY"' \
    '"reason": "ROOT_USER"' '"reason": "ACCESS_LEVEL_NOT_OFFERED"' \
    '"statement": "arn:aws:iam::aws:policy/AdministratorAccess#0"'
check_fails "AccessMatrix bad page" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"account_id":"111111111111","page_ids":["billing_bills","no_such_page"]}' \
  "$addr" pdp.v1.AuthorizationService/AccessMatrix &&
  expect 'Code: InvalidArgument' '"field": ?"page_ids\[1\]"'

# proto3 JSON leaves out false and zero: iam_access_to_billing is false
# for 222222222222 and only -emit-defaults shows it.
check "GetAccount" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"name":"222222222222"}' "$addr" pdp.v1.AdminService/GetAccount &&
  refute 'iam_access_to_billing' && expect '"etag": "1"'
check "GetAccount -emit-defaults" grpcurl -plaintext -emit-defaults -H "authorization: Bearer $TOKEN" \
  -d '{"name":"222222222222"}' "$addr" pdp.v1.AdminService/GetAccount &&
  expect '"iam_access_to_billing": false'

# --- Admin writes: a token, update_mask, etags ---
check_fails "write without token" grpcurl -plaintext -d '{"account_id":"222222222222",
    "settings":{"iam_access_to_billing":true},"update_mask":["iam_access_to_billing"],
    "actor":"arn:aws:iam::222222222222:root"}' \
  "$addr" pdp.v1.AdminService/UpdateAccountSettings &&
  expect 'Code: Unauthenticated' 'needs an authenticated caller with the role controller'
# A token no caller has is refused on every call, reflection included.
check_fails "unknown token" grpcurl -plaintext -H "authorization: Bearer not-$TOKEN" \
  -d '{"name":"222222222222"}' "$addr" pdp.v1.AdminService/GetAccount &&
  expect 'Unauthenticated' 'the bearer token is not one of a known caller'
check "UpdateAccountSettings" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"account_id":"222222222222","settings":{"iam_access_to_billing":true},
    "update_mask":["iam_access_to_billing"],"actor":"arn:aws:iam::222222222222:root",
    "etag":"1"}' \
  "$addr" pdp.v1.AdminService/UpdateAccountSettings &&
  expect '"iam_access_to_billing": true' '"etag": "2"'
check_fails "stale etag" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"account_id":"222222222222","settings":{"iam_access_to_billing":false},
    "update_mask":["iam_access_to_billing"],"actor":"arn:aws:iam::222222222222:root",
    "etag":"1"}' \
  "$addr" pdp.v1.AdminService/UpdateAccountSettings &&
  expect 'Code: Aborted'
check "ApplyChanges" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"request_id":"grpcurl-walkthrough-1","changes":[{"put_user":{"user":{
    "arn":"arn:aws:iam::222222222222:user/erin",
    "attached_policies":["arn:aws:iam::aws:policy/job-function/Billing"]}}}]}' \
  "$addr" pdp.v1.AdminService/ApplyChanges &&
  expect '"revision": "3"'
check "Authorize the new user" grpcurl -plaintext -d '{"principal":"arn:aws:iam::222222222222:user/erin",
    "page":{"page_id":"billing_bills","access":"VIEW"},"min_revision":3}' \
  "$addr" pdp.v1.AuthorizationService/Authorize &&
  expect '"effect": "ALLOW"'

# --- An INVALID_ARGUMENT whose BadRequest grpcurl decodes (field path) ---
check_fails "bad principal" grpcurl -plaintext -d '{"principal":"not-an-arn",
    "page":{"page_id":"billing_bills","access":"VIEW"}}' \
  "$addr" pdp.v1.AuthorizationService/Authorize &&
  expect 'Code: InvalidArgument' '"@type": ?"type\.googleapis\.com/google\.rpc\.BadRequest"' \
    '"field": ?"principal"' && refute 'is not recognized'
check_fails "empty update_mask" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"account_id":"222222222222","settings":{"iam_access_to_billing":true},
    "actor":"arn:aws:iam::222222222222:root"}' \
  "$addr" pdp.v1.AdminService/UpdateAccountSettings &&
  expect 'Code: InvalidArgument' '"field": ?"update_mask"'

# --- Watch with a deadline: history from revision 1, then the deadline ---
check_fails "Watch" grpcurl -plaintext -max-time 3 -H "authorization: Bearer $TOKEN" \
  -d '{"from_revision":1}' "$addr" pdp.v1.AdminService/Watch &&
  expect '"revision": "1"' '"revision": "2"' '"revision": "3"' \
    '"request_id": "grpcurl-walkthrough-1"' 'DeadlineExceeded'

# The grpcurl commands of this script (each `check[_fails] "name" grpcurl
# ... &&`) and of README's walk-through (indented lines from `grpcurl` to
# the next blank or unindented line, between the two markers), one a line.
script_commands() {
  awk '
    function emit() { gsub(/\\\n/, " ", cmd); gsub(/[ \t\n]+/, " ", cmd); print cmd; inside = 0 }
    !inside && match($0, /^check(_fails)? "[^"]*" grpcurl /) {
      inside = 1; cmd = "grpcurl " substr($0, RSTART + RLENGTH)
      if (cmd ~ / &&$/) { sub(/ &&$/, "", cmd); emit() }
      next
    }
    inside { cmd = cmd "\n" $0; if (cmd ~ / &&$/) { sub(/ &&$/, "", cmd); emit() } }
  ' "$0"
}
readme_commands() {
  awk '
    function emit() { if (inside) { gsub(/\\\n/, " ", cmd); gsub(/[ \t\n]+/, " ", cmd); print cmd }; inside = 0 }
    /<!-- grpcurl walk-through/ { on = 1; next }
    /<!-- end grpcurl walk-through/ { emit(); on = 0 }
    !on { next }
    /^    grpcurl / { emit(); inside = 1; cmd = substr($0, 5); next }
    inside && /^    / { cmd = cmd "\n" $0; next }
    { emit() }
  ' "$README"
}
documented=$(readme_commands | sort)
tested=$(script_commands | sort)
if [ -z "$documented" ]; then
  echo "FAIL: README: no grpcurl walk-through between its markers"
  failed=$((failed + 1))
elif [ "$documented" != "$tested" ]; then
  echo "FAIL: README's grpcurl walk-through and this test differ (< README only, > test only):"
  diff <(echo "$documented") <(echo "$tested") | grep '^[<>]'
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi

echo "grpcurl e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "server log:"; cat "$log"; exit 1; }
