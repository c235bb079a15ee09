# An engine cannot tell a sandbox from a container (issue 12): one table of
# podman commands, each run with --runtime silo and --runtime silo-vm; the
# output (stdout and stderr together) and the exit status must be the same.
# Rows that need a tool this host lacks are skipped with the reason. The
# differences that remain, each with its reason, are in docs/sandbox.md.

VM_BIN="$(dirname "$SILO")/silo-vm"

source "$TOP/tests/podman_lib.sh"

table_setup () {
  podman_setup || return 1
  [ -x "$VM_BIN" ] || skip "no silo-vm next to $SILO"
}

# row "PODMAN RUN ARGS" "COMMAND" [NEEDS]: both runtimes, compared.
row () {
  local args=$1 cmd=$2 needs=${3:-} out_c out_v rc_c rc_v
  if [ -n "$needs" ] && ! command -v "$needs" >/dev/null; then
    echo "  row skipped ($needs not installed): $args $cmd"
    return 0
  fi
  # One stream inside (two pipes through conmon interleave as they come);
  # container ids and the runtime's path are podman's, not the runtime's.
  # From $T: conmon leaves a file `oom` in its working directory when the
  # container is OOM-killed.
  # shellcheck disable=SC2086
  out_c=$(cd "$T" && podman "${PM_ARGS[@]}" --runtime "$SILO" run --rm $args busybox-local sh -c "exec 2>&1; $cmd" 2>&1); rc_c=$?
  # shellcheck disable=SC2086
  out_v=$(cd "$T" && podman "${PM_ARGS[@]}" --runtime "$VM_BIN" run --rm $args busybox-local sh -c "exec 2>&1; $cmd" 2>&1); rc_v=$?
  out_c=$(echo "$out_c" | sed -E "s/[0-9a-f]{64}/ID/g; s|$SILO|RUNTIME|g")
  out_v=$(echo "$out_v" | sed -E "s/[0-9a-f]{64}/ID/g; s|$VM_BIN|RUNTIME|g")
  if [ "$rc_c" != "$rc_v" ] || [ "$out_c" != "$out_v" ]; then
    fail "differs: podman run $args busybox-local sh -c '$cmd'
    silo    ($rc_c): $out_c
    silo-vm ($rc_v): $out_v"
    return 1
  fi
  echo "  same ($rc_c): $args $cmd"
}

# Each test is a few rows: short enough for the nested tier's emulated
# hardware, where one podman run of a sandbox takes seconds.
test_engine_table_processes () {
  table_setup || return 1
  local bad=0
  row "" 'exit 3' || bad=1
  row "" 'nosuchcmd; echo rc=$?' || bad=1
  row "" 'echo $$; ps -o pid,comm' || bad=1
  # podman's init (catatonit) is PID 1, the workload its child
  row "--init" 'ps -o pid,ppid,comm' catatonit || bad=1
  # procps's ps needs the boot time (Unable to get system boot time)
  row "" 'grep -c "^btime [0-9]" /proc/stat' || bad=1
  return $bad
}

test_engine_table_environment () {
  table_setup || return 1
  local bad=0
  row "-e FOO=bar -w /tmp --hostname h1" 'echo "$FOO $HOME $PATH"; pwd; hostname' || bad=1
  row "-w /nonexistent/dir" 'pwd' || bad=1
  row "-u 65534" 'id; echo x > /dev/null && echo null-writable' || bad=1
  return $bad
}

test_engine_table_devices_and_root () {
  table_setup || return 1
  local bad=0
  row "" 'stat -c "%n %A %t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom; readlink /dev/stdin /dev/stdout /dev/stderr /dev/fd' || bad=1
  row "--device /dev/null:/dev/xnull" 'stat -c "%A %t:%T" /dev/xnull' || bad=1
  row "--read-only" 'touch /x 2>&1; echo rc=$?; touch /tmp/x && echo tmp-writable' || bad=1
  # the engine's /dev/shm: a tmpfs of its own in the guest, of its size
  row "--shm-size 8m" 'df -k /dev/shm | awk "NR > 1 { print \$2, \$6 }"; grep " /dev/shm " /proc/self/mountinfo | awk "{ print \$(NF - 2) }"; stat -c %a /dev/shm' || bad=1
  row "--tmpfs /scratch:size=1m,mode=1777" 'df -k /scratch | awk "NR > 1 { print \$2, \$6 }"; stat -c "%a %U" /scratch; grep -c " /scratch .* tmpfs " /proc/self/mountinfo' || bad=1
  return $bad
}

test_engine_table_privileges () {
  table_setup || return 1
  local bad=0
  row "" 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status' || bad=1
  row "--cap-drop all --security-opt no-new-privileges" 'grep -E "^(CapEff|NoNewPrivs):" /proc/self/status' || bad=1
  row "--cap-add SYS_ADMIN --security-opt seccomp=unconfined" 'unshare -U id -u; echo rc=$?' || bad=1
  return $bad
}

test_engine_table_network () {
  table_setup || return 1
  local bad=0
  row "--network none" 'ip -o link | cut -d" " -f2' || bad=1
  # (ping_group_range: podman's default_sysctls)
  row "--sysctl net.ipv4.ip_unprivileged_port_start=80 --sysctl kernel.msgmax=4096" 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ping_group_range' || bad=1
  # each container gets an address of its own: shown as SELF
  row "" 'a=$(ip -o -4 addr show eth0 | awk "{print \$4}"); { ip -o -4 addr show eth0 | cut -d" " -f2,3,4,6,7,8; ip route; } | sed "s|${a%/*}|SELF|g"' || bad=1
  return $bad
}

test_engine_table_limits () {
  table_setup || return 1
  local bad=0
  row "--memory 64m" 'head -c 100000000 /dev/zero 2>/dev/null | tail >/dev/null; echo rc=$?' || bad=1
  # /dev/shm's pages are the container's memory
  row "--memory 64m --shm-size 256m" 'sh -c "dd if=/dev/zero of=/dev/shm/x bs=1M count=200 2>/dev/null"; echo rc=$?' || bad=1
  row "--pids-limit 20" 'for i in $(seq 1 30); do sleep 5 & done 2>&1 | sort -u | sed "s/^.*: //"; echo done' || bad=1
  # (nproc too: podman's default for it is more than this host allows)
  row "--ulimit nofile=100:100 --ulimit nproc=1024:1024" 'ulimit -n; ulimit -u' || bad=1
  return $bad
}

# The program cannot run (an interpreter missing from the image): start
# succeeds, the error is on the container's stderr and the status is 127,
# in both modes.
test_engine_table_exec_failure_after_start () {
  table_setup || return 1
  printf '#!/nonexistent/interp\n' > "$T/script"
  chmod +x "$T/script"
  row "-v $T/script:/script:ro" '/script; echo rc=$?' || return 1
  row "-v $T/script:/script:ro --entrypoint /script" '' || return 1
}

# podman top lists the container's processes (psgo reads /proc in the
# state pid's mount namespace: in sandbox mode the monitor's process view,
# sandbox-vm/monitor/procview.c), with psgo's descriptors (podman's own
# list; an unknown one makes podman run ps in the container instead). The
# columns that change with time (%CPU, ELAPSED, TIME of the default
# format) are cut; the rest must be the same, and not empty. (Not `label`:
# a host's LSM labels its own processes, "unconfined" on an AppArmor host,
# and cannot label a guest's, docs/sandbox.md.)
top_of () {
  local rt=$1 id out
  shift
  id=$(podman "${PM_ARGS[@]}" --runtime "$rt" run -d -u 0:0 busybox-local \
         sh -c 'sleep 1000 & exec sleep 1001') || return 1
  out=$(podman "${PM_ARGS[@]}" top "$id" "$@" 2>&1; echo "rc=$?")
  podman "${PM_ARGS[@]}" rm -f -t 0 "$id" >/dev/null 2>&1
  echo "$out" | awk -v all="$#" 'all > 0 || /^rc=/ { print; next } { $4 = $5 = $7 = ""; print }'
}

# The TTY column: the terminal of `run -t` (pts/0) and of `exec -t`.
top_tty_of () {
  local rt=$1 id out
  id=$(podman "${PM_ARGS[@]}" --runtime "$rt" run -dt -u 0:0 busybox-local \
         sh -c 'sleep 1000 & exec sleep 1001') || return 1
  podman "${PM_ARGS[@]}" exec -dt "$id" sleep 1002 >/dev/null 2>&1
  out=$(podman "${PM_ARGS[@]}" top "$id" pid,tty,args 2>&1; echo "rc=$?")
  podman "${PM_ARGS[@]}" rm -f -t 0 "$id" >/dev/null 2>&1
  echo "$out"
}

test_engine_table_top () {
  table_setup || return 1
  local fmt c v bad=0
  for fmt in "" "user,pid,ppid,args" \
      "group,groups,comm,nice,pgid,tty,capeff,capbnd,seccomp,state,ruser,rgroup"; do
    # shellcheck disable=SC2086
    c=$(top_of "$SILO" $fmt)
    # shellcheck disable=SC2086
    v=$(top_of "$VM_BIN" $fmt)
    if [ "$c" != "$v" ] || ! echo "$c" | grep -q 'sleep\|^root .* 1 .*0 '; then
      fail "podman top $fmt differs
    silo:    $c
    silo-vm: $v"
      bad=1
    else
      echo "  same: podman top $fmt"; echo "$c" | sed 's/^/    /'
    fi
  done
  c=$(top_tty_of "$SILO")
  v=$(top_tty_of "$VM_BIN")
  if [ "$c" != "$v" ] || ! echo "$c" | grep -q 'pts/0 .*sleep 1001'; then
    fail "podman top of a terminal differs
    silo:    $c
    silo-vm: $v"
    bad=1
  else
    echo "  same: podman top pid,tty,args (run -t, exec -t)"; echo "$c" | sed 's/^/    /'
  fi
  return $bad
}
