# The host-side processes of a sandbox (issue 6): the UML kernel process
# tree runs with a seccomp filter, no_new_privs and only the file
# capabilities hostfs needs.

jail_setup () {
  [ -x /usr/bin/linux ] || skip "user-mode-linux is not installed"
  T=$(mktemp -d)
  ID=$(new_id)
  S="$TOP/$BUILD/silo-vm --root $T/state"
  make_bundle "$T/b" sleep 100
  trap '$S delete --force "$ID" >/dev/null 2>&1; rm -rf "$T"' EXIT
  (cd "$T/b" && $S run -d "$ID") || return 1
}

# Every /usr/bin/linux process under the sandbox's monitor.
uml_pids () {
  local monitor=$1 p
  for p in $(pgrep -f '^linux ' ); do
    grep -qs "silo/$ID" /proc/$p/cgroup && echo "$p"
  done
}

test_uml_processes_are_confined () {
  jail_setup || return 1
  monitor=$($S state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  pids=$(uml_pids "$monitor")
  [ -n "$pids" ] || fail "no UML process found in the container cgroup" || return 1
  for p in $pids; do
    st=/proc/$p/status
    [ -e "$st" ] || continue
    assert_eq "$(awk '/^Seccomp:/ {print $2}' $st)" "2" "Seccomp of $p" || return 1
    assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' $st)" "1" "NoNewPrivs of $p" || return 1
    # CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID at most
    eff=$((16#$(awk '/^CapEff:/ {print $2}' $st)))
    [ $((eff & ~0x1f)) -eq 0 ] || fail "CapEff of $p has more than file capabilities: $eff" || return 1
  done
}
