#!/usr/bin/env bash
# SPECIFICATION V3: the VMM's resident memory beyond guest RAM, for 1 vCPU
# and 128 MiB (memory limit 160 MiB, less the 32 MiB headroom). Starts a
# sandbox on the kvm backend, lets it settle, and reads the VMM's smaps:
# VmRSS minus the Rss of the guest-memory mapping. Prints one line:
#   vmm-overhead KiB=<n> rss=<n> guest=<n>
# Memory, not time: valid under nested emulation too.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
source "$TOP/bench/lib.sh"
BUILD=${BUILD:-build}
SILO_VM=${SILO_VM:-$TOP/$BUILD/silo-vm}
WORK=$(mktemp -d /tmp/silo-vmm-overhead.XXXXXX)
RT="$SILO_VM --root $WORK/root"
trap '$RT delete -f vmm-ovh >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

mkdir -p "$WORK/b/rootfs/bin"
cp /bin/busybox "$WORK/b/rootfs/bin/busybox"
ln -s busybox "$WORK/b/rootfs/bin/sleep"
(cd "$WORK/b" && "$SILO_VM" spec)
python3 - "$WORK/b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"].update(terminal=False, args=["sleep", "1000"])
c.setdefault("annotations", {})["silo.sandbox.backend"] = "kvm"
c["linux"].setdefault("resources", {})["memory"] = {"limit": 160 << 20}
json.dump(c, open(sys.argv[1], "w"))
PY
$RT run -d -b "$WORK/b" vmm-ovh </dev/null >/dev/null
sleep "${SETTLE:-2}"
monitor=$($RT state vmm-ovh | oci_pid)
guest_kib=$((128 * 1024))
for pid in $(pgrep -P "$monitor"); do
  # The VMM is the child that maps guest RAM: one mapping of exactly its size.
  guest=$(awk -v want="$guest_kib" '/^Size:/ { size = $2 } /^Rss:/ && size == want { g = $2 }
    END { print g + 0 }' "/proc/$pid/smaps")
  [ "$guest" -gt 0 ] || continue
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  echo "vmm-overhead KiB=$((rss - guest)) rss=$rss guest=$guest"
  exit 0
done
echo "vmm-overhead: no VMM child of monitor $monitor maps $guest_kib KiB of guest RAM" >&2
exit 1
