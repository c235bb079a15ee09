# Nothing of the host reaches a container through the processes silo puts
# into it (issue 10): a scanner inside the container opens every fd of every
# process it can see while silo execs into the container (some with a
# terminal through --console-socket) and runs containers that join its PID
# namespace with a createContainer hook. It must never get a directory from
# which ".." leads to a marker file on the host, and no fd it can open may
# name a host path of silo's (the state root, the cgroup tree, the bundle).
# The sandbox-mode twin is in sandbox_vm.sh (test_vm_exec_leaves_no_fd).
source "$TOP/tests/container_lib.sh"

FDSCAN_EXECS=${FDSCAN_EXECS:-500}

test_exec_run_hook_console_leave_no_host_fd () {
  setup true
  fdscan_setup "$T/b" || return 1
  edit_config "$T/b" "c['process']['args'] = ['fdscan', '600', '$MARK', '/tmp/stop']
c['root']['readonly'] = False"
  run_d "$ID" || return 1
  local pid i id2 n=0
  pid=$(cpid)
  many_consoles "$T/console.sock"
  wait_for test -S "$T/console.sock" || return 1
  for i in $(seq 1 "$FDSCAN_EXECS"); do
    if [ $((i % 10)) -eq 0 ]; then
      $S exec -t --console-socket "$T/console.sock" "$ID" true >/dev/null 2>&1 </dev/null
    else
      $S exec "$ID" true </dev/null
    fi || n=$((n + 1))
  done
  # An escape ends the scanner, and so the container: say which first.
  [ "$n" -eq 0 ] || { fdscan_check "$T/run-d.out" "/sys/fs/cgroup|/run/silo|$T"; fail "$n of $FDSCAN_EXECS execs failed"; return 1; }
  # Containers that join the scanner's PID namespace, with a hook in them.
  make_bundle "$T/b2" true || return 1
  edit_config "$T/b2" "
for ns in c['linux']['namespaces']:
    if ns['type'] == 'pid': ns['path'] = '/proc/$pid/ns/pid'
c['hooks'] = {'createContainer': [{'path': '/bin/true'}]}"
  for i in $(seq 1 50); do
    id2=$ID-r$i
    (cd "$T/b2" && $S run "$id2" </dev/null) || { fail "run $id2"; return 1; }
  done
  touch "$T/b/rootfs/tmp/stop"
  fdscan_check "$T/run-d.out" "/sys/fs/cgroup|/run/silo|$T"
}
