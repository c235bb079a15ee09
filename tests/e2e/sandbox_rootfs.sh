# A sandbox over a minimal rootfs: no /proc, /dev or /sys directories and a
# read-only root, as an image built FROM scratch may be.

test_sandbox_minimal_readonly_rootfs () {
  [ -x /usr/bin/linux ] || skip "user-mode-linux is not installed"
  T=$(mktemp -d); ID=$(new_id); S="$TOP/$BUILD/silo-vm --root $T/state"
  trap '$S delete --force "$ID" >/dev/null 2>&1; rm -rf "$T"' EXIT
  mkdir -p "$T/b/rootfs/bin"
  cp "$BUSYBOX" "$T/b/rootfs/bin/busybox"
  ln -s busybox "$T/b/rootfs/bin/sh"
  (cd "$T/b" && $S spec) || return 1
  set_args "$T/b" sh -c 'echo ok; ls -d /proc/self'
  edit_config "$T/b" "assert c['root']['readonly']"
  out=$(cd "$T/b" && $S run "$ID" 2>&1) || fail "run failed: $out" || return 1
  assert_contains "$out" "ok" || return 1
  assert_contains "$out" "/proc/self" || return 1
  # only top-level mount points were made on the host, none nested in /dev
  [ -d "$T/b/rootfs/proc" ] && [ ! -e "$T/b/rootfs/dev/pts" ] || fail "mount points: $(find "$T/b/rootfs" -type d)"
}
