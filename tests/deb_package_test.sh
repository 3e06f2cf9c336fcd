#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` in the build directory (into a temporary
# directory), its control fields and contents (dpkg-deb -f / -c), and the
# server it carries, unpacked into a temporary root (dpkg-deb -x, not
# installed), starting and finding its data there.
#   tests/deb_package_test.sh BUILD_DIR PROJECT_VERSION [MORE_DEPENDS...]
# MORE_DEPENDS: packages the build adds to Depends (tcmalloc's, when linked).
set -euo pipefail
BUILD=${1:?build dir}
VERSION=${2:?project version}
MORE_DEPENDS=("${@:3}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
passed=0
ok() { passed=$((passed + 1)); }

(cd "$BUILD" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  fail "cpack: $(tail -20 "$work/cpack.log")"
debs=("$work"/out/billing-pdp_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "no single billing-pdp_*.deb: $(ls "$work/out")"
deb=${debs[0]}
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "billing-pdp_${VERSION}_${arch}.deb" ] || fail "file name $(basename "$deb")"
ok

# Control fields.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = billing-pdp ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION" ] || fail "Version: $(field Version), want $VERSION"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
# Captured before it is searched: `dpkg-deb | grep -q` under pipefail fails
# when grep stops reading early (dpkg-deb gets SIGPIPE).
description=$(field Description)
grep -q "policy decision point" <<<"$description" || fail "Description: $description"
depends=$(field Depends)
for lib in 'libgrpc++1' libprotobuf libc6 libstdc++6 libsqlite3 libpq5 "${MORE_DEPENDS[@]}"; do
  grep -qF "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
ok

# Contents.
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/contents"
for path in /usr/bin/billing-pdp-server /usr/bin/pdpctl \
  /usr/share/billing_pdp/page-catalog.json /usr/share/billing_pdp/aws-managed-policies.json \
  /usr/share/billing_pdp/aws-service-actions.json /usr/share/billing_pdp/demo-world.yaml \
  /usr/lib/systemd/system/billing-pdp.service /usr/share/doc/billing-pdp/copyright \
  /usr/share/doc/billing_pdp/LICENSE /usr/include/billing_pdp/authorization_client.h \
  /usr/lib/cmake/billing_pdp/billing_pdpConfig.cmake; do
  grep -qxF "$path" "$work/contents" || fail "$path not in the package"
done
if grep -v '^/usr/' "$work/contents" | grep -qv '^/$'; then
  fail "files outside /usr: $(grep -v '^/usr/' "$work/contents")"
fi
# Nothing under /etc, so no conffiles.
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
[ ! -s "$work/control/conffiles" ] || fail "unexpected conffiles: $(cat "$work/control/conffiles")"
test -s "$work/control/md5sums" || fail "no md5sums"
ok

# Unpacked: the unit runs the packaged server, the server starts.
root=$work/root
dpkg-deb -x "$deb" "$root"
unit=$root/usr/lib/systemd/system/billing-pdp.service
grep -qF "ExecStart=/usr/bin/billing-pdp-server --listen 127.0.0.1:" "$unit" ||
  fail "unit ExecStart: $(grep ExecStart "$unit")"
if grep -q "_CPack_Packages\|$work" "$unit"; then fail "unit names the staging directory"; fi
grep -q "Apache License" "$root/usr/share/doc/billing_pdp/LICENSE" || fail "LICENSE"
grep -q "^License: Apache-2.0" "$root/usr/share/doc/billing-pdp/copyright" || fail "copyright"
ok

version=$("$root/usr/bin/billing-pdp-server" --version) || fail "--version failed: $version"
grep -q "^billing-pdp-server $VERSION" <<<"$version" || fail "--version: $version"
help=$("$root/usr/bin/billing-pdp-server" --help)
grep -qxF "Default data directory: $root/usr/share/billing_pdp" <<<"$help" ||
  fail "--help does not name the unpacked data: $help"
grep -q "^pdpctl $VERSION" <<<"$("$root/usr/bin/pdpctl" --version 2>&1)" || fail "pdpctl --version"
ok
echo "deb package: $passed passed, 0 failed"
