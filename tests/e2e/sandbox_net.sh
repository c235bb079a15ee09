# Sandbox networking (issue 13): the guest joins the network namespace the
# engine built. An engine-like namespace here: `ip netns add`, a veth pair
# with one end (eth0) inside, IPv4 and IPv6 addresses and default routes,
# the other end on the host as the engine's gateway. The guest must show
# the same interface (name, MAC, MTU, addresses, routes) as a container in
# that namespace, carry traffic both ways, and leave no tap, qdisc or filter
# behind, whatever way it ends.
# SILO_TEST_SANDBOX_BACKEND=uml (default) or kvm, as sandbox_vm.sh.
source "$TOP/tests/sandbox_lib.sh"

net_ready () {
  backend_ready
  command -v ip >/dev/null && command -v tc >/dev/null || skip "iproute2 not installed"
}

# engine_netns N: namespace sn$$-N with eth0 (10.77.N.2/24, fd77:N::2/64,
# MTU 1400, default routes via .1 / ::1) whose peer sv$$-N is on the host
# with the gateway addresses. NS and PEER are set; net_teardown removes both.
engine_netns () {
  NS=sn$$-$1 PEER=sv$$-$1
  ip netns add "$NS" || return 1
  ip link add "$PEER" type veth peer name eth0 netns "$NS" || return 1
  ip addr add 10.77.$1.1/24 dev "$PEER" && ip -6 addr add fd77:$1::1/64 dev "$PEER" nodad \
    && ip link set "$PEER" up || return 1
  ip -n "$NS" addr add 10.77.$1.2/24 dev eth0 && ip -n "$NS" -6 addr add fd77:$1::2/64 dev eth0 nodad \
    && ip -n "$NS" link set eth0 mtu 1400 up && ip -n "$NS" route add default via 10.77.$1.1 \
    && ip -n "$NS" -6 route add default via fd77:$1::1
}

net_teardown () {
  local ns
  for ns in $(ip netns list | awk -v p="sn$$-" 'index($1, p) == 1 {print $1}'); do
    ip netns del "$ns"
  done
  ip link del "sv$$-1" 2>/dev/null
  [ -z "${D:-}" ] || rm -rf "$D"
}

# net_bundle ARGS...: a sandbox bundle in $D that joins $NS, with ip and nc.
net_bundle () {
  D=$(mktemp -d)
  make_vm_bundle "$D" "$@" || return 1
  ln -sf busybox "$D/rootfs/bin/ip"
  ln -sf busybox "$D/rootfs/bin/nc"
  edit_config "$D" "
c['root']['readonly'] = False
for n in c['linux']['namespaces']:
    if n['type'] == 'network': n['path'] = '/run/netns/$NS'"
}

# Nothing of silo's in namespace $1: no tap, no ingress qdisc, no filter.
net_clean () {
  local out
  out=$(ip -n "$1" -o link show; tc -n "$1" qdisc show; tc -n "$1" filter show dev eth0 ingress 2>/dev/null)
  case "$out" in
    *_silo*|*ingress*|*mirred*) fail "left in $1: $out"; return 1 ;;
  esac
}

# What an engine (or a user) looks at: MAC, MTU, global addresses, routes.
NET_VIEW='cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu
ip -o addr show scope global | while read -r n dev fam addr rest; do echo "$dev $fam $addr"; done
ip route; ip -6 route show default'

test_vm_net_same_interface_as_container_mode () {
  net_ready
  trap net_teardown EXIT
  engine_netns 1 || return 1
  net_bundle sh -c "$NET_VIEW" || return 1
  local out mac
  mac=$(ip -n "$NS" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  out=$(same_in_both_modes "$D") || return 1
  assert_contains "$out" "$mac" || return 1
  assert_contains "$out" "1400" || return 1
  assert_contains "$out" "eth0 inet 10.77.1.2/24" || return 1
  assert_contains "$out" "eth0 inet6 fd77:1::2/64" || return 1
  assert_contains "$out" "default via 10.77.1.1 dev eth0" || return 1
  assert_contains "$out" "default via fd77:1::1 dev eth0" || return 1
  net_clean "$NS"
}

# The guest reaches the host over IPv4 and IPv6 and pings it; the host
# pings the guest and fetches a file its busybox httpd serves (what
# `podman run -p` needs). ping in the guest needs CAP_NET_RAW, as in a
# container.
# tcp_sink PORT FILE: the first connection to PORT (IPv4 or IPv6) that
# brings data writes it to FILE. (busybox nc -l took one connection only
# and, under load, sometimes kept none of its data.)
tcp_sink () {
  timeout 110 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    data = b""
    while True:
        d = c.recv(4096)
        if not d:
            break
        data += d
    c.close()
    if data:
        open(sys.argv[2], "wb").write(data)
        break
' "$1" "$2"
}

test_vm_net_traffic_both_ways () {
  net_ready
  command -v curl >/dev/null || skip "curl not installed"
  L4= L6=
  trap 'kill $L4 $L6 2>/dev/null; net_teardown' EXIT
  engine_netns 1 || return 1
  # (each client retried: under load a listener on the host may not be
  # bound yet when the guest is already up)
  net_bundle sh -c 'for a in 10.77.1.1:8124:v4 fd77:1::1:8126:v6; do p=${a%:*}; for i in 1 2 3 4 5; do
  echo guest-${a##*:} | nc ${p%:*} ${p##*:} 2>>/tmp/nc.err && break; sleep 1; done; done
for a in 10.77.1.1 fd77:1::1; do ping -c 1 -W 5 $a >/dev/null 2>&1 && echo ping-$a || echo no-ping-$a; done > /tmp/ping.txt
exec httpd -f -p 8080 -h /tmp' || return 1
  ln -sf busybox "$D/rootfs/bin/ping"; ln -sf busybox "$D/rootfs/bin/httpd"
  edit_config "$D" "
for k in ('bounding', 'effective', 'permitted'):
    c['process']['capabilities'][k].append('CAP_NET_RAW')"
  tcp_sink 8124 "$D/v4" & L4=$!
  tcp_sink 8126 "$D/v6" & L6=$!
  local id out i
  id=$(new_id)
  (cd "$D" && "$VM" run -d "$id" >"$D/run.out" 2>&1 </dev/null) || fail "run: $(cat "$D/run.out")" || return 1
  for i in $(seq 1 60); do
    out=$(curl -s --max-time 2 http://10.77.1.2:8080/ping.txt) && [ -n "$out" ] && break
    sleep 0.5
  done
  assert_eq "$(echo $out)" "ping-10.77.1.1 ping-fd77:1::1" "guest pings host; host fetches from guest httpd" || return 1
  "$BUSYBOX" ping -c 1 -W 5 10.77.1.2 >/dev/null || fail "host cannot ping the guest (IPv4)" || return 1
  "$BUSYBOX" ping -c 1 -W 5 fd77:1::2 >/dev/null || fail "host cannot ping the guest (IPv6)" || return 1
  wait $L4 $L6
  local why="the guest's nc said: $(curl -s --max-time 5 http://10.77.1.2:8080/nc.err | tr '\n' ' ')"
  assert_eq "$(cat "$D/v4")" "guest-v4" "guest -> host, IPv4; $why" || return 1
  assert_eq "$(cat "$D/v6")" "guest-v6" "guest -> host, IPv6; $why" || return 1
  "$VM" delete -f "$id" || return 1
  net_clean "$NS"
}

# Killed: the monitor and its guest process get SIGKILL; delete --force
# still removes the tap and the filters from the engine's namespace.
test_vm_net_nothing_left_after_kill_9 () {
  net_ready
  trap net_teardown EXIT
  engine_netns 1 || return 1
  net_bundle sleep 1000 || return 1
  local id pid p
  id=$(new_id)
  (cd "$D" && "$VM" create "$id" >"$D/c.out" 2>&1 </dev/null) || fail "create: $(cat "$D/c.out")" || return 1
  ip -n "$NS" -o link show | grep -q tap0_silo || fail "no tap while it runs" || return 1
  pid=$("$VM" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  for p in $(cat /proc/$pid/task/*/children) $pid; do kill -9 "$p"; done
  "$VM" delete --force "$id" || return 1
  net_clean "$NS"
}

# A create that fails after the network was plumbed (no such program)
# takes it all away again; so does a plain delete.
test_vm_net_nothing_left_after_failed_create_or_delete () {
  net_ready
  trap net_teardown EXIT
  engine_netns 1 || return 1
  net_bundle /nonexistent || return 1
  local id out
  id=$(new_id)
  out=$(cd "$D" && "$VM" create "$id" 2>&1 </dev/null) && fail "create passed: $out" && return 1
  net_clean "$NS" || return 1
  set_args "$D" true
  (cd "$D" && "$VM" run "$id" >"$D/r.out" 2>&1 </dev/null) || fail "run: $(cat "$D/r.out")" || return 1
  net_clean "$NS"
}

# Two interfaces keep their names, order and MACs; an interface without
# an address comes up without one.
test_vm_net_two_interfaces_one_without_address () {
  net_ready
  trap net_teardown EXIT
  engine_netns 1 || return 1
  ip -n "$NS" link add net1 type veth peer name net1p || return 1
  ip -n "$NS" link set net1 up || return 1
  net_bundle sh -c 'for i in eth0 net1; do echo "$i $(cat /sys/class/net/$i/address) $(ip -o addr show dev $i scope global | wc -l)"; done' || return 1
  local out
  out=$(same_in_both_modes "$D") || return 1
  assert_contains "$out" "net1 $(ip netns exec "$NS" cat /sys/class/net/net1/address) 0" || return 1
  assert_contains "$out" "eth0 $(ip netns exec "$NS" cat /sys/class/net/eth0/address) 2"
}

# --network none: a namespace with lo only; the guest has lo, up, and no
# other interface (as a container).
test_vm_net_none_has_lo_only () {
  net_ready
  trap net_teardown EXIT
  NS=sn$$-0
  ip netns add "$NS" || return 1
  net_bundle sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate' || return 1
  local out
  out=$(cd "$D" && "$VM" run "$(new_id)" 2>&1) || fail "$out" || return 1
  assert_eq "$(echo "$out" | head -1)" "lo"
}

# A sandbox cannot share the host's network namespace: refused in one line,
# nothing left (the monitor would otherwise take the host's interfaces).
test_vm_net_host_namespace_refused () {
  net_ready
  local d id out
  d=$(mktemp -d)
  make_bundle "$d" true || return 1
  edit_config "$d" "
c.setdefault('annotations', {})['silo.sandbox.backend'] = '$BACKEND'
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
  id=$(new_id)
  out=$(cd "$d" && "$VM" run "$id" 2>&1 </dev/null) && fail "ran: $out" && return 1
  assert_contains "$out" "sandbox mode needs a network namespace" || return 1
  ! "$VM" state "$id" >/dev/null 2>&1 || fail "state left for $id"
  rm -rf "$d"
}

# An ingress qdisc the engine put on its interface before the sandbox is
# the engine's: silo's filter goes with delete, the qdisc stays; one silo
# made goes too.
test_vm_net_engines_qdisc_stays () {
  net_ready
  trap net_teardown EXIT
  engine_netns 1 || return 1
  tc -n "$NS" qdisc add dev eth0 ingress || return 1
  net_bundle true || return 1
  local out
  out=$(cd "$D" && "$VM" run "$(new_id)" 2>&1) || fail "run: $out" || return 1
  out=$(tc -n "$NS" qdisc show dev eth0)
  assert_contains "$out" "qdisc ingress ffff:" "the engine's qdisc" || return 1
  out=$(tc -n "$NS" filter show dev eth0 ingress; ip -n "$NS" -o link show)
  case "$out" in *mirred*|*_silo*) fail "left: $out"; return 1 ;; esac
}
