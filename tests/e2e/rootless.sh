# silo run by an unprivileged user (issue #15, "Rootless"): a config from
# `silo spec --rootless`, state under $XDG_RUNTIME_DIR/silo, no cgroup
# unless one is delegated, ranges from /etc/subuid through newuidmap; and
# rootless podman with --runtime silo, runc as its reference.
source "$TOP/tests/podman_lib.sh"

RL_USER=silo-rootless

# rootless_setup: the test user (made once, with subordinate ids), a temp
# dir it owns holding a copy of silo (the checkout may be out of its
# reach), its runtime dir, and a bundle from `silo spec --rootless`.
rootless_setup () {
  command -v runuser >/dev/null || skip "runuser (util-linux) not installed"
  if ! id "$RL_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/sh "$RL_USER" || fail "useradd $RL_USER" || return 1
  fi
  RL_UID=$(id -u "$RL_USER"); RL_GID=$(id -g "$RL_USER")
  grep -q "^$RL_USER:" /etc/subuid || echo "$RL_USER:300000:65536" >> /etc/subuid
  grep -q "^$RL_USER:" /etc/subgid || echo "$RL_USER:300000:65536" >> /etc/subgid
  T=$(mktemp -d /tmp/silo-rootless.XXXXXX)
  trap rootless_cleanup EXIT
  chmod 755 "$T"
  cp "$SILO" "$T/silo"
  [ ! -e "$(dirname "$SILO")/silo-agent" ] || cp "$(dirname "$SILO")/silo-agent" "$T/"
  mkdir -p "$T/xdg" && chmod 700 "$T/xdg"
  ID=$(new_id)
  make_bundle "$T/b" || return 1
  rm "$T/b/config.json"
  (cd "$T/b" && "$T/silo" spec --rootless) || return 1
  set_args "$T/b" "$@"
  edit_config "$T/b" "c['linux']['uidMappings'][0]['hostID'] = $RL_UID
c['linux']['gidMappings'][0]['hostID'] = $RL_GID"
  chown -R "$RL_UID:$RL_GID" "$T"
}

# as_user CMD...: CMD as the test user, with its runtime dir.
as_user () {
  runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" \
    USER="$RL_USER" XDG_RUNTIME_DIR="$T/xdg" "$@"
}

rs () {
  (cd "$T/b" && as_user "$T/silo" "$@")
}

rootless_cleanup () {
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  local d
  for d in "$T"/xdg/silo/*; do
    [ -e "$d" ] && rs delete --force "$(basename "$d")" >/dev/null 2>&1
  done
  [ -z "${PM_ARGS+x}" ] || as_user podman "${PM_ARGS[@]}" rm -af -t 0 >/dev/null 2>&1
  # rootless podman's pause process (its user namespace) outlives it
  pkill -KILL -u "$RL_USER" 2>/dev/null
  rm -rf "$T" 2>/dev/null || { chattr -R -i "$T" 2>/dev/null; rm -rf "$T"; }
}

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

pid_gone_rl () {
  [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
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
test_rootless_podman () {
  command -v podman >/dev/null && command -v conmon >/dev/null || skip "podman/conmon not installed"
  command -v newuidmap >/dev/null || skip "newuidmap not installed (apt-get install uidmap)"
  command -v slirp4netns >/dev/null || skip "slirp4netns not installed"
  rootless_setup true || return 1
  podman_conf "$T/containers.conf"
  PM_ARGS=(--root "$T/pm/root" --runroot "$T/pm/runroot" --tmpdir "$T/pm/tmp" --storage-driver vfs
           --cgroup-manager cgroupfs --events-backend file)
  make_rootfs_tar "$T/rootfs" "$T/rootfs.tar" || return 1
  chown -R "$RL_UID:$RL_GID" "$T"
  pmu () { as_user CONTAINERS_CONF="$T/containers.conf" podman "${PM_ARGS[@]}" "$@"; }
  pmu import -q "$T/rootfs.tar" busybox-local >/dev/null || fail "podman import" || return 1
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
