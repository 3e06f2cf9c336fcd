#!/usr/bin/env bash
# The server as installed: `cmake --install` into a prefix, the prefix moved
# elsewhere (an installation must not depend on where it was installed),
# then the installed server started from another working directory, finding
# its data next to itself and serving pages to the installed pdpctl; the
# installed pdpctl's offline `test` finds the same data.
#   tests/server_package_test.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?build dir}
example=$(cd "$(dirname "$0")/.." && pwd)/examples/decision-tests.json
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$BUILD" --prefix "$work/installed" >/dev/null
mv "$work/installed" "$work/moved"
prefix=$work/moved
data=$prefix/share/billing_pdp
for f in page-catalog.json aws-managed-policies.json aws-service-actions.json demo-world.yaml; do
  test -f "$data/$f" || fail "$data/$f not installed"
done
grep -q "Apache License" "$prefix/share/doc/billing_pdp/LICENSE" || fail "LICENSE not installed"
mkdir "$work/elsewhere"
cd "$work/elsewhere"

# --help names the data directory the server will use: the moved prefix's.
help=$("$prefix/bin/billing-pdp-server" --help)
grep -qxF "Default data directory: $data" <<<"$help" || fail "--help does not name $data: $help"

# It reads that directory, not the source tree's: a broken catalogue there
# stops it, naming the file.
cp -r "$prefix" "$work/broken"
echo '{' >"$work/broken/share/billing_pdp/page-catalog.json"
if "$work/broken/bin/billing-pdp-server" --listen 127.0.0.1:0 >"$work/broken.log" 2>&1; then
  fail "server started with a broken installed catalogue"
fi
grep -qF "$work/broken/share/billing_pdp/page-catalog.json" "$work/broken.log" ||
  fail "the error does not name the installed catalogue: $(cat "$work/broken.log")"

# pdpctl test --world decides in pdpctl with the installed catalogue and
# AWS managed policies: a broken installed catalogue stops it, named.
out=$("$prefix/bin/pdpctl" test --world "$data/demo-world.yaml" "$example" 2>&1) ||
  fail "installed pdpctl test --world: $out"
grep -q "7 passed, 0 failed, 0 errors" <<<"$out" || fail "pdpctl test: $out"
if out=$("$work/broken/bin/pdpctl" test --world "$data/demo-world.yaml" "$example" 2>&1); then
  fail "pdpctl test ran with a broken installed catalogue: $out"
fi
grep -qF "$work/broken/share/billing_pdp/page-catalog.json" <<<"$out" ||
  fail "pdpctl test's error does not name the installed catalogue: $out"

log=$work/server.log
"$prefix/bin/billing-pdp-server" --listen 127.0.0.1:0 --world "$data/demo-world.yaml" 2>"$log" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || fail "server did not start: $(cat "$log")"

out=$("$prefix/bin/pdpctl" --server "127.0.0.1:$port" pages arn:aws:iam::111111111111:user/admin) ||
  fail "pdpctl pages: $out"
grep -q billing_bills <<<"$out" || fail "no billing_bills page for the admin: $out"
installed_version=$("$prefix/bin/pdpctl" --version)
grep -q '^pdpctl ' <<<"$installed_version" || fail "installed pdpctl --version"
echo "server package: 8 passed, 0 failed"
