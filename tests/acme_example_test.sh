#!/usr/bin/env bash
# examples/aws/acme/ is what its generator writes: regenerated, nothing
# differs (an edit of the JSON or of generate.py alone shows here).
set -euo pipefail
src=$1
out=$(mktemp -d "${TMPDIR:-/tmp}/acme-example-XXXXXX")
trap 'rm -rf "$out"' EXIT
python3 "$src/examples/aws/acme/generate.py" --out "$out" >/dev/null
for part in organization iam; do
  diff -r "$src/examples/aws/acme/$part" "$out/$part"
done
# Every file the generator writes is checked in, and no other.
diff <(cd "$src/examples/aws/acme" && find organization iam -type f | sort) \
  <(cd "$out" && find organization iam -type f | sort)
echo "examples/aws/acme matches generate.py"
