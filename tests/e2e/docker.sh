# docker (Debian's docker.io: dockerd 20.10 with its own containerd) driving
# silo and silo-vm as registered runtimes, end to end (issue 13). Each test
# starts a dockerd of its own: data and exec roots under a temporary
# directory, its own socket, a bridge of its own (so a docker0 of the
# host's is never touched), no iptables changes (published ports on
# localhost go through docker-proxy), cgroupfs, the ulimits this host allows.

VM_BIN="$(dirname "$SILO")/silo-vm"

docker_setup () {
  command -v dockerd >/dev/null || skip "dockerd not installed (apt-get install docker.io)"
  [ -x /usr/bin/docker ] || skip "docker client not installed (apt-get install docker.io)"
  [ -x "$VM_BIN" ] || skip "no silo-vm next to $SILO"
  T=$(mktemp -d /tmp/silo-docker.XXXXXX)
  BR=sdk$$
  trap docker_cleanup EXIT
  ip link add "$BR" type bridge && ip addr add 10.66.$(($$ % 200)).1/24 dev "$BR" \
    && ip link set "$BR" up || return 1
  dockerd --data-root "$T/root" --exec-root "$T/exec" -H "unix://$T/docker.sock" \
    --pidfile "$T/docker.pid" --bridge "$BR" --iptables=false --ip-masq=false \
    --add-runtime silo="$SILO" --add-runtime silo-vm="$VM_BIN" \
    --exec-opt native.cgroupdriver=cgroupfs --storage-driver vfs \
    --default-ulimit nofile=1024:1024 --default-ulimit nproc=1024:1024 >"$T/dockerd.log" 2>&1 &
  local i
  for i in $(seq 1 100); do
    dk info >/dev/null 2>&1 && break
    sleep 0.2
  done
  dk info >/dev/null 2>&1 || fail "dockerd did not start: $(tail -3 "$T/dockerd.log")" || return 1
  make_rootfs_tar "$T/rootfs" "$T/rootfs.tar" || return 1
  dk import -c 'ENV PATH=/bin' "$T/rootfs.tar" busybox-local >/dev/null \
    || fail "docker import" || return 1
}

# The Debian client (the API version of this dockerd), on this test's socket.
dk () {
  /usr/bin/docker -H "unix://$T/docker.sock" "$@"
}

docker_cleanup () {
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  dk rm -f $(dk ps -aq) >/dev/null 2>&1
  [ -r "$T/docker.pid" ] && kill "$(cat "$T/docker.pid")" 2>/dev/null
  local i
  for i in $(seq 1 50); do [ -e "$T/docker.pid" ] || break; sleep 0.2; done
  ip link del "$BR" 2>/dev/null
  grep -o " $T/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
}

# docker run --runtime silo and silo-vm on the default (bridge) network:
# both get eth0 with the same address and broadcast (ifindex aside), the
# second from its own kernel.
test_docker_run_bridge_network () {
  docker_setup || return 1
  local rt out ref
  ref=$(dk run --rm --runtime runc busybox-local sh -c 'ip -o -4 addr show eth0 | cut -d" " -f2-') \
    || fail "runc: $ref" || return 1
  for rt in silo silo-vm; do
    out=$(dk run --rm --runtime $rt busybox-local sh -c 'ip -o -4 addr show eth0 | cut -d" " -f2-') \
      || fail "$rt: $out" || return 1
    assert_eq "$out" "$ref" "$rt vs runc" || return 1
  done
  out=$(dk run --rm --runtime silo-vm busybox-local uname -r)
  [ -n "$out" ] && [ "$out" != "$(uname -r)" ] || fail "silo-vm ran on the host kernel ($out)"
}

# -p: the published port answers from each runtime, and exit statuses
# come back as docker reports them.
test_docker_publish_port_and_status () {
  docker_setup || return 1
  command -v curl >/dev/null || skip "curl not installed"
  local rt out i port=$((19000 + $$ % 1000)) rc
  for rt in runc silo silo-vm; do
    dk run -d --name web --runtime $rt -p "$port:80" busybox-local sh -c \
      'echo "hello $(uname -r)" > /tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null \
      || fail "run -d -p with $rt" || return 1
    out=
    for i in $(seq 1 60); do
      out=$(curl -s --max-time 2 "http://127.0.0.1:$port/index.html") && [ -n "$out" ] && break
      sleep 0.5
    done
    assert_contains "$out" "hello " "$rt: published port" || return 1
    dk rm -f web >/dev/null || fail "rm -f with $rt" || return 1
    dk run --rm --runtime $rt busybox-local sh -c 'exit 3'; rc=$?
    assert_eq "$rc" 3 "$rt: exit status" || return 1
  done
  ! ip -o link show | grep -q _silo || fail "tap left on the host: $(ip -o link show | grep _silo)"
}

# Two containers on docker's bridge reach each other by address, with silo
# and with silo-vm.
test_docker_two_on_the_bridge_reach_each_other () {
  docker_setup || return 1
  local rt ip out
  for rt in silo silo-vm; do
    dk run -d --name srv --runtime $rt busybox-local sh -c \
      'echo peer > /tmp/p; exec httpd -f -p 80 -h /tmp' >/dev/null || fail "run srv ($rt)" || return 1
    ip=$(dk inspect srv --format '{{.NetworkSettings.IPAddress}}')
    [ -n "$ip" ] || fail "no address for srv ($rt)" || return 1
    out=$(dk run --rm --runtime $rt busybox-local sh -c \
      "for i in \$(seq 1 20); do printf 'GET /p HTTP/1.0\r\n\r\n' | nc $ip 80 && break; sleep 0.5; done" 2>&1)
    assert_contains "$out" "peer" "$rt: client -> $ip" || return 1
    dk rm -f srv >/dev/null || return 1
  done
}
