#!/usr/bin/env bash
# Pods in sandbox mode (bench/vm.sh runs it; prints a Markdown section):
#   add      `silo-vm run` of /bin/true as a member of a running pod (its
#            tree grafted into the pod's guest, no boot) beside container
#            mode's `silo run` and a `silo-vm run` that boots a guest of its own
#   memory   host memory of N sleeping containers as members of one pod
#            against N sandboxes of their own: the memory cgroups' usage
#            (the VM's guest RAM is a file in its jail's tmpfs, counted there)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
source "$TOP/bench/lib.sh"
BUILD=${BUILD:-build}
SILO=${SILO:-$TOP/$BUILD/silo}
SILO_VM=$(dirname "$SILO")/silo-vm
RUNS=${RUNS:-10}
N=${N:-4}
WORK=$(mktemp -d /tmp/silo-bench-pod.XXXXXX)
ROOT=$WORK/root
RT="$SILO_VM --root $ROOT"
CT="$SILO --root $ROOT"
cleanup () {
  local id
  for id in $($RT list -q 2>/dev/null); do $RT delete -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# bundle DIR [POD_PID] ARGS...: busybox; with a pod's monitor pid, a member
# (its network, IPC and UTS namespaces by path, as podman's).
bundle () {
  local dir=$1 pod=$2; shift 2
  mkdir -p "$dir/rootfs/bin"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for a in sh true sleep; do ln -sf busybox "$dir/rootfs/bin/$a"; done
  (cd "$dir" && "$SILO" spec)
  python3 - "$dir/config.json" "$pod" "$@" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = sys.argv[3:]
if sys.argv[2]:
    names = {"network": "net", "ipc": "ipc", "uts": "uts"}
    for n in c["linux"]["namespaces"]:
        if n["type"] in names:
            n["path"] = "/proc/%s/ns/%s" % (sys.argv[2], names[n["type"]])
    c.pop("hostname", None)
json.dump(c, open(sys.argv[1], "w"))
PY
}

pid_of () { $RT state "$1" | oci_pid; }
usage () { cat /sys/fs/cgroup/memory/silo/"$1"/memory.usage_in_bytes 2>/dev/null \
             || cat /sys/fs/cgroup/silo/"$1"/memory.current; }

bundle "$WORK/pod" "" /bin/sleep 100000
bundle "$WORK/true" "" /bin/true
$RT run -d -b "$WORK/pod" bpod </dev/null >/dev/null
pod=$(pid_of bpod)
bundle "$WORK/member" "$pod" /bin/true
bundle "$WORK/msleep" "$pod" /bin/sleep 100000

hyperfine -N --style basic --warmup 1 --runs "$RUNS" --output null \
  --export-json "$WORK/member.json" -n member "$RT run -b $WORK/member bpod-m" >&2
hyperfine -N --style basic --warmup 1 --runs "$RUNS" --output null \
  --export-json "$WORK/ctr.json" -n container "$CT run -b $WORK/true bpod-c" >&2
hyperfine -N --style basic --warmup 1 --runs "$RUNS" --output null \
  --export-json "$WORK/vm.json" -n vm "$RT run -b $WORK/true bpod-v" >&2

# memory: the pod alone, then with N members; N sandboxes of their own
sleep 2
base=$(usage bpod)
for i in $(seq "$N"); do $RT run -d -b "$WORK/msleep" "bpod-s$i" </dev/null >/dev/null; done
sleep 2
with=$base
for i in $(seq "$N"); do with=$((with + $(usage "bpod-s$i"))); done
with=$((with - base + $(usage bpod)))
for i in $(seq "$N"); do $RT delete -f "bpod-s$i" >/dev/null; done
$RT delete -f bpod >/dev/null
bundle "$WORK/vsleep" "" /bin/sleep 100000
own=0
for i in $(seq "$N"); do $RT run -d -b "$WORK/vsleep" "bpod-o$i" </dev/null >/dev/null; done
sleep 2
for i in $(seq "$N"); do own=$((own + $(usage "bpod-o$i"))); done

mib () { python3 -c "print('%.1f' % ($1 / 1048576))"; }
backend=$("$SILO_VM" --version | sed -n 's/^sandbox backends: //p')
echo "## Pods (bench/pod.sh)"
echo
echo "Backend: $backend. A member joins a running pod's guest: its tree is grafted into the pod's jail and the agent starts it, no boot. $RUNS runs a row, median ± stddev."
echo
echo "| row | ms |"
echo "|---|---:|"
echo "| \`silo-vm run\` of /bin/true as a member of a running pod | $(hf_stat "$WORK/member.json") |"
echo "| \`silo run\` of /bin/true (container mode) | $(hf_stat "$WORK/ctr.json") |"
echo "| \`silo-vm run\` of /bin/true in a guest of its own (boot included) | $(hf_stat "$WORK/vm.json") |"
echo
echo "Host memory (memory cgroups' usage) of $N sleeping containers: as members of one pod, $(mib $((with - base))) MiB beyond the pod's own $(mib "$base") MiB, $(mib $(((with - base) / N))) MiB each; as $N sandboxes of their own, $(mib "$own") MiB, $(mib $((own / N))) MiB each."
