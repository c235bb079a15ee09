# podman on silo for the test files that drive it (podman.sh,
# engine_table.sh): a store, run root and containers.conf of the test's own
# under a temporary directory, never a user's containers.
# Sets T (temp dir) and defines `pm` (podman on silo) with the image
# busybox-local imported from a busybox-static root filesystem.
podman_setup () {
  command -v podman >/dev/null && command -v conmon >/dev/null \
    || skip "podman/conmon not installed (apt-get install podman)"
  T=$(mktemp -d /tmp/silo-podman.XXXXXX)
  trap podman_cleanup EXIT
  podman_conf "$T/containers.conf"
  export CONTAINERS_CONF=$T/containers.conf
  PM_ARGS=(--root "$T/root" --runroot "$T/runroot" --tmpdir "$T/tmp" --storage-driver vfs
           --cgroup-manager cgroupfs --events-backend file)
  make_rootfs_tar "$T/rootfs" "$T/rootfs.tar" || return 1
  podman "${PM_ARGS[@]}" import -q --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    "$T/rootfs.tar" busybox-local >/dev/null || fail "podman import" || return 1
}

# podman_conf FILE: the containers.conf of every podman test: ulimits this
# host allows (the infra container gets no --ulimit), cgroupfs, file events.
podman_conf () {
  cat > "$1" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  # conmon passes the runtime only the environment named here: the kvm
  # backend's guest kernel, when the test names one (the nested tier)
  [ -z "${SILO_GUEST_KERNEL:-}" ] || echo "conmon_env_vars = [\"PATH=$PATH\", \"SILO_GUEST_KERNEL=$SILO_GUEST_KERNEL\"]" \
    >> "$1"
}

pm () {
  podman "${PM_ARGS[@]}" --runtime "${PM_RUNTIME:-$SILO}" "$@"
}

podman_cleanup () {
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  podman "${PM_ARGS[@]}" rm -af -t 0 >/dev/null 2>&1
  grep -o " $T/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
}

