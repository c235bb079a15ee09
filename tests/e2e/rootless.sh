# silo run by an unprivileged user (issue #15, "Rootless"): a config from
# `silo spec --rootless`, state under $XDG_RUNTIME_DIR/silo, no cgroup
# unless one is delegated, ranges from /etc/subuid through newuidmap; and
# rootless podman with --runtime silo, runc as its reference.
source "$TOP/tests/podman_lib.sh"
source "$TOP/tests/rootless_lib.sh"

# The container's root is the user's uid on the host, its state is in the
# user's runtime dir, it has no cgroup of silo's; exec, kill and delete
# work and leave nothing.
test_rootless_run_container_mode () {
  rootless_setup sh -c 'id -u; cat /proc/self/uid_map; echo > /dev/null && echo null-ok; sleep 100' \
    || return 1
  rs run -d "$ID" >"$T/out" 2>&1 </dev/null || fail "run -d: $(cat "$T/out")" || return 1
  local pid
  pid=$(rs state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  [ -d "$T/xdg/silo/$ID" ] || fail "no state in \$XDG_RUNTIME_DIR/silo" || return 1
  [ ! -e "/run/silo/$ID" ] || fail "state under /run/silo" || return 1
  assert_eq "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" "$RL_UID" "host uid" || return 1
  ! grep -q "silo/$ID" "/proc/$pid/cgroup" || fail "a cgroup of silo's: $(cat /proc/$pid/cgroup)" \
    || return 1
  wait_for grep -q null-ok "$T/out" || fail "output: $(cat "$T/out")" || return 1
  assert_eq "$(head -1 "$T/out")" 0 || return 1
  assert_eq "$(sed -n 2p "$T/out" | awk '{print $1, $2, $3}')" "0 $RL_UID 1" || return 1
  assert_eq "$(rs exec "$ID" id -u)" 0 "exec" || return 1
  rs kill "$ID" KILL || fail "kill" || return 1
  wait_for pid_gone_rl "$pid" || fail "still running" || return 1
  rs delete "$ID" || fail "delete" || return 1
  [ ! -e "$T/xdg/silo/$ID" ] || fail "state left"
}

# More than the user's own id: newuidmap/newgidmap map the ranges of
# /etc/subuid and /etc/subgid, as runc does (its output is the reference).
test_rootless_subordinate_ranges () {
  command -v newuidmap >/dev/null || skip "newuidmap not installed (apt-get install uidmap)"
  rootless_setup sh -c 'cat /proc/self/uid_map /proc/self/gid_map | awk "{print \$1, \$2, \$3}"' \
    || return 1
  local range
  range=$(awk -F: -v u="$RL_USER" '$1 == u {print $2; exit}' /etc/subuid)
  edit_config "$T/b" "c['linux']['uidMappings'].append({'containerID': 1, 'hostID': $range, 'size': 1000})
c['linux']['gidMappings'].append({'containerID': 1, 'hostID': $(awk -F: -v u="$RL_USER" '$1 == u {print $2; exit}' /etc/subgid), 'size': 1000})"
  chown "$RL_UID" "$T/b/config.json"
  local out ref
  out=$(rs run "$ID" 2>&1) || fail "run: $out" || return 1
  assert_contains "$out" "1 $range 1000" || return 1
  if command -v runc >/dev/null; then
    ref=$(cd "$T/b" && as_user runc --root "$T/runc" run "$ID-runc" 2>&1)
    assert_eq "$out" "$ref" "silo vs runc" || return 1
  fi
  edit_config "$T/b" "c['linux']['uidMappings'][1]['hostID'] = 1"
  out=$(rs run "$ID-bad" 2>&1) && fail "a range not the user's was mapped" && return 1
  assert_contains "$out" "linux.uidMappings: newuidmap failed" || return 1
  [ ! -e "$T/xdg/silo/$ID-bad" ] || fail "state left"
}

# A limit needs a cgroup: without a delegated one it is refused, one line
# naming linux.resources, nothing left.
test_rootless_limits_need_a_cgroup () {
  rootless_setup true || return 1
  edit_config "$T/b" "c['linux']['resources'] = {'pids': {'limit': 10}}"
  local out
  out=$(rs run "$ID" 2>&1) && fail "ran with a pids limit and no cgroup" && return 1
  assert_contains "$out" "linux.resources: rootless, and no cgroup to apply them in" || return 1
  [ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one line: $out" || return 1
  [ ! -e "$T/xdg/silo/$ID" ] || fail "state left"
}

# Rootless podman (its own user namespace, slirp4netns, vfs) with
# --runtime silo: run, exit status, run -d, exec, stop, rm; the same
# output as with runc.
# rootless_podman_setup: the test user's podman (pmu) with its own store
# holding busybox-local.
rootless_podman_setup () {
  command -v podman >/dev/null && command -v conmon >/dev/null || skip "podman/conmon not installed"
  command -v newuidmap >/dev/null || skip "newuidmap not installed (apt-get install uidmap)"
  command -v slirp4netns >/dev/null || skip "slirp4netns not installed"
  rootless_setup true || return 1
  podman_conf "$T/containers.conf"
  PM_ARGS=(--root "$T/pm/root" --runroot "$T/pm/runroot" --tmpdir "$T/pm/tmp" --storage-driver vfs
           --cgroup-manager cgroupfs --events-backend file)
  make_rootfs_tar "$T/rootfs" "$T/rootfs.tar" || return 1
  chown -R "$RL_UID:$RL_GID" "$T"
  pmu import -q "$T/rootfs.tar" busybox-local >/dev/null || fail "podman import" || return 1
}

pmu () { as_user CONTAINERS_CONF="$T/containers.conf" podman "${PM_ARGS[@]}" "$@"; }

test_rootless_podman () {
  rootless_podman_setup || return 1
  local rt out ref rc
  for rt in runc "$T/silo"; do
    out=$(pmu --runtime "$rt" run --rm busybox-local sh -c 'id -u; echo hi' 2>&1) \
      || fail "$rt: run: $out" || return 1
    pmu --runtime "$rt" run --rm busybox-local sh -c 'exit 7' 2>/dev/null; rc=$?
    out="$out rc=$rc"
    pmu --runtime "$rt" run -d --name "c-$$" busybox-local sleep 1000 >/dev/null \
      || fail "$rt: run -d" || return 1
    out="$out $(pmu --runtime "$rt" exec "c-$$" echo exec-ok 2>&1)"
    pmu --runtime "$rt" stop -t 0 "c-$$" >/dev/null 2>&1 || fail "$rt: stop" || return 1
    pmu --runtime "$rt" rm "c-$$" >/dev/null || fail "$rt: rm" || return 1
    [ "$rt" = runc ] && { ref=$out; continue; }
    assert_eq "$(echo $out)" "$(echo $ref)" "silo vs runc" || return 1
  done
  assert_eq "$(echo $out)" "0 hi rc=7 exec-ok" || return 1
  # and in sandbox mode (UML), on slirp4netns's network (its MTU 65520
  # past what UML's NIC takes: the guest keeps 1500)
  [ -x /usr/bin/linux ] || return 0
  ln -sf silo "$T/silo-vm"
  out=$(pmu --runtime "$T/silo-vm" run --rm busybox-local sh -c 'id -u; echo hi; uname -r;
    cat /sys/class/net/tap0/mtu' 2>&1) || fail "silo-vm: run: $out" || return 1
  assert_eq "$(echo "$out" | sed -n 1,2p | tr '\n' ' ')" "0 hi " "silo-vm" || return 1
  [ "$(echo "$out" | sed -n 3p)" != "$(uname -r)" ] || fail "silo-vm: the host's kernel" || return 1
  assert_eq "$(echo "$out" | sed -n 4p)" 1500 "guest MTU" || return 1
  # podman top through the monitor's process view, in podman's namespace
  pmu --runtime "$T/silo-vm" run -d --name "v-$$" busybox-local sleep 1000 >/dev/null \
    || fail "silo-vm: run -d" || return 1
  out=$(pmu --runtime "$T/silo-vm" top "v-$$" pid,user,args 2>&1)
  pmu --runtime "$T/silo-vm" rm -f -t 0 "v-$$" >/dev/null 2>&1
  assert_eq "$(echo "$out" | sed -n 2p | tr -s ' ')" "1 root sleep 1000 " "silo-vm: podman top"
}

# Sandbox mode rootless (UML: it needs no privilege): the monitor works in
# a user namespace of its own mapping only the user; every host process
# of the sandbox is the user's uid, with seccomp; run, exec and delete.
test_rootless_sandbox_uml () {
  [ -x /usr/bin/linux ] || skip "user-mode-linux not installed (/usr/bin/linux)"
  rootless_setup sh -c 'echo vm-hi; uname -r; id -u' || return 1
  ln -s silo "$T/silo-vm"
  # a guest kernel cannot share the host's network: a namespace of its own
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'network'})
c.setdefault('annotations', {})['silo.sandbox.backend'] = 'uml'
c['hooks'] = {'createContainer': [{'path': '/bin/sh',
  'args': ['sh', '-c', 'readlink /proc/self/ns/net > $T/hook.net']}]}"
  chown -R "$RL_UID:$RL_GID" "$T"
  local out pid p
  out=$(cd "$T/b" && as_user "$T/silo-vm" run "$ID" 2>&1) || fail "run: $out" || return 1
  # the hook ran in the monitor's network namespace (made in its own
  # user namespace), not the host's
  [ -s "$T/hook.net" ] || fail "createContainer hook did not run" || return 1
  [ "$(cat "$T/hook.net")" != "$(readlink /proc/self/ns/net)" ] || fail "hook in the host's netns" \
    || return 1
  edit_config "$T/b" "del c['hooks']"
  assert_eq "$(echo "$out" | sed -n 1p)" "vm-hi" || return 1
  [ "$(echo "$out" | sed -n 2p)" != "$(uname -r)" ] || fail "the host's kernel: $out" || return 1
  assert_eq "$(echo "$out" | sed -n 3p)" 0 || return 1
  set_args "$T/b" sleep 100
  (cd "$T/b" && as_user "$T/silo-vm" run -d "$ID-d" </dev/null >"$T/out" 2>&1) \
    || fail "run -d: $(cat "$T/out")" || return 1
  assert_eq "$(cd "$T/b" && as_user "$T/silo-vm" exec "$ID-d" echo exec-ok)" exec-ok || return 1
  pid=$(rs state "$ID-d" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  for p in $pid $(pgrep -P "$pid"); do
    assert_eq "$(awk '/^Uid:/ {print $2}' "/proc/$p/status")" "$RL_UID" "uid of $p" || return 1
    assert_eq "$(awk '/^Seccomp:/ {print $2}' "/proc/$p/status")" 2 "seccomp of $p" || return 1
  done
  assert_eq "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")" 0000000000000000 "monitor" \
    || return 1
  rs delete --force "$ID-d" || fail "delete" || return 1
  wait_for pid_gone_rl "$pid" || fail "monitor still running" || return 1
  [ ! -e "$T/xdg/silo/$ID-d" ] || fail "state left"
}

# A VM-isolated pod of a user's podman (UML): the infra container's
# sandbox runs the pod's containers, which share its localhost and kernel;
# podman top lists a member's own processes; pod rm leaves no process.
test_rootless_podman_silo_vm_pod () {
  [ -x /usr/bin/linux ] || skip "user-mode-linux not installed (/usr/bin/linux)"
  rootless_podman_setup || return 1
  ln -sf silo "$T/silo-vm"
  local rt=$T/silo-vm out boot pids p left
  pmu --runtime "$rt" pod create --name p1 >/dev/null || fail "pod create" || return 1
  pmu --runtime "$rt" run -d --pod p1 --name web busybox-local sh -c \
    'echo hello-pod > /tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null || fail "run web" || return 1
  out=$(pmu --runtime "$rt" run --rm --pod p1 busybox-local sh -c \
    'for i in $(seq 20); do printf "GET /index.html HTTP/1.0\r\n\r\n" | nc 127.0.0.1 80 | tail -1 | grep . && break; sleep 0.5; done
cat /proc/sys/kernel/random/boot_id') || fail "client: $out" || return 1
  boot=$(pmu --runtime "$rt" exec web cat /proc/sys/kernel/random/boot_id) || return 1
  assert_eq "$out" "hello-pod
$boot" "page over localhost, and the same kernel" || return 1
  [ "$boot" != "$(cat /proc/sys/kernel/random/boot_id)" ] || fail "the pod runs on the host's kernel" || return 1
  out=$(pmu --runtime "$rt" top web pid,args 2>&1)
  assert_eq "$(echo "$out" | sed -n 2p | tr -s ' ')" "1 httpd -f -p 80 -h /tmp " "podman top of the member" || return 1
  pids="$(pmu inspect "$(pmu pod inspect p1 --format '{{.InfraContainerID}}')" --format '{{.State.Pid}}')
$(pmu inspect web --format '{{.State.Pid}}')"
  pmu --runtime "$rt" pod rm -f -t 0 p1 >/dev/null || fail "pod rm" || return 1
  for p in $pids; do
    ! kill -0 "$p" 2>/dev/null || fail "process $p left" || return 1
  done
  left=$(find "$T/xdg/silo" "$T/pm/runroot/silo" -mindepth 1 -maxdepth 1 2>/dev/null)
  [ -z "$left" ] || fail "state left: $left" || return 1
}
