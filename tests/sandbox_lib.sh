# Shared by the sandbox-mode test files: the silo-vm binary, the backend
# under test (SILO_TEST_SANDBOX_BACKEND=uml, the default, or kvm) and the
# helpers that make and compare bundles in both modes.
VM=${SILO}-vm
[ -x "$VM" ] || VM="$(dirname "$SILO")/silo-vm"
BACKEND=${SILO_TEST_SANDBOX_BACKEND:-uml}

backend_ready () {
  [ -x "$VM" ] || skip "no silo-vm next to $SILO"
  case "$BACKEND" in
    uml) [ -x /usr/bin/linux ] || skip "user-mode-linux not installed (/usr/bin/linux)" ;;
    kvm)
      grep -qwE 'vmx|svm' /proc/cpuinfo || skip "kvm backend: no hardware virtualization here"
      [ -r "${SILO_GUEST_KERNEL:-/usr/local/lib/silo/vmlinux}" ] \
        || skip "kvm backend: no guest kernel (make guest-kernel, SILO_GUEST_KERNEL)" ;;
    *) fail "SILO_TEST_SANDBOX_BACKEND=$BACKEND: want uml or kvm" ;;
  esac
}

# Force the backend through the annotation, as a user would.
make_vm_bundle () {
  local dir=$1; shift
  make_bundle "$dir" "$@" || return 1
  edit_config "$dir" "c.setdefault('annotations', {})['silo.sandbox.backend'] = '$BACKEND'"
}

# create_must_fail DIR ID: prints create's output; fails (and deletes ID)
# if create passed. Through a file: a monitor that outlived a create that
# should have failed would hold a pipe open.
create_must_fail () {
  (cd "$1" && "$VM" create "$2" >"$1/create.out" 2>&1 </dev/null)
  local rc=$?
  cat "$1/create.out"
  [ $rc -ne 0 ] && return 0
  "$VM" delete --force "$2" >/dev/null 2>&1
  return 1
}

# same_in_both_modes DIR: run DIR's bundle in sandbox mode, then in
# container mode (sandbox first: nothing container mode makes in the rootfs
# is there yet); both must pass and print the same, which is printed.
same_in_both_modes () {
  local d=$1 out_v out_c
  out_v=$(cd "$d" && "$VM" run "$(new_id)" 2>&1) || fail "sandbox mode: $out_v" || return 1
  out_c=$(cd "$d" && "$SILO" run "$(new_id)" 2>&1) || fail "container mode: $out_c" || return 1
  assert_eq "$out_v" "$out_c" "sandbox vs container" || return 1
  echo "$out_v"
}

