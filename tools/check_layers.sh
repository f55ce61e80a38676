#!/usr/bin/env bash
# The include graph follows the layers: a package includes only itself and the layers
# below it. Tests (*_test.cc) and benchmarks (*_benchmark.cc) may also include the shared
# test fixtures of tests/. Bazel visibility enforces the same at build time for targets;
# this also catches a header reached through a transitive dependency.
#
#   scenarios -> properties, faults -> backends -> node -> storage -> base
#                                               node -> sim -> base
#   (storage never includes sim: engines get their file system, clock and job scheduling
#   injected by their host)
set -uo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [base]="base"
  [sim]="base sim"
  [storage]="base storage"
  [node]="base sim storage node"
  [backends]="base sim storage node backends"
  [faults]="base sim storage node backends faults"
  [properties]="base sim storage node backends properties"
  [scenarios]="base sim storage node backends faults properties scenarios"
  [tests]="base sim storage node backends faults properties tests"
  [bench]="base sim storage node backends faults properties scenarios tests bench"
)
bad=0
checked=0
while IFS= read -r f; do
  pkg="${f%%/*}"
  [ -n "${allowed[$pkg]+x}" ] || continue
  ok=" ${allowed[$pkg]} "
  case "$f" in *_test.cc | *_benchmark.cc) ok="$ok tests " ;; esac
  checked=$((checked + 1))
  while IFS= read -r inc; do
    top="${inc%%/*}"
    if [[ "$ok" != *" $top "* ]]; then
      echo "layer violation: $f includes \"$inc\" ($pkg may include:${ok% })"
      bad=$((bad + 1))
    fi
  done < <(sed -n 's/^#include "\([^"]*\/[^"]*\)".*/\1/p' "$f")
done < <(git ls-files '*.cc' '*.h')
echo "check_layers: $checked files, $bad violations"
[ "$bad" -eq 0 ]
