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

# fdscan_setup: the static scanner in the bundle, and a marker on the host
# at /$MARK, outside the container.
fdscan_setup () {
  cc -static -O2 -o "$1/rootfs/bin/fdscan" "$TOP/tests/helpers/fdscan.c" || return 1
  MARKDIR=$(mktemp -d /tmp/silo-fdscan.XXXXXX)
  touch "$MARKDIR/marker"
  MARK=${MARKDIR#/}/marker
}

# fdscan_check FILE: the scanner's report has no escape and names no host path.
fdscan_check () {
  local out=$1 host
  wait_for grep -q '^SCANS' "$out" || fail "the scanner did not finish: $(tail -3 "$out" 2>&1)" \
    || return 1
  if grep -q '^ESCAPE' "$out"; then fail "$(grep '^ESCAPE' "$out")"; return 1; fi
  host=$(grep -E "^SAW .*(/sys/fs/cgroup|/run/silo|$T|$MARKDIR)" "$out")
  [ -z "$host" ] || { fail "host paths reachable: $host"; return 1; }
  [ "$(awk '/^SCANS/ {print $2}' "$out")" -gt 10 ] || fail "only $(grep '^SCANS' "$out")"
}

# A --console-socket receiver that takes any number of terminals and keeps
# each master open (closing it would hang the terminal up: SIGHUP).
many_consoles () {
  python3 - "$1" <<'PY' &
import array, os, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(16)
masters = []
while True:
    conn, _ = srv.accept()
    fds = array.array("i")
    try:
        _, anc, _, _ = conn.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
    except OSError:
        anc = []
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            masters.append(int.from_bytes(data[:4], "little"))
    conn.close()
PY
  BG_PIDS="$BG_PIDS $!"
}

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
  [ "$n" -eq 0 ] || { fdscan_check "$T/run-d.out"; fail "$n of $FDSCAN_EXECS execs failed"; return 1; }
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
  fdscan_check "$T/run-d.out"
}
