# Helpers for the container-mode end-to-end tests (tests/e2e/lifecycle.sh,
# config.sh, security.sh, errors.sh). Each test calls setup, which makes a
# private state root and bundle under $T and deletes every container the
# test made when its subshell exits, whether it passed or not.

# setup ARGS...: bundle in $T/b running ARGS; $ID is the first container id.
setup () {
  T=$(mktemp -d /tmp/silo-e2e.XXXXXX)
  ID=$(new_id)
  S="$SILO --root $T/state"
  BG_PIDS=""
  trap teardown EXIT
  make_bundle "$T/b" "$@"
}

teardown () {
  local d p
  for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if [ -d "$T/state" ]; then
    for d in "$T"/state/*; do
      [ -e "$d" ] && $S delete --force "$(basename "$d")" >/dev/null 2>&1
    done
  fi
  # A failed test may leave a mount on the temp dir (bind source, ...).
  grep -o " $T[^ ]*" /proc/self/mountinfo | sort -r | while read -r p; do
    umount -l "$p" 2>/dev/null
  done
  rm -rf "$T"
}

# Run silo in the bundle directory.
in_bundle () {
  (cd "$T/b" && $S "$@")
}

# run -d: the container keeps our stdout open unless it is redirected.
run_d () {
  in_bundle run -d "$@" >"$T/run-d.out" 2>&1 </dev/null || { cat "$T/run-d.out" >&2; return 1; }
}

create_c () {
  in_bundle create "$@" >"$T/create.out" 2>&1 </dev/null || { cat "$T/create.out" >&2; return 1; }
}

# The value of a key of `silo state ID`.
state_of () {
  $S state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

cpid () {
  state_of "${1:-$ID}" pid
}

is_status () {
  [ "$(state_of "$1" status)" = "$2" ]
}

# Gone or a zombie (an orphan's reaper here may be slow to reap it).
pid_gone () {
  [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# A line of /proc/PID/status without its key, e.g. proc_status 123 CapEff.
proc_status () {
  awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}

# Run ARGS in a container of its own (bundle $T/b) and print its output.
run_fg () {
  in_bundle run "$ID" </dev/null
}

# The capability bitmask (hex, as in /proc/PID/status) of a list of CAP_* numbers.
cap_mask () {
  python3 -c 'import sys; print("%016x" % sum(1 << int(n) for n in sys.argv[1:]))' "$@"
}

# Fails when anything made for container $1 is left: state entry, cgroup
# directory in any hierarchy, a mount or a process under $T.
assert_nothing_left () {
  local id=$1 h p r
  if [ -d "$T/state" ] && [ -n "$(ls -A "$T/state")" ]; then
    fail "state left: $(ls -A "$T/state")"; return 1
  fi
  for h in /sys/fs/cgroup /sys/fs/cgroup/*/ /sys/fs/cgroup/unified; do
    [ -e "$h/silo/$id" ] && { fail "cgroup left: $h/silo/$id"; return 1; }
  done
  if grep -q " $T" /proc/self/mountinfo; then
    fail "mount left: $(grep " $T" /proc/self/mountinfo)"; return 1
  fi
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case $r in "$T"*) fail "process left: ${p#/proc/} (root $r)"; return 1 ;; esac
  done
  return 0
}

# Expect `silo ARGS` to fail with one line containing $1. Prints nothing.
expect_fail () {
  local want=$1 out rc; shift
  out=$("$@" 2>&1 </dev/null); rc=$?
  [ $rc -ne 0 ] || { fail "expected failure, got success: $out"; return 1; }
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { fail "expected one line, got: $out"; return 1; }
  assert_contains "$out" "$want"
}
