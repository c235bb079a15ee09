#!/usr/bin/env bash
# silo vs crun vs runc on one busybox bundle, same machine, same moment.
#   bench/run.sh            full run (~3-5 min), writes bench/RESULTS.md
#   RUNS=20 bench/run.sh    fewer iterations (quick look; RESULTS.md too)
# Rows (each a SPECIFICATION.md bound):
#   run     sequential `run ID` of /bin/true (the container is deleted before
#           the next iteration; `run` in the foreground deletes it already)
#   cycle   create -> start -> delete -f of a /bin/true container
#   exec    `exec ID /bin/true` into a running `sleep 1000` container
#   rss     peak RSS of the runtime process for one `run` (/usr/bin/time %M)
# crun 1.8 refuses hybrid cgroups: its rows run in a private mount namespace
# with /sys/fs/cgroup/unified unmounted (the v1 controllers stay as they are).
# silo and runc run on the unchanged host, so they also set up the cgroup2
# hierarchy crun skips: the comparison errs against them, not for them.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
SILO=${SILO:-$TOP/$BUILD/silo}
RUNS=${RUNS:-40}         # per round and row
ROUNDS=${ROUNDS:-3}      # rounds alternate the runtimes, so load drift hits all
WARMUP=${WARMUP:-5}
RSS_RUNS=${RSS_RUNS:-5}  # per round
OUT=${OUT:-$TOP/bench/RESULTS.md}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# --- one runtime's rows; re-entered inside `unshare -m` for crun ---------
# usage: run.sh --rows NAME BINARY WORKDIR ROUND
bench_rows () {
  local name=$1 bin=$2 work=$3 round=$4
  local root=$work/root-$name bundle=$work/bundle sleeper=$work/bundle-sleep
  local rt="$bin --root $root" id=bench-$name ex=bench-$name-exec
  local json=$work/json
  mkdir -p "$root" "$json"

  # A leftover from an interrupted run would make every iteration fail.
  $rt delete -f "$id" >/dev/null 2>&1 || true
  $rt delete -f "$ex" >/dev/null 2>&1 || true

  echo "== $name: run" >&2
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --output null \
    --prepare "sh -c '$rt delete -f $id >/dev/null 2>&1 || true'" \
    --export-json "$json/run-$name-$round.json" -n "$name run" \
    "$rt run -b $bundle $id" >&2
  $rt delete -f "$id" >/dev/null 2>&1 || true

  echo "== $name: create/start/delete" >&2
  hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" --output null \
    --prepare "$rt delete -f $id >/dev/null 2>&1 || true" \
    --export-json "$json/cycle-$name-$round.json" -n "$name cycle" \
    "$rt create -b $bundle $id && $rt start $id && $rt delete -f $id" >&2

  echo "== $name: exec" >&2
  $rt run -d -b "$sleeper" "$ex" </dev/null >/dev/null 2>&1
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --output null \
    --export-json "$json/exec-$name-$round.json" -n "$name exec" \
    "$rt exec $ex /bin/true" >&2
  $rt delete -f "$ex" >/dev/null 2>&1 || true

  echo "== $name: peak RSS" >&2
    for _ in $(seq "$RSS_RUNS"); do
    $rt delete -f "$id" >/dev/null 2>&1 || true
    /usr/bin/time -f %M -a -o "$json/rss-$name.txt" $rt run -b "$bundle" "$id" >/dev/null 2>&1
  done
  $rt delete -f "$id" >/dev/null 2>&1 || true
}

if [ "${1:-}" = "--rows" ]; then
  shift
  bench_rows "$@"
  exit 0
fi

# --- setup ------------------------------------------------------------------
for tool in hyperfine runc crun python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (make deps)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (make deps)" >&2; exit 1; }
[ -x "$SILO" ] || { echo "bench: $SILO missing (make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

WORK=$(mktemp -d /tmp/silo-bench.XXXXXX)
cleanup () {
  local rt
  for rt in "$SILO --root $WORK/root-silo" "runc --root $WORK/root-runc"; do
    $rt delete -f bench-silo-exec bench-runc-exec >/dev/null 2>&1 || true
  done
  unshare -m sh -c "crun --root $WORK/root-crun delete -f bench-crun-exec" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

B=$WORK/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" \
  "$B/rootfs/etc"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for app in sh true sleep; do ln -s busybox "$B/rootfs/bin/$app"; done
(cd "$B" && "$SILO" spec)
mkdir -p "$WORK/bundle-sleep"
python3 - "$B" "$WORK/bundle-sleep" <<'PY'
import json, sys
bundle, sleeper = sys.argv[1], sys.argv[2]
c = json.load(open(bundle + "/config.json"))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
json.dump(c, open(bundle + "/config.json", "w"), indent=1)
c["process"]["args"] = ["/bin/sleep", "1000"]
c["root"]["path"] = bundle + "/rootfs"
json.dump(c, open(sleeper + "/config.json", "w"), indent=1)
PY

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)

# --- the rows, runtime by runtime -------------------------------------------
crun_rows () {
  if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    unshare -m sh -c "umount /sys/fs/cgroup/unified && exec '$0' --rows crun '$(command -v crun)' '$WORK' $1"
  else
    "$0" --rows crun "$(command -v crun)" "$WORK" "$1"
  fi
}
for round in $(seq "$ROUNDS"); do
  case $((round % 3)) in
    1) "$0" --rows silo "$SILO" "$WORK" "$round"; crun_rows "$round"
       "$0" --rows runc "$(command -v runc)" "$WORK" "$round" ;;
    2) crun_rows "$round"; "$0" --rows runc "$(command -v runc)" "$WORK" "$round"
       "$0" --rows silo "$SILO" "$WORK" "$round" ;;
    0) "$0" --rows runc "$(command -v runc)" "$WORK" "$round"
       "$0" --rows silo "$SILO" "$WORK" "$round"; crun_rows "$round" ;;
  esac
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - start))

# --- the report ---------------------------------------------------------------
export WORK OUT RUNS ROUNDS RSS_RUNS load_before load_after elapsed
export CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export NPROC=$(nproc) KERNEL=$(uname -r) MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
export V_SILO=$("$SILO" --version | head -1)
export V_RUNC=$(runc --version | head -1)
export V_CRUN=$(crun --version | head -1)
export V_HF=$(hyperfine --version)
export V_COMMIT=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
export CGROUPS=$( [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && echo hybrid \
  || stat -f -c %T /sys/fs/cgroup)
python3 - <<'PY'
import json, os, statistics as st
w = os.environ["WORK"] + "/json"
rts = ["silo", "crun", "runc"]

import glob

def hf(row, rt):
    t = []
    for f in sorted(glob.glob(f"{w}/{row}-{rt}-*.json")):
        t += json.load(open(f))["results"][0]["times"]
    t = [x * 1e3 for x in t]
    return st.median(t), st.mean(t), st.stdev(t), min(t)

def rss(rt):
    v = [int(l) for l in open(f"{w}/rss-{rt}.txt") if l.strip().isdigit()]
    return st.median(v) / 1024, min(v) / 1024, max(v) / 1024

rows = [
    ("run", "`run` of /bin/true, sequential (ms)", "S1"),
    ("cycle", "create -> start -> delete -f (ms)", "S2"),
    ("exec", "`exec` of /bin/true into a running container (ms)", "S3"),
]
e = os.environ
out = []
out.append("# silo benchmark results\n")
out.append("Generated by `make bench` (bench/run.sh); do not edit by hand. "
           "Medians of %d runs per cell (%s rounds of %s hyperfine runs after warm-up, the "
           "runtimes' order rotating between rounds); RSS: median of %d runs. "
           "Ratios are silo's median over the other runtime's; below 1.00 means silo is faster.\n"
           % (int(e["RUNS"]) * int(e["ROUNDS"]), e["ROUNDS"], e["RUNS"],
              int(e["RSS_RUNS"]) * int(e["ROUNDS"])))
out.append("| row | spec | silo | crun | runc | silo/crun | silo/runc |")
out.append("|---|---|---:|---:|---:|---:|---:|")
for row, label, spec in rows:
    m = {rt: hf(row, rt) for rt in rts}
    cells = ["%.2f ± %.2f" % (m[rt][0], m[rt][2]) for rt in rts]
    out.append("| %s | %s | %s | %.2f | %.2f |" % (label, spec, " | ".join(cells),
               m["silo"][0] / m["crun"][0], m["silo"][0] / m["runc"][0]))
r = {rt: rss(rt) for rt in rts}
out.append("| peak RSS of the runtime process, `run` (MiB) | S4 | %s | %.2f | %.2f |" % (
    " | ".join("%.2f" % r[rt][0] for rt in rts), r["silo"][0] / r["crun"][0], r["silo"][0] / r["runc"][0]))
out.append("")
out.append("Times: median ± standard deviation. Minimum (ms):")
out.append("")
out.append("| row | silo | crun | runc |")
out.append("|---|---:|---:|---:|")
for row, label, spec in rows:
    out.append("| %s | %s |" % (row, " | ".join("%.2f" % hf(row, rt)[3] for rt in rts)))
out.append("")
out.append("## Machine\n")
out.append("- CPU: %s, %s cores (nproc); memory %s" % (e["CPU_MODEL"], e["NPROC"], e["MEM"]))
out.append("- kernel %s; cgroups %s" % (e["KERNEL"], e["CGROUPS"]))
out.append("- %s (commit %s); %s; %s; %s" % (e["V_SILO"], e["V_COMMIT"], e["V_CRUN"], e["V_RUNC"], e["V_HF"]))
out.append("- load average (1/5/15 min) before: %s, after: %s; the whole bench took %s s"
           % (e["load_before"], e["load_after"], e["elapsed"]))
out.append("- crun ran in a private mount namespace with `/sys/fs/cgroup/unified` unmounted "
           "(crun 1.8 refuses hybrid cgroups); silo and runc ran on the unchanged host, "
           "where they also create the cgroup2 (hugetlb) group crun skips.")
out.append("- bundle: busybox-static rootfs, `silo spec` defaults, args `/bin/true`, terminal false; "
           "each runtime has its own `--root` under a temporary directory.")
text = "\n".join(out) + "\n"
open(e["OUT"], "w").write(text)
print(text)
PY
