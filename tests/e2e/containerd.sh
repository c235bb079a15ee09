# containerd 1.6 (runc v2 shim) driving silo through --runc-binary, end to
# end. Each test starts its own containerd with temporary root, state,
# runc root and socket, imports a busybox image saved by podman, and stops
# everything it started on exit.

VM_BIN="$(dirname "$SILO")/silo-vm"

# Sets T and defines `cr` (ctr against our daemon, in namespace silo).
containerd_setup () {
  command -v containerd >/dev/null && command -v ctr >/dev/null \
    || skip "containerd not installed (apt-get install containerd)"
  command -v podman >/dev/null || skip "podman not installed (makes the image)"
  T=$(mktemp -d /tmp/silo-ctrd.XXXXXX)
  trap containerd_cleanup EXIT
  cat > "$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$T/sock"
[ttrpc]
  address = "$T/sock.ttrpc"
[debug]
  address = "$T/debug.sock"
EOF
  containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
  CTRD_PID=$!
  wait_up_to 5 ctr -a "$T/sock" version \
    || fail "containerd did not start: $(tail -3 "$T/containerd.log")" || return 1
  make_image_archive || return 1
  cr image import --base-name localhost/busybox-local "$T/image.tar" >/dev/null \
    || fail "ctr image import" || return 1
}

cr () {
  ctr -a "$T/sock" -n silo "$@"
}

# ctr run with silo (or $RUNC_BIN) as the runc binary of the runc v2 shim.
cr_run () {
  cr run --runtime io.containerd.runc.v2 --runc-binary "${RUNC_BIN:-$SILO}" \
    --runc-root "$T/runc" "$@"
}

# podman import of a busybox rootfs, saved as an OCI archive.
make_image_archive () {
  local d=$T/podman
  mkdir -p "$d/rootfs/bin" "$d/rootfs/etc" "$d/rootfs/proc" "$d/rootfs/sys" "$d/rootfs/dev" \
    "$d/rootfs/tmp"
  cp "$BUSYBOX" "$d/rootfs/bin/busybox" || return 1
  for app in sh echo sleep cat tty id true; do ln -sf busybox "$d/rootfs/bin/$app"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$d/rootfs/etc/passwd"
  tar -C "$d/rootfs" -cf "$d/rootfs.tar" .
  PM=(podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" --storage-driver vfs)
  "${PM[@]}" import -q --change 'ENV PATH=/bin' "$d/rootfs.tar" busybox-local >/dev/null \
    && "${PM[@]}" save -q --format oci-archive -o "$T/image.tar" busybox-local \
    || fail "podman import/save" || return 1
  "${PM[@]}" rmi -af >/dev/null 2>&1
}

containerd_cleanup () {
  local id pid m
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  if [ -n "${CTRD_PID:-}" ]; then
    for id in $(cr task ls -q 2>/dev/null); do
      cr task kill -s KILL "$id" >/dev/null 2>&1
      cr task delete -f "$id" >/dev/null 2>&1
    done
    for id in $(cr container ls -q 2>/dev/null); do cr container delete "$id" >/dev/null 2>&1; done
    kill "$CTRD_PID" 2>/dev/null
    wait "$CTRD_PID" 2>/dev/null
    # Shims of our daemon that outlived it (they carry its address).
    for pid in $(grep -l -s -F "$T/sock" /proc/[0-9]*/cmdline | cut -d/ -f3); do
      kill -KILL "$pid" 2>/dev/null
    done
  fi
  grep -o " $T/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
}

test_ctr_run_output_and_exit_code () {
  containerd_setup || return 1
  local out rc
  out=$(cr_run --rm localhost/busybox-local:latest r1 sh -c 'echo hello; exit 3' 2>"$T/err"); rc=$?
  assert_eq "$out" "hello" "$(cat "$T/err")" || return 1
  assert_eq "$rc" 3 "exit status" || return 1
  out=$(cr_run --rm --env FOO=bar localhost/busybox-local:latest r2 sh -c 'echo $FOO') \
    || return 1
  assert_eq "$out" "bar" || return 1
  [ -z "$(cr container ls -q)" ] || fail "--rm left a container"
}

test_ctr_task_exec_kill_delete () {
  containerd_setup || return 1
  local out rc
  cr_run -d localhost/busybox-local:latest d1 sleep 1000 >/dev/null || fail "run -d" || return 1
  assert_contains "$(cr task ls)" "RUNNING" || return 1
  out=$(cr task exec --exec-id e1 d1 sh -c 'echo in-exec; exit 4'); rc=$?
  assert_eq "$out" "in-exec" || return 1
  assert_eq "$rc" 4 "exec exit status" || return 1
  out=$(script -qec "ctr -a $T/sock -n silo task exec -t --exec-id e2 d1 tty" /dev/null \
        | tr -d '\r\0')
  assert_contains "$out" "/dev/pts/" "exec -t" || return 1
  cr task pause d1 || fail "pause" || return 1
  assert_contains "$(cr task ls)" "PAUSED" || return 1
  cr task resume d1 || fail "resume" || return 1
  cr task kill -s KILL d1 || fail "kill" || return 1
  wait_for sh -c "ctr -a '$T/sock' -n silo task ls | grep -q STOPPED" \
    || fail "not stopped after kill: $(cr task ls)" || return 1
  cr task delete d1 >/dev/null 2>&1 || fail "task delete" || return 1
  cr container delete d1 || fail "container delete" || return 1
  [ -z "$(ls -A "$T/runc/silo" 2>/dev/null)" ] || fail "silo state left: $(ls "$T/runc/silo")"
}

test_ctr_run_tty () {
  containerd_setup || return 1
  local out
  out=$(script -qec "ctr -a $T/sock -n silo run --rm -t --runtime io.containerd.runc.v2 \
        --runc-binary $SILO --runc-root $T/runc localhost/busybox-local:latest t1 tty" /dev/null \
        | tr -d '\r\0')
  assert_contains "$out" "/dev/pts/0"
}

# ctr run -t with silo-vm: the terminal reaches the guest (create used to
# hang on the console socket), and tty names the container's own pty.
test_ctr_silo_vm_run_tty () {
  containerd_setup || return 1
  [ -x "$VM_BIN" ] || skip "no silo-vm next to $SILO"
  local out
  out=$(timeout 120 script -qec "ctr -a $T/sock -n silo run --rm -t --runtime io.containerd.runc.v2 \
        --runc-binary $VM_BIN --runc-root $T/runc localhost/busybox-local:latest vt1 tty" /dev/null \
        | tr -d '\r\0')
  assert_contains "$out" "/dev/pts/0"
}

test_ctr_silo_vm_run () {
  containerd_setup || return 1
  [ -x "$VM_BIN" ] || skip "no silo-vm next to $SILO"
  local out rc
  out=$(RUNC_BIN=$VM_BIN cr_run --rm localhost/busybox-local:latest v1 sh -c 'echo in-vm; exit 6' \
        2>"$T/err"); rc=$?
  assert_eq "$out" "in-vm" "$(cat "$T/err")" || return 1
  assert_eq "$rc" 6 "exit status"
}

# ctr task ps lists a sandbox's processes as the container sees them (the
# guest's, from the agent), not the monitor's or UML's host processes.
test_ctr_silo_vm_task_ps () {
  containerd_setup || return 1
  [ -x "$VM_BIN" ] || skip "no silo-vm next to $SILO"
  local out
  RUNC_BIN=$VM_BIN cr_run -d localhost/busybox-local:latest v2 sh -c 'sleep 1000 & exec sleep 2000' \
    >"$T/run.out" 2>&1 || fail "run: $(cat "$T/run.out")" || return 1
  wait_for sh -c "ctr -a '$T/sock' -n silo task ps v2 2>/dev/null | grep -q '^2 '" \
    || fail "no second process: $(cr task ps v2 2>&1)" || return 1
  out=$(cr task ps v2 | awk 'NR > 1 {print $1}' | sort -n | tr '\n' ' ')
  assert_eq "$out" "1 2 " "ctr task ps" || return 1
  cr task kill -s KILL v2 >/dev/null 2>&1
  wait_for sh -c "ctr -a '$T/sock' -n silo task ls | grep v2 | grep -q STOPPED" || true
  cr task delete v2 >/dev/null 2>&1; cr container delete v2 >/dev/null 2>&1
  return 0
}
