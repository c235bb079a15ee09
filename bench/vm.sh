#!/usr/bin/env bash
# make bench-vm: sandbox mode end to end on the backend this host offers.
#   run     `silo-vm run ID` of /bin/true: boot, agent, workload, power-off
#   ready   `silo-vm create ID` returns once the agent is up and the workload
#           is prepared: the time to agent ready (then delete -f, not timed)
#   exec    `silo-vm exec ID /bin/true` into a running sandbox
#   rss     peak RSS of the sandbox's host processes over a `run`
#           (/usr/bin/time %M of the monitor's tree, largest process)
#   V3      on the kvm backend: the VMM's RSS beyond guest RAM (vmm-overhead.sh)
#   net     TCP throughput and HTTP latency host<->workload, beside runc and
#           container mode (net.sh)
#   pod     a container added to a running pod's guest against a boot, and
#           host memory per pod member against a sandbox each (pod.sh)
# Writes bench/RESULTS-vm.md. Targets live in SPECIFICATION.md (V1-V3).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
source "$TOP/bench/lib.sh"
BUILD=${BUILD:-build}
SILO_VM=${SILO_VM:-$TOP/$BUILD/silo-vm}
RUNS=${RUNS:-10}
OUT=${OUT:-$TOP/bench/RESULTS-vm.md}
WORK=$(mktemp -d /tmp/silo-bench-vm.XXXXXX)
ROOT=$WORK/root
RT="$SILO_VM --root $ROOT"
trap '$RT delete -f bvm-exec >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

command -v hyperfine >/dev/null || { echo "bench-vm: hyperfine is missing (make deps)" >&2; exit 1; }
backend=$("$SILO_VM" --version | sed -n 's/^sandbox backends: //p')

bundle () {
  local dir=$1; shift
  mkdir -p "$dir/rootfs/bin"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for a in sh true sleep; do ln -sf busybox "$dir/rootfs/bin/$a"; done
  (cd "$dir" && "$SILO_VM" spec)
  python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(sys.argv[1], "w"))
PY
}

bundle "$WORK/true" /bin/true
bundle "$WORK/sleep" /bin/sleep 1000

hyperfine -N --style basic --warmup 1 --runs "$RUNS" --output null \
  --export-json "$WORK/run.json" -n "silo-vm run" "$RT run -b $WORK/true bvm-run" >&2
hyperfine --style basic --warmup 1 --runs "$RUNS" --output null \
  --prepare "$RT delete -f bvm-ready >/dev/null 2>&1 || true" \
  --export-json "$WORK/ready.json" -n "silo-vm create" "$RT create -b $WORK/true bvm-ready" >&2
$RT delete -f bvm-ready >/dev/null 2>&1 || true
$RT run -d -b "$WORK/sleep" bvm-exec </dev/null >/dev/null
hyperfine -N --style basic --warmup 2 --runs "$RUNS" --output null \
  --export-json "$WORK/exec.json" -n "silo-vm exec" "$RT exec bvm-exec /bin/true" >&2
$RT delete -f bvm-exec >/dev/null
rss=$(/usr/bin/time -f %M $RT run -b "$WORK/true" bvm-rss 2>&1 >/dev/null | tail -1)
net_rows=$(SILO="$(dirname "$SILO_VM")/silo" RUNS=5 "$TOP/bench/net.sh")
pod_section=$(SILO="$(dirname "$SILO_VM")/silo" RUNS=$RUNS "$TOP/bench/pod.sh")
# Without VT-x/AMD-V here, the kvm backend's row comes from the nested host
# (QEMU TCG's emulated AMD-V), labelled: emulation, not hardware.
case "$backend" in
  *kvm*) ;;
  *) kvm_row=$(BUILD=$BUILD "$TOP/tests/nested/run.sh" "$TOP" env SILO="$TOP/$BUILD/silo" RUNS=2 \
                 NET_ONLY=kvm NET_LABEL="(emulated: nested QEMU TCG, not hardware)" \
                 SILO_GUEST_KERNEL="$TOP/$BUILD/guest-kernel/vmlinux" bench/net.sh 2>/dev/null \
               | tr -d '\r' | grep '^| silo-vm, kvm' || true)
     net_rows+=${kvm_row:+$'\n'$kvm_row} ;;
esac
overhead="not measured: the kvm backend is not available here"
case "$backend" in kvm*) overhead=$("$TOP/bench/vmm-overhead.sh") ;; esac

{
  echo "# Sandbox mode benchmark"
  echo
  echo "Backend: $backend. Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r), $(date -u +%Y-%m-%d). $RUNS runs a row, median ± stddev. Produced by \`make bench-vm\` (bench/vm.sh)."
  echo
  echo "| row | spec | ms |"
  echo "|---|---|---:|"
  echo "| \`silo-vm run\` of /bin/true, end to end | V1/V2 | $(hf_stat "$WORK/run.json") |"
  echo "| \`silo-vm create\`: time to agent ready | V2 | $(hf_stat "$WORK/ready.json") |"
  echo "| \`silo-vm exec\` of /bin/true | — | $(hf_stat "$WORK/exec.json") |"
  echo
  echo "## Network, host to workload (bench/net.sh)"
  echo
  echo "Each workload in a network namespace of its own with a veth pair, as an engine makes it; busybox httpd and a TCP sink inside, Python on the host (no process per request). Medians: TCP of 5 sends of 256 MiB, HTTP of 200 GETs each on a new connection. The kvm backend is measured only where hardware virtualization exists (under nested emulation its figures would say nothing of hardware)."
  echo
  echo "$net_rows"
  echo
  echo "VMM memory beyond guest RAM, 1 vCPU and 128 MiB (V3, bench/vmm-overhead.sh): $overhead."
  echo
  echo "Peak RSS of the silo process driving one \`run\` (/usr/bin/time %M, which counts the largest process of the tree, here the guest's memory-backed kernel process): $rss KiB."
  echo
  echo "$pod_section"
} > "$OUT"
cat "$OUT"
