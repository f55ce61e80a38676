#!/usr/bin/env bash
# Style check: every C++ file tracked by git is clang-format clean (.clang-format, Debian's
# clang-format 14). Prints the files that are not and exits 1; `tools/check_format.sh --fix`
# rewrites them in place.
set -uo pipefail
cd "$(dirname "$0")/.."
fmt="$(command -v clang-format-14 || command -v clang-format || true)"
if [ -z "$fmt" ]; then
  echo "check_format: clang-format not found (tools/bootstrap.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--fix" ]; then
  "$fmt" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not clang-format clean: $f (tools/check_format.sh --fix)"
    bad=$((bad + 1))
  fi
done
echo "check_format: ${#files[@]} files, $bad not clean"
[ "$bad" -eq 0 ]
