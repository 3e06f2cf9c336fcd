#!/bin/sh
# Fails when a file includes a header of a layer that must not be below it:
# base/ includes nothing of engine/, world/ or server/; within engine/,
# policy < model < decide < write, each including only its own role and the
# ones before it. Usage: layers_test.sh <source dir>
set -u
cd "$1" || exit 2
status=0
# check <folder> <pattern of forbidden include paths>
check() {
  found=$(grep -rnE "^#include \"($2)/" "$1" --include='*.h' --include='*.cc')
  if [ -n "$found" ]; then
    echo "$1 must not include $2:"
    echo "$found"
    status=1
  fi
}
for d in base engine/policy engine/model engine/decide engine/write; do
  [ -d "$d" ] || { echo "missing folder $d"; exit 2; }
done
check base 'engine|world|server|client'
check engine/policy 'engine/model|engine/decide|engine/write|world|server|client'
check engine/model 'engine/decide|engine/write|world|server|client'
check engine/decide 'engine/write|world|server|client'
check engine/write 'world|server|client'
[ $status -eq 0 ] && echo "engine layers hold"
exit $status
