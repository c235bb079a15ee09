# Container mode, the OCI lifecycle seen from outside (issue #2): run,
# create/start/state/kill/delete, list, exec, signals, spec, features.
source "$TOP/tests/container_lib.sh"

test_run_exit_status_and_stdout () {
  setup sh -c 'echo hello from $(hostname); exit 3'
  out=$(run_fg); rc=$?
  assert_eq "$rc" 3 "exit status" || return 1
  assert_eq "$out" "hello from silo" || return 1
  assert_nothing_left "$ID"
}

test_run_killed_by_signal_is_128_plus_n () {
  # Init of a pid namespace ignores its own unhandled signals: no pid ns here.
  setup sh -c 'kill -USR1 $$; sleep 5'
  edit_config "$T/b" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'pid']"
  run_fg >/dev/null; rc=$?
  assert_eq "$rc" $((128 + 10)) "SIGUSR1"
}

test_create_state_start_stopped () {
  setup sh -c 'read x < /dev/null; sleep 0.3; exit 0'
  create_c "$ID" || return 1
  assert_eq "$(state_of "$ID" status)" created || return 1
  pid=$(cpid); [ "$pid" -gt 0 ] || fail "pid $pid" || return 1
  ! pid_gone "$pid" || fail "no process $pid" || return 1
  assert_eq "$(state_of "$ID" id)" "$ID" || return 1
  assert_eq "$(state_of "$ID" bundle)" "$T/b" || return 1
  # the mode in a field of its own; the annotations are the config's
  assert_eq "$(state_of "$ID" mode)" container || return 1
  assert_eq "$(state_of "$ID" annotations)" "{}" || return 1
  $S start "$ID" || return 1
  assert_eq "$(state_of "$ID" status)" running || return 1
  wait_for is_status "$ID" stopped || fail "never stopped: $($S state "$ID")" || return 1
  # start again: not created any more
  expect_fail "not created" $S start "$ID" || return 1
  $S delete "$ID" || return 1
  assert_nothing_left "$ID"
}

# A created container can be paused (runc): its state is then paused, start
# refuses it in one line, and after resume it is created again and starts.
test_pause_created_container () {
  setup sh -c 'echo started'
  create_c "$ID" || return 1
  $S pause "$ID" || return 1
  assert_contains "$($S state "$ID")" '"status": "paused"' || return 1
  expect_fail "is paused, not created" $S start "$ID" || return 1
  $S resume "$ID" || return 1
  assert_contains "$($S state "$ID")" '"status": "created"' || return 1
  $S start "$ID" || return 1
  wait_for is_status "$ID" stopped || fail "never ran: $($S state "$ID")" || return 1
  $S delete "$ID" || fail "delete"
}

# kill and exec of a stopped container say "container not running",
# the words containerd matches (kill of a finished task: not found).
test_not_running_wording () {
  setup true
  run_d "$ID" || return 1
  wait_for is_status "$ID" stopped || return 1
  expect_fail "container not running" $S kill "$ID" KILL || return 1
  expect_fail "container not running" $S exec "$ID" true || return 1
  expect_fail "does not exist" $S kill "$ID-nosuch" KILL
}

# The container process and an exec'd one each lead a session and a
# process group of their own (pid = pgrp = sid), as runc makes them.
test_processes_lead_their_own_session () {
  setup sh -c 'echo $$ $(cut -d" " -f5,6 /proc/$$/stat); sleep 100'
  run_d "$ID" || return 1
  wait_for grep -q . "$T/run-d.out" || return 1
  local init ex
  init=$(head -1 "$T/run-d.out") ex=$($S exec "$ID" sh -c 'echo $$ $(cut -d" " -f5,6 /proc/$$/stat)')
  assert_eq "$init" "1 1 1" init || return 1
  set -- $ex
  [ "$1" -gt 1 ] && [ "$2" = "$1" ] && [ "$3" = "$1" ] || fail "exec: pid pgrp sid = $ex"
}

# Flags silo cannot honour are refused in one line, never accepted and
# ignored; exec's --apparmor/--process-label set the process's labels
# (refused here, where neither LSM is enabled).
test_unsupported_flags_refused () {
  setup sleep 100
  run_d "$ID" || return 1
  expect_fail "--criu \`/usr/sbin/criu\`: silo does not checkpoint" $S --criu /usr/sbin/criu list || return 1
  expect_fail "--rootless \`maybe\`: true, false or auto" $S --rootless maybe list || return 1
  local v
  for v in true false auto; do
    $S --rootless $v list >/dev/null || fail "--rootless $v" || return 1
  done
  [ -e /sys/kernel/security/apparmor ] || [ -e /sys/fs/selinux/enforce ] && return 0
  expect_fail "process.apparmorProfile \`p\`: AppArmor is not enabled" $S exec --apparmor p "$ID" true || return 1
  expect_fail "process.selinuxLabel \`l\`: SELinux is not enabled" $S exec --process-label l "$ID" true
}

# exec --cgroup (runc's forms): PATH puts the process in that existing
# sub-cgroup of the container's in every hierarchy; CONTROLLER:PATH in that
# controller's hierarchy only; a missing or climbing path is refused.
test_exec_cgroup_sub () {
  setup sleep 100
  run_d "$ID" || return 1
  local h out
  for h in /sys/fs/cgroup/*/silo/"$ID" /sys/fs/cgroup/silo/"$ID"; do
    [ -d "$h" ] || continue
    mkdir -p "$h/sub" "$h/sub2"
    # a v1 cpuset group takes tasks once it has CPUs and memory nodes
    if [ -e "$h/cpuset.cpus" ]; then
      cat "$h/cpuset.cpus" > "$h/sub/cpuset.cpus"; cat "$h/cpuset.mems" > "$h/sub/cpuset.mems"
    fi
  done
  out=$($S exec --cgroup sub "$ID" cat /proc/self/cgroup) || fail "exec --cgroup sub" || return 1
  # (seen through the container's cgroup namespace: its cgroup is /)
  assert_eq "$(echo "$out" | grep -vc ":/sub\$")" 0 "every hierarchy in sub: $out" || return 1
  if [ -d /sys/fs/cgroup/memory/silo/"$ID" ]; then
    out=$($S exec --cgroup memory:sub2 "$ID" cat /proc/self/cgroup) || fail "memory:sub2" || return 1
    assert_eq "$(echo "$out" | grep ':memory:' | cut -d: -f3)" "/sub2" "memory" || return 1
    assert_eq "$(echo "$out" | grep ':pids:' | cut -d: -f3)" "/" "pids stays" || return 1
  fi
  expect_fail "exec --cgroup: sub-cgroup" $S exec --cgroup nosuch "$ID" true || return 1
  expect_fail "is not a relative path inside the container's cgroup" $S exec --cgroup ../x "$ID" true || return 1
  expect_fail "no cgroup v1 hierarchy of controller \`frob\`" $S exec --cgroup frob:sub "$ID" true
}

# ps passes its arguments to ps(1) (default -ef) and keeps the header and
# the container's rows, found under the PID column, as runc does.
test_ps_arguments () {
  setup sleep 100
  run_d "$ID" || return 1
  local out
  out=$($S ps "$ID" -- -o user,pid,args) || fail "ps: $out" || return 1
  assert_eq "$(echo "$out" | head -1 | tr -s ' ')" "USER PID COMMAND" || return 1
  assert_eq "$(echo "$out" | sed 1d | awk '{print $1, $3, $4}')" "root sleep 100" || return 1
  assert_eq "$(echo "$out" | sed 1d | awk '{print $2}')" "$(cpid)" || return 1
  out=$($S ps "$ID")
  assert_contains "$(echo "$out" | head -1)" "UID" || return 1
  assert_eq "$(echo "$out" | sed 1d | wc -l)" 1 || return 1
  expect_fail "ps arguments need --format table" $S ps --format json "$ID" -- -o pid || return 1
  expect_fail "--format must be table or json" $S ps --format yaml "$ID"
}

# run --keep leaves the stopped container for state and delete (runc).
test_run_keep () {
  setup sh -c 'exit 4'
  out=$(in_bundle run --keep "$ID" 2>&1); rc=$?
  assert_eq "$rc" 4 "exit status ($out)" || return 1
  assert_eq "$(state_of "$ID" status)" stopped || return 1
  $S delete "$ID" || fail "delete" || return 1
  assert_nothing_left "$ID" || return 1
  expect_fail "create: --keep is an option of run" $S create --keep "$ID"
}

# exec --cap adds to the bounding, effective and permitted sets, not the
# inheritable one (runc 1.2), so not the ambient one either.
test_exec_cap_sets () {
  setup sleep 100
  run_d "$ID" || return 1
  local out base
  base=$($S exec "$ID" grep -E '^Cap(Inh|Amb)' /proc/self/status)
  out=$($S exec --cap CAP_NET_RAW "$ID" grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status)
  for f in CapPrm CapEff CapBnd; do
    v=$(echo "$out" | awk -v f="$f:" '$1 == f {print $2}')
    [ $(( 16#$v & (1 << 13) )) -ne 0 ] || fail "$f lacks CAP_NET_RAW: $out" || return 1
  done
  assert_eq "$(echo "$out" | grep -E '^Cap(Inh|Amb)')" "$base" "inheritable and ambient"
}

test_delete_running_needs_force () {
  setup sleep 100
  run_d "$ID" || return 1
  pid=$(cpid)
  expect_fail "--force" $S delete "$ID" || return 1
  ! pid_gone "$pid" || fail "delete without --force killed the container" || return 1
  $S delete --force "$ID" || return 1
  pid_gone "$pid" || fail "process $pid survived delete --force" || return 1
  expect_fail "does not exist" $S state "$ID" || return 1
  assert_nothing_left "$ID"
}

# kill with a name, a number, a SIG-prefixed name.
test_kill_signal_spellings () {
  setup sh -c 'trap "exit 0" TERM; while :; do sleep 0.05; done'
  local n=0 sig
  for sig in KILL 9 SIGTERM; do
    n=$((n + 1))
    run_d "$ID-$n" || return 1
    wait_for is_status "$ID-$n" running || return 1
    $S kill "$ID-$n" "$sig" || return 1
    wait_for is_status "$ID-$n" stopped || fail "$sig: still $(state_of "$ID-$n" status)" || return 1
    $S delete "$ID-$n" || return 1
  done
}

test_kill_all_reaches_every_process () {
  # The init of a pid namespace ignores TERM without a handler; its
  # children do not, and `wait` returns once they are gone.
  setup sh -c 'sleep 100 & sleep 100 & wait; echo done'
  run_d "$ID" || return 1
  wait_for is_status "$ID" running || return 1
  sleep 0.2
  $S kill "$ID" TERM || return 1
  sleep 0.3
  is_status "$ID" running || fail "init died from an unhandled TERM" || return 1
  $S kill --all "$ID" TERM || return 1
  wait_for is_status "$ID" stopped || fail "kill --all: still $(state_of "$ID" status)"
}

test_list_formats () {
  setup sleep 100
  run_d "$ID" || return 1
  create_c "$ID-b" || return 1
  assert_eq "$($S list -q | sort | tr '\n' ' ')" "$ID $ID-b " || return 1
  out=$($S list)
  assert_contains "$out" "STATUS" || return 1
  echo "$out" | grep -q "^$ID .*running" || fail "list: $out" || return 1
  $S list --format json | python3 -c '
import json, sys
l = {e["id"]: e for e in json.load(sys.stdin)}
assert l[sys.argv[1]]["status"] == "running", l
assert l[sys.argv[1]]["pid"] > 0, l
assert l[sys.argv[1] + "-b"]["status"] == "created", l
assert l[sys.argv[1]]["bundle"] == sys.argv[2], l
assert l[sys.argv[1]]["owner"] == "root", l
' "$ID" "$T/b" || return 1
  # the table names the same owner; a bad flag or command: one error, runc's status
  echo "$out" | grep -q "^$ID .* root$" || fail "list owner: $out" || return 1
  out=$($S list --frob 2>&1); rc=$?
  [ $rc -ne 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] || fail "list --frob ($rc): $out" || return 1
  $S frobnicate >/dev/null 2>&1; rc=$?
  assert_eq "$rc" 3 "unknown command"
}

test_exec_sees_init_and_propagates_status () {
  setup sleep 100
  run_d "$ID" || return 1
  out=$($S exec "$ID" ps -o pid,args)
  echo "$out" | grep -Eq '^ *1 +sleep 100' || fail "init not pid 1: $out" || return 1
  $S exec "$ID" sh -c 'exit 42'; assert_eq "$?" 42 "exec exit status" || return 1
  assert_eq "$($S exec -e FOO=bar -e PATH=/bin "$ID" sh -c 'echo $FOO:$PATH')" "bar:/bin" || return 1
  assert_eq "$($S exec --cwd /tmp "$ID" pwd)" "/tmp" || return 1
  assert_eq "$($S exec -u 1000:1000 "$ID" id -u):$($S exec -u 1000:1000 "$ID" id -g)" "1000:1000"
}

test_exec_uses_create_time_config () {
  setup sleep 100
  create_time_config "$T/b"
  run_d "$ID" || return 1
  exec_uses_create_time_config "$T/b" "$ID" $S || return 1
  assert_nothing_left "$ID"
}

test_exec_process_file () {
  setup sleep 100
  run_d "$ID" || return 1
  cat > "$T/p.json" <<'EOF'
{"args": ["sh", "-c", "echo $X; pwd; id -u"], "env": ["X=from-file", "PATH=/bin"],
 "cwd": "/etc", "user": {"uid": 7, "gid": 7}}
EOF
  out=$($S exec --process "$T/p.json" "$ID" | tr '\n' ' ')
  assert_eq "$out" "from-file /etc 7 "
}

test_exec_detached_pid_file () {
  setup sleep 100
  run_d "$ID" || return 1
  $S exec -d --pid-file "$T/exec.pid" "$ID" sleep 77 >/dev/null 2>&1 || return 1
  p=$(cat "$T/exec.pid")
  grep -q "sleep 77" "/proc/$p/cmdline" 2>/dev/null \
    || tr '\0' ' ' < "/proc/$p/cmdline" | grep -q "sleep 77" || fail "pid file: $p" || return 1
  # the exec'd process is in the container's pid namespace
  assert_eq "$(readlink /proc/$p/ns/pid)" "$(readlink /proc/$(cpid)/ns/pid)"
}

test_run_detached_pid_file () {
  setup sleep 100
  in_bundle run -d --pid-file "$T/pid" "$ID" >/dev/null 2>&1 || return 1
  assert_eq "$(cat "$T/pid")" "$(cpid)" || return 1
  assert_eq "$(state_of "$ID" status)" running || return 1
  # the silo that ran it is gone; the container is not
  ! pid_gone "$(cat "$T/pid")"
}

test_create_pid_file () {
  setup true
  create_c --pid-file "$T/pid" "$ID" || return 1
  assert_eq "$(cat "$T/pid")" "$(cpid)"
}

test_foreground_run_forwards_sigterm () {
  setup sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
  (cd "$T/b" && exec $S run "$ID" >"$T/out" 2>&1 </dev/null) &
  local silo_pid=$!
  BG_PIDS=$silo_pid
  wait_for grep -q ready "$T/out" || fail "never ready: $(cat "$T/out")" || return 1
  kill -TERM "$silo_pid"
  wait "$silo_pid"; rc=$?
  assert_eq "$rc" 7 "exit status of run" || return 1
  assert_contains "$(cat "$T/out")" "got-term" || return 1
  # foreground run deletes its container
  assert_nothing_left "$ID"
}

test_spec_twice_fails () {
  T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
  (cd "$T" && $SILO spec) || return 1
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/config.json" || return 1
  (cd "$T" && expect_fail "exists" $SILO spec)
}

test_features_is_json () {
  $SILO features | python3 -c '
import json, sys
f = json.load(sys.stdin)
assert f["ociVersionMin"] and f["ociVersionMax"], f
assert "mount" in f["linux"]["namespaces"], f
assert "SCMP_ACT_ERRNO" in f["linux"]["seccomp"]["actions"], f
caps = f["linux"]["capabilities"]
assert isinstance(caps, list) and "CAP_SYS_ADMIN" in caps and "CAP_CHOWN" in caps, caps
assert all(c.startswith("CAP_") and c.isupper() for c in caps), caps
assert f["linux"]["netDevices"]["enabled"] is True, f
assert f["linux"]["mountExtensions"]["idmap"]["enabled"] is True, f
assert {"idmap", "ridmap", "tmpcopyup", "rro", "rnosuid", "rnosymfollow"} <= set(f["mountOptions"]), f
a = f["annotations"]
assert a["io.github.seccomp.libseccomp.version"].count(".") == 2, a
for k in ("silo.sandbox", "silo.sandbox.backend", "silo.vm.kernel", "silo.sandbox.ready_timeout"):
    assert k in a, (k, a)
'
}

# --help after any command prints that command's usage and exits 0, and
# --help among exec's command arguments belongs to the command.
test_help_after_every_command () {
  local v out
  for v in create start run state kill delete list exec ps pause resume update events spec features; do
    out=$($SILO "$v" --help) || fail "$v --help exited $?" || return 1
    assert_contains "$out" "usage: silo [global options] $v" || return 1
  done
  out=$($SILO delete -f --help) || return 1
  assert_contains "$out" "delete [-f|--force] ID" || return 1
  out=$($SILO exec no-such-container sh --help 2>&1) && fail "exec ran: $out" && return 1
  assert_contains "$out" "no-such-container"
}

test_version () {
  out=$($SILO --version) || return 1
  assert_contains "$out" "silo version" || return 1
  assert_contains "$out" "spec: 1."
}

# With stdin closed, silo must not hand one of its own fds to the container
# as stdin: the container reads /dev/null (EOF), never a socket.
test_closed_stdin_is_not_reused () {
  T=$(mktemp -d); ID=$(new_id); S="$SILO --root $T/state"
  trap '$S delete --force "$ID" >/dev/null 2>&1; rm -rf "$T"' EXIT
  make_bundle "$T/b" sh -c 'readlink /proc/self/fd/0'
  out=$(cd "$T/b" && $S run "$ID" <&- 2>&1) || fail "run failed: $out" || return 1
  assert_eq "$out" "/dev/null"
}

# --log-format json writes runc's record shape with an RFC 3339 time
# (containerd's shim parses it; a time without zone made it fail). The
# error goes to stderr too, as runc's does: the shim reads a failed kill's
# reason only there ("container not running" is fine, anything else fails).
test_json_log_shape_like_runc () {
  local out
  T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
  out=$($SILO --root "$T/state" --log "$T/log" --log-format json state no-such-ctr 2>&1) && return 1
  assert_contains "$out" "no-such-ctr" || return 1
  python3 - "$T/log" <<'PY' || return 1
import datetime, json, sys
rec = json.loads(open(sys.argv[1]).readline())
assert list(rec) == ["level", "msg", "time"], rec
assert rec["level"] == "error" and "no-such-ctr" in rec["msg"], rec
datetime.datetime.strptime(rec["time"], "%Y-%m-%dT%H:%M:%SZ")
PY
}
