#!/usr/bin/env bash
# make demo: a busybox bundle run by silo in container mode, then in sandbox
# mode (the micro-VM backend this host offers).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
SILO=${SILO:-$TOP/silo}
T=$(mktemp -d /tmp/silo-demo.XXXXXX)
ROOT="$T/state"
trap '"$SILO" --root "$ROOT" delete --force demo-vm >/dev/null 2>&1 || true; rm -rf "$T"' EXIT

bundle () {
  local dir=$1
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
    "$dir/rootfs/tmp" "$dir/rootfs/etc"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for app in sh echo cat uname hostname id ls; do ln -sf busybox "$dir/rootfs/bin/$app"; done
  (cd "$dir" && "$SILO" spec)
  python3 - "$dir/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c",
    "echo \"hello from $(hostname): kernel $(uname -r), $(id)\"; ls /"]
json.dump(c, open(p, "w"), indent=2)
PY
}

bundle "$T/bundle"
echo "== host kernel: $(uname -r)"
echo "== container mode: silo run"
(cd "$T/bundle" && "$SILO" --root "$ROOT" run demo)
echo "== sandbox mode: silo-vm run ($("$SILO" --version | sed -n 's/^sandbox backends: //p'))"
(cd "$T/bundle" && "$TOP/silo-vm" --root "$ROOT" run demo-vm)
