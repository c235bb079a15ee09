# The unprivileged user of the rootless tests (tests/e2e/rootless.sh, and
# sandbox_vm.sh's rootless kvm sandbox): made once, with subordinate ids.
RL_USER=silo-rootless

# rootless_setup: the test user (made once, with subordinate ids), a temp
# dir it owns holding a copy of silo (the checkout may be out of its
# reach), its runtime dir, and a bundle from `silo spec --rootless`.
rootless_setup () {
  command -v runuser >/dev/null || skip "runuser (util-linux) not installed"
  if ! id "$RL_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/sh "$RL_USER" || fail "useradd $RL_USER" || return 1
  fi
  RL_UID=$(id -u "$RL_USER"); RL_GID=$(id -g "$RL_USER")
  grep -q "^$RL_USER:" /etc/subuid || echo "$RL_USER:300000:65536" >> /etc/subuid
  grep -q "^$RL_USER:" /etc/subgid || echo "$RL_USER:300000:65536" >> /etc/subgid
  T=$(mktemp -d /tmp/silo-rootless.XXXXXX)
  trap rootless_cleanup EXIT
  chmod 755 "$T"
  cp "$SILO" "$T/silo"
  [ ! -e "$(dirname "$SILO")/silo-agent" ] || cp "$(dirname "$SILO")/silo-agent" "$T/"
  mkdir -p "$T/xdg" && chmod 700 "$T/xdg"
  ID=$(new_id)
  make_bundle "$T/b" || return 1
  rm "$T/b/config.json"
  (cd "$T/b" && "$T/silo" spec --rootless) || return 1
  set_args "$T/b" "$@"
  edit_config "$T/b" "c['linux']['uidMappings'][0]['hostID'] = $RL_UID
c['linux']['gidMappings'][0]['hostID'] = $RL_GID"
  chown -R "$RL_UID:$RL_GID" "$T"
}

# as_user CMD...: CMD as the test user, with its runtime dir (and the
# guest kernel a kvm sandbox boots, where the run names one).
as_user () {
  runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" \
    USER="$RL_USER" XDG_RUNTIME_DIR="$T/xdg" ${SILO_GUEST_KERNEL:+SILO_GUEST_KERNEL="$SILO_GUEST_KERNEL"} \
    "$@"
}

rs () {
  (cd "$T/b" && as_user "$T/silo" "$@")
}

rootless_cleanup () {
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  local d
  for d in "$T"/xdg/silo/*; do
    [ -e "$d" ] && rs delete --force "$(basename "$d")" >/dev/null 2>&1
  done
  [ -z "${PM_ARGS+x}" ] || as_user podman "${PM_ARGS[@]}" rm -af -t 0 >/dev/null 2>&1
  # rootless podman's pause process (its user namespace) outlives it
  pkill -KILL -u "$RL_USER" 2>/dev/null
  [ -z "${RL_KVM_MODE:-}" ] || chmod "$RL_KVM_MODE" /dev/kvm
  rm -rf "$T" 2>/dev/null || { chattr -R -i "$T" 2>/dev/null; rm -rf "$T"; }
}

pid_gone_rl () {
  [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
