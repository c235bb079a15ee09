"""Run the malformed-config corpus (corpus.py) against `silo create`.

  run_corpus.py --silo "SILO" --bundle DIR --root DIR [--shard I/N] [--match TEXT]

For every case: config.json is rewritten from the bundle's original, the
case's change applied, and `silo --root DIR create ID` run in the bundle.
The case passes when silo exits non-zero with exactly one line that contains
the expected field, no sanitizer report, and nothing is left for the id: no
entry under --root, no cgroup directory in any hierarchy, no mount under the
bundle or the root, no process whose root is the bundle's rootfs.
Prints one line per failed case and a summary; exits 1 when any failed."""

import argparse
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402


def leftovers(cid, root, bundle):
    found = []
    if os.path.isdir(root) and os.listdir(root):
        found.append("state " + ",".join(os.listdir(root)))
    for h in ["/sys/fs/cgroup"] + glob.glob("/sys/fs/cgroup/*/"):
        p = os.path.join(h, "silo", cid)
        if os.path.exists(p):
            found.append("cgroup " + p)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            if mp.startswith(bundle) or mp.startswith(root):
                found.append("mount " + mp)
    rootfs = os.path.join(bundle, "rootfs")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            r = os.readlink("/proc/%s/root" % pid)
        except OSError:
            continue
        if r.startswith(rootfs):
            found.append("process %s" % pid)
    return found


def reset_config(bundle, base):
    path = os.path.join(bundle, "config.json")
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.write(base)


def apply_change(bundle, change):
    if callable(change):
        change(bundle)
        return
    path = os.path.join(bundle, "config.json")
    with open(path) as f:
        c = json.load(f)
    exec(change, {"c": c})
    with open(path, "w") as f:
        json.dump(c, f)


def run_case(args, silo, base, n, case):
    name, change, expect = case
    cid = "corpus-%d-%d" % (os.getpid(), n)
    reset_config(args.bundle, base)
    apply_change(args.bundle, change)
    # A file, not a pipe: a container that was created by mistake would
    # hold a pipe open until it is deleted.
    with open(os.path.join(args.root + ".out"), "w+b") as log:
        try:
            p = subprocess.run(silo + ["--root", args.root, "create", cid], cwd=args.bundle,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               timeout=60)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = 0
            log.write(b"timed out")
        log.seek(0)
        out = log.read().decode(errors="replace")
    problems = []
    if rc == 0:
        problems.append("exit 0")
        subprocess.run(silo + ["--root", args.root, "delete", "-f", cid],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = out.rstrip("\n").split("\n")
    if len(lines) != 1:
        problems.append("%d lines" % len(lines))
    if expect not in out:
        problems.append("no %r" % expect)
    if "Sanitizer" in out or "runtime error" in out:
        problems.append("sanitizer report")
    problems += leftovers(cid, args.root, args.bundle)
    return problems, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--silo", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--shard", default="1/1")
    ap.add_argument("--match", default="")
    ap.add_argument("--verbose", action="store_true", help="print every case's output")
    args = ap.parse_args()
    args.bundle = os.path.abspath(args.bundle)
    args.root = os.path.abspath(args.root)
    silo = shlex.split(args.silo)
    shard, shards = (int(x) for x in args.shard.split("/"))
    with open(os.path.join(args.bundle, "config.json"), "rb") as f:
        base = f.read()
    all_cases = list(corpus.cases())
    mine = [(i, c) for i, c in enumerate(all_cases)
            if i % shards == shard - 1 and args.match in c[0]]
    failed = 0
    start = time.monotonic()
    try:
        for i, case in mine:
            t0 = time.monotonic()
            problems, out = run_case(args, silo, base, i, case)
            if args.verbose:
                print("  case %d (%s) %.2f s: %s"
                      % (i, case[0][:50], time.monotonic() - t0, out.strip()[:200]))
            if problems:
                failed += 1
                print("  case %d (%s): %s; output: %s"
                      % (i, case[0][:70], "; ".join(problems), out.strip()[:300]))
    finally:
        reset_config(args.bundle, base)
    print("  corpus shard %d/%d: %d cases, %d failed, %.1f s"
          % (shard, shards, len(mine), failed, time.monotonic() - start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
