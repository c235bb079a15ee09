# Crash consistency (issue #10): silo killed with SIGKILL at a syscall of
# create, run -d, start, exec, delete -f and silo-vm create, then one
# `delete -f`, must leave nothing: no state, no cgroup in any hierarchy, no
# process, no mount. And the races: concurrent delete -f, exec into a
# container being killed.
#
# The kill: a first `strace` run records the verb's syscalls (silo alone,
# not its children: silo re-executes itself from a sealed copy in the same
# process, which strace follows without -f). Position k is the j-th call of
# syscall S there, and `strace -e inject=S:signal=KILL:when=j` kills silo on
# entering it. FAULT_POSITIONS (default 50) positions spread evenly over the
# recorded count run in `make check`; FAULT_POSITIONS=all (`make
# check-faults`) runs every one. A run whose syscalls differ from the
# recording may not be killed at all; the test counts how many were.
source "$TOP/tests/container_lib.sh"

VM=${SILO}-vm
[ -x "$VM" ] || VM="$(dirname "$SILO")/silo-vm"

need_strace () {
  command -v strace >/dev/null || skip "strace not installed (apt-get install strace)"
  [ -r /sys/fs/cgroup/unified/cgroup.procs ] || [ -r /sys/fs/cgroup/cgroup.procs ] \
    || [ -d /sys/fs/cgroup/pids ] || skip "no cgroup hierarchy here"
}

# Everything left of container $1 after its delete -f, one line per leak.
leaks_of () {
  local id=$1 h p pids="" z
  [ -e "$T/state/$id" ] && echo "state dir $T/state/$id: $(ls -A "$T/state/$id" | tr '\n' ' ')"
  for h in /sys/fs/cgroup /sys/fs/cgroup/*/; do
    h=${h%/}
    [ -e "$h/silo/$id" ] && echo "cgroup $h/silo/$id"
  done
  grep " $T/state" /proc/self/mountinfo | sed 's/^/mount /'
  # In its cgroup, rooted in its bundle, or naming it or its state on the
  # command line (the sandbox monitor before it joins the cgroup, UML).
  pids=$( { grep -l -E "/silo/$id\$" /proc/[0-9]*/cgroup
            find /proc/[0-9]*/root -maxdepth 0 -lname "$T/*"
            grep -l -a -z -x -F -e "$id" /proc/[0-9]*/cmdline
            grep -l -a -F -e "$T/state/$id/" /proc/[0-9]*/cmdline
          } 2>/dev/null | cut -d/ -f3 | sort -u)
  for p in $pids; do
    [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
    z=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
    [ -z "$z" ] || [ "$z" = Z ] || [ "$z" = X ] && continue
    echo "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)) in $(grep -m1 silo "/proc/$p/cgroup" 2>/dev/null)"
  done
}

# The syscalls of one run of `silo ARGS` as "NAME N" lines (the N-th call
# of NAME), in order.
record_syscalls () {
  local out=$1; shift
  strace -qq -o "$T/trace" "$@" </dev/null >"$T/verb.out" 2>&1
  awk -F'(' '/^[a-z_0-9]+\(/ { n[$1]++; print $1, n[$1] }' "$T/trace" >"$out"
}

# The line numbers (1-based) of FAULT_POSITIONS positions spread over $1.
pick_positions () {
  local total=$1 want=${FAULT_POSITIONS:-50} i
  if [ "$want" = all ] || [ "$want" -ge "$total" ]; then
    seq 1 "$total"
    return
  fi
  for i in $(seq 0 $((want - 1))); do
    echo $((1 + i * (total - 1) / (want - 1)))
  done | uniq
}

# sweep VERB PREP: for each picked position, run PREP ID (setup for the
# verb, may be empty), then the verb under strace killed at that position
# (verb_cmd ID prints the command), then delete -f ID, then look for leaks.
sweep () {
  local name=$1 prep=$2 base n=0 killed=0 line sc nth rc id leaks total start
  base=$(new_id)
  start=$SECONDS
  id=$base-rec
  [ -z "$prep" ] || $prep "$id" || { fail "$name: setup failed: $(cat "$T/prep.out")"; return 1; }
  record_syscalls "$T/calls" $(verb_cmd "$id")
  $S delete -f "$id" >/dev/null 2>&1
  total=$(wc -l <"$T/calls")
  [ "$total" -gt 10 ] || { fail "$name: only $total syscalls recorded: $(cat "$T/verb.out")"; return 1; }
  for k in $(pick_positions "$total"); do
    line=$(sed -n "${k}p" "$T/calls")
    sc=${line% *} nth=${line#* }
    id=$base-$k
    [ -z "$prep" ] || $prep "$id" || { fail "$name: setup failed at $k: $(cat "$T/prep.out")"; return 1; }
    strace -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$nth" \
      $(verb_cmd "$id") </dev/null >"$T/verb.out" 2>&1
    rc=$?
    n=$((n + 1))
    [ $rc -eq 137 ] && killed=$((killed + 1))
    # A half-made container is listed, so that an engine can clean it up.
    if [ -d "$T/state/$id" ] && ! $S list -q 2>/dev/null | grep -qx -- "$id"; then
      fail "$name: killed at $k ($sc #$nth): $id not in list: $($S list 2>&1)"; return 1
    fi
    $S delete -f "$id" >"$T/delete.out" 2>&1 \
      || { fail "$name: killed at $k ($sc #$nth): delete -f failed: $(cat "$T/delete.out")"; return 1; }
    leaks=$(leaks_of "$id")
    [ -z "$leaks" ] || { fail "$name: killed at $k ($sc #$nth), after delete -f: $leaks"; return 1; }
  done
  echo "  $name: $n positions of $total syscalls, $killed killed there, 0 leaks ($((SECONDS - start)) s)"
  [ "$killed" -ge $((n / 2)) ] || fail "$name: only $killed of $n runs were killed: the recording does not match"
}

prep_none () { :; }
prep_created () { create_c "$1" 2>"$T/prep.out"; }
prep_running () { run_d "$1" 2>"$T/prep.out"; }

test_fault_create () {
  need_strace
  setup sleep 100
  verb_cmd () { echo "$SILO --root $T/state create --bundle $T/b $1"; }
  sweep create ""
}

test_fault_run_detached () {
  need_strace
  setup sleep 100
  verb_cmd () { echo "$SILO --root $T/state run -d --bundle $T/b $1"; }
  sweep "run -d" ""
}

test_fault_start () {
  need_strace
  setup sleep 100
  verb_cmd () { echo "$SILO --root $T/state start $1"; }
  sweep start prep_created
}

test_fault_exec () {
  need_strace
  setup sleep 100
  verb_cmd () { echo "$SILO --root $T/state exec $1 sh -c true"; }
  sweep exec prep_running
}

test_fault_delete () {
  need_strace
  setup sleep 100
  verb_cmd () { echo "$SILO --root $T/state delete -f $1"; }
  sweep "delete -f" prep_running
}

vm_ready () {
  [ -x "$VM" ] || skip "no silo-vm next to $SILO"
  [ -x /usr/bin/linux ] || skip "user-mode-linux not installed (/usr/bin/linux)"
}

vm_setup () {
  need_strace
  vm_ready
  setup sleep 100
  edit_config "$T/b" "c.setdefault('annotations', {})['silo.sandbox.backend'] = 'uml'"
}

# silo-vm create on the uml backend at syscall positions; after the monitor
# is started silo waits in one read for the boot, so the last few
# positions (a whole boot each) are the ones that cost.
test_fault_vm_create () {
  vm_setup
  verb_cmd () { echo "$VM --root $T/state create --bundle $T/b $1"; }
  sweep "silo-vm create" ""
}

# silo-vm create killed by time, while the monitor and UML boot.
test_fault_vm_create_during_boot () {
  vm_setup
  local ms id pid leaks
  for ms in 30 100 250 500 1000 2000; do
    id=$(new_id)-at$ms
    (cd "$T/b" && exec $VM --root "$T/state" create "$id" </dev/null >"$T/verb.out" 2>&1) &
    pid=$!
    sleep "$(awk -v ms="$ms" 'BEGIN { print ms / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid"
    $S delete -f "$id" >"$T/delete.out" 2>&1 \
      || { fail "silo-vm create killed after $ms ms: delete -f failed: $(cat "$T/delete.out")"; return 1; }
    leaks=$(leaks_of "$id")
    [ -z "$leaks" ] || { fail "silo-vm create killed after $ms ms, after delete -f: $leaks"; return 1; }
  done
}

# A create killed once its container process waits for start: listed and
# stated as "creating", and delete -f removes the blocked process.
test_killed_create_is_listed_creating () {
  need_strace
  setup sleep 100
  local line k
  record_syscalls "$T/calls" $SILO --root "$T/state" create --bundle "$T/b" "$ID-rec"
  $S delete -f "$ID-rec" >/dev/null 2>&1
  # The last write of state.json: a rename, then exit. Kill at that rename.
  k=$(grep -n '^rename ' "$T/calls" | tail -1 | cut -d: -f1)
  [ -n "$k" ] || { fail "no rename in create's syscalls"; return 1; }
  line=$(sed -n "${k}p" "$T/calls")
  strace -qq -o /dev/null -e trace=rename -e inject="rename:signal=KILL:when=${line#* }" \
    $SILO --root "$T/state" create --bundle "$T/b" "$ID" </dev/null >/dev/null 2>&1
  assert_eq "$(state_of "$ID" status)" creating "state" || return 1
  assert_contains "$($S list)" "$ID" || return 1
  assert_contains "$($S list --format json)" '"status":"creating"' || return 1
  [ -n "$(grep -l -E "/silo/$ID\$" /proc/[0-9]*/cgroup 2>/dev/null)" ] \
    || fail "no process left in the cgroup: the kill missed the ready container" || return 1
  $S delete -f "$ID" || return 1
  assert_eq "$(leaks_of "$ID")" "" "leaks"
}

test_delete_force_twenty_at_once () {
  setup sleep 100
  run_d "$ID" || return 1
  local i pids="" bad=0
  for i in $(seq 1 20); do
    $S delete -f "$ID" >"$T/del.$i" 2>&1 &
    pids+=" $!"
  done
  for i in $pids; do wait "$i" || bad=$((bad + 1)); done
  [ $bad -eq 0 ] || { fail "$bad of 20 delete -f failed: $(cat "$T"/del.* | sort | uniq -c)"; return 1; }
  $S delete -f "$ID" || fail "delete -f of a missing container" || return 1
  expect_fail "does not exist" $S delete "$ID" || return 1
  assert_eq "$(leaks_of "$ID")" "" "leaks"
}

# exec while the container is being killed: either it ran, or one line
# saying the container is not running.
test_exec_into_dying_container () {
  setup sleep 100
  local i out rc bad=""
  for i in $(seq 1 15); do
    run_d "$ID-$i" || return 1
    $S exec "$ID-$i" sh -c true >"$T/exec.out" 2>&1 &
    local ep=$!
    $S kill "$ID-$i" KILL 2>/dev/null
    wait $ep; rc=$?
    out=$(cat "$T/exec.out")
    # 137: the exec'd process ran and died with the container.
    if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then
      [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && case "$out" in *"container not running"*) true ;; *) false ;; esac \
        || bad+=$'\n'"  rc $rc: $out"
    fi
    $S delete -f "$ID-$i" >/dev/null 2>&1
  done
  [ -z "$bad" ] || { fail "exec into a dying container:$bad"; return 1; }
  run_d "$ID-s" || return 1
  $S kill "$ID-s" KILL || return 1
  wait_for is_status "$ID-s" stopped || return 1
  expect_fail "\`$ID-s\`: container not running" $S exec "$ID-s" true
}
