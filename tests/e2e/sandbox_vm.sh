# Sandbox mode through the real CLI (silo-vm), on one backend:
# SILO_TEST_SANDBOX_BACKEND=uml (default) or kvm. The kvm run needs hardware
# virtualization and a guest kernel; `make check` runs it under
# tests/nested/run.sh where the host has none (tests/vm.sh).
source "$TOP/tests/sandbox_lib.sh"

alive () {
  [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

test_vm_run_stdout_stderr_status () {
  backend_ready
  local d out err rc
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'echo to-out; echo to-err >&2; exit 7'
  out=$(cd "$d" && "$VM" run "$(new_id)" 2>"$d/err"); rc=$?
  assert_eq "$out" "to-out" || return 1
  assert_eq "$(cat "$d/err")" "to-err" || return 1
  assert_eq "$rc" 7 "exit status"
}

test_vm_guest_kernel_differs () {
  backend_ready
  local d out
  d=$(mktemp -d)
  make_vm_bundle "$d" busybox uname -r
  out=$(cd "$d" && "$VM" run "$(new_id)") || return 1
  [ -n "$out" ] && [ "$out" != "$(uname -r)" ] || fail "guest uname -r [$out] vs host [$(uname -r)]"
}

test_vm_stdin_relayed () {
  backend_ready
  local d out
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'read x; echo got-$x'
  out=$(cd "$d" && echo abc | "$VM" run "$(new_id)") || return 1
  assert_eq "$out" "got-abc"
}

test_vm_lifecycle_exec_kill_delete () {
  backend_ready
  local id rc
  id=$(new_id)
  lifecycle_steps "$id"; rc=$?
  "$VM" delete --force "$id" >/dev/null 2>&1
  return $rc
}

lifecycle_steps () {
  local d id=$1 out rc
  d=$(mktemp -d)
  make_vm_bundle "$d" sleep 100
  (cd "$d" && "$VM" create "$id" </dev/null >/dev/null 2>&1) || fail "create" || return 1
  out=$("$VM" state "$id")
  assert_contains "$out" '"created"' || return 1
  # the mode and backend chosen have fields of their own; the annotations
  # are the config's (which names the backend here)
  assert_contains "$out" '"mode": "vm"' || return 1
  assert_contains "$out" "\"backend\": \"$BACKEND\"" || return 1
  assert_eq "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["annotations"])')" \
    "{'silo.sandbox.backend': '$BACKEND'}" || return 1
  "$VM" start "$id" || fail "start" || return 1
  assert_contains "$("$VM" state "$id")" '"running"' || return 1
  out=$("$VM" exec "$id" sh -c 'echo in-guest; exit 5'); rc=$?
  assert_eq "$out" "in-guest" || return 1
  assert_eq "$rc" 5 "exec status" || return 1
  "$VM" kill "$id" KILL || fail "kill" || return 1
  wait_for sh -c "'$VM' state '$id' | grep -q stopped" || fail "not stopped after kill" || return 1
  "$VM" delete "$id" || fail "delete" || return 1
  ! "$VM" state "$id" >/dev/null 2>&1 || fail "state still there"
}

test_vm_exec_uses_create_time_config () {
  backend_ready
  local d id
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  create_time_config "$d"
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d" || return 1
  exec_uses_create_time_config "$d" "$id" "$VM"
}

# The program is found, its cwd made and its HOME set as in container mode;
# a missing program fails create with container mode's message, and leaves
# nothing.
test_vm_program_cwd_home_as_in_container_mode () {
  backend_ready
  local d out_v id
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'pwd; echo "home=$HOME"'
  edit_config "$d" "c['process']['cwd'] = '/made/by/silo'"
  # (sandbox mode first: the cwd is not there yet)
  out_v=$(same_in_both_modes "$d") || return 1
  assert_eq "$out_v" "/made/by/silo
home=/root" || return 1
  set_args "$d" nosuch-program
  id=$(new_id)
  out_v=$(create_must_fail "$d" "$id") || fail "create of a missing program passed" || return 1
  assert_contains "$out_v" "process.args[0]: \`nosuch-program\` not found in \$PATH" || return 1
  ! "$VM" state "$id" >/dev/null 2>&1 || fail "state left behind"
}

# The host processes of a sandbox (monitor, VMM or UML) run in the network
# namespace the config names by path, in a new one when it has no path; a
# namespace of another kind named by path is refused.
test_vm_network_namespace_by_path () {
  backend_ready
  command -v ip >/dev/null || skip "no ip(8) to make a named network namespace"
  local d id ns=silo-t$$ want p n=0 out
  ip netns add "$ns" || skip "ip netns add failed"
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  edit_config "$d" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/run/netns/$ns'}]"
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || { ip netns del "$ns"; fail "run -d"; return 1; }
  want=$(stat -L -c %i "/run/netns/$ns")
  for p in $(grep -l "/$id\$" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
    # not kernel threads: KVM of Debian's 6.1 starts one per VM in the VMM's cgroup
    [ "$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)" = 2 ] && continue
    n=$((n + 1))
    [ "$(stat -L -c %i /proc/$p/ns/net)" = "$want" ] || { fail "$p: not in netns $ns"; break; }
  done
  "$VM" delete --force "$id" >/dev/null 2>&1
  ip netns del "$ns"
  [ $n -ge 2 ] || fail "found $n host processes of the sandbox" || return 1
  # no path: a network namespace of its own, not the host's
  id=$(new_id)
  edit_config "$d" "c['linux']['namespaces'][-1] = {'type': 'network'}"
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d, new netns" || return 1
  p=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  out=$(readlink "/proc/$p/ns/net")
  "$VM" delete --force "$id" >/dev/null 2>&1
  [ -n "$out" ] && [ "$out" != "$(readlink /proc/self/ns/net)" ] || fail "monitor in the host's netns" || return 1
  # another kind by path
  id=$(new_id)
  edit_config "$d" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'ipc'] + [{'type': 'ipc', 'path': '/proc/1/ns/ipc'}]"
  out=$(create_must_fail "$d" "$id") || fail "ipc by path accepted" || return 1
  assert_contains "$out" "sandbox mode joins only a network namespace by path, not ipc" || return 1
  ! "$VM" state "$id" >/dev/null 2>&1 || fail "state left behind"
}

# hooks_bundle DIR: every hook kind appends "KIND STATUS" to DIR/out/order
# and writes the state it got and its network namespace to DIR/out/KIND;
# startContainer runs in the container (the script at /hook.sh, out at /out).
hooks_bundle () {
  local d=$1
  mkdir -p "$d/out"
  cat > "$d/rootfs/hook.sh" <<'SH'
s=$(cat)
st=$(echo "$s" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
echo "$1 $st" >> "$2/order"
{ echo "$s"; readlink /proc/self/ns/net; } > "$2/$1"
SH
  edit_config "$d" "
def hook(kind, script, out):
    return {'path': '/bin/sh', 'args': ['sh', script, kind, out]}
c['mounts'].append({'destination': '/out', 'type': 'bind', 'source': '$d/out', 'options': ['rbind', 'rw']})
c['root']['readonly'] = False
c['hooks'] = {k: [hook(k, '$d/rootfs/hook.sh', '$d/out')] for k in ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']}
c['hooks']['startContainer'] = [hook('startContainer', '/hook.sh', '/out')]"
}

# hooks_sequence SILO DIR ID: create, start, delete; prints DIR/out/order.
hooks_sequence () {
  local silo=$1 d=$2 id=$3
  rm -f "$d"/out/*
  (cd "$d" && "$silo" create "$id" </dev/null >/dev/null 2>&1) || { echo "create failed"; return; }
  echo "-- created"
  "$silo" start "$id" || { echo "start failed"; return; }
  wait_for test -s "$d/out/poststart"
  echo "-- started"
  "$silo" delete --force "$id"
  cat "$d/out/order"
}

# The six hook kinds run in the same order, with the same state, in both
# modes; createContainer runs in the sandbox's host-side namespaces (its
# monitor's network namespace, not the runtime's), startContainer in the
# guest's container.
test_vm_hooks_as_in_container_mode () {
  backend_ready
  local d id out_c out_v pid
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  hooks_bundle "$d"
  out_c=$(hooks_sequence "$SILO" "$d" "$(new_id)")
  out_v=$(hooks_sequence "$VM" "$d" "$(new_id)")
  assert_eq "$out_v" "$out_c" "sandbox vs container" || return 1
  assert_eq "$out_v" "-- created
-- started
prestart creating
createRuntime creating
createContainer creating
startContainer created
poststart running
poststop stopped" || return 1
  # where they ran, and the state they got
  rm -f "$d"/out/*
  (cd "$d" && "$VM" create "$id" </dev/null >/dev/null 2>&1) || fail "create" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  assert_eq "$(tail -1 "$d/out/createRuntime")" "$(readlink /proc/self/ns/net)" createRuntime || return 1
  assert_eq "$(tail -1 "$d/out/createContainer")" "$(readlink /proc/$pid/ns/net)" createContainer || return 1
  assert_contains "$(head -1 "$d/out/createContainer")" "\"pid\":$pid," || return 1
  assert_contains "$(head -1 "$d/out/prestart")" "\"id\":\"$id\"" || return 1
  [ ! -e "$d/out/startContainer" ] || fail "startContainer ran before start" || return 1
  "$VM" start "$id" || fail "start" || return 1
  wait_for test -s "$d/out/poststart" || fail "poststart" || return 1
  assert_contains "$(head -1 "$d/out/startContainer")" "\"id\":\"$id\"" || return 1
  "$VM" delete --force "$id"
}

# A failing createContainer hook fails create and leaves nothing: no state,
# no monitor, no guest.
test_vm_failing_hook_fails_create () {
  backend_ready
  local d id out
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  edit_config "$d" "c['hooks'] = {'createContainer': [{'path': '/bin/sh', 'args': ['sh', '-c', 'exit 3']}]}"
  out=$(create_must_fail "$d" "$id") || fail "create passed" || return 1
  assert_contains "$out" "hooks.createContainer[0] \`/bin/sh\`: exited with status 3" || return 1
  ! "$VM" state "$id" >/dev/null 2>&1 || fail "state left behind" || return 1
  ! grep -qs "/$id\$" /proc/[0-9]*/cgroup || fail "processes left in the container cgroup"
}

# The guest mounts the config's mounts with container mode's code: a
# destination through an absolute symlink lands inside the rootfs, a tmpfs
# without mode= keeps the covered directory's mode, read-only paths and
# root; the same output in both modes.
test_vm_mounts_as_in_container_mode () {
  backend_ready
  local d out_v
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'cat /evil/marker; stat -c "%a" /data; touch /x 2>&1 | grep -o "Read-only file system"
awk '"'"'$5 == "/proc/sys" {print substr($6, 1, 2)}'"'"' /proc/self/mountinfo'
  mkdir -p "$d/src" "$d/rootfs/data" "$d/rootfs/real"; echo inside > "$d/src/marker"
  chmod 0750 "$d/rootfs/data"
  ln -s /real "$d/rootfs/evil"
  edit_config "$d" "c['mounts'] += [{'destination': '/evil', 'type': 'bind', 'source': '$d/src', 'options': ['rbind', 'ro']},
  {'destination': '/data', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid']}]"
  out_v=$(same_in_both_modes "$d") || return 1
  assert_eq "$out_v" "inside
750
Read-only file system
ro"
}

# A relative bind source is in the bundle, in both modes.
test_vm_relative_bind_source () {
  backend_ready
  local d out_v
  d=$(mktemp -d)
  make_vm_bundle "$d" cat /rel/f
  mkdir -p "$d/data"; echo rel > "$d/data/f"
  edit_config "$d" "c['mounts'] += [{'destination': '/rel', 'type': 'bind', 'source': 'data', 'options': ['bind']}]"
  # from another directory: the source is the bundle's, not the cwd's
  out_v=$(cd / && "$VM" run --bundle "$d" "$(new_id)" 2>&1)
  assert_eq "$out_v" "rel" "sandbox mode" || return 1
  assert_eq "$(cd / && "$SILO" run --bundle "$d" "$(new_id)" 2>&1)" "rel" "container mode"
}

# A user's sandbox on kvm (rootless podman's case on a VT-x/AMD-V host)
# needs nothing but a /dev/kvm the user may open (Debian's udev gives the
# kvm group rw; here the test grants it for its length): the monitor and
# the VMM run as the user, confined; exec and delete work and leave
# nothing behind.
test_vm_rootless_kvm () {
  backend_ready
  [ "$BACKEND" = kvm ] || skip "the UML backend's rootless run is rootless.sh's test_rootless_sandbox_uml"
  source "$TOP/tests/rootless_lib.sh"
  rootless_setup sh -c 'echo vm-hi; id -u; uname -r' || return 1
  if ! runuser -u "$RL_USER" -- sh -c 'test -r /dev/kvm && test -w /dev/kvm'; then
    RL_KVM_MODE=$(stat -c %a /dev/kvm)
    chmod o+rw /dev/kvm
  fi
  ln -s silo "$T/silo-vm"
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'network'})
c.setdefault('annotations', {})['silo.sandbox.backend'] = 'kvm'"
  chown -R "$RL_UID:$RL_GID" "$T"
  local out pid p
  out=$(cd "$T/b" && as_user "$T/silo-vm" run "$ID" 2>&1) || fail "run: $out" || return 1
  assert_eq "$(echo "$out" | sed -n 1,2p)" "$(printf 'vm-hi\n0')" || return 1
  [ "$(echo "$out" | sed -n 3p)" != "$(uname -r)" ] || fail "the host's kernel: $out" || return 1
  set_args "$T/b" sleep 100
  (cd "$T/b" && as_user "$T/silo-vm" run -d "$ID-d" </dev/null >"$T/out" 2>&1) \
    || fail "run -d: $(cat "$T/out")" || return 1
  assert_eq "$(cd "$T/b" && as_user "$T/silo-vm" exec "$ID-d" echo exec-ok)" exec-ok || return 1
  pid=$(rs state "$ID-d" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  for p in $pid $(pgrep -P "$pid"); do
    assert_eq "$(awk '/^Uid:/ {print $2}' "/proc/$p/status")" "$RL_UID" "uid of $p" || return 1
    assert_eq "$(awk '/^Seccomp:/ {print $2}' "/proc/$p/status")" 2 "seccomp of $p" || return 1
  done
  rs delete --force "$ID-d" || fail "delete" || return 1
  wait_for pid_gone_rl "$pid" || fail "monitor still running" || return 1
  [ ! -e "$T/xdg/silo/$ID-d" ] || fail "state left"
}

# A file mapped shared and writable (POSIX shm in /dev/shm, SQLite's -shm,
# LMDB): in /dev/shm as engines give it (a bind of a host tmpfs: a guest
# tmpfs in sandbox mode) and in the rootfs, on the share (9p without a
# page cache maps files read-only).
test_vm_shared_writable_mmap_as_in_container_mode () {
  backend_ready
  local d out
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'mmap_shared /dev/shm/x; mmap_shared /tmp/y' || return 1
  cc -static -O2 -o "$d/rootfs/bin/mmap_shared" "$TOP/tests/helpers/mmap_shared.c" \
    || fail "build the helper" || return 1
  mkdir -p "$d/shm" "$d/rootfs/tmp"
  mount -t tmpfs -o size=8m shm "$d/shm" || skip "cannot mount tmpfs here"
  edit_config "$d" "c['root']['readonly'] = False
c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/dev/shm']
c['mounts'].append({'destination': '/dev/shm', 'type': 'bind', 'source': '$d/shm', 'options': ['bind']})"
  out=$(same_in_both_modes "$d")
  umount "$d/shm"
  assert_eq "$out" "$(printf 'ok\nok')"
}

# Two binds from two host file systems whose files have the same inode
# number: the guest sees them on one share, so the 9P server gives each
# host device a qid prefix of its own, and they differ there as they do
# (by device) in container mode; tar and cp -a pair files by (dev, ino).
test_vm_inode_numbers_unique_across_host_filesystems () {
  backend_ready
  [ "$BACKEND" = kvm ] || skip "UML's hostfs gives the host's inode numbers as they are (docs/sandbox.md, Known limits)"
  local d out_v out_c rc=0
  d=$(mktemp -d)
  mkdir -p "$d/a" "$d/b"
  mount -t tmpfs a "$d/a" || skip "cannot mount tmpfs here"
  mount -t tmpfs b "$d/b" || { umount "$d/a"; skip "cannot mount tmpfs here"; }
  echo a > "$d/a/f"; echo b > "$d/b/f"
  if [ "$(stat -c %i "$d/a/f")" != "$(stat -c %i "$d/b/f")" ]; then
    umount "$d/a" "$d/b"; skip "the two tmpfs gave different inode numbers: nothing to tell apart"
  fi
  make_vm_bundle "$d" sh -c 'stat -c "%d:%i" /a/f /b/f | sort -u | wc -l; cat /a/f /b/f'
  edit_config "$d" "c['mounts'] += [{'destination': '/a', 'type': 'bind', 'source': '$d/a', 'options': ['bind']},
  {'destination': '/b', 'type': 'bind', 'source': '$d/b', 'options': ['bind']}]"
  out_v=$(cd "$d" && "$VM" run "$(new_id)" 2>&1)
  out_c=$(cd "$d" && "$SILO" run "$(new_id)" 2>&1)
  umount "$d/a" "$d/b"
  assert_eq "$out_c" "$(printf '2\na\nb')" "container mode" || rc=1
  assert_eq "$out_v" "$(printf '2\na\nb')" "sandbox mode" || rc=1
  return $rc
}

# An idmapped bind (mount uidMappings/gidMappings) in a sandbox: the
# monitor maps the bind on the host and the guest sees the mapped owners
# through its share, as in container mode. A writable one is refused at
# create (the guest's file server creates files as itself, which the
# mapping cannot hold), one line naming the mount.
test_vm_idmapped_bind () {
  backend_ready
  local d out_v
  d=$(mktemp -d)
  make_vm_bundle "$d" stat -c "%u:%g" /m/f
  mkdir -p "$d/src"; echo x > "$d/src/f"
  chown -R 1000:1000 "$d/src"
  need_idmap "$d/src"
  edit_config "$d" "c['mounts'] += [{'destination': '/m', 'type': 'bind', 'source': '$d/src', 'options': ['bind', 'ro'],
  'uidMappings': [{'containerID': 1000, 'hostID': 2000, 'size': 1}],
  'gidMappings': [{'containerID': 1000, 'hostID': 3000, 'size': 1}]}]"
  out_v=$(same_in_both_modes "$d") || return 1
  assert_eq "$out_v" "2000:3000" || return 1
  edit_config "$d" "c['mounts'][-1]['options'] = ['bind']"
  out_v=$(create_must_fail "$d" "$(new_id)") || fail "writable idmapped bind: created" || return 1
  assert_contains "$out_v" "mounts[7]: an idmapped bind must be read-only (ro) in sandbox mode" || return 1
  [ "$(echo "$out_v" | wc -l)" = 1 ] || fail "more than one line: $out_v"
}

# linux.resources.pids.limit counts the container's processes in the guest
# (its own cgroup there, shown at /sys/fs/cgroup with its pids and memory
# limits), not the host processes of the sandbox; hitting it gives EAGAIN,
# as in container mode.
test_vm_pids_limit_in_the_guest () {
  backend_ready
  local d out_v
  d=$(mktemp -d)
  # (the forks happen in one command substitution, which ends when the
  # sleeps do: the shell forks nothing else while the limit is reached)
  make_vm_bundle "$d" sh -c 'e=$(for i in $(seq 30); do sleep 3 & done 2>&1)
echo "$e" | grep -o -m 1 "Resource temporarily unavailable"; echo done'
  edit_config "$d" "c['linux'].setdefault('resources', {})['pids'] = {'limit': 20}"
  out_v=$(same_in_both_modes "$d") || return 1
  assert_eq "$out_v" "Resource temporarily unavailable
done" || return 1
  set_args "$d" cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max
  edit_config "$d" "c['linux']['resources']['memory'] = {'limit': 268435456}"
  assert_eq "$(cd "$d" && "$VM" run "$(new_id)" 2>&1)" "20
268435456" "the guest's cgroup"
}

test_vm_signal_exit_status () {
  backend_ready
  local d id rc
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  (cd "$d" && exec "$VM" run "$id" </dev/null) &
  local runner=$!
  wait_for sh -c "'$VM' state '$id' | grep -q running" || fail "never running" || return 1
  # (a handler-less PID 1 ignores SIGTERM, in the guest as in a container:
  # SIGKILL is what ends it)
  "$VM" kill "$id" KILL || return 1
  wait $runner; rc=$?
  "$VM" delete "$id" >/dev/null 2>&1
  assert_eq "$rc" $((128 + 9)) "status after SIGKILL"
}

test_vm_write_visible_in_rootfs () {
  backend_ready
  local d
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'echo from-guest > /written'
  edit_config "$d" "c['root']['readonly'] = False"
  (cd "$d" && "$VM" run "$(new_id)") || return 1
  assert_eq "$(cat "$d/rootfs/written" 2>/dev/null)" "from-guest"
}

test_vm_readonly_root () {
  backend_ready
  local d out
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'touch /nope 2>&1 && echo wrote || echo refused'
  edit_config "$d" "c['root']['readonly'] = True"
  out=$(cd "$d" && "$VM" run "$(new_id)")
  assert_contains "$out" "refused" || return 1
  [ ! -e "$d/rootfs/nope" ] || fail "file appeared on the host"
}

test_vm_terminal_console_socket () {
  backend_ready
  local d id sock out
  d=$(mktemp -d); id=$(new_id); sock=$d/console.sock
  make_vm_bundle "$d" sh -c 'tty >/dev/null && echo is-a-tty; stty size'
  edit_config "$d" "c['process']['terminal'] = True; c['process']['consoleSize'] = {'height': 30, 'width': 100}"
  python3 - "$sock" >"$d/tty.out" <<'PY' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2][:4])[0]
buf = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    buf += b
sys.stdout.write(buf.decode(errors="replace"))
PY
  local rx=$!
  wait_for test -S "$sock" || return 1
  (cd "$d" && "$VM" run --console-socket "$sock" "$id") || fail "run with a terminal" || return 1
  wait $rx
  out=$(tr -d '\r' < "$d/tty.out")
  assert_contains "$out" "is-a-tty" || return 1
  assert_contains "$out" "30 100"
}

test_vm_delete_force_leaves_nothing () {
  backend_ready
  local d id pid root
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  [ -n "$pid" ] && kill -0 "$pid" || fail "no monitor pid" || return 1
  "$VM" delete --force "$id" || fail "delete --force" || return 1
  # A zombie (host init may not reap) is gone for our purposes.
  ! alive "$pid" || fail "monitor $pid still alive" || return 1
  nothing_left "$id"
}

# Nothing of container $1 remains: state, processes (the monitor and the
# VMM are forked from silo; UML's command line names the state dir), mounts,
# cgroup.
nothing_left () {
  ! "$VM" state "$1" >/dev/null 2>&1 || fail "state remains" || return 1
  ! pgrep -f -- "$1" >/dev/null || fail "sandbox processes remain: $(pgrep -a -f -- "$1")" \
    || return 1
  ! grep -q "$1" /proc/self/mountinfo || fail "mounts remain" || return 1
  ! find /sys/fs/cgroup -maxdepth 4 -name "$1" 2>/dev/null | grep -q . || fail "cgroup remains"
}

# A guest whose agent never reports ready (the kvm test guest, which has
# none): run fails after silo.sandbox.ready_timeout naming the console's
# last line, and leaves nothing behind.
test_vm_agent_never_ready () {
  backend_ready
  [ "$BACKEND" = kvm ] || skip "the agent-less test guest boots on the kvm backend only"
  local d id err guest=$TOP/$BUILD/tests/vm-guest/guest64.elf
  [ -r "$guest" ] || skip "no test guest at $guest (make)"
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" true
  edit_config "$d" "c['annotations']['silo.vm.kernel'] = '$guest'
c['annotations']['silo.sandbox.ready_timeout'] = '3'"
  ! (cd "$d" && SILO_VM_KERNEL_DIRS=${guest%/*} "$VM" run "$id" </dev/null >/dev/null 2>"$d/err") \
    || fail "run succeeded" || return 1
  err=$(cat "$d/err")
  assert_contains "$err" "did not become ready within 3 s" || return 1
  assert_contains "$err" "console: guest: no agent here)" || return 1
  nothing_left "$id"
}

# Options only container mode can honour are refused in sandbox mode, one
# line each, nothing left: a host fd cannot reach the guest's processes
# (--preserve-fds) and the guest always pivots (--no-pivot).
test_vm_container_only_options_refused () {
  backend_ready
  local d id out
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  out=$(cd "$d" && "$VM" create --preserve-fds 1 "$id" 3</dev/null 2>&1 </dev/null) \
    && fail "create --preserve-fds passed" && return 1
  assert_eq "$out" "silo: --preserve-fds: not supported in sandbox mode (a host file descriptor cannot reach the guest's processes)" || return 1
  nothing_left "$id" || return 1
  out=$(cd "$d" && "$VM" run --no-pivot "$id" 2>&1 </dev/null) && fail "run --no-pivot passed" && return 1
  assert_contains "$out" "--no-pivot: not supported in sandbox mode" || return 1
  nothing_left "$id" || return 1
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d" || return 1
  out=$("$VM" exec --preserve-fds 1 "$id" true 3</dev/null 2>&1) && fail "exec --preserve-fds passed" && return 1
  assert_contains "$out" "exec --preserve-fds: not supported in sandbox mode" || return 1
  "$VM" delete --force "$id"
}

test_vm_bad_ready_timeout () {
  backend_ready
  local d id err
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" true
  edit_config "$d" "c['annotations']['silo.sandbox.ready_timeout'] = '0'"
  ! (cd "$d" && "$VM" run "$id" </dev/null >/dev/null 2>"$d/err") || fail "run succeeded" || return 1
  err=$(cat "$d/err")
  assert_eq "$(wc -l < "$d/err")" 1 "error lines: [$err]" || return 1
  assert_contains "$err" "silo.sandbox.ready_timeout: \`0\` is not a number of seconds" || return 1
  nothing_left "$id"
}

test_vm_run_true () {
  backend_ready
  local d start end
  d=$(mktemp -d)
  make_vm_bundle "$d" true
  start=$(date +%s%N)
  (cd "$d" && "$VM" run "$(new_id)") || return 1
  end=$(date +%s%N)
  echo "  silo-vm run true: $(( (end - start) / 1000000 )) ms"
  return 0
}

# Host -> agent flow control (docs/agent-protocol.md): UML's serial line
# drops what the guest tty cannot buffer, so a config or stdin of more than
# ~4 KB used to be lost (timeout waiting for the agent).
test_vm_big_config () {
  backend_ready
  local d small big
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'echo $(env | wc -c)'
  edit_config "$d" "c['process']['env'] = ['PATH=/bin', 'BIG=x']"
  small=$(cd "$d" && "$VM" run "$(new_id)") || fail "run with a small config" || return 1
  edit_config "$d" "c['process']['env'] = ['PATH=/bin', 'BIG=' + 'x' * 12000]"
  [ "$(wc -c < "$d/config.json")" -gt 12000 ] || fail "config.json too small" || return 1
  big=$(cd "$d" && "$VM" run "$(new_id)") || fail "run with a 12 KB config" || return 1
  # The shell adds its own variables: compare with the 1-byte BIG.
  assert_eq "$big" "$((small + 11999))"
}

test_vm_big_stdin_run_and_exec () {
  backend_ready
  local d id out in rc
  d=$(mktemp -d); id=$(new_id); in=$d/in
  head -c 150000 /dev/urandom | base64 > "$in"   # ~200 KB
  make_vm_bundle "$d" wc -c
  out=$(cd "$d" && "$VM" run "$(new_id)" < "$in") || fail "run" || return 1
  assert_eq "$out" "$(wc -c < "$in")" "run stdin" || return 1
  set_args "$d" sleep 100
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d" || return 1
  out=$("$VM" exec "$id" wc -c < "$in"); rc=$?
  "$VM" exec "$id" cat < "$in" | cmp -s - "$in" || fail "cat through exec differs" || rc=1
  "$VM" delete --force "$id" >/dev/null 2>&1
  assert_eq "$out" "$(wc -c < "$in")" "exec stdin" && return $rc
}

# vCPUs follow linux.resources.cpu (quota / period), capped by the host.
test_vm_vcpus_from_cpu_quota () {
  backend_ready
  [ "$BACKEND" = kvm ] || skip "$BACKEND guests have one CPU"
  local d out want=2
  [ "$(nproc)" -ge 2 ] || want=1
  d=$(mktemp -d)
  make_vm_bundle "$d" grep -c ^processor /proc/cpuinfo
  edit_config "$d" "c['linux'].setdefault('resources', {})['cpu'] = {'quota': 200000, 'period': 100000}"
  out=$(cd "$d" && "$VM" run "$(new_id)") || fail "run" || return 1
  assert_eq "$out" "$want" "guest CPUs"
}

# A background job whose stdin is the terminal (timeout(1) makes its own
# process group): the stdin relay must not be stopped by SIGTTIN, which
# used to freeze the output too.
test_vm_background_job_tty_stdin () {
  backend_ready
  command -v script >/dev/null || skip "script(1) not installed (util-linux)"
  local d out
  d=$(mktemp -d)
  make_vm_bundle "$d" echo from-background
  out=$(cd "$d" && timeout 100 script -qec "timeout 60 '$VM' run $(new_id) | cat" /dev/null) \
    || fail "run as a background job exited $?: $out" || return 1
  assert_contains "$out" "from-background"
}

# pause/resume freeze the host cgroup that holds the guest: no progress
# while paused, progress again after resume. On kvm with cgroup v2 and a
# kernel before 6.13 this needs KVM's worker kthread moved out first.
test_vm_pause_resume () {
  backend_ready
  local d id a b c rc=0
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sh -c 'while :; do echo x >> /ticks; sleep 0.2; done'
  edit_config "$d" "c['root']['readonly'] = False"
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d" || return 1
  wait_for test -s "$d/rootfs/ticks" || fail "no ticks" || rc=1
  [ $rc -eq 0 ] && { "$VM" pause "$id" || fail "pause" || rc=1; }
  [ $rc -eq 0 ] && { assert_contains "$("$VM" state "$id")" '"status": "paused"' || rc=1; }
  if [ $rc -eq 0 ]; then
    a=$(wc -l < "$d/rootfs/ticks"); sleep 1; b=$(wc -l < "$d/rootfs/ticks")
    assert_eq "$a" "$b" "paused guest made progress" || rc=1
  fi
  [ $rc -eq 0 ] && { "$VM" resume "$id" || fail "resume" || rc=1; }
  if [ $rc -eq 0 ]; then
    wait_for sh -c "[ \$(wc -l < '$d/rootfs/ticks') -gt $b ]" || fail "resumed guest made no progress" || rc=1
  fi
  "$VM" delete --force "$id" >/dev/null 2>&1
  return $rc
}

# Sandbox twin of tests/e2e/fdscan.sh: a scanner as the guest workload opens
# every fd of every process it can see while silo execs into the sandbox
# (every tenth with a terminal). Nothing it gets may lead out of the
# container's root (the marker is the agent, /init of the guest tree) or be
# the agent's channel (/dev/ttyS0 on uml, /dev/hvc1 on kvm). Under the
# nested tier's emulation an exec takes seconds: 50 there, not 500.
test_vm_exec_leaves_no_fd () {
  backend_ready
  local d id i n=0 execs=${FDSCAN_EXECS:-500} BG_PIDS=""
  [ "$BACKEND" = uml ] || execs=${FDSCAN_VM_EXECS:-50}
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" true
  fdscan_setup "$d" || return 1
  edit_config "$d" "c['process']['args'] = ['fdscan', '600', 'init', '/tmp/stop']
c['root']['readonly'] = False"
  (cd "$d" && "$VM" run -d "$id" </dev/null >"$d/scan.out" 2>&1) || fail "run -d" || return 1
  many_consoles "$d/console.sock"
  wait_for test -S "$d/console.sock" || return 1
  for i in $(seq 1 "$execs"); do
    if [ $((i % 10)) -eq 0 ]; then
      "$VM" exec -t --console-socket "$d/console.sock" "$id" true >/dev/null 2>&1 </dev/null
    else
      "$VM" exec "$id" true </dev/null
    fi || n=$((n + 1))
  done
  touch "$d/rootfs/tmp/stop"
  fdscan_check "$d/scan.out" "/dev/ttyS|/dev/hvc|/share|$d" || { "$VM" delete --force "$id"; return 1; }
  "$VM" delete --force "$id" >/dev/null 2>&1
  kill $BG_PIDS 2>/dev/null
  assert_eq "$n" 0 "failed execs"
}

# What a workload sees of its process model and /dev is the same in both
# modes: it is PID 1 of its own PID namespace (no agent, no kernel
# threads), /dev has the default nodes with their modes, the standard links
# and the config's linux.devices, a non-root user can write /dev/null, and
# lo is up.
test_vm_pid1_and_dev_as_in_container_mode () {
  backend_ready
  local d out_c out_v
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'echo pid=$$; tr "\0" " " < /proc/1/cmdline; echo; ps -o pid,comm | grep "^ *1 "; ps -o comm | grep -cx -e init -e kthreadd
stat -c "%n %A %t,%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/xnull
for l in stdin stdout stderr fd core ptmx; do echo "$l -> $(readlink /dev/$l)"; done
echo "lo flags $(cat /sys/class/net/lo/flags)"'
  edit_config "$d" "c['linux']['devices'] = [{'path': '/dev/xnull', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 438}]"
  out_v=$(same_in_both_modes "$d") || return 1
  assert_contains "$out_v" "pid=1" || return 1
  assert_contains "$out_v" "/dev/xnull crw-rw-rw- 1,3" || return 1
  assert_contains "$out_v" "lo flags 0x9" || return 1
  # The same as a non-root user.
  edit_config "$d" "c['process']['user'] = {'uid': 1000, 'gid': 1000}
c['process']['args'] = ['sh', '-c', 'echo x > /dev/null && echo ok; echo y > /dev/stdout; id -u']"
  out_c=$(cd "$d" && "$SILO" run "$(new_id)" 2>&1)
  out_v=$(cd "$d" && "$VM" run "$(new_id)" 2>&1)
  assert_eq "$out_v" "$out_c" "non-root, sandbox vs container" || return 1
  assert_eq "$out_v" "ok
y
1000"
}

# The monitor (state.pid) has the container's root filesystem for the root
# of its mount namespace: /proc/<pid>/root and a join of its mount
# namespace (how engines reach a running container's files) find the
# container's files, and nothing of the host's tree.
test_vm_monitor_root_is_the_container_root () {
  backend_ready
  local d id pid
  d=$(mktemp -d)
  make_vm_bundle "$d" sleep 1000
  echo mine > "$d/rootfs/probe"
  id=$(new_id)
  (cd "$d" && "$VM" run -d "$id" >"$d/out" 2>&1 </dev/null) || fail "run: $(cat "$d/out")" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  assert_eq "$(stat -L -c %d:%i "/proc/$pid/root/")" "$(stat -c %d:%i "$d/rootfs")" "root" || return 1
  assert_eq "$(nsenter -t "$pid" -m cat /probe 2>&1)" "mine" "in its mount namespace" || return 1
  [ ! -e "/proc/$pid/root/usr/bin/linux" ] || fail "host files under its root" || return 1
  "$VM" delete -f "$id"
  rm -rf "$d"
}

# The monitor's /proc is the container's processes, as podman top reads
# them through its mount namespace (psgo: /proc/PID/{stat,status,cmdline},
# /proc/stat's btime, /proc/self/auxv): the pids, parents, states, ids,
# command lines and start times the guest itself shows, nothing of the
# host's (its pid 1, silo, UML or the VMM), read-only; its /dev an empty
# pts/ only.
test_vm_process_view () {
  backend_ready
  local d id pid p view guest
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'sleep 1000 & exec sleep 1001'
  id=$(new_id)
  (cd "$d" && "$VM" run -d "$id" >"$d/out" 2>&1 </dev/null) || fail "run: $(cat "$d/out")" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  wait_for sh -c "[ -e /proc/$pid/root/proc/2/stat ]" \
    || fail "no process 2 in the view: $(ls /proc/$pid/root/proc 2>&1)" || return 1
  assert_eq "$(ls /proc/"$pid"/root/proc | tr '\n' ' ')" "1 2 self stat " "the view's /proc" || return 1
  for p in 1 2; do
    view=$(grep -E '^(Name|State|Tgid|Pid|PPid|Uid|Gid|NSpid|CapEff|NoNewPrivs):' \
             "/proc/$pid/root/proc/$p/status")
    guest=$("$VM" exec "$id" grep -E '^(Name|State|Tgid|Pid|PPid|Uid|Gid|NSpid|CapEff|NoNewPrivs):' \
             "/proc/$p/status")
    assert_eq "$view" "$guest" "status of $p" || return 1
    view=$(cut -d' ' -f1-8,19,20,22 "/proc/$pid/root/proc/$p/stat")
    guest=$("$VM" exec "$id" busybox cut -d' ' -f1-8,19,20,22 "/proc/$p/stat")
    assert_eq "$view" "$guest" "stat of $p" || return 1
    view=$(tr '\0' ' ' < "/proc/$pid/root/proc/$p/cmdline")
    guest=$("$VM" exec "$id" sh -c "tr '\\0' ' ' < /proc/$p/cmdline")
    assert_eq "$view" "$guest" "cmdline of $p" || return 1
  done
  assert_eq "$(cat "/proc/$pid/root/proc/stat")" "$("$VM" exec "$id" grep '^btime' /proc/stat)" \
    "btime" || return 1
  ! touch "/proc/$pid/root/proc/x" 2>/dev/null || fail "the view is writable" || return 1
  ! sh -c "echo x > /proc/$pid/root/proc/1/status" 2>/dev/null || fail "a file is writable" || return 1
  [ ! -e "/proc/$pid/root/proc/1/environ" ] || fail "environ in the view" || return 1
  assert_eq "$(ls -A "/proc/$pid/root/dev")" "pts" "the view's /dev" || return 1
  "$VM" delete -f "$id"
  rm -rf "$d"
}

# slow: test_vm_small_memory_limit_as_in_container_mode (on UML the guest's
# memcg reclaim refaults the workload's own text through hostfs before the
# OOM kill: 2 s to over 2 minutes on a loaded 2-core host; docs/sandbox.md)
# A 64 MiB memory limit (what engines often give) runs: the limit is the
# workload's, the guest kernel's memory comes on top; a process that goes
# past it is OOM-killed (137) as in container mode, and the container's
# cgroup in the guest says 64 MiB.
test_vm_small_memory_limit_as_in_container_mode () {
  backend_ready
  local d out
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'head -c 100000000 /dev/zero | tail >/dev/null; echo "status=$?"'
  edit_config "$d" "c['linux']['resources'] = {'memory': {'limit': 67108864}}"
  out=$(same_in_both_modes "$d") || return 1
  assert_contains "$out" "status=137" || return 1
  set_args "$d" cat /sys/fs/cgroup/memory.max
  out=$(cd "$d" && "$VM" run "$(new_id)" 2>&1) || fail "$out" || return 1
  assert_eq "$out" "67108864" "memory.max in the guest"
  rm -rf "$d"
}

# silo update reaches the container's cgroup in the guest (memory and
# pids limits) and the host cgroup (the VM with room for its kernel); a
# memory limit past the RAM the guest booted with is refused in one line
# and changes nothing.
test_vm_update_reaches_the_guest () {
  backend_ready
  local d id out
  d=$(mktemp -d)
  make_vm_bundle "$d" sleep 1000
  edit_config "$d" "c['linux']['resources'] = {'memory': {'limit': 134217728}, 'pids': {'limit': 50}}"
  id=$(new_id)
  (cd "$d" && "$VM" run -d "$id" >"$d/out" 2>&1 </dev/null) || fail "run: $(cat "$d/out")" || return 1
  "$VM" update --memory 67108864 --pids-limit 30 "$id" || fail "update" || return 1
  out=$("$VM" exec "$id" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max | tr '\n' ' ')
  assert_eq "$out" "67108864 30 " "the guest's container cgroup" || return 1
  out=$("$VM" update --memory 1073741824 "$id" 2>&1) && fail "update past the guest's RAM passed" && return 1
  assert_contains "$out" "linux.resources.memory.limit: a sandbox's guest has the RAM it was created with" || return 1
  out=$("$VM" exec "$id" cat /sys/fs/cgroup/memory.max)
  assert_eq "$out" "67108864" "unchanged after a refused update" || return 1
  "$VM" delete -f "$id"
  rm -rf "$d"
}

# events --stats reports the workload's use, as for a container: the
# counters of its cgroup in the guest (its processes, its memory and the
# config's limit), not the VM's as the host cgroup holds it.
test_vm_events_stats_are_the_workloads () {
  backend_ready
  local d id out
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'sleep 1000 & sleep 1000 & wait'
  edit_config "$d" "c['linux']['resources'] = {'memory': {'limit': 134217728}, 'pids': {'limit': 50}}"
  id=$(new_id)
  (cd "$d" && "$VM" run -d "$id" >"$d/out" 2>&1 </dev/null) || fail "run: $(cat "$d/out")" || return 1
  wait_for sh -c "'$VM' events --stats '$id' | grep -q '\"current\":3'"
  out=$("$VM" events --stats "$id") || fail "events --stats: $out" || return 1
  python3 - "$out" <<'PY' || fail "stats: $out"
import json, sys
d = json.loads(sys.argv[1])["data"]
assert d["pids"] == {"current": 3, "limit": 50}, d["pids"]
assert d["memory"]["usage"]["limit"] == 134217728, d["memory"]
assert 0 < d["memory"]["usage"]["usage"] < 64 << 20, d["memory"]
PY
  local rc=$?
  "$VM" delete -f "$id"
  rm -rf "$d"
  return $rc
}

# process.scheduler, process.ioPriority and linux.personality: the agent
# applies them with container mode's code, so the process sees the same of
# itself (/proc/self/stat policy and nice, ionice, /proc/self/personality).
test_vm_scheduler_io_priority_personality_as_in_container_mode () {
  backend_ready
  local d out app
  d=$(mktemp -d)
  make_vm_bundle "$d" sh -c 'cut -d" " -f41,19 /proc/self/stat; ionice -p $$; cat /proc/self/personality'
  for app in cut ionice; do ln -sf busybox "$d/rootfs/bin/$app"; done
  edit_config "$d" "c['process']['scheduler'] = {'policy': 'SCHED_BATCH', 'nice': 5}
c['process']['ioPriority'] = {'class': 'IOPRIO_CLASS_IDLE', 'priority': 0}
c['linux']['personality'] = {'domain': 'LINUX32'}"
  out=$(same_in_both_modes "$d") || return 1
  assert_eq "$out" "5 3
idle
00000008"
}

# An exec's process.json carries them to the agent (sandbox_process_json).
test_vm_exec_scheduler_io_priority () {
  backend_ready
  local d id out app
  d=$(mktemp -d); id=$(new_id)
  make_vm_bundle "$d" sleep 100
  for app in cut ionice; do ln -sf busybox "$d/rootfs/bin/$app"; done
  cat >"$d/p.json" <<'JSON'
{"args": ["sh", "-c", "cut -d' ' -f41,19 /proc/self/stat; ionice -p $$"], "cwd": "/",
 "scheduler": {"policy": "SCHED_BATCH", "nice": 7},
 "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 3}}
JSON
  (cd "$d" && "$VM" run -d "$id" </dev/null >/dev/null 2>&1) || fail "run -d" || return 1
  out=$("$VM" exec --process "$d/p.json" "$id" 2>&1)
  "$VM" delete --force "$id" >/dev/null 2>&1
  assert_eq "$out" "7 3
best-effort: prio 3"
}
