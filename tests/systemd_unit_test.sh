#!/usr/bin/env bash
# The installed systemd unit passes `systemd-analyze verify` without a word
# (it warns about unknown keys and bad values yet exits 0). Its ExecStart
# names the configured prefix's binary, which need not exist on this
# machine: the unit is checked with that path pointed at the built server.
#   tests/systemd_unit_test.sh BUILD_DIR INSTALL_BINDIR SERVER_BINARY
set -euo pipefail
BUILD=${1:?build dir}
BINDIR=${2:?configured bin dir}
SERVER=${3:?built server}
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
grep -qF "ExecStart=$BINDIR/billing-pdp-server --listen 127.0.0.1:" "$unit" ||
  fail "ExecStart does not start $BINDIR/billing-pdp-server on loopback"
grep -qF -- "--store sqlite:/var/lib/billing-pdp/state.db" "$unit" || fail "no sqlite store"

mkdir "$work/check"
sed "s|^ExecStart=$BINDIR/billing-pdp-server|ExecStart=$SERVER|" "$unit" \
  >"$work/check/billing-pdp.service"
out=$(systemd-analyze verify "$work/check/billing-pdp.service" 2>&1) || fail "verify: $out"
[ -z "$out" ] || fail "verify warns: $out"
echo "systemd unit: 4 passed, 0 failed"
