# The host-side processes of a sandbox (issue 11): the guest process (UML's
# process tree, or the VMM) is pivoted into a jail that holds the guest tree
# and little else, in a user namespace of its own, with no_new_privs, a
# seccomp allow list and only the file capabilities hostfs/9p need; the monitor
# keeps no capability once the guest runs; a guest root with every
# capability reaches no host file outside its tree.
# SILO_TEST_SANDBOX_BACKEND=uml (default) or kvm, as sandbox_vm.sh.
source "$TOP/tests/sandbox_lib.sh"

ALL_CAPS="CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE"

# A bundle for the backend under test whose process holds every capability.
make_jail_bundle () {
  local dir=$1; shift
  make_vm_bundle "$dir" "$@" || return 1
  edit_config "$dir" "caps = ['CAP_' + n for n in '''$ALL_CAPS'''.split()]
for k in ('bounding', 'effective', 'permitted', 'inheritable', 'ambient'):
    c['process']['capabilities'][k] = caps
c['root']['readonly'] = False"
}

jail_setup () {
  backend_ready
  T=$(mktemp -d)
  ID=$(new_id)
  S="$VM --root $T/state"
  trap '$S delete --force "$ID" >/dev/null 2>&1; rm -rf "$T"' EXIT
}

# Every host process of the sandbox but the monitor: UML's processes, or the
# VMM. Not kernel threads: KVM of Debian's 6.1 starts one per VM
# (kvm-nx-lpage-recovery) in the VMM's cgroup.
guest_pids () {
  local monitor=$1 p
  for p in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$p" != "$monitor" ] && grep -qs "/$ID\$" "/proc/$p/cgroup" \
      && [ "$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)" != 2 ] && echo "$p"
  done
}

test_guest_processes_are_confined () {
  jail_setup
  local monitor pids p st eff root host_user sigign sigblk
  make_jail_bundle "$T/b" sleep 100 || return 1
  (cd "$T/b" && $S run -d "$ID") || return 1
  monitor=$($S state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  pids=$(guest_pids "$monitor")
  [ -n "$pids" ] || fail "no guest process found in the container cgroup" || return 1
  host_user=$(readlink /proc/1/ns/user)
  for p in $pids; do
    st=/proc/$p/status
    [ -e "$st" ] || continue
    assert_eq "$(awk '/^Seccomp:/ {print $2}' $st)" "2" "Seccomp of $p" || return 1
    assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' $st)" "1" "NoNewPrivs of $p" || return 1
    # CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID at most, and
    # those of the process's own user namespace, not the host's
    eff=$((16#$(awk '/^CapEff:/ {print $2}' $st)))
    [ $((eff & ~0x1f)) -eq 0 ] || fail "CapEff of $p has more than file capabilities: $eff" || return 1
    [ "$(readlink /proc/$p/ns/user)" != "$host_user" ] \
      || fail "$p is in the host's user namespace" || return 1
    # the root: not the host's (readlink says "/" for any pivoted process,
    # as for a runc container's, so compare the directories themselves)
    root=$(stat -L -c %d:%i /proc/$p/root/) || return 1
    [ "$root" != "$(stat -c %d:%i /)" ] || fail "$p has the host's / as its root" || return 1
    [ -d /proc/$p/root/guest/rootfs/bin ] || fail "$p: no guest tree at /guest: $(ls /proc/$p/root)" || return 1
    [ ! -e /proc/$p/root/etc ] && [ ! -e /proc/$p/root/proc ] && [ ! -e /proc/$p/root/root ] \
      || fail "$p: host directories in its root: $(ls /proc/$p/root)" || return 1
    # signals: nothing of the monitor's ignored (SIGPIPE, SIGTTIN, SIGTTOU)
    # or blocked (SIGCHLD, SIGTERM) set reaches it
    sigign=$((16#$(awk '/^SigIgn:/ {print $2}' $st)))
    sigblk=$((16#$(awk '/^SigBlk:/ {print $2}' $st)))
    [ $((sigign & (1 << 12 | 1 << 20 | 1 << 21))) -eq 0 ] || fail "$p ignores $sigign" || return 1
    [ $((sigblk & (1 << 16 | 1 << 14))) -eq 0 ] || fail "$p blocks $sigblk" || return 1
  done
  # the monitor, once the guest runs: no capability at all, no_new_privs,
  # a seccomp filter (its own allow list)
  st=/proc/$monitor/status
  assert_eq "$(awk '/^Seccomp:/ {print $2}' $st)" "2" "Seccomp of the monitor" || return 1
  assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' $st)" "1" "NoNewPrivs of the monitor" || return 1
  assert_eq "$(awk '/^CapEff:/ {print $2}' $st)" "0000000000000000" "CapEff of the monitor" || return 1
  assert_eq "$(awk '/^CapBnd:/ {print $2}' $st)" "0000000000000000" "CapBnd of the monitor" || return 1
  # not root: the sandbox's own uid and gid (0x70000000 + its pid), no groups
  local id=$((0x70000000 + monitor))
  assert_eq "$(awk '/^Uid:/ {print $2, $3, $4, $5}' $st)" "$id $id $id $id" "uids of the monitor" || return 1
  assert_eq "$(awk '/^Gid:/ {print $2, $3, $4, $5}' $st)" "$id $id $id $id" "gids of the monitor" || return 1
  assert_eq "$(awk '/^Groups:/ {print $2}' $st)" "" "groups of the monitor" || return 1
  # and it still serves: exec, kill
  assert_eq "$($S exec "$ID" echo served)" "served" "exec after the monitor dropped its privileges"
}

# The guest's mount of the host side of its share: hostfs (UML) takes a
# host path under its prefix, 9p (kvm) an aname.
share_mount () {
  case "$BACKEND" in
    uml) echo 'mount -t hostfs none "$2" -o "$1"' ;;
    kvm) echo 'mount -t 9p -o trans=virtio,version=9p2000.L,aname="$1" silo-root "$2"' ;;
  esac
}

test_guest_root_reaches_no_host_file () {
  jail_setup
  local secret=jail-$RANDOM$RANDOM own=own-$RANDOM out
  m=$(mktemp -d /tmp/silo-jail-marker.XXXXXX) # global: the EXIT trap runs after the function
  trap '$S delete --force "$ID" >/dev/null 2>&1; rm -rf "$T" "$m"' EXIT
  echo "$secret" > "$m/secret"
  make_jail_bundle "$T/b" sh -c "
mnt () { $(share_mount) ; }
try () {
  umount /mnt/x 2>/dev/null; mkdir -p /mnt/x
  mnt \"\$1\" /mnt/x 2>/dev/null || { echo \"refused \$1\"; return; }
  echo \"mounted \$1\"
  for f in /mnt/x/secret /mnt/x$m/secret /mnt/x/tmp/${m#/tmp/}/secret /mnt/x/esc/secret \
      /mnt/x/esc2/secret /mnt/x/rootfs/esc/secret /mnt/x/rootfs/esc2/secret; do
    cat \$f 2>/dev/null
    echo pwned > \${f%/secret}/pwned 2>/dev/null
  done
  busybox find /mnt/x -maxdepth 7 -name secret 2>/dev/null | while read f; do cat \$f; done
}
for o in / /.. /../../../../../.. /../../../../../../tmp /../../../../../..$m $m /rootfs/../../.. \
    /rootfs/esc /rootfs/esc2 /esc /binds/../..; do
  try \"\$o\"
done
cat /esc/secret /esc2/secret 2>/dev/null
try /rootfs
# hostfs (UML) mounts the tree again (9p would ignore the aname); on kvm
# the virtio-9p tag is busy with the agent's mount (one mount per tag), so
# every mount above was refused and the guest's own root is the rootfs
d=/; for c in /mnt/x /mnt/x/rootfs; do [ -e \$c/own ] && d=\$c && break; done
echo \"OWN:\$(cat \$d/own)\"
echo from-guest > \$d/from-guest
umount /mnt/x 2>/dev/null; true" || return 1
  echo "$own" > "$T/b/rootfs/own"
  ln -s "$m" "$T/b/rootfs/esc"
  ln -s "../../../../../../../../..$m" "$T/b/rootfs/esc2"
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run failed: $out" || return 1
  case "$out" in *"$secret"*) fail "the guest read the host's marker: $out"; return 1 ;; esac
  assert_eq "$(ls "$m")" "secret" "the marker directory after the guest ran" || return 1
  assert_eq "$(cat "$m/secret")" "$secret" || return 1
  # its own tree still works
  assert_contains "$out" "OWN:$own" || return 1
  assert_eq "$(cat "$T/b/rootfs/from-guest")" "from-guest" || return 1
  $S delete "$ID" >/dev/null 2>&1
  true
}

# The user namespace maps every uid: guest root still owns the rootfs as
# host root does (chown to other uids, reads files of other uids).
test_guest_root_owns_rootfs_files () {
  jail_setup
  local out
  make_jail_bundle "$T/b" sh -c 'cat /other; touch /mine; chown 1234:2345 /mine; stat -c "%u:%g" /mine /other'
  echo "of-4321" > "$T/b/rootfs/other"
  chown 4321:4321 "$T/b/rootfs/other"
  chmod 0600 "$T/b/rootfs/other"
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run failed: $out" || return 1
  assert_contains "$out" "of-4321" || return 1
  assert_contains "$out" "1234:2345" || return 1
  assert_contains "$out" "4321:4321" || return 1
  assert_eq "$(stat -c %u:%g "$T/b/rootfs/mine")" "1234:2345" "owner on the host" || return 1
}

# Fail closed: an annotation that does not say what it should stops create
# with one line naming it, before anything runs.
run_fails_with () {
  local bin=$1 want=$2 err
  ! (cd "$T/b" && $bin run "$ID" </dev/null >/dev/null 2>"$T/err") || fail "run succeeded" || return 1
  err=$(cat "$T/err")
  assert_eq "$(wc -l < "$T/err")" 1 "error lines: [$err]" || return 1
  assert_contains "$err" "$want" || return 1
  [ -z "$($bin list -q 2>/dev/null)" ] || fail "a container remains: $($bin list)"
}

test_sandbox_annotation_typo_fails () {
  T=$(mktemp -d); ID=$(new_id)
  trap 'rm -rf "$T"' EXIT
  make_bundle "$T/b" true || return 1
  edit_config "$T/b" "c.setdefault('annotations', {})['silo.sandbox'] = 'vmm'"
  run_fails_with "$SILO --root $T/state" "silo.sandbox: \`vmm\` is not vm or container" || return 1
  edit_config "$T/b" "c['annotations']['silo.sandbox'] = 'container'"
  (cd "$T/b" && $SILO --root "$T/state" run "$ID" </dev/null) || fail "container run failed"
}

test_vm_kernel_outside_allowed_dirs_fails () {
  jail_setup
  local k
  mkdir -p "$T/k" "$T/allowed"
  cp /bin/true "$T/k/vmlinux"
  ln -s "$T/k/vmlinux" "$T/allowed/vmlinux"
  make_jail_bundle "$T/b" true || return 1
  edit_config "$T/b" "c['annotations']['silo.vm.kernel'] = '$T/k/vmlinux'"
  run_fails_with "$S" "silo.vm.kernel: \`$T/k/vmlinux\` is not a file in /usr/local/lib/silo" || return 1
  # a link in an allowed directory to a file outside it is outside
  edit_config "$T/b" "c['annotations']['silo.vm.kernel'] = '$T/allowed/vmlinux'"
  SILO_VM_KERNEL_DIRS=/nonexistent:$T/allowed run_fails_with "$S" "is not a file in" || return 1
  edit_config "$T/b" "c['annotations']['silo.vm.kernel'] = '$T/allowed/../k/vmlinux'"
  SILO_VM_KERNEL_DIRS=$T/allowed run_fails_with "$S" "is not a file in" || return 1
  # the admin's directory admits it (the uml backend then ignores it)
  [ "$BACKEND" = uml ] || return 0
  edit_config "$T/b" "c['annotations']['silo.vm.kernel'] = '$T/k/vmlinux'"
  (cd "$T/b" && SILO_VM_KERNEL_DIRS=$T/k $S run "$ID" </dev/null) || fail "run with an allowed kernel failed"
}

test_vm_ksm_annotation_checked () {
  jail_setup
  make_jail_bundle "$T/b" true || return 1
  edit_config "$T/b" "c['annotations']['silo.vm.ksm'] = 'yes'"
  run_fails_with "$S" "silo.vm.ksm: \`yes\` is not true or false"
}

# The guest process runs on its seccomp allow list (default kill): a
# workload that works hostfs/9p hard (tar, FIFOs, sockets' files, renames,
# modes, owners, links, truncation, a directory tree removed) and runs the
# guest out of memory leaves the guest process alive and its status intact.
test_guest_process_allow_list_holds_under_load () {
  jail_setup
  local out
  make_jail_bundle "$T/b" sh -c '
set -e
cd /tmp && mkdir -p w/a/b && cd w
for i in 1 2 3 4 5 6 7 8; do dd if=/dev/zero of=a/b/f$i bs=64k count=4 2>/dev/null; done
tar cf ../w.tar . && mkdir ../x && tar xf ../w.tar -C ../x
mkfifo p && (echo through-fifo > p &) && cat p
mv a/b/f1 a/f1 && ln a/f1 hard && ln -s a/f1 soft && readlink soft
chmod 4750 a/f1 && chown 12:34 a/f1 && stat -c "%a %u:%g" a/f1
truncate -s 1 a/f2 2>/dev/null || : > a/f2
touch -d 2001-01-01 a/f2 && sync
ls -la . > /dev/null && cd .. && rm -rf w x w.tar
mknod /tmp/dev c 1 3 2>/dev/null && echo mknod-allowed || echo mknod-refused
# a guest OOM: the guest kernel kills the hog, the host side goes on
busybox head -c 600000000 /dev/zero | busybox tail -c 590000000 >/dev/null 2>&1 || echo oom-killed
echo done-all'
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run failed: $out" || return 1
  assert_contains "$out" "through-fifo" || return 1
  assert_contains "$out" "750 12:34" || return 1 # chown clears the set-user-ID bit
  assert_contains "$out" "mknod-refused" || return 1
  assert_contains "$out" "oom-killed" || return 1
  assert_contains "$out" "done-all" || return 1
  case "$out" in *seccomp*) fail "seccomp in the output: $out"; return 1 ;; esac
}

# A syscall outside the guest process's allow list kills it (seccomp, with
# SIGSYS) and the sandbox fails loudly: run's error names seccomp and the
# process. The call (unshare of a user namespace) is injected with ptrace
# into the running guest process, UML's kernel process or the VMM, as an
# escape from the guest would make it there.
test_forbidden_syscall_kills_the_sandbox_loudly () {
  jail_setup
  command -v cc >/dev/null || skip "no C compiler for the injector"
  cc -O2 -o "$T/inject" "$TOP/tests/helpers/inject_syscall.c" || fail "build the injector" || return 1
  make_jail_bundle "$T/b" sleep 100 || return 1
  local runner monitor guest out rc p
  (cd "$T/b" && exec $S run "$ID" >"$T/out" 2>&1 </dev/null) &
  runner=$!
  wait_up_to 60 sh -c "$S state $ID | grep -q '\"running\"'" \
    || fail "not running: $(cat "$T/out")" || return 1
  monitor=$($S state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  # the monitor's child: UML's kernel process, or the VMM
  guest=$(for p in $(guest_pids "$monitor"); do
            [ "$(awk '/^PPid:/ {print $2}' "/proc/$p/status")" = "$monitor" ] && echo "$p"
          done | head -1)
  [ -n "$guest" ] || fail "no guest process under monitor $monitor" || return 1
  out=$("$T/inject" "$guest" 272 0x10000000) || fail "inject: $out" || return 1
  assert_eq "$out" "killed by signal 31" "the guest process" || return 1
  wait "$runner"; rc=$?
  [ "$rc" -ne 0 ] || fail "run exited 0: $(cat "$T/out")" || return 1
  assert_contains "$(cat "$T/out")" "was killed by seccomp (SIGSYS): a syscall outside its allow list"
}
