# Resource limits through silo on this host's cgroups (issue 3): limits are
# read back from the cgroup files and enforced.

cg_setup () {
  T=$(mktemp -d)
  ID=$(new_id)
  S="$SILO --root $T/state"
  make_bundle "$T/b" "$@"
  trap 'cg_cleanup' EXIT
}

cg_cleanup () {
  $S delete --force "$ID" >/dev/null 2>&1
  rm -rf "$T"
}

# The container's cgroup directory in a v1 hierarchy (or the v2 one).
cg_dir () {
  local ctrl=$1
  if [ -d "/sys/fs/cgroup/$ctrl" ]; then
    echo "/sys/fs/cgroup/$ctrl/silo/$ID"
  else
    echo "/sys/fs/cgroup/silo/$ID"
  fi
}

test_pids_limit_stops_the_11th_fork () {
  # ash gives up at the first fork that fails; /out/n holds the last success.
  cg_setup sh -c 'for i in $(seq 1 20); do sleep 30 & echo $i > /out/n; done'
  mkdir -p "$T/out"
  edit_config "$T/b" "c['linux']['resources']['pids'] = {'limit': 10}
c['mounts'].append({'destination': '/out', 'type': 'bind', 'source': '$T/out', 'options': ['rbind', 'rw']})"
  out=$(cd "$T/b" && $S run "$ID" 2>&1)
  assert_contains "$out" "can't fork" || return 1
  # the shell is process 1 of 10: nine sleeps fit, the 11th process does not
  assert_eq "$(cat "$T/out/n")" "9"
}

test_pids_limit_in_cgroup_file () {
  cg_setup sleep 100
  edit_config "$T/b" "c['linux']['resources']['pids'] = {'limit': 10}"
  (cd "$T/b" && $S run -d "$ID") || return 1
  assert_eq "$(cat "$(cg_dir pids)/pids.max")" "10"
}

test_memory_limit_ooms_an_allocation () {
  [ -d /sys/fs/cgroup/memory ] || skip "no v1 memory controller"
  cg_setup sh -c 'dd if=/dev/zero bs=1M count=64 | cat > /tmp/x; echo survived'
  edit_config "$T/b" "c['linux']['resources']['memory'] = {'limit': 33554432, 'swap': 33554432}
c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=128m']})"
  (cd "$T/b" && $S run -d "$ID") || return 1
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" "33554432" || return 1
  wait_for sh -c "$S state $ID | grep -q stopped"
  events=$($S events --stats "$ID" 2>&1)
  oom=$(awk '$1 == "oom_kill" {print $2}' "$(cg_dir memory)/memory.oom_control")
  [ "${oom:-0}" -ge 1 ] || fail "no OOM kill recorded (oom_control: $(cat "$(cg_dir memory)/memory.oom_control"))"
}

test_events_reports_oom () {
  [ -d /sys/fs/cgroup/memory ] || skip "no v1 memory controller"
  # the writers, not the container's init, are the OOM killer's first pick
  cg_setup sh -c '(echo 1000 > /proc/self/oom_score_adj; dd if=/dev/zero bs=1M count=64 | cat > /tmp/x); sleep 100'
  edit_config "$T/b" "c['linux']['resources']['memory'] = {'limit': 33554432, 'swap': 33554432}
c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=128m']})"
  (cd "$T/b" && $S run -d "$ID") || return 1
  sleep 1
  out=$(timeout 3 $S events --interval 1 "$ID" 2>&1)
  assert_contains "$out" '"type":"oom"'
}

test_pause_resume_state () {
  cg_setup sh -c 'while :; do echo x >> /tmp/ticks; sleep 0.1; done'
  edit_config "$T/b" "c['mounts'].append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs'})"
  (cd "$T/b" && $S run -d "$ID") || return 1
  $S pause "$ID" || return 1
  assert_contains "$($S state "$ID")" '"status": "paused"' || return 1
  pid=$($S state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  a=$(wc -l < /proc/$pid/root/tmp/ticks); sleep 0.5; b=$(wc -l < /proc/$pid/root/tmp/ticks)
  assert_eq "$a" "$b" "frozen container made progress" || return 1
  $S resume "$ID" || return 1
  assert_contains "$($S state "$ID")" '"status": "running"' || return 1
  sleep 0.5; c=$(wc -l < /proc/$pid/root/tmp/ticks)
  [ "$c" -gt "$b" ] || fail "resumed container made no progress"
}

test_update_pids_limit_live () {
  cg_setup sleep 100
  edit_config "$T/b" "c['linux']['resources']['pids'] = {'limit': 10}"
  (cd "$T/b" && $S run -d "$ID") || return 1
  $S update --pids-limit 5 "$ID" || return 1
  assert_eq "$(cat "$(cg_dir pids)/pids.max")" "5" || return 1
  $S update --memory 64m "$ID" || return 1
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" "67108864"
}

test_update_from_resources_file () {
  cg_setup sleep 100
  (cd "$T/b" && $S run -d "$ID") || return 1
  echo '{"pids": {"limit": 7}, "cpu": {"quota": 50000, "period": 100000}}' > "$T/r.json"
  $S update -r "$T/r.json" "$ID" || return 1
  assert_eq "$(cat "$(cg_dir pids)/pids.max")" "7" || return 1
  assert_eq "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" "50000"
}

test_delete_force_removes_every_cgroup () {
  cg_setup sh -c 'mkdir -p /sys/fs/cgroup/pids/inner 2>/dev/null; sleep 100'
  edit_config "$T/b" "
for m in c['mounts']:
    if m['type'] == 'cgroup': m['options'] = [o for o in m['options'] if o != 'ro'] + ['rw']"
  (cd "$T/b" && $S run -d "$ID") || return 1
  sleep 0.3
  $S delete --force "$ID" || return 1
  left=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/silo/$ID" 2>/dev/null)
  [ -z "$left" ] || fail "cgroups left behind: $left"
}

test_ps_lists_container_processes () {
  cg_setup sh -c 'sleep 100 & sleep 100 & wait'
  (cd "$T/b" && $S run -d "$ID") || return 1
  sleep 0.3
  n=$($S ps --format json "$ID" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  assert_eq "$n" "3"
}

test_kill_all_signals_every_process () {
  cg_setup sh -c 'sleep 100 & sleep 100 & wait'
  (cd "$T/b" && $S run -d "$ID") || return 1
  sleep 0.3
  $S kill --all "$ID" KILL || return 1
  wait_for sh -c "$S state $ID | grep -q stopped" || return 1
  n=$(cat "$(cg_dir pids)/cgroup.procs" | wc -l)
  assert_eq "$n" "0"
}

test_impossible_cpuset_fails_cleanly () {
  cg_setup true
  edit_config "$T/b" "c['linux']['resources']['cpu'] = {'cpus': '99'}"
  out=$(cd "$T/b" && $S run "$ID" 2>&1) && return 1
  assert_contains "$out" "cpu.cpus" || return 1
  [ ! -e "$T/state/$ID" ] || fail "state left behind"
  left=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/silo/$ID" 2>/dev/null)
  [ -z "$left" ] || fail "cgroups left behind: $left"
}

test_cpu_and_memory_limits_read_back () {
  cg_setup sleep 100
  edit_config "$T/b" "c['linux']['resources'].update({'cpu': {'shares': 512, 'quota': 20000, 'period': 100000, 'cpus': '0'}, 'memory': {'limit': 67108864, 'reservation': 33554432}})"
  (cd "$T/b" && $S run -d "$ID") || return 1
  assert_eq "$(cat "$(cg_dir cpu)/cpu.shares")" "512" || return 1
  assert_eq "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" "20000" || return 1
  assert_eq "$(cat "$(cg_dir cpuset)/cpuset.cpus")" "0" || return 1
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" "67108864" || return 1
  assert_eq "$(cat "$(cg_dir memory)/memory.soft_limit_in_bytes")" "33554432"
}

test_systemd_cgroup_without_systemd_fails_cleanly () {
  [ -d /run/systemd/system ] && skip "systemd runs here: the driver is available"
  cg_setup true
  out=$(cd "$T/b" && $S --systemd-cgroup run "$ID" 2>&1) && return 1
  assert_contains "$out" "systemd is not running" || return 1
  [ ! -e "$T/state/$ID" ] || fail "state left behind"
}

# Real-time runtime on a v1 cpu hierarchy: silo's parent group has none
# at first, so it is raised as runc raises it, and the container's group
# gets what the config asks (a process then runs SCHED_FIFO in it).
test_realtime_runtime_v1 () {
  [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no v1 cpu hierarchy with RT group scheduling"
  cg_setup sleep 100
  edit_config "$T/b" "c['linux']['resources']['cpu'] = {'realtimeRuntime': 10000, 'realtimePeriod': 1000000}
c['process']['scheduler'] = {'policy': 'SCHED_FIFO', 'priority': 5}"
  (cd "$T/b" && $S run -d "$ID" </dev/null >"$T/out" 2>&1) || fail "run: $(cat "$T/out")" || return 1
  assert_eq "$(cat "$(cg_dir cpu)/cpu.rt_runtime_us") $(cat "$(cg_dir cpu)/cpu.rt_period_us")" \
    "10000 1000000" || return 1
  local pid
  pid=$($S state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  assert_eq "$(awk '{print $41}' /proc/$pid/stat)" 1 "SCHED_FIFO in the group"
}

# memory.checkBeforeUpdate (runtime-spec 1.2): a limit below what the
# container uses now is refused, one line naming the field, and the old
# limit stays; one above it is taken. rdma (a controller silo does not
# drive) is refused, not dropped.
test_update_check_before_update () {
  cg_setup sleep 100
  edit_config "$T/b" "c['linux']['resources']['memory'] = {'limit': 268435456}"
  (cd "$T/b" && $S run -d "$ID" </dev/null >/dev/null 2>&1) || return 1
  echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' > "$T/low.json"
  local out
  out=$($S update -r "$T/low.json" "$ID" 2>&1) && fail "a limit below the usage was taken" && return 1
  assert_contains "$out" "linux.resources.memory.limit: 4096 is below the container's current memory usage" \
    || return 1
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" "268435456" "limit kept" || return 1
  echo '{"memory": {"limit": 134217728, "checkBeforeUpdate": true}}' > "$T/ok.json"
  $S update -r "$T/ok.json" "$ID" || return 1
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" "134217728" || return 1
  echo '{"rdma": {"mlx5_1": {"hcaHandles": 3}}}' > "$T/rdma.json"
  out=$($S update -r "$T/rdma.json" "$ID" 2>&1) && fail "rdma taken" && return 1
  assert_contains "$out" "rdma: the rdma cgroup controller is not supported by silo"
}
