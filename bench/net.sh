#!/usr/bin/env bash
# Network figures host <-> workload, side by side in one run (make bench-vm):
# for each runtime, a network namespace with a veth pair (host end
# 10.88.N.1/24, workload end .2/24, as an engine makes it) given to the
# bundle by path; the workload runs busybox httpd (a 1 KiB file) and a TCP
# sink. From the host, in Python (no process per request):
#   tcp     MB/s of 256 MiB sent to the sink (median of RUNS sends)
#   http    ms per GET on a new connection (median of 200)
# Runtimes: runc (reference), silo (container mode), silo-vm on each backend
# this host offers (kvm only with hardware virtualization: under nested
# emulation its figures would say nothing of hardware). Prints Markdown rows.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
SILO=${SILO:-$TOP/$BUILD/silo}
RUNS=${RUNS:-5}
WORK=$(mktemp -d /tmp/silo-bench-net.XXXXXX)
N=0

cleanup () {
  local i
  for i in $(seq 1 "$N"); do
    ip netns del "sbn$$-$i" 2>/dev/null || true
    ip link del "sbh$$-$i" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

bundle () {
  local dir=$1 ns=$2 spec=$3 backend=$4 app
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/www" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for app in sh httpd nc sleep; do ln -sf busybox "$dir/rootfs/bin/$app"; done
  head -c 1024 /dev/zero | tr '\0' x > "$dir/rootfs/www/f"
  (cd "$dir" && $spec spec)
  python3 - "$dir/config.json" "$ns" "$backend" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
if sys.argv[3]:
    c.setdefault("annotations", {})["silo.sandbox.backend"] = sys.argv[3]
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "while :; do nc -l -p 5001 > /dev/null; done & exec httpd -f -p 80 -h /www"]
for n in c["linux"]["namespaces"]:
    if n["type"] == "network":
        n["path"] = "/run/netns/" + sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
}

measure () {
  python3 - "$1" "$RUNS" <<'PY'
import http.client, socket, statistics, sys, time
ip, runs = sys.argv[1], int(sys.argv[2])
def get():
    c = http.client.HTTPConnection(ip, 80, timeout=10)
    c.request("GET", "/f"); r = c.getresponse(); r.read(); c.close()
    return r.status
deadline = time.time() + 60
while True:
    try:
        if get() == 200: break
    except OSError:
        pass
    if time.time() > deadline: sys.exit("no answer from " + ip)
    time.sleep(0.2)
buf, total = b"\0" * (1 << 20), 256
rates = []
def sink():
    # the sink's loop listens again after each send (slowly in a guest)
    for _ in range(100):
        try:
            return socket.create_connection((ip, 5001), timeout=30)
        except ConnectionRefusedError:
            time.sleep(0.1)
    sys.exit("the TCP sink of " + ip + " does not listen")
for _ in range(runs):
    s = sink()
    t = time.perf_counter()
    for _ in range(total): s.sendall(buf)
    s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
    rates.append(total / (time.perf_counter() - t))
lat = []
for _ in range(200):
    t = time.perf_counter(); get(); lat.append((time.perf_counter() - t) * 1000)
print("%.0f | %.2f" % (statistics.median(rates), statistics.median(lat)))
PY
}

# row NAME BACKEND RUNTIME-COMMAND...: one namespace, one detached workload.
row () {
  local name=$1 backend=$2 ns host dir id=bnet$$-$N fig; shift 2
  N=$((N + 1)); ns=sbn$$-$N; host=sbh$$-$N; dir=$WORK/$N
  ip netns add "$ns"
  ip link add "$host" type veth peer name eth0 netns "$ns"
  ip addr add "10.88.$N.1/24" dev "$host"; ip link set "$host" up
  ip -n "$ns" addr add "10.88.$N.2/24" dev eth0; ip -n "$ns" link set eth0 up
  bundle "$dir" "$ns" "$SILO" "$backend"
  (cd "$dir" && "$@" run -d "$id" </dev/null >/dev/null 2>&1) || { echo "| $name | failed to start | |"; return; }
  fig=$(measure "10.88.$N.2" 2>&1) || fig="failed: $fig | "
  "$@" delete -f "$id" >/dev/null 2>&1 || "$@" kill "$id" KILL >/dev/null 2>&1 || true
  "$@" delete -f "$id" >/dev/null 2>&1 || true
  echo "| $name | $fig |"
}

# NET_ONLY=kvm: that backend's row alone, without the header, labelled
# NET_LABEL (bench/vm.sh runs it so inside the nested host).
if [ -z "${NET_ONLY:-}" ]; then
  echo "| workload | TCP host→workload, MB/s | HTTP GET, new connection, ms |"
  echo "|---|---:|---:|"
  command -v runc >/dev/null && row "runc $(runc --version | awk 'NR==1 {print $3}')" "" runc --root "$WORK/runc"
  row "silo (container mode)" "" "$SILO" --root "$WORK/silo"
fi
backends=$("$SILO" --version | sed -n 's/^sandbox backends: //p')
for b in ${NET_ONLY:-${backends//,/ }}; do
  case ",$backends," in *",$b,"*) ;; *) continue ;; esac
  row "silo-vm, $b backend${NET_LABEL:+ $NET_LABEL}" "$b" "$SILO" --root "$WORK/vm-$b" --sandbox vm
done
