#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) and run each for
# FUZZ_SECONDS (default 10) from its corpus in tests/fuzz/corpus/<name>/,
# which holds the seeds and every regression input: they all run first.
# New inputs go to a scratch dir, never into the committed corpus; a crash
# is saved as $FUZZ_BUILD/artifacts/<name>-crash-*. One PASS/FAIL/SKIP line
# per harness, as tests/run.sh counts them.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-10}
names=$(for f in tests/fuzz/fuzz_*.c; do f=${f##*/}; echo "${f%.c}"; done)

skip_all () {
  local n
  for n in $names; do echo "SKIP: $n"; echo "  skip reason: $1"; done
  exit 0
}

command -v "${FUZZ_CC:-clang}" >/dev/null || skip_all "clang is not installed (apt-get install clang)"
# Scratch (logs, new inputs, the 9P share) on tmpfs where there is one:
# the 9P harness rebuilds its share every run, twice as fast there.
probe=$(mktemp -d -p /dev/shm silo-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' > "$probe/p.c"
"${FUZZ_CC:-clang}" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" 2>/dev/null \
  || skip_all "${FUZZ_CC:-clang} cannot link libFuzzer (-fsanitize=fuzzer)"
if ! make -s -j2 FUZZ_BUILD="$FUZZ_BUILD" fuzz-build >"$probe/build.log" 2>&1; then
  for n in $names; do echo "FAIL: $n (the fuzz build failed)"; done
  grep -E 'error|undefined' "$probe/build.log" | head -10 | sed 's/^/  /'
  exit 1
fi
mkdir -p "$FUZZ_BUILD/artifacts"
for n in $names; do
  short=${n#fuzz_}
  mkdir -p "$probe/$short" "tests/fuzz/corpus/$short"
  TMPDIR=$probe ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$FUZZ_BUILD/$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$FUZZ_BUILD/artifacts/$short-" "$probe/$short" "tests/fuzz/corpus/$short" \
    >"$probe/$short.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$probe/$short.log")
  cov=$(grep -o 'cov: [0-9]*' "$probe/$short.log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "PASS: $n (${runs:-?} runs in ${secs} s, $cov)"
  else
    echo "FAIL: $n (exit $rc; input kept in $FUZZ_BUILD/artifacts/)"
    grep -E 'ERROR|runtime error|SUMMARY|^    #[0-9] |artifact' "$probe/$short.log" | head -20 | sed 's/^/  /'
  fi
done
