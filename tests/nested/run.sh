#!/bin/sh
# Run a command where hardware virtualization exists, on a host that has none:
# QEMU (TCG) emulates an AMD-V CPU with nested paging, Debian's kernel boots
# as the L1 guest, loads kvm_amd, and runs the command over the host's root
# filesystem (read-only 9p share plus a tmpfs overlay). silo's VMM then runs
# its own guests on that /dev/kvm: the code paths of a real VT-x/AMD-V host,
# at emulation speed.
#   tests/nested/run.sh DIR CMD...   runs `cd DIR && CMD...` in L1
# Exits with the command's status; 77 when QEMU or a kernel with kvm_amd is
# missing (the reason is printed); 75 when L1 stalled or panicked (see
# below).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/${BUILD:-build}/nested
qemu=${QEMU:-qemu-system-x86_64}
dir=$1
shift

skip () { echo "nested: skipped: $*"; exit 77; }
command -v "$qemu" >/dev/null || skip "$qemu not installed (apt-get install qemu-system-x86)"
kver=${NESTED_KERNEL_VERSION:-$(ls /lib/modules 2>/dev/null | sort -V | tail -1)}
kernel=/boot/vmlinuz-$kver
[ -n "$kver" ] && [ -r "$kernel" ] || skip "no Debian kernel in /boot (apt-get install linux-image-amd64)"
modprobe --show-depends -S "$kver" -a kvm_amd >/dev/null 2>&1 \
  || skip "kernel $kver has no kvm_amd module"
command -v busybox >/dev/null || skip "busybox not installed"

# The L1 initramfs: busybox, init.sh and the modules in load order.
rm -rf "$build/initramfs"
mkdir -p "$build/initramfs/bin" "$build/initramfs/modules"
for d in proc sys dev; do mkdir -p "$build/initramfs/$d"; done
cp "$(command -v busybox)" "$build/initramfs/bin/busybox"
cp "$here/init.sh" "$build/initramfs/init"
modprobe --show-depends -S "$kver" -a kvm_amd virtio_pci 9pnet_virtio 9p overlay tun \
  veth sch_ingress cls_u32 act_mirred \
  bridge br_netfilter nf_tables nft_compat nft_chain_nat nft_masq xt_MASQUERADE xt_comment \
  xt_mark xt_addrtype xt_conntrack xt_multiport nf_conntrack_netlink fuse \
  | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
  name=$(basename "$ko")
  case "$ko" in
    *.xz) xz -dc "$ko" > "$build/initramfs/modules/${name%.xz}"; name=${name%.xz} ;;
    *) cp "$ko" "$build/initramfs/modules/$name" ;;
  esac
  echo "$name" >> "$build/initramfs/modules/order"
done
(cd "$build/initramfs" && find . | cpio -o -H newc --quiet) > "$build/l1.cpio"

# The job runs in L1's chroot, which sees this host's files at the same paths.
job=$build/job.sh
{
  echo "cd '$dir' || exit 126"
  printf 'exec'
  for a in "$@"; do printf " '%s'" "$(printf %s "$a" | sed "s/'/'\\\\''/g")"; done
  echo
} > "$job"

log=$build/console.log
: > "$log"
# -cpu max: TCG's AMD-V with nested paging. Two vCPUs let the VMM's threads
# and the guest's run side by side (multi-threaded TCG).
timeout "${NESTED_TIMEOUT:-2700}" "$qemu" -M q35 -cpu max -smp "${NESTED_CPUS:-2}" -m "${NESTED_MEM:-3072}" -accel tcg,thread="${NESTED_TCG_THREAD:-multi}" \
  -nographic -no-reboot -nodefaults -serial stdio \
  -kernel "$kernel" -initrd "$build/l1.cpio" \
  -append "console=ttyS0 quiet panic=-1 silo_nested_job=$job" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -monitor unix:"$build/monitor.sock",server=on,wait=off \
  </dev/null >>"$log" 2>&1 &
qemu_pid=$!
tail -n +1 -f --pid="$qemu_pid" "$log" &
tail_pid=$!

# Emulated AMD-V is not hardware: now and then L1 itself stops making
# progress. Seen here: an L2 guest spinning with interrupts off on a lock
# that an interrupt handler took over code that held it with interrupts
# off, i.e. an interrupt delivered into L2 while its IF was clear, which
# L1's KVM never does on hardware; L1 then reports a soft lockup or an RCU
# stall and prints nothing more. Stop it then, or when the console has
# been silent for NESTED_STALL seconds (the job prints at least one line
# per test and each test has a shorter limit of its own), and exit 75 so
# that the caller can start a fresh L1 for what had not finished.
stall_limit=${NESTED_STALL:-200}
size=0 silent=0 stalled=
while kill -0 "$qemu_pid" 2>/dev/null; do
  sleep 5
  new_size=$(stat -c %s "$log")
  if [ "$new_size" -ne "$size" ]; then size=$new_size silent=0; else silent=$((silent + 5)); fi
  if grep -qE 'soft lockup|rcu_preempt (self-)?detected stall' "$log"; then
    stalled="L1's kernel reported a soft lockup or RCU stall"
  elif [ "$silent" -ge "$stall_limit" ]; then
    stalled="L1 printed nothing for $stall_limit s (NESTED_STALL)"
  fi
  if [ -n "$stalled" ]; then
    sleep 2 # let the report reach the log
    kill "$qemu_pid"
    break
  fi
done
wait "$qemu_pid" || true
wait "$tail_pid" || true
# The other face of the same fault: L1's kernel oopses in its own KVM code
# and panics (panic=-1 and -no-reboot end QEMU at once). Seen in CI: "BUG:
# TASK stack guard page was hit" at error_entry, exceptions nesting until
# the stack ran out, in the VMM's thread during KVM_RUN. A user process
# cannot do that to a kernel on hardware; the caller starts a fresh L1.
if [ -z "$stalled" ] && grep -q 'Kernel panic - not syncing' "$log"; then
  why=$(grep -m1 -oE '(BUG|general protection fault|Oops):.*|Kernel panic - not syncing:.*' "$log" | cut -c1-100)
  stalled="L1's kernel panicked ($why)"
fi
[ -z "$stalled" ] || { echo "nested: L1 stalled: $stalled"; exit 75; }
status=$(sed -n 's/^nested: exit \([0-9]*\).*/\1/p' "$log" | tail -1)
[ -n "$status" ] || { echo "nested: L1 ended without reporting a status"; exit 1; }
exit "$status"
