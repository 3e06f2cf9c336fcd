#!/usr/bin/env bash
# The installed systemd unit passes `systemd-analyze verify` without a word
# (it warns about unknown keys and bad values yet exits 0), and its ExecStart
# names the server of the prefix it was installed to.
#   tests/systemd_unit_test.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?build dir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$BUILD" --prefix "$work/prefix" >/dev/null
unit=$work/prefix/lib/systemd/system/billing-pdp.service
test -f "$unit" || fail "unit not installed"
for want in DynamicUser=yes StateDirectory=billing-pdp ProtectSystem=strict ProtectHome=yes \
  PrivateTmp=yes NoNewPrivileges=yes 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'; do
  grep -qxF "$want" "$unit" || fail "unit lacks $want"
done
grep -qF "ExecStart=$work/prefix/bin/billing-pdp-server --listen 127.0.0.1:" "$unit" ||
  fail "ExecStart does not start $work/prefix/bin/billing-pdp-server on loopback: $(grep ExecStart "$unit")"
grep -qF -- "--store sqlite:/var/lib/billing-pdp/state.db" "$unit" || fail "no sqlite store"

out=$(systemd-analyze verify "$unit" 2>&1) || fail "verify: $out"
[ -z "$out" ] || fail "verify warns: $out"
echo "systemd unit: 4 passed, 0 failed"
