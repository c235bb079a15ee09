#!/usr/bin/env bash
# The size budget from docs/style: no function over 150 lines, no source file
# over 1,500 lines. Prints one PASS/FAIL line per rule for tests/run.sh.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
MAX_FN=${MAX_FN:-150}
MAX_FILE=${MAX_FILE:-1500}
files=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/vm-guest/')

if ! command -v ctags >/dev/null; then
  echo "SKIP: size_budget_functions"
  echo "  skip reason: universal-ctags is not installed"
else
  long=$(ctags --c-kinds=f --fields=+ne -o - $files 2>/dev/null | awk -F '\t' -v max="$MAX_FN" '
    { start = 0; end = 0
      for (i = 4; i <= NF; i++) {
        if ($i ~ /^line:/) start = substr($i, 6)
        if ($i ~ /^end:/) end = substr($i, 5)
      }
      if (start && end && end - start + 1 > max) print $2 ":" $1 " " end - start + 1 " lines" }')
  if [ -z "$long" ]; then
    echo "PASS: size_budget_functions"
  else
    echo "FAIL: size_budget_functions"
    echo "$long" | sed 's/^/  /'
  fi
fi

big=$(for f in $files; do n=$(wc -l < "$f"); [ "$n" -gt "$MAX_FILE" ] && echo "$f $n lines"; done)
if [ -z "$big" ]; then
  echo "PASS: size_budget_files"
else
  echo "FAIL: size_budget_files"
  echo "$big" | sed 's/^/  /'
fi
