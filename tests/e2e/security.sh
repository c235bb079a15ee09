# Container mode, security properties seen from outside (issue #2): seccomp
# (errno and notify), inherited fds, cwd and mount targets that try to leave
# the rootfs, and the runtime binary the container can reach.
source "$TOP/tests/container_lib.sh"

test_seccomp_errno_ret () {
  setup sh -c 'mkdir /tmp/x 2>&1; touch /tmp/y && echo touched; sleep 100'
  edit_config "$T/b" "c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs'})
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64'],
  'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}"
  run_d "$ID" || return 1
  pid=$(cpid)
  assert_eq "$(proc_status "$pid" Seccomp)" 2 || return 1
  wait_for grep -q touched "$T/run-d.out" || fail "output: $(cat "$T/run-d.out")" || return 1
  assert_contains "$(cat "$T/run-d.out")" "Operation not permitted" || return 1
  # exec'd processes get the same filter
  out=$($S exec "$ID" sh -c 'mkdir /tmp/z 2>&1; grep Seccomp: /proc/self/status')
  assert_contains "$out" "Operation not permitted" || return 1
  assert_contains "$out" "2"
}

test_seccomp_notify_listener_gets_fd_and_state () {
  setup sleep 100
  python3 - "$T/listener.sock" "$T/listener.out" <<'PY' &
import array, json, os, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(1)
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(4 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
st = json.loads(msg)
st["_fd_targets"] = [os.readlink("/proc/self/fd/%d" % fd) for fd in fds]
open(sys.argv[2] + ".tmp", "w").write(json.dumps(st))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
PY
  BG_PIDS=$!
  wait_for test -S "$T/listener.sock" || return 1
  edit_config "$T/b" "c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW',
  'listenerPath': '$T/listener.sock', 'listenerMetadata': 'meta-1',
  'syscalls': [{'names': ['sethostname'], 'action': 'SCMP_ACT_NOTIFY'}]}"
  run_d "$ID" || return 1
  wait_for test -e "$T/listener.out" || fail "listener got nothing" || return 1
  python3 - "$T/listener.out" "$ID" "$(cpid)" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
assert st["fds"] == ["seccompFd"], st
assert st["metadata"] == "meta-1", st
assert st["state"]["id"] == sys.argv[2], st
assert st["pid"] == int(sys.argv[3]) or st["state"]["pid"] == int(sys.argv[3]), st
assert len(st["_fd_targets"]) == 1 and "seccomp" in st["_fd_targets"][0], st
PY
}

test_only_stdio_is_inherited () {
  setup sleep 100
  exec 7</etc/hostname
  run_d "$ID" || return 1
  assert_eq "$(ls /proc/$(cpid)/fd | sort -n | xargs)" "0 1 2" || return 1
  $S exec -d --pid-file "$T/e.pid" "$ID" sleep 50 >/dev/null 2>&1 || return 1
  assert_eq "$(ls /proc/$(cat "$T/e.pid")/fd | sort -n | xargs)" "0 1 2"
}

test_preserve_fds () {
  setup sleep 100
  echo three > "$T/three"; echo four > "$T/four"
  (cd "$T/b" && exec 3<"$T/three" 4<"$T/four" 5</etc/hostname && $S run -d --preserve-fds 2 "$ID" \
    >/dev/null 2>&1 </dev/null) || return 1
  pid=$(cpid)
  assert_eq "$(ls /proc/$pid/fd | sort -n | xargs)" "0 1 2 3 4" || return 1
  assert_eq "$(readlink /proc/$pid/fd/3)" "$T/three" || return 1
  assert_eq "$(readlink /proc/$pid/fd/4)" "$T/four"
}

# CVE-2024-21626: a cwd through a runtime fd must not reach a host directory.
test_cwd_cannot_leave_the_rootfs () {
  setup sleep 100
  local n
  for n in 3 4 5 6 7 8 9 10; do
    edit_config "$T/b" "c['process']['cwd'] = '/proc/self/fd/$n'"
    if in_bundle run -d "$ID-$n" >/dev/null 2>&1 </dev/null; then
      cwd=$(readlink /proc/$(cpid "$ID-$n")/cwd)
      case $cwd in
        "$T/b/rootfs"*) ;;
        *) fail "cwd /proc/self/fd/$n reached $cwd"; return 1 ;;
      esac
    fi
    assert_nothing_left "$ID-$n" 2>/dev/null || $S delete --force "$ID-$n"
  done
  # a host directory handed over with --preserve-fds is the same leak
  mkdir -p "$T/hostdir"
  edit_config "$T/b" "c['process']['cwd'] = '/proc/self/fd/3'"
  if (cd "$T/b" && exec 3<"$T/hostdir" && $S run -d --preserve-fds 1 "$ID-p" >/dev/null 2>"$T/p.err" </dev/null); then
    cwd=$(readlink /proc/$(cpid "$ID-p")/cwd)
    case $cwd in "$T/b/rootfs"*) ;; *) fail "preserved fd cwd reached $cwd"; return 1 ;; esac
  else
    assert_contains "$(cat "$T/p.err")" "process.cwd" || return 1
  fi
  # exec --cwd the same way
  edit_config "$T/b" "c['process']['cwd'] = '/'"
  run_d "$ID" || return 1
  for n in 3 4 5 6 7 8; do
    out=$($S exec --cwd "/proc/self/fd/$n" "$ID" sh -c 'ls -d "$PWD"/.. >/dev/null; readlink /proc/self/cwd' 2>/dev/null) || continue
    case $out in
      /*) [ -e "$T/b/rootfs$out" ] || { fail "exec cwd fd $n: $out"; return 1; } ;;
      *) fail "exec cwd fd $n: $out"; return 1 ;;
    esac
  done
}

# CVE-2019-5736: the container's init never runs from the binary on disk.
test_runtime_binary_is_a_sealed_copy () {
  setup sleep 100
  create_c "$ID" || return 1
  pid=$(cpid)
  exe=$(readlink /proc/$pid/exe)
  assert_contains "$exe" "memfd:silo" || return 1
  # not even root outside can write to it
  (echo x >> /proc/$pid/exe) 2>/dev/null && fail "sealed copy is writable" || return 0
}

test_bind_target_symlink_stays_in_rootfs () {
  setup sh -c 'cat /evil/marker'
  victim=/tmp/silo-victim-$ID
  mkdir -p "$T/src"; echo inside > "$T/src/marker"
  ln -s "$victim" "$T/b/rootfs/evil"
  edit_config "$T/b" "c['mounts'].append({'destination': '/evil', 'type': 'bind', 'source': '$T/src', 'options': ['rbind', 'ro']})"
  out=$(run_fg 2>&1)
  [ ! -e "$victim" ] || { rm -rf "$victim"; fail "mount target created on the host: $victim"; return 1; }
  [ -d "$T/b/rootfs$victim" ] || fail "target not made in the rootfs" || return 1
  assert_eq "$out" "inside"
}

test_dotdot_mount_target_stays_in_rootfs () {
  setup cat /marker-dir/marker
  mkdir -p "$T/src"; echo inside > "$T/src/marker"
  edit_config "$T/b" "c['mounts'].append({'destination': '/../../../../marker-dir', 'type': 'bind', 'source': '$T/src', 'options': ['rbind']})"
  out=$(run_fg 2>&1)
  [ ! -e /marker-dir ] || { rmdir /marker-dir; fail "created /marker-dir on the host"; return 1; }
  assert_eq "$out" "inside"
}
