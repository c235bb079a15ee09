# Container mode, config.json seen from outside (issue #2): hostname, root,
# mounts, masked/read-only paths, devices, namespaces, sysctl.
source "$TOP/tests/container_lib.sh"

# The mountinfo line of mount point $2 in process $1 (the topmost one).
mnt_line () {
  awk -v d="$2" '$5 == d' "/proc/$1/mountinfo" | tail -1
}

add_mount () {
  edit_config "$T/b" "c['mounts'].append($1)"
}

test_hostname_and_domainname () {
  setup sh -c 'hostname; cat /proc/sys/kernel/domainname'
  edit_config "$T/b" "c['hostname'] = 'box1'; c['domainname'] = 'dom.example'"
  out=$(run_fg | tr '\n' ' ')
  assert_eq "$out" "box1 dom.example " || return 1
  [ "$(hostname)" != box1 ] || fail "host hostname changed"
}

test_root_readonly () {
  setup sh -c 'touch /x 2>&1; echo rc=$?'
  out=$(run_fg)
  assert_contains "$out" "Read-only file system" || return 1
  assert_contains "$out" "rc=1" || return 1
  [ ! -e "$T/b/rootfs/x" ] || fail "file written to a read-only root" || return 1
  edit_config "$T/b" "c['root']['readonly'] = False"
  run_fg >/dev/null || return 1
  [ -e "$T/b/rootfs/x" ] || fail "writable root: no file"
}

test_bind_mounts_ro_and_rw () {
  setup sh -c 'echo a > /rw/f; (echo b > /ro/f) 2>/dev/null && echo wrote-ro; cat /ro/data; sleep 100'
  mkdir -p "$T/rw" "$T/ro"; echo host-data > "$T/ro/data"
  add_mount "{'destination': '/rw', 'type': 'bind', 'source': '$T/rw', 'options': ['rbind', 'rw']}"
  add_mount "{'destination': '/ro', 'type': 'bind', 'source': '$T/ro', 'options': ['rbind', 'ro']}"
  run_d "$ID" || return 1
  wait_for test -s "$T/rw/f" || fail "rw bind not written" || return 1
  sleep 0.2
  [ ! -e "$T/ro/f" ] || fail "ro bind written" || return 1
  pid=$(cpid)
  mnt_line "$pid" /ro | awk '{print $6}' | grep -q '^ro' || fail "ro: $(mnt_line "$pid" /ro)" || return 1
  mnt_line "$pid" /rw | awk '{print $6}' | grep -q '^rw' || fail "rw: $(mnt_line "$pid" /rw)" || return 1
  assert_eq "$(cat "$T/run-d.out")" "host-data"
}

test_tmpfs_size_mode_and_flags () {
  setup sleep 100
  add_mount "{'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=1770']}"
  run_d "$ID" || return 1
  line=$(mnt_line "$(cpid)" /scratch)
  assert_contains "$line" " - tmpfs " || return 1
  assert_contains "$line" "size=1024k" || return 1
  assert_contains "$line" "mode=1770" || return 1
  opts=$(echo "$line" | awk '{print $6}')
  for o in nosuid nodev noexec; do
    assert_contains "$opts" "$o" || return 1
  done
  assert_eq "$($S exec "$ID" stat -c %a /scratch)" "1770"
}

test_standard_filesystems () {
  setup sleep 100
  run_d "$ID" || return 1
  pid=$(cpid)
  for m in /proc:proc /sys:sysfs /dev/pts:devpts /dev/mqueue:mqueue /dev/shm:tmpfs /dev:tmpfs; do
    line=$(mnt_line "$pid" "${m%%:*}")
    assert_contains "$line" " - ${m#*:} " || return 1
  done
  # sysfs from the default spec is read-only
  mnt_line "$pid" /sys | awk '{print $6}' | grep -q '^ro' || fail "sysfs not ro"
}

test_cgroup_mount_is_the_containers_own () {
  setup sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; grep -c ":/$" /proc/self/cgroup'
  edit_config "$T/b" "c['linux']['resources']['pids'] = {'limit': 33}"
  out=$(run_fg | tr '\n' ' ')
  # pids.max of its own cgroup; with a cgroup namespace every line ends at /
  want=$(grep -c . /proc/self/cgroup)
  assert_eq "$out" "33 $want "
}

test_mount_propagation () {
  setup sleep 100
  mkdir -p "$T/shared" "$T/private"
  add_mount "{'destination': '/shared', 'type': 'bind', 'source': '$T/shared', 'options': ['rbind', 'rshared']}"
  add_mount "{'destination': '/private', 'type': 'bind', 'source': '$T/private', 'options': ['rbind', 'rprivate']}"
  run_d "$ID" || return 1
  pid=$(cpid)
  mnt_line "$pid" /shared | grep -q ' shared:' || fail "/shared: $(mnt_line "$pid" /shared)" || return 1
  mnt_line "$pid" /private | grep -Eq ' (shared|master):' \
    && fail "/private: $(mnt_line "$pid" /private)" || return 0
}

test_masked_paths () {
  setup sh -c 'wc -c < /proc/keys; ls /sys/firmware | wc -l; cat /etc/secret; echo end'
  echo top-secret > "$T/b/rootfs/etc/secret"
  edit_config "$T/b" "c['linux']['maskedPaths'].append('/etc/secret')"
  out=$(run_fg | tr '\n' ' ')
  assert_eq "$out" "0 0 end "
}

test_readonly_paths () {
  setup sh -c '(echo 1 > /proc/sys/kernel/ns_last_pid) 2>&1; (echo x > /data/f) 2>&1; echo end'
  mkdir -p "$T/b/rootfs/data"
  edit_config "$T/b" "c['root']['readonly'] = False; c['linux']['readonlyPaths'].append('/data')"
  out=$(run_fg)
  [ "$(echo "$out" | grep -c 'Read-only file system')" = 2 ] || fail "got: $out" || return 1
  [ ! -e "$T/b/rootfs/data/f" ] || fail "wrote into a read-only path"
}

test_default_devices () {
  setup sh -c 'for d in null zero full random urandom tty; do stat -c "%n %t:%T %F" /dev/$d; done
for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done; echo x > /dev/null && echo ok'
  out=$(run_fg)
  want="/dev/null 1:3 character special file
/dev/zero 1:5 character special file
/dev/full 1:7 character special file
/dev/random 1:8 character special file
/dev/urandom 1:9 character special file
/dev/tty 5:0 character special file
pts/ptmx
/proc/self/fd
/proc/self/fd/0
/proc/self/fd/1
/proc/self/fd/2
ok"
  assert_eq "$out" "$want"
}

test_linux_devices_adds_a_device () {
  setup stat -c '%t:%T %a %u:%g %F' /dev/mydev /dev/blk
  edit_config "$T/b" "c['linux']['devices'] = [
  {'path': '/dev/mydev', 'type': 'c', 'major': 1, 'minor': 5, 'fileMode': 0o600, 'uid': 0, 'gid': 0},
  {'path': '/dev/blk', 'type': 'b', 'major': 7, 'minor': 0}]"
  out=$(run_fg)
  assert_eq "$out" "1:5 600 0:0 character special file
7:0 666 0:0 block special file"
}

# A device path with trailing slashes names the node without them (runc
# cleans it); "/" is refused.
test_device_path_trailing_slash () {
  setup stat -c '%t:%T %F' /dev/mydev
  edit_config "$T/b" "c['linux']['devices'] = [{'path': '/dev/mydev//', 'type': 'c', 'major': 1, 'minor': 5}]"
  assert_eq "$(run_fg)" "1:5 character special file" || return 1
  edit_config "$T/b" "c['linux']['devices'] = [{'path': '//', 'type': 'c', 'major': 1, 'minor': 5}]"
  (cd "$T/b" && expect_fail 'linux.devices[0].path: "/" is not a device path' $S run "$ID") || return 1
  assert_nothing_left "$ID"
}

test_default_namespaces_are_new () {
  setup sleep 100
  run_d "$ID" || return 1
  pid=$(cpid)
  for ns in pid net ipc uts mnt cgroup; do
    [ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] \
      || fail "$ns namespace is the host's" || return 1
  done
  # no user or time namespace was asked for
  for ns in user time; do
    assert_eq "$(readlink /proc/$pid/ns/$ns)" "$(readlink /proc/self/ns/$ns)" "$ns" || return 1
  done
}

test_user_namespace_with_mappings () {
  setup sh -c 'id -u; cat /proc/self/uid_map; sleep 100'
  chmod 755 "$T"  # the bundle must be reachable by the mapped root
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]"
  run_d "$ID" || return 1
  pid=$(cpid)
  [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ] || fail "same userns" || return 1
  assert_eq "$(awk '{print $1, $2, $3}' /proc/$pid/uid_map)" "0 100000 65536" || return 1
  assert_eq "$(awk '{print $1, $2, $3}' /proc/$pid/gid_map)" "0 200000 65536" || return 1
  # seen from the host, the container's root is uid 100000
  assert_eq "$(proc_status "$pid" Uid | awk '{print $1}')" 100000 || return 1
  wait_for grep -q 100000 "$T/run-d.out" || fail "output: $(cat "$T/run-d.out")" || return 1
  assert_eq "$(head -1 "$T/run-d.out")" 0
}

test_time_namespace_offsets () {
  setup sh -c 'cut -d. -f1 /proc/uptime; sleep 100'
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'time'})
c['linux']['timeOffsets'] = {'monotonic': {'secs': 864000}, 'boottime': {'secs': 864000, 'nanosecs': 5}}"
  run_d "$ID" || return 1
  pid=$(cpid)
  [ "$(readlink /proc/$pid/ns/time)" != "$(readlink /proc/self/ns/time)" ] || fail "same timens" || return 1
  assert_contains "$(cat /proc/$pid/timens_offsets)" "monotonic      864000         0" || return 1
  host_up=$(cut -d. -f1 /proc/uptime)
  wait_for test -s "$T/run-d.out"
  up=$(head -1 "$T/run-d.out")
  [ "$up" -ge $((host_up + 864000 - 5)) ] || fail "uptime $up, host $host_up"
}

test_join_namespaces_by_path () {
  setup sleep 100
  unshare --net --uts sleep 100 &
  BG_PIDS=$!
  wait_for sh -c "[ \$(readlink /proc/$BG_PIDS/ns/net) != $(readlink /proc/self/ns/net) ]" || return 1
  run_d "$ID" || return 1
  first=$(cpid)
  # the second container joins the first's network and the unshared uts
  edit_config "$T/b" "
for n in c['linux']['namespaces']:
    if n['type'] == 'network': n['path'] = '/proc/$first/ns/net'
    if n['type'] == 'uts': n['path'] = '/proc/$BG_PIDS/ns/uts'
c['hostname'] = ''"
  run_d "$ID-2" || return 1
  second=$(cpid "$ID-2")
  assert_eq "$(readlink /proc/$second/ns/net)" "$(readlink /proc/$first/ns/net)" net || return 1
  assert_eq "$(readlink /proc/$second/ns/uts)" "$(readlink /proc/$BG_PIDS/ns/uts)" uts || return 1
  [ "$(readlink /proc/$second/ns/ipc)" != "$(readlink /proc/$first/ns/ipc)" ] || fail "ipc joined"
}

test_sysctl_in_new_namespaces () {
  setup cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced
  edit_config "$T/b" "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '0', 'kernel.shm_rmid_forced': '1'}"
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward) host_shm=$(cat /proc/sys/kernel/shm_rmid_forced)
  out=$(run_fg 2>&1 | tr '\n' ' ')
  assert_eq "$out" "0 1 " || return 1
  edit_config "$T/b" "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}"
  assert_eq "$(run_fg 2>&1 | head -1)" "1" || return 1
  assert_eq "$(cat /proc/sys/net/ipv4/ip_forward):$(cat /proc/sys/kernel/shm_rmid_forced)" \
    "$host_fwd:$host_shm" "host sysctls changed"
}

# Issue 10: sysctls outside the container's namespaces would change the
# host; they are refused before anything is made, and the host keeps its
# values.
test_host_wide_sysctls_refused () {
  local key before after
  setup true
  for key in vm.swappiness kernel.core_pattern vm.drop_caches; do
    before=$(cat "/proc/sys/${key//.//}" 2>/dev/null)
    edit_config "$T/b" "c['linux']['sysctl'] = {'$key': '37'}"
    (cd "$T/b" && expect_fail "linux.sysctl: \"$key\" is not in a separate kernel namespace" \
      $S run "$ID") || return 1
    assert_nothing_left "$ID" || return 1
    after=$(cat "/proc/sys/${key//.//}" 2>/dev/null)
    assert_eq "$after" "$before" "host $key" || return 1
  done
}

test_net_sysctl_needs_a_network_namespace () {
  setup cat /proc/sys/net/ipv4/ip_forward
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  want=$((1 - host))
  # In its own network namespace, in either spelling of the key.
  for key in net.ipv4.ip_forward net/ipv4/ip_forward; do
    edit_config "$T/b" "c['linux']['sysctl'] = {'$key': '$want'}"
    assert_eq "$(run_fg 2>&1)" "$want" "$key in a netns" || return 1
  done
  edit_config "$T/b" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
  (cd "$T/b" && expect_fail "linux.sysctl: \"net/ipv4/ip_forward\" needs a network namespace" \
    $S run "$ID") || return 1
  # Joining silo's own network namespace by path is the host's as well.
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'network', 'path': '/proc/self/ns/net'})"
  (cd "$T/b" && expect_fail "needs a network namespace" $S run "$ID") || return 1
  assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host" "host ip_forward"
}

test_masked_path_dangling_symlink_is_ignored () {
  setup sh -c 'cat /etc/secret; echo end'
  ln -s /no/such/file "$T/b/rootfs/etc/dangling"
  mkdir "$T/b/rootfs/secretdir"; echo s > "$T/b/rootfs/secretdir/f"
  ln -s /secretdir "$T/b/rootfs/etc/secret-link"
  echo top-secret > "$T/b/rootfs/etc/secret"
  edit_config "$T/b" "c['linux']['maskedPaths'] += ['/etc/dangling', '/etc/secret', '/etc/secret-link']"
  assert_eq "$(run_fg 2>&1 | tr '\n' ' ')" "end "
}

# LSM labels on a host where AppArmor and SELinux are not enabled: refused
# before anything is made, in both modes, as runc and crun refuse them
# (later: they fail in the container's init), never ignored.
test_lsm_labels_refused_where_not_enabled () {
  setup sh -c 'echo ran'
  [ -e /sys/kernel/security/apparmor ] && skip "AppArmor is enabled here"
  [ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
  local field value expr out vm
  vm="$(dirname "$SILO")/silo-vm --root $T/state"
  while IFS='|' read -r field expr value; do
    cp "$T/b/config.json" "$T/config.orig"
    edit_config "$T/b" "$expr = '$value'"
    out=$(cd "$T/b" && $S run "$ID" 2>&1) && fail "$field: accepted" && return 1
    assert_contains "$out" "$field \`$value\`: " || return 1
    assert_contains "$out" "is not enabled on this host" || return 1
    assert_nothing_left "$ID" || return 1
    if command -v runc >/dev/null; then
      ! (cd "$T/b" && runc --root "$T/runc" run "$ID-runc" >/dev/null 2>&1) \
        || fail "$field: runc accepts it" || return 1
    fi
    out=$(cd "$T/b" && $vm run "$ID-vm" 2>&1) && fail "$field: accepted in sandbox mode" && return 1
    assert_contains "$out" "is not enabled on this host" || return 1
    cp "$T/config.orig" "$T/b/config.json"
  done <<'CASES'
process.apparmorProfile|c['process']['apparmorProfile']|silo-test-profile
process.selinuxLabel|c['process']['selinuxLabel']|system_u:system_r:container_t:s0
linux.mountLabel|c['linux']['mountLabel']|system_u:object_r:container_file_t:s0
CASES
}

# linux.rootfsPropagation: every value runs (shared failed in pivot_root),
# and the container's root mount carries it, as crun gives it.
test_rootfs_propagation_values () {
  setup sh -c 'awk '"'"'$5 == "/"'"'"' /proc/self/mountinfo | tail -1'
  local v out
  for v in shared slave private unbindable; do
    edit_config "$T/b" "c['linux']['rootfsPropagation'] = '$v'"
    out=$(cd "$T/b" && $S run "$ID-$v" 2>&1) || fail "$v: $out" || return 1
    case "$v" in
      shared) assert_contains "$out" " shared:" "$v" || return 1 ;;
      unbindable) assert_contains "$out" " unbindable " "$v" || return 1 ;;
      *) case "$out" in *" shared:"*) fail "$v: root is shared: $out"; return 1 ;; esac ;;
    esac
  done
}

# A tmpfs mount without mode= keeps the mode of the directory it covers
# (runc), a read-only one too; with mode= it has that mode (crun; runc
# 1.1 forces the covered mode even then, so it is left out of the
# comparison).
test_tmpfs_keeps_covered_mode () {
  setup sh -c 'stat -c "%a" /data /rodata /moded'
  mkdir -p "$T/b/rootfs/data" "$T/b/rootfs/moded" "$T/b/rootfs/rodata"
  chmod 0750 "$T/b/rootfs/data"; chmod 0700 "$T/b/rootfs/moded" "$T/b/rootfs/rodata"
  add_mount "{'destination': '/data', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid']}"
  add_mount "{'destination': '/moded', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['mode=1777']}"
  add_mount "{'destination': '/rodata', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['ro']}"
  local out ref
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run: $out" || return 1
  if command -v runc >/dev/null; then
    ref=$(cd "$T/b" && runc --root "$T/runc" run "$ID-runc" 2>&1)
    assert_eq "$(echo "$out" | head -2)" "$(echo "$ref" | head -2)" "silo vs runc" || return 1
  fi
  assert_eq "$(echo $out)" "750 700 1777"
}

# crun in a private mount namespace without cgroup2's hybrid mount (crun
# 1.8 refuses hybrid hosts otherwise): the reference for what runc 1.1
# does not know. Prints its output; skips the comparison when absent.
crun_ref () {
  command -v crun >/dev/null || return 0
  (cd "$T/b" && unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null;
    exec crun --root "$1" run "$2"' sh "$T/crun" "$ID-crun" 2>&1)
}

# idmapped_src DIR: a directory and its file f, both owned by 1000:1000.
idmapped_src () {
  mkdir -p "$1" && echo data > "$1/f" && chown -R 1000:1000 "$1"
  need_idmap "$1"
}

# Mount uidMappings/gidMappings (runtime-spec 1.2): owners are seen through
# the mapping (1000 -> 2000 / 3000), a file the container's 2000:3000
# creates is 1000:1000 on disk; as crun 1.8 gives it (runc 1.1 ignores
# the fields).
test_idmapped_bind_mount () {
  setup sh -c 'stat -c "%u:%g" /m /m/f; touch /m/new'
  idmapped_src "$T/src"
  add_mount "{'destination': '/m', 'type': 'bind', 'source': '$T/src', 'options': ['bind'],
    'uidMappings': [{'containerID': 1000, 'hostID': 2000, 'size': 1}],
    'gidMappings': [{'containerID': 1000, 'hostID': 3000, 'size': 1}]}"
  edit_config "$T/b" "c['process']['user'] = {'uid': 2000, 'gid': 3000}"
  local out ref
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run: $out" || return 1
  assert_eq "$(echo $out)" "2000:3000 2000:3000" || return 1
  assert_eq "$(stat -c %u:%g "$T/src/new")" "1000:1000" "on disk" || return 1
  rm -f "$T/src/new"
  ref=$(crun_ref)
  [ -z "$ref" ] || assert_eq "$(echo $ref)" "$(echo $out)" "silo vs crun"
}

# idmap maps only the bind's own mount, ridmap the mounts below it too.
test_idmap_and_ridmap () {
  setup sh -c 'stat -c %u /m/f /m/sub/f'
  idmapped_src "$T/src"; idmapped_src "$T/other"
  mkdir "$T/src/sub" && mount --bind "$T/other" "$T/src/sub" || return 1
  local opt out
  for opt in idmap ridmap; do
    edit_config "$T/b" "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/m']
c['mounts'].append({'destination': '/m', 'type': 'bind', 'source': '$T/src', 'options': ['rbind', '$opt'],
  'uidMappings': [{'containerID': 1000, 'hostID': 2000, 'size': 1}],
  'gidMappings': [{'containerID': 1000, 'hostID': 3000, 'size': 1}]})"
    out=$(cd "$T/b" && $S run "$ID-$opt" 2>&1) || fail "$opt: $out" || return 1
    case $opt in
      idmap) assert_eq "$(echo $out)" "2000 1000" "$opt" || return 1 ;;
      ridmap) assert_eq "$(echo $out)" "2000 2000" "$opt" || return 1 ;;
    esac
  done
}

# The idmap option alone takes the container's user namespace mappings:
# the host's root-owned directory is the container's root's, not nobody's.
test_idmap_takes_the_user_namespace_mappings () {
  setup sh -c 'stat -c %u:%g /m /plain'
  chmod 755 "$T"
  mkdir "$T/src" "$T/b/rootfs/m" "$T/b/rootfs/plain"
  need_idmap "$T/src"
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
  add_mount "{'destination': '/m', 'type': 'bind', 'source': '$T/src', 'options': ['rbind', 'idmap']}"
  add_mount "{'destination': '/plain', 'type': 'bind', 'source': '$T/src', 'options': ['rbind']}"
  local out ref
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run: $out" || return 1
  assert_eq "$(echo $out)" "0:0 65534:65534" || return 1
  ref=$(crun_ref)
  [ -z "$ref" ] || assert_eq "$(echo $ref)" "$(echo $out)" "silo vs crun"
}

# With a user namespace, a bind source below a directory only the host's
# root may search is still mounted: silo takes it before the namespace
# exists, as runc and crun do.
test_userns_bind_source_under_root_only_dir () {
  setup cat /m/f
  chmod 755 "$T"
  mkdir -p "$T/b/rootfs/m" "$T/locked/sub" && chmod 700 "$T/locked" && echo secret-ok > "$T/locked/sub/f"
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
  add_mount "{'destination': '/m', 'type': 'bind', 'source': '$T/locked/sub', 'options': ['bind', 'ro']}"
  local out ref
  out=$(cd "$T/b" && $S run "$ID" 2>&1)
  assert_eq "$out" "secret-ok" || return 1
  if command -v runc >/dev/null; then
    ref=$(cd "$T/b" && runc --root "$T/runc" run "$ID-runc" 2>&1)
    assert_eq "$ref" "$out" "silo vs runc" || return 1
  fi
}

# A relative bind source names a path in the bundle (runtime-spec), in
# both modes, whatever directory silo is called from.
test_relative_bind_source_is_in_the_bundle () {
  setup cat /m/f
  mkdir "$T/b/data" && echo in-bundle > "$T/b/data/f"
  add_mount "{'destination': '/m', 'type': 'bind', 'source': 'data', 'options': ['bind']}"
  local out
  out=$(cd / && $S run --bundle "$T/b" "$ID" 2>&1)
  assert_eq "$out" "in-bundle"
}

# Idmapped mounts that cannot be made are refused at create, one line
# naming the mount, nothing left behind.
test_idmapped_mount_refusals () {
  setup true
  local edit want
  while IFS='|' read -r edit want; do
    edit_config "$T/b" "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/m']
$edit"
    (cd "$T/b" && expect_fail "$want" $S run "$ID") || return 1
    assert_nothing_left "$ID" || return 1
  done <<EOF_CASES
c['mounts'].append({'destination': '/m', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['idmap']})|mounts[7].options: an idmapped mount must be a bind mount
c['mounts'].append({'destination': '/m', 'type': 'bind', 'source': '/tmp', 'options': ['bind'], 'uidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}]})|mounts[7]: uidMappings and gidMappings go together
c['mounts'].append({'destination': '/m', 'type': 'bind', 'source': '/tmp', 'options': ['bind', 'idmap']})|mounts[7]: idmap without uidMappings/gidMappings needs a new user namespace
c['mounts'].append({'destination': '/m', 'type': 'bind', 'source': '/proc', 'options': ['bind'], 'uidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}], 'gidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}]})|mounts[7]: idmap \`/proc\`
EOF_CASES
}

# A config without a mount namespace runs as runc runs it, entered with
# chroot, in the host's mount namespace; what runc would mount there (and
# leave behind) is refused instead, one line naming the field, nothing
# left; the host's mount table is the same after.
test_no_mount_namespace () {
  setup sh -c 'ls /; sleep 100'
  edit_config "$T/b" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'mount']
c['linux']['maskedPaths'] = []; c['linux']['readonlyPaths'] = []"
  local before pid
  before=$(wc -l < /proc/self/mountinfo)
  (cd "$T/b" && expect_fail "config.json: mounts: without a mount namespace in linux.namespaces" \
    $S run "$ID") || return 1
  assert_nothing_left "$ID" || return 1
  edit_config "$T/b" "c['mounts'] = []"
  (cd "$T/b" && expect_fail "config.json: root.readonly: without a mount namespace" $S run "$ID") \
    || return 1
  edit_config "$T/b" "c['root']['readonly'] = False"
  run_d "$ID" || return 1
  pid=$(cpid)
  assert_eq "$(readlink /proc/$pid/ns/mnt)" "$(readlink /proc/self/ns/mnt)" "mount namespace" \
    || return 1
  assert_eq "$(readlink /proc/$pid/root)" "$T/b/rootfs" "root" || return 1
  wait_for grep -q tmp "$T/run-d.out" || fail "output: $(cat "$T/run-d.out")" || return 1
  assert_eq "$(echo $(cat "$T/run-d.out"))" "bin dev etc proc root sys tmp" || return 1
  $S delete --force "$ID" || return 1
  assert_eq "$(wc -l < /proc/self/mountinfo)" "$before" "host mount table"
}

# Recursive mount options (runtime-spec 1.1): rro makes the bind and every
# mount below it read-only, where ro leaves the mounts below as they are;
# as crun 1.8 gives it (runc 1.1 has neither). An option a bind cannot
# take is refused, never dropped.
test_recursive_mount_options () {
  setup sh -c "awk '\$5 ~ /^\/m/ {print \$5, substr(\$6, 1, 2)}' /proc/self/mountinfo"
  mkdir -p "$T/src/sub" "$T/other"
  mount --bind "$T/other" "$T/src/sub" || return 1
  local opt out ref
  for opt in ro rro; do
    edit_config "$T/b" "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/m']
c['mounts'].append({'destination': '/m', 'type': 'bind', 'source': '$T/src', 'options': ['rbind', '$opt']})"
    out=$(cd "$T/b" && $S run "$ID-$opt" 2>&1) || fail "$opt: $out" || return 1
    case $opt in
      ro) assert_eq "$(echo $out)" "/m ro /m/sub rw" "$opt" || return 1 ;;
      rro) assert_eq "$(echo $out)" "/m ro /m/sub ro" "$opt" || return 1 ;;
    esac
    ref=$(crun_ref)
    [ -z "$ref" ] || assert_eq "$(echo $ref)" "$(echo $out)" "$opt: silo vs crun" || return 1
  done
  umount "$T/src/sub"
  edit_config "$T/b" "c['mounts'][-1]['options'] = ['rbind', 'src-nofollow']"
  (cd "$T/b" && expect_fail 'mounts[7].options: "src-nofollow": not an option silo knows for a bind mount' \
    $S run "$ID") || return 1
  assert_nothing_left "$ID"
}
