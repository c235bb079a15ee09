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
