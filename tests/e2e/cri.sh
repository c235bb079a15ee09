# containerd 1.6's CRI plugin driving silo the way the kubelet does, through
# tests/cri/cri.py (Debian ships no crictl). Each test starts its own
# containerd with temporary root, state, socket, runc root, CNI config
# (bridge + host-local on a bridge and subnet of its own) and cgroup parent,
# imports a busybox image and a pause image built here (no registry), and
# removes everything it started on exit: pods, containerd, shims, processes
# left in its cgroups, mounts, network namespaces, the bridge, cgroups and
# the temporary directory.

CRI_PY=$TOP/tests/cri/cri.py
BUSYBOX_IMAGE=localhost/silo-busybox:1
PAUSE_IMAGE=localhost/silo-pause:1

cri () {
  CRI_STUBS=$T/stubs /usr/bin/python3 "$CRI_PY" --sock "$T/sock" --call-timeout 40 "$@"
}

# cri_setup HANDLER: sets T, CG (the pods' cgroup parent), BR (the CNI
# bridge) and starts containerd with the CRI plugin and the handlers silo,
# silo-vm and runc (the runc v2 shim calling each binary).
cri_setup () {
  local handler=$1 bin
  command -v containerd >/dev/null && command -v ctr >/dev/null \
    || skip "containerd not installed (apt-get install containerd)"
  /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null \
    || skip "no python3-grpcio/python3-grpc-tools (apt-get install python3-grpcio python3-grpc-tools)"
  for bin in bridge host-local loopback; do
    [ -x "/usr/lib/cni/$bin" ] || skip "no /usr/lib/cni/$bin (apt-get install containernetworking-plugins)"
  done
  case $handler in
    silo) bin=$SILO ;;
    silo-vm) bin=$(dirname "$SILO")/silo-vm ;;
    runc) bin=$(command -v runc) || skip "runc not installed" ;;
  esac
  [ -x "$bin" ] || skip "no $bin"
  T=$(mktemp -d /tmp/silo-cri.XXXXXX)
  CG=silo-cri-${T##*.}
  BR=scri-${T##*.}
  trap cri_cleanup EXIT
  trap 'exit 143' TERM
  mkdir -p "$T/cni" "$T/logs"
  cri_config > "$T/config.toml"
  cat > "$T/cni/10-silo.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "$BR", "plugins": [
  {"type": "bridge", "bridge": "$BR", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$T/ipam", "routes": [{"dst": "0.0.0.0/0"}],
            "ranges": [[{"subnet": "10.213.$(( $$ % 250 )).0/24"}]]}}]}
EOF
  containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
  CTRD_PID=$!
  wait_up_to 10 cri version \
    || fail "containerd's CRI did not start: $(tail -3 "$T/containerd.log")" || return 1
  make_images "$T/images.tar" || return 1
  ctr -a "$T/sock" -n k8s.io images import "$T/images.tar" >/dev/null 2>"$T/import.err" \
    || fail "ctr images import: $(tail -1 "$T/import.err")" || return 1
  wait_for cri img "$PAUSE_IMAGE" || fail "the CRI does not see $PAUSE_IMAGE" || return 1
  cri_pod_json > "$T/pod.json"
}

cri_config () {
  local h bin
  cat <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$T/sock"
[ttrpc]
  address = "$T/sock.ttrpc"
[debug]
  address = "$T/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  disable_apparmor = true
  # The sandbox asks for oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE,
  # which root lacks here.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$T/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "silo"
EOF
  for h in silo silo-vm runc; do
    case $h in
      silo) bin=$SILO ;;
      silo-vm) bin=$(dirname "$SILO")/silo-vm ;;
      runc) bin=runc ;;
    esac
    cat <<EOF
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h.options]
      BinaryName = "$bin"
      Root = "$T/runc"
      SystemdCgroup = false
EOF
  done
}

# The PodSandboxConfig as the kubelet sends it (a pod without hostNetwork:
# network and IPC per pod, PID per container), in our cgroup parent.
cri_pod_json () {
  cat <<EOF
{"metadata": {"name": "silo-pod", "namespace": "silo-test", "uid": "uid-${T##*.}", "attempt": 0},
 "hostname": "silo-pod",
 "log_directory": "$T/logs",
 "linux": {"cgroup_parent": "/$CG",
   "security_context": {"namespace_options": {"network": "POD", "pid": "CONTAINER", "ipc": "POD"}}}}
EOF
}

# cri_ctr_json NAME CMD...: a ContainerConfig running CMD in the busybox image.
cri_ctr_json () {
  /usr/bin/python3 - "$BUSYBOX_IMAGE" "$@" <<'PY'
import json, sys
image, name, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
print(json.dumps({"metadata": {"name": name}, "image": {"image": image}, "command": cmd,
                  "log_path": name + ".log",
                  "linux": {"security_context": {"namespace_options": {"pid": "CONTAINER"}}}}))
PY
}

# make_images TAR: an OCI archive with two images on one busybox layer:
# $BUSYBOX_IMAGE, and $PAUSE_IMAGE, whose entrypoint sleeps until SIGTERM or
# SIGINT and then exits 0.
make_images () {
  make_rootfs_tar "$T/rootfs" "$T/rootfs.tar" || return 1
  /usr/bin/python3 - "$T/rootfs.tar" "$1" "$BUSYBOX_IMAGE" "$PAUSE_IMAGE" <<'PY'
import hashlib, io, json, sys, tarfile
layer_path, out, busybox, pause = sys.argv[1:]
blobs = {}
def blob(data, media):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"mediaType": media, "digest": digest, "size": len(data)}
layer = open(layer_path, "rb").read()
diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
layer_desc = blob(layer, "application/vnd.oci.image.layer.v1.tar")
def image(name, cfg):
    config = {"architecture": "amd64", "os": "linux", "config": dict(cfg, Env=["PATH=/bin"]),
              "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
                "layers": [layer_desc]}
    desc = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
    desc["annotations"] = {"io.containerd.image.name": name}
    desc["platform"] = {"architecture": "amd64", "os": "linux"}
    return desc
index = {"schemaVersion": 2, "manifests": [
    image(busybox, {"Cmd": ["sh"]}),
    image(pause, {"Entrypoint": ["sh", "-c",
        "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]})]}
with tarfile.open(out, "w") as tar:
    def add(name, data):
        info = tarfile.TarInfo(name); info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    add("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    add("index.json", json.dumps(index).encode())
    for digest, data in blobs.items():
        add("blobs/sha256/" + digest.split(":")[1], data)
PY
}

# Processes, cgroups, mounts and links of this test, whatever state it
# stopped in.
cri_cleanup () {
  local id pid m dir i f
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  if [ -n "${CTRD_PID:-}" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
    for id in $(cri --call-timeout 10 pods 2>/dev/null | cut -d' ' -f1); do
      cri --call-timeout 15 stopp "$id" >/dev/null 2>&1
      cri --call-timeout 15 rmp "$id" >/dev/null 2>&1
    done
    kill "$CTRD_PID" 2>/dev/null
    wait "$CTRD_PID" 2>/dev/null
  fi
  # Our shims, anything else that names the temporary directory (a
  # monitor, a guest kernel), and whatever sits in the pods' cgroups.
  for pid in $(cri_shims) $(grep -l -s -F "$T/" /proc/[0-9]*/cmdline | cut -d/ -f3); do
    [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] || kill -KILL "$pid" 2>/dev/null
  done
  for i in 1 2 3; do
    for pid in $(cat /sys/fs/cgroup/*/"$CG"/cgroup.procs /sys/fs/cgroup/*/"$CG"/*/cgroup.procs \
                 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null
    done
    for dir in $(find /sys/fs/cgroup/*/"$CG" -depth -type d 2>/dev/null); do
      rmdir "$dir" 2>/dev/null
    done
    cri_no_cgroup && break
    sleep 0.2
  done
  grep -o " $T/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  ip link del "$BR" 2>/dev/null
  # libcni's cache of a pod whose network was never torn down.
  for f in $(cri_cni_cache); do
    id=${f#*/"$BR"-}
    rm -f "$f" "/var/lib/cni/results/cni-loopback-${id%-eth0}-lo"
  done
  rm -rf "$T"
}

# The shims of our daemon: they carry its address.
cri_shims () {
  local pid
  for pid in $(pgrep -f containerd-shim); do
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-address $T/sock " && echo "$pid"
  done
}

cri_no_shim () {
  [ -z "$(cri_shims)" ]
}

# libcni's record of our pods' networks (the network is named after the bridge).
cri_cni_cache () {
  ls -d /var/lib/cni/results/"$BR"-* 2>/dev/null
}

# The pods' cgroups, in every hierarchy.
cri_cgroups () {
  find /sys/fs/cgroup/*/"$CG" -mindepth 1 -type d 2>/dev/null
}

cri_no_cgroup () {
  [ -z "$(cri_cgroups)" ]
}

# What a removed pod must not leave: runtime state under the runc root,
# a shim, a cgroup, a mount, a network namespace, a veth on the bridge, a
# CNI result.
cri_nothing_left () {
  local left
  left=$(ls -A "$T/runc/k8s.io" 2>/dev/null)
  [ -z "$left" ] || fail "state left under the runc root: $left" || return 1
  wait_for cri_no_shim || fail "a shim is still running: $(cri_shims)" || return 1
  wait_for cri_no_cgroup || fail "cgroups left: $(cri_cgroups | tr '\n' ' ')" || return 1
  left=$(grep -F " $T/" /proc/mounts | cut -d' ' -f2)
  [ -z "$left" ] || fail "mounts left: $left" || return 1
  left=$(ls -A "$T/state/io.containerd.grpc.v1.cri/netns" 2>/dev/null)
  [ -z "$left" ] || fail "network namespaces left: $left" || return 1
  left=$(ip -o link show master "$BR" 2>/dev/null)
  [ -z "$left" ] || fail "veths left on $BR: $left" || return 1
  left=$(cri_cni_cache)
  [ -z "$left" ] || fail "CNI results left: $left"
}

# cri_step WHAT COMMAND...: run a cri.py call; on failure fail with the
# call's one-line error, naming the step (and, for a call that timed out,
# containerd's last error other than the cancelled wait). Prints the call's
# output.
cri_step () {
  local what=$1 out err; shift
  if ! out=$(cri "$@" 2>"$T/step.err"); then
    err=$(tail -1 "$T/step.err")
    case $err in
      *DEADLINE_EXCEEDED*) err+=" (containerd's last error: $(grep 'level=error' "$T/containerd.log" \
                             | grep -v 'context canceled' | tail -1 | sed 's/.* error=//'))" ;;
    esac
    fail "$what: $err"
    return 1
  fi
  [ -z "$out" ] || echo "$out"
}

# The kubelet's sequence for one pod with handler $1: RunPodSandbox, two
# containers (CreateContainer, StartContainer), ExecSync, StopPodSandbox,
# RemovePodSandbox. The containers share the pod's network (the second
# reaches the first's server on 127.0.0.1), UTS namespace and kernel; no
# trace of the pod is left afterwards. Sets BOOT_ID (the pod's).
cri_sequence () {
  local handler=$1 pod c1 c2 out rc id1 id2
  cri_setup "$handler" || return 1
  pod=$(cri_step "RunPodSandbox ($handler)" runp --runtime "$handler" "$T/pod.json") || return 1
  cri_ctr_json server sh -c 'mkdir -p /www && echo pod-local > /www/index.html &&
    exec httpd -f -p 8080 -h /www' > "$T/server.json"
  cri_ctr_json client sleep 100000 > "$T/client.json"
  c1=$(cri_step "CreateContainer server" create "$pod" "$T/server.json" "$T/pod.json") || return 1
  cri_step "StartContainer server" start "$c1" || return 1
  assert_contains "$(cri_step ContainerStatus inspect "$c1")" CONTAINER_RUNNING || return 1
  [ -d "/sys/fs/cgroup/memory/$CG/$c1" ] || fail "no cgroup $CG/$c1 for the container" || return 1
  out=$(cri exec "$c1" -- echo hi 2>&1); rc=$?
  assert_eq "$out" "hi" "ExecSync echo hi" || return 1
  assert_eq "$rc" 0 "ExecSync echo hi: exit code" || return 1
  cri exec "$c1" -- sh -c 'exit 3' >/dev/null 2>&1; rc=$?
  assert_eq "$rc" 3 "ExecSync exit 3: exit code" || return 1
  c2=$(cri_step "CreateContainer client" create "$pod" "$T/client.json" "$T/pod.json") || return 1
  cri_step "StartContainer client" start "$c2" || return 1
  assert_eq "$(cri ps --pod "$pod" | awk '{print $2}' | sort | uniq -c | awk '{print $1, $2}')" \
    "2 CONTAINER_RUNNING" "ListContainers" || return 1
  wait_for cri exec "$c2" -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080 | grep -q pod-local' \
    || fail "the client does not reach the server on 127.0.0.1:8080: $(cri exec "$c2" -- \
       sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080' 2>&1 | tail -1)" || return 1
  assert_eq "$(cri exec "$c1" -- hostname)" silo-pod "hostname (server)" || return 1
  assert_eq "$(cri exec "$c2" -- hostname)" silo-pod "hostname (client)" || return 1
  id1=$(cri exec "$c1" -- cat /proc/sys/kernel/random/boot_id)
  id2=$(cri exec "$c2" -- cat /proc/sys/kernel/random/boot_id)
  [ -n "$id1" ] && [ "$id1" = "$id2" ] || fail "boot_id differs in one pod: [$id1] [$id2]" || return 1
  BOOT_ID=$id1
  cri_step StopPodSandbox stopp "$pod" || return 1
  assert_contains "$(cri_step PodSandboxStatus inspectp "$pod")" SANDBOX_NOTREADY || return 1
  assert_eq "$(cri ps --pod "$pod" | awk '{print $2}' | sort | uniq -c | awk '{print $1, $2}')" \
    "2 CONTAINER_EXITED" "ListContainers after StopPodSandbox" || return 1
  cri_step RemovePodSandbox rmp "$pod" || return 1
  [ -z "$(cri pods)" ] || fail "pods left after RemovePodSandbox: $(cri pods)" || return 1
  [ -z "$(cri ps)" ] || fail "containers left after RemovePodSandbox: $(cri ps)" || return 1
  cri_nothing_left
}

# The kubelet's sequence through containerd's CRI with silo in container mode.
test_cri_pod_sequence_silo () {
  cri_sequence silo
}

# The same pod in sandbox mode: the pod's containers share one guest
# kernel, not the host's.
test_cri_pod_sequence_silo_vm () {
  cri_sequence silo-vm || return 1
  local host
  host=$(cat /proc/sys/kernel/random/boot_id)
  [ "$BOOT_ID" != "$host" ] || fail "the pod runs on the host's kernel (boot_id $host)"
}

# For comparison: the same sequence with runc.
test_cri_pod_sequence_runc () {
  cri_sequence runc
}
