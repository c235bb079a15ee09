# Container mode, failures (issue #2): each gives one line naming the field
# or path, a non-zero exit, and leaves nothing behind (state entry, cgroup
# in any hierarchy, mount, process).
source "$TOP/tests/container_lib.sh"

# Both create and run must fail with a line containing $1 and leave nothing.
create_and_run_fail () {
  (cd "$T/b" && expect_fail "$1" $S create "$ID") || return 1
  assert_nothing_left "$ID" || return 1
  (cd "$T/b" && expect_fail "$1" $S run "$ID") || return 1
  assert_nothing_left "$ID"
}

test_config_syntax_error () {
  setup true
  printf '{"ociVersion": "1.0.2", "process": {\n  "args": ["true"],,\n}\n' > "$T/b/config.json"
  create_and_run_fail "config.json" || return 1
  out=$(cd "$T/b" && $S create "$ID" 2>&1)
  assert_contains "$out" "line 2"
}

test_missing_process () {
  setup true
  edit_config "$T/b" "del c['process']"
  create_and_run_fail "process"
}

test_empty_args () {
  setup true
  edit_config "$T/b" "c['process']['args'] = []"
  create_and_run_fail "process.args"
}

test_unknown_namespace_type () {
  setup true
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'bogus'})"
  create_and_run_fail "linux.namespaces"
  out=$(cd "$T/b" && $S create "$ID" 2>&1)
  assert_contains "$out" "bogus"
}

test_mount_without_destination () {
  setup true
  edit_config "$T/b" "c['mounts'].append({'type': 'tmpfs', 'source': 'tmpfs'})"
  create_and_run_fail "mounts[7]" || return 1
  out=$(cd "$T/b" && $S create "$ID" 2>&1)
  assert_contains "$out" "destination"
}

test_missing_rootfs () {
  setup true
  rm -rf "$T/b/rootfs"
  create_and_run_fail "root.path"
}

test_program_not_in_path () {
  setup no-such-program
  create_and_run_fail "no-such-program" || return 1
  set_args "$T/b" /bin/no-such-program
  create_and_run_fail "process.args[0]"
}

test_failure_late_in_setup_leaves_nothing () {
  # Fails after namespaces, cgroup and mounts exist: in the sysctl step.
  setup true
  edit_config "$T/b" "c['linux']['sysctl'] = {'net.no.such.key': '1'}"
  create_and_run_fail "linux.sysctl"
}

test_unknown_container_id () {
  setup true
  mkdir -p "$T/state"
  expect_fail "does not exist" $S start "$ID" || return 1
  expect_fail "does not exist" $S state "$ID" || return 1
  expect_fail "does not exist" $S kill "$ID" KILL || return 1
  expect_fail "does not exist" $S delete "$ID" || return 1
  expect_fail "does not exist" $S exec "$ID" true || return 1
  out=$($S state "$ID" 2>&1)
  assert_contains "$out" "$ID" || return 1
  # runc: delete --force of a missing container succeeds
  $S delete --force "$ID"
}

test_duplicate_id () {
  setup sleep 100
  create_c "$ID" || return 1
  pid=$(cpid)
  (cd "$T/b" && expect_fail "already exists" $S create "$ID") || return 1
  # the first container is untouched
  assert_eq "$(state_of "$ID" status)" created || return 1
  assert_eq "$(cpid)" "$pid" || return 1
  $S delete --force "$ID" || return 1
  assert_nothing_left "$ID"
}

# A create killed before it wrote state.json leaves its directory and the
# id stays taken; plain delete refuses, --force removes it (as crun does).
test_delete_force_removes_leftover_dir () {
  setup true
  mkdir -p "$T/state/$ID"
  : > "$T/state/$ID/notify.sock"
  # Listed as creating (a create killed before its first write, or one at
  # work): only --force removes it.
  assert_eq "$(state_of "$ID" status)" creating || return 1
  expect_fail "is creating: use --force" $S delete "$ID" || return 1
  [ -d "$T/state/$ID" ] || fail "plain delete removed $T/state/$ID" || return 1
  $S delete --force "$ID" || fail "delete --force exited $?" || return 1
  [ ! -e "$T/state/$ID" ] || fail "$T/state/$ID left behind" || return 1
  create_c "$ID" || return 1
  $S delete --force "$ID" || return 1
  assert_nothing_left "$ID" || return 1
  expect_fail "container id" $S delete --force ../escape
}

test_impossible_cpuset () {
  setup true
  edit_config "$T/b" "c['linux']['resources']['cpu'] = {'cpus': '99'}"
  create_and_run_fail "cpus"
}

test_invalid_signal () {
  setup sleep 100
  run_d "$ID" || return 1
  expect_fail "NOSUCHSIG" $S kill "$ID" NOSUCHSIG || return 1
  expect_fail "signal" $S kill "$ID" 99999 || return 1
  assert_eq "$(state_of "$ID" status)" running
}

test_invalid_id () {
  setup true
  (cd "$T/b" && expect_fail "container id" $S create "a/b") || return 1
  (cd "$T/b" && expect_fail "container id" $S create "..") || return 1
  [ ! -e "$T/state/a" ] || fail "state dir made for an invalid id"
}

test_missing_console_socket () {
  setup true
  edit_config "$T/b" "c['process']['terminal'] = True"
  (cd "$T/b" && expect_fail "console-socket" $S create --console-socket "$T/none.sock" "$ID") || return 1
  assert_nothing_left "$ID" || return 1
  (cd "$T/b" && expect_fail "console-socket" $S create "$ID") || return 1
  assert_nothing_left "$ID"
}

test_bad_namespace_path () {
  setup true
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'time'})
for n in c['linux']['namespaces']:
    if n['type'] == 'network': n['path'] = '$T/no-such-netns'"
  create_and_run_fail "$T/no-such-netns" || return 1
  out=$(cd "$T/b" && $S create "$ID" 2>&1)
  assert_contains "$out" "linux.namespaces"
}

test_bad_id_mappings () {
  # Overlapping ranges: the kernel refuses the uid_map write.
  setup true
  chmod 755 "$T"
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 10}, {'containerID': 5, 'hostID': 200000, 'size': 10}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 10}]"
  create_and_run_fail "uidMappings"
}

test_failure_in_a_joined_namespace_leaves_nothing () {
  # The intermediate process (time namespace) is used; setup fails late.
  setup true
  edit_config "$T/b" "c['linux']['namespaces'].append({'type': 'time'})
c['linux']['sysctl'] = {'net.no.such.key': '1'}"
  create_and_run_fail "linux.sysctl"
}

# Issue 10: config.json must be a regular file of at most 16 MiB; a FIFO or
# a device fails at once, naming the path.
test_config_json_not_a_regular_file () {
  setup true
  rm "$T/b/config.json"
  mkfifo "$T/b/config.json"
  (cd "$T/b" && expect_fail "config.json\`: not a regular file" timeout 10 $S create "$ID") || return 1
  rm "$T/b/config.json"; ln -s /dev/zero "$T/b/config.json"
  (cd "$T/b" && expect_fail "config.json\`: not a regular file" timeout 10 $S run "$ID") || return 1
  assert_nothing_left "$ID"
}

test_config_json_over_16_mib () {
  setup true
  truncate -s $((16 * 1024 * 1024 + 1)) "$T/b/config.json"
  create_and_run_fail "config.json\`: larger than 16 MiB"
}

# A state JSON over 64 KB (annotations) goes to a container with hooks.
test_large_annotations_with_a_hook () {
  setup cat /proc/self/cmdline
  edit_config "$T/b" "c['annotations'] = {'a%d' % i: 'x' * 1000 for i in range(200)}
c['hooks'] = {'prestart': [{'path': '/bin/true'}], 'createContainer': [{'path': '/bin/true'}]}"
  assert_eq "$(run_fg 2>&1 | tr '\0' ' ')" "cat /proc/self/cmdline "
}

# Errors from the container process arrive whole, naming the field.
test_late_errors_name_the_field () {
  setup true
  set_args "$T/b" "/$(printf 'p%.0s' $(seq 4000))"
  create_and_run_fail "process.args[0]" || return 1
  set_args "$T/b" true
  edit_config "$T/b" "c['process']['cwd'] = '/' + 'c' * 4000"
  create_and_run_fail "process.cwd" || return 1
  edit_config "$T/b" "c['process']['cwd'] = '/'
c['mounts'].append({'destination': '/', 'type': 'tmpfs', 'source': 'tmpfs'})
c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}"
  create_and_run_fail "mounts[7].destination"
}

test_memory_limit_too_small () {
  local limit
  setup true
  for limit in 1 4096; do
    edit_config "$T/b" "c['linux']['resources']['memory'] = {'limit': $limit}"
    create_and_run_fail "linux.resources.memory.limit" || return 1
  done
}
