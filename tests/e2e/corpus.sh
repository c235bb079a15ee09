# The malformed-config corpus (issue 10, tests/configs/corpus.py): every
# case fails `silo create` with one line naming the field, a non-zero exit,
# no sanitizer report, and nothing left behind. Runs under the ASan build
# as well: BUILD=build-asan tests/run.sh e2e corpus (make check-asan does).
source "$TOP/tests/container_lib.sh"

# run_shard I N: the I-th of N interleaved slices of the corpus, small
# enough for the harness's 120 s per test under ASan on a loaded host.
run_shard () {
  setup true
  edit_config "$T/b" "c['process']['terminal'] = False"
  python3 "$TOP/tests/configs/run_corpus.py" --silo "$SILO" --bundle "$T/b" \
    --root "$T/state" --shard "$1/$2"
}

test_corpus_part_1 () { run_shard 1 8; }
test_corpus_part_2 () { run_shard 2 8; }
test_corpus_part_3 () { run_shard 3 8; }
test_corpus_part_4 () { run_shard 4 8; }
test_corpus_part_5 () { run_shard 5 8; }
test_corpus_part_6 () { run_shard 6 8; }
test_corpus_part_7 () { run_shard 7 8; }
test_corpus_part_8 () { run_shard 8 8; }
