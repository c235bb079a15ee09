#!/usr/bin/env bash
# Run silo's tests and print one closing line: "N passed, N failed, N skipped".
#   tests/run.sh            unit tests, then end-to-end tests
#   tests/run.sh unit|lint|e2e   one tier
#   tests/run.sh e2e FILE…  selected end-to-end files (tests/e2e/NAME.sh)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
SILO=${SILO:-$TOP/$BUILD/silo}
export TOP BUILD SILO
tier=${1:-all}
shift || true
passed=0 failed=0 skipped=0
failures=()

count_line () {
  case "$1" in
    PASS:*) passed=$((passed + 1)) ;;
    FAIL:*) failed=$((failed + 1)); failures+=("${1#FAIL: }") ;;
    SKIP:*) skipped=$((skipped + 1)) ;;
  esac
}

run_unit () {
  local bin line
  for bin in "$TOP/$BUILD"/tests/unit/test_*; do
    [ -x "$bin" ] || continue
    echo "== unit $(basename "$bin")"
    while IFS= read -r line; do
      echo "$line"
      count_line "$line"
    done < <(cd "$TOP" && "$bin" 2>&1; rc=$?; [ $rc -gt 1 ] && echo "FAIL: $(basename "$bin") exited $rc")
  done
}

run_lint () {
  local line
  echo "== lint size-budget"
  while IFS= read -r line; do
    echo "$line"
    count_line "$line"
  done < <("$TOP/tests/size-budget.sh")
}

run_e2e_file () {
  local file=$1 fn rc out
  echo "== e2e $(basename "$file")"
  for fn in $(bash -c "source '$TOP/tests/lib.sh'; source '$file'; declare -F" | awk '{print $3}' | grep '^test_'); do
    out=$(cd "$TOP" && timeout 120 bash -c "source '$TOP/tests/lib.sh'; source '$file'; set +e; $fn" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
      count_line "PASS: $fn"; echo "PASS: $fn"
    elif [ $rc -eq 77 ]; then
      count_line "SKIP: $fn"; echo "SKIP: $fn"; echo "$out" | grep 'skip reason' | head -1
    else
      count_line "FAIL: $fn"; echo "FAIL: $fn (exit $rc)"; echo "$out" | tail -20 | sed 's/^/    /'
    fi
  done
}

run_e2e () {
  local f
  if [ $# -gt 0 ]; then
    for f in "$@"; do run_e2e_file "$TOP/tests/e2e/$f.sh"; done
  else
    for f in "$TOP"/tests/e2e/*.sh; do run_e2e_file "$f"; done
  fi
}

case "$tier" in
  unit) run_unit ;;
  lint) run_lint ;;
  e2e) run_e2e "$@" ;;
  all) run_lint; run_unit; run_e2e ;;
  *) echo "usage: $0 [unit|lint|e2e [FILE…]]" >&2; exit 2 ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
