# Container mode networking (issue 13): a network namespace silo creates has
# its loopback up, as runc and crun give it; one the config joins by path is
# the engine's and is left as it is. The sandbox twin is in sandbox_vm.sh.
source "$TOP/tests/container_lib.sh"

# IFF_UP is bit 0 of /sys/class/net/lo/flags (0x9 up, 0x8 down).
test_loopback_up_in_new_netns () {
  setup cat /sys/class/net/lo/flags
  local out ref
  out=$(in_bundle run "$ID" 2>&1) || fail "run: $out" || return 1
  assert_eq "$out" "0x9" "silo" || return 1
  command -v runc >/dev/null || return 0
  ref=$(cd "$T/b" && runc --root "$T/runc" run "$ID-runc" 2>&1)
  assert_eq "$out" "$ref" "silo vs runc"
}

test_loopback_left_alone_in_joined_netns () {
  command -v ip >/dev/null || skip "iproute2 not installed"
  setup cat /sys/class/net/lo/flags
  local ns=silo-lo-$$ out
  ip netns add "$ns" || return 1
  edit_config "$T/b" "
for n in c['linux']['namespaces']:
    if n['type'] == 'network': n['path'] = '/run/netns/$ns'"
  out=$(in_bundle run "$ID" 2>&1)
  ip netns del "$ns"
  assert_eq "$out" "0x8" "joined netns"
}

# veth_pair NAME: a veth pair NAME/NAME-p on the host, NAME with an IPv4
# and an IPv6 address and up. Removed (with its peer) by net_cleanup.
veth_pair () {
  ip link add "$1" type veth peer name "$1-p" || return 1
  ip addr add 10.199.$2.1/24 dev "$1" && ip -6 addr add fd00:199:$2::1/64 dev "$1" nodad \
    && ip link set "$1" up
}

net_cleanup () {
  local l
  for l in "$@"; do ip link del "$l" 2>/dev/null; done
  teardown
}

# linux.netDevices (runtime-spec 1.3): a host interface moves into the
# container's network namespace, renamed, with its addresses and up state;
# it is gone from the host (with the namespace, a veth goes too).
test_net_devices_move_renamed_with_addresses () {
  command -v ip >/dev/null || skip "iproute2 not installed"
  setup sh -c 'ip -o addr show dev eth7; cat /sys/class/net/eth7/flags; cat /sys/class/net/eth7/address'
  local v=silo-nd$$ out mac
  trap "net_cleanup $v" EXIT
  ln -sf busybox "$T/b/rootfs/bin/ip"
  veth_pair "$v" 1 || return 1
  mac=$(cat /sys/class/net/$v/address)
  edit_config "$T/b" "c['linux']['netDevices'] = {'$v': {'name': 'eth7'}}"
  create_c "$ID" || return 1
  [ ! -e "/sys/class/net/$v" ] || fail "$v still on the host" || return 1
  $S start "$ID" || return 1
  wait_for is_status "$ID" stopped || return 1
  out=$(cat "$T/create.out")
  assert_contains "$out" "inet 10.199.1.1/24 scope global eth7" || return 1
  assert_contains "$out" "inet6 fd00:199:1::1/64 scope global" || return 1
  assert_contains "$out" "$mac" || return 1
  # IFF_UP (bit 0) kept
  [ $(( $(echo "$out" | grep '^0x') & 1 )) -eq 1 ] || fail "eth7 not up: $out"
}

# A device that is not there, or whose name the container already has, or
# a config without a network namespace: one line, nothing left, and the
# device where it was, with its address.
test_net_devices_errors_leave_the_device () {
  command -v ip >/dev/null || skip "iproute2 not installed"
  setup true
  local v=silo-ne$$
  trap "net_cleanup $v" EXIT
  veth_pair "$v" 2 || return 1
  edit_config "$T/b" "c['linux']['netDevices'] = {'nosuch$$': {}}"
  (cd "$T/b" && expect_fail "linux.netDevices.nosuch$$: no such interface on the host" \
    $S run "$ID") || return 1
  assert_nothing_left "$ID" || return 1
  edit_config "$T/b" "c['linux']['netDevices'] = {'$v': {'name': 'lo'}}"
  (cd "$T/b" && expect_fail "linux.netDevices.$v: the container already has an interface \`lo\`" \
    $S run "$ID") || return 1
  assert_nothing_left "$ID" || return 1
  ip -o addr show dev "$v" | grep -q "10.199.2.1/24" || fail "$v lost its address" || return 1
  edit_config "$T/b" "c['linux']['netDevices'] = {'$v': {}}"
  if [ -x /usr/bin/linux ]; then # sandbox mode: not yet (issue 13's virtio-net)
    (cd "$T/b" && expect_fail "linux.netDevices: not supported in sandbox mode yet" \
      "$(dirname "$SILO")/silo-vm" --root "$T/state" run "$ID") || return 1
    [ -e "/sys/class/net/$v" ] || fail "$v left the host" || return 1
  fi
  edit_config "$T/b" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
  (cd "$T/b" && expect_fail "linux.netDevices: needs a network namespace" $S run "$ID") || return 1
  edit_config "$T/b" "c['linux']['netDevices'] = {'$v': {'name': 'a/b'}}"
  (cd "$T/b" && expect_fail "is not an interface name" $S run "$ID") || return 1
  assert_nothing_left "$ID"
}
