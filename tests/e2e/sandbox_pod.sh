# Pods in sandbox mode (issue 14): a container whose config joins a running
# sandbox's namespaces (an engine's infra container, by /proc/PID/ns paths or
# the CRI annotations) runs in that sandbox's guest, with its own root, mount
# namespace, cgroup and (unless it names the pod's) PID namespace, sharing
# the pod's network, IPC and UTS. SILO_TEST_SANDBOX_BACKEND=uml (default) or
# kvm, as sandbox_vm.sh.
source "$TOP/tests/sandbox_lib.sh"

# pod_setup: a running pod sandbox $POD (sleep) with hostname podhost, in
# $T; its monitor's pid in $POD_PID.
pod_setup () {
  backend_ready
  T=$(mktemp -d)
  POD=$(new_id)
  MEMBERS=""
  trap pod_teardown EXIT
  make_vm_bundle "$T/pod" sleep 1000 || return 1
  edit_config "$T/pod" "c['hostname'] = 'podhost'"
  (cd "$T/pod" && "$VM" run -d "$POD" </dev/null >"$T/pod.out" 2>&1) \
    || fail "pod: $(cat "$T/pod.out")" || return 1
  POD_PID=$("$VM" state "$POD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
}

pod_teardown_keep_t () {
  local m
  for m in $MEMBERS; do "$VM" delete -f "$m" >/dev/null 2>&1; done
  "$VM" delete -f "$POD" >/dev/null 2>&1
}

pod_teardown () {
  pod_teardown_keep_t
  rm -rf "$T"
}

# member_bundle DIR ARGS...: a bundle that joins the pod's network, IPC and
# UTS namespaces by path, as podman's pod members do.
member_bundle () {
  local dir=$1; shift
  make_vm_bundle "$dir" "$@" || return 1
  edit_config "$dir" "
names = {'network': 'net', 'ipc': 'ipc', 'uts': 'uts'}
for n in c['linux']['namespaces']:
    if n['type'] in names: n['path'] = '/proc/$POD_PID/ns/' + names[n['type']]
c.pop('hostname', None)"
}

# The pod's guest process (the monitor's only child) and what its jail holds.
pod_jail_mounts () {
  local guest
  guest=$(cat /proc/"$POD_PID"/task/*/children | awk '{print $1}')
  cat /proc/"$guest"/mountinfo
}

# One guest for the pod: the member sees the pod's kernel (boot_id), its
# hostname and IPC namespace, runs as PID 1 of its own PID namespace in its
# own root, and its exit status is its own.
test_pod_member_runs_in_the_pods_guest () {
  pod_setup || return 1
  local id out pod_boot
  member_bundle "$T/m" sh -c 'cat /proc/sys/kernel/random/boot_id; hostname
readlink /proc/1/ns/ipc; echo pid1=$(cat /proc/1/comm); test -e /pod-only || echo own-root; exit 7'
  touch "$T/pod/rootfs/pod-only"
  id=$(new_id); MEMBERS=$id
  out=$(cd "$T/m" && "$VM" run "$id" 2>&1 </dev/null)
  assert_eq "$?" 7 "the member's exit status" || return 1
  pod_boot=$("$VM" exec "$POD" cat /proc/sys/kernel/random/boot_id) || return 1
  [ "$pod_boot" != "$(cat /proc/sys/kernel/random/boot_id)" ] || fail "the pod runs on the host kernel" || return 1
  assert_eq "$out" "$pod_boot
podhost
$("$VM" exec "$POD" readlink /proc/1/ns/ipc)
pid1=sh
own-root" "member's view"
}

# The pod's network: a member reaches a server in the pod over localhost.
test_pod_members_share_localhost () {
  pod_setup || return 1
  local server client out
  member_bundle "$T/s" sh -c 'echo from-server > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'
  ln -sf busybox "$T/s/rootfs/bin/httpd"
  edit_config "$T/s" "c['root']['readonly'] = False"
  member_bundle "$T/c" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do
  printf "GET /index.html HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080 2>/dev/null | tail -1 | grep . && exit 0; sleep 0.5; done; exit 1'
  ln -sf busybox "$T/c/rootfs/bin/nc"
  server=$(new_id); client=$(new_id); MEMBERS="$server $client"
  (cd "$T/s" && "$VM" run -d "$server" </dev/null >"$T/s.out" 2>&1) || fail "server: $(cat "$T/s.out")" || return 1
  out=$(cd "$T/c" && "$VM" run "$client" 2>&1 </dev/null) || fail "client: $out" || return 1
  assert_eq "$out" "from-server"
}

# Each verb acts on the member it names: state, exec, kill, and the
# pod's own container goes on running; delete takes the member's tree
# out of the pod's jail and its cgroup out of the guest.
test_pod_member_lifecycle () {
  pod_setup || return 1
  local id pid
  member_bundle "$T/m" sleep 1000
  id=$(new_id); MEMBERS=$id
  (cd "$T/m" && "$VM" create "$id" </dev/null >"$T/c.out" 2>&1) || fail "create: $(cat "$T/c.out")" || return 1
  assert_eq "$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" created || return 1
  pod_jail_mounts | grep -q " /guest/pod/$id " || fail "no tree in the pod's jail" || return 1
  # one guest for the pod: the member's host process boots none
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  [ -z "$(cat /proc/"$pid"/task/*/children)" ] || fail "the member has a guest process of its own" || return 1
  "$VM" start "$id" || return 1
  assert_eq "$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" running || return 1
  assert_eq "$("$VM" exec "$id" sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "sleep 1000 " "exec in the member" || return 1
  assert_eq "$("$VM" exec "$POD" sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "sleep 1000 " "exec in the pod" || return 1
  # ps lists the member's processes as it sees them, from the guest
  assert_eq "$("$VM" ps --format json "$id")" "[1]" "ps of the member" || return 1
  assert_contains "$("$VM" ps "$id")" "0              1       0 sleep 1000" || return 1
  "$VM" exec "$id" sh -c 'test -d /sys/fs/cgroup && cat /sys/fs/cgroup/cgroup.procs | wc -l' >/dev/null || return 1
  "$VM" kill "$id" KILL || return 1
  wait_for sh -c "'$VM' state '$id' | grep -q stopped" || fail "member never stopped" || return 1
  assert_eq "$("$VM" state "$POD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" running "the pod" || return 1
  "$VM" delete "$id" || return 1
  pod_jail_mounts | grep -q "/guest/pod/$id" && fail "the member's tree is still in the pod's jail" && return 1
  "$VM" exec "$POD" sh -c "ls /sys/fs/cgroup" >/dev/null || return 1
  [ ! -e /run/silo/"$id" ] || fail "state dir left" || return 1
  return 0
}

# podman top of each: the pod's sandbox and a member each show their own
# processes on the /proc of their state pid's mount namespace (the monitor's
# process view, and the member's stand-in's), nothing of the other's.
test_pod_process_views () {
  pod_setup || return 1
  local id pid
  member_bundle "$T/m" sh -c 'sleep 2000 & exec sleep 2001'
  id=$(new_id); MEMBERS=$id
  (cd "$T/m" && "$VM" run -d "$id" </dev/null >"$T/m.out" 2>&1) || fail "member: $(cat "$T/m.out")" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  wait_for sh -c "[ -e /proc/$pid/root/proc/2/stat ]" \
    || fail "no process 2 in the member's view: $(ls /proc/$pid/root/proc 2>&1)" || return 1
  assert_eq "$(ls /proc/"$pid"/root/proc | tr '\n' ' ')" "1 2 self stat " "the member's /proc" || return 1
  assert_eq "$(tr '\0' ' ' < /proc/"$pid"/root/proc/1/cmdline)" "sleep 2001 " "member's 1" || return 1
  assert_eq "$(tr '\0' ' ' < /proc/"$pid"/root/proc/2/cmdline)" "sleep 2000 " "member's 2" || return 1
  assert_eq "$(ls /proc/"$POD_PID"/root/proc | tr '\n' ' ')" "1 self stat " "the pod's /proc" || return 1
  assert_eq "$(tr '\0' ' ' < /proc/"$POD_PID"/root/proc/1/cmdline)" "sleep 1000 " "pod's 1"
}

# The pod's sandbox deleted while a member runs: the member dies with it,
# as with runc, and its delete leaves nothing.
test_pod_delete_kills_members () {
  pod_setup || return 1
  local id pid
  member_bundle "$T/m" sleep 1000
  id=$(new_id); MEMBERS=$id
  (cd "$T/m" && "$VM" run -d "$id" </dev/null >"$T/r.out" 2>&1) || fail "run: $(cat "$T/r.out")" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  "$VM" delete -f "$POD" || return 1
  wait_for sh -c "! kill -0 $pid 2>/dev/null" || fail "the member's stand-in outlived its pod" || return 1
  assert_eq "$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" stopped || return 1
  "$VM" delete "$id" || return 1
  [ ! -e /run/silo/"$id" ] && [ ! -e /sys/fs/cgroup/pids/silo/"$id" ] || fail "left behind" || return 1
}

# A pod is one isolation domain: a container-mode container naming a
# sandbox's namespaces is refused, and so is a member that asks for a
# network of its own or memory the guest does not have.
test_pod_refusals () {
  pod_setup || return 1
  local out id
  member_bundle "$T/m" true
  id=$(new_id)
  out=$(cd "$T/m" && "$SILO" create "$id" 2>&1 </dev/null) && { "$SILO" delete -f "$id"; fail "container mode joined"; return 1; }
  assert_contains "$out" "joins pod \`$POD\`, which runs in sandbox mode: a pod is one isolation domain" || return 1
  [ ! -e /run/silo/"$id" ] || fail "state dir left" || return 1
  edit_config "$T/m" "c['linux']['resources'] = {'memory': {'limit': 64 << 30}}"
  out=$(create_must_fail "$T/m" "$id") || { fail "64 GiB member created"; return 1; }
  assert_contains "$out" "linux.resources.memory.limit: 68719476736 bytes do not fit the pod's guest" || return 1
  edit_config "$T/m" "
del c['linux']['resources']
for n in c['linux']['namespaces']:
    if n['type'] == 'network': del n['path']"
  out=$(create_must_fail "$T/m" "$id") || { fail "member with its own network created"; return 1; }
  assert_contains "$out" "network: a member of pod \`$POD\` shares its network namespace" || return 1
  [ ! -e /run/silo/"$id" ] || fail "state dir left" || return 1
}

# pause and resume of a member freeze its processes in the pod's guest
# (the pod's own container is paused with its whole VM, by the host).
test_pod_member_pause_resume () {
  pod_setup || return 1
  local id a b
  member_bundle "$T/m" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tick; sleep 0.1; done'
  edit_config "$T/m" "c['root']['readonly'] = False"
  id=$(new_id); MEMBERS=$id
  (cd "$T/m" && "$VM" run -d "$id" </dev/null >"$T/r.out" 2>&1) || fail "run: $(cat "$T/r.out")" || return 1
  wait_for test -s "$T/m/rootfs/tick" || fail "no ticks" || return 1
  "$VM" pause "$id" || return 1
  assert_eq "$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" paused || return 1
  a=$(cat "$T/m/rootfs/tick"); sleep 1; b=$(cat "$T/m/rootfs/tick")
  assert_eq "$b" "$a" "ticks while paused" || return 1
  assert_eq "$("$VM" exec "$POD" echo pod-runs)" pod-runs "the pod while its member is paused" || return 1
  "$VM" resume "$id" || return 1
  sleep 1
  [ "$(cat "$T/m/rootfs/tick")" != "$b" ] || fail "no ticks after resume" || return 1
  "$VM" delete -f "$id" || return 1
}

# CRI-O's shape of a pod: IPC and UTS namespaces pinned to files and the
# network namespace to /run/netns, named by path in the sandbox (infra)
# container's config and in each member's, with CRI-O's annotations. The
# infra's monitor joins the pinned namespaces (its guest's are the pod's),
# and the member is found by its annotations as by its paths.
crio_teardown () {
  pod_teardown_keep_t
  umount "$T/ipc" "$T/uts" "$T/ipc2" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$T"
}

test_pod_crio_pinned_namespaces () {
  backend_ready
  T=$(mktemp -d); POD=$(new_id); MEMBERS=""; NS=crio$$
  trap crio_teardown EXIT
  local id out
  touch "$T/ipc" "$T/uts"
  unshare --ipc="$T/ipc" --uts="$T/uts" true || fail "pin namespaces" || return 1
  ip netns add "$NS" || return 1
  local crio="
c.setdefault('annotations', {})['io.kubernetes.cri-o.SandboxID'] = '$POD'
paths = {'network': '/run/netns/$NS', 'ipc': '$T/ipc', 'uts': '$T/uts'}
for n in c['linux']['namespaces']:
    if n['type'] in paths: n['path'] = paths[n['type']]
c.pop('hostname', None)"
  make_vm_bundle "$T/pod" sleep 1000 || return 1
  edit_config "$T/pod" "$crio
c['annotations']['io.kubernetes.cri-o.ContainerType'] = 'sandbox'"
  (cd "$T/pod" && "$VM" run -d "$POD" </dev/null >"$T/pod.out" 2>&1) \
    || fail "infra: $(cat "$T/pod.out")" || return 1
  make_vm_bundle "$T/m" cat /proc/sys/kernel/random/boot_id || return 1
  edit_config "$T/m" "$crio
c['annotations']['io.kubernetes.cri-o.ContainerType'] = 'container'"
  id=$(new_id); MEMBERS=$id
  out=$(cd "$T/m" && "$VM" run "$id" 2>&1 </dev/null) || fail "member: $out" || return 1
  assert_eq "$out" "$("$VM" exec "$POD" cat /proc/sys/kernel/random/boot_id)" "the pod's guest" || return 1
  # a pinned namespace is a pod's only for a CRI pod sandbox: a lone
  # sandbox naming another is refused
  touch "$T/ipc2"
  unshare --ipc="$T/ipc2" true || return 1
  make_vm_bundle "$T/x" true || return 1
  edit_config "$T/x" "
for n in c['linux']['namespaces']:
    if n['type'] == 'ipc': n['path'] = '$T/ipc2'"
  out=$(create_must_fail "$T/x" "$(new_id)") || { fail "a lone sandbox joined a host IPC namespace"; return 1; }
  assert_contains "$out" "sandbox mode joins only a network namespace by path, not ipc" || return 1
}
