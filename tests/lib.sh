# Shared helpers for end-to-end tests. A test file defines functions named
# test_*; tests/run.sh sources this file and the test file, then runs each
# function in a subshell. A function passes by returning 0, fails otherwise,
# and skips by calling `skip "reason"`.
set -u

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SILO=${SILO:-$TOP/silo}
BUSYBOX=${BUSYBOX:-/bin/busybox}

skip () {
  echo "  skip reason: $*"
  exit 77
}

fail () {
  echo "  $*" >&2
  return 1
}

# Make a fresh bundle with a busybox rootfs in $1 and a config.json from
# `silo spec`; args become process.args. Prints nothing.
make_bundle () {
  local dir=$1; shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
    "$dir/rootfs/tmp" "$dir/rootfs/etc" "$dir/rootfs/root"
  cp "$BUSYBOX" "$dir/rootfs/bin/busybox"
  local app
  for app in sh ls cat echo sleep id ps hostname mount true false grep readlink \
      env pwd touch head wc stat mkdir rm kill sed tr seq yes dd umask ulimit; do
    ln -sf busybox "$dir/rootfs/bin/$app"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/rootfs/etc/passwd"
  echo 'root:x:0:' > "$dir/rootfs/etc/group"
  (cd "$dir" && "$SILO" spec) || return 1
  set_args "$dir" "$@"
}

# Rewrite config.json with a python expression over `c` (the parsed config).
edit_config () {
  local dir=$1 expr=$2
  python3 - "$dir/config.json" "$expr" <<'PY'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(expr)
json.dump(c, open(path, "w"), indent=1)
PY
}

# The config silo keeps at create is the one exec and delete use, whatever
# the bundle's file says later. create_time_config DIR adds an env entry and
# a seccomp rule to DIR's config; exec_uses_create_time_config DIR ID
# SILO-COMMAND... (ID running from that config) edits them away in the
# bundle, checks exec still has both, then deletes ID with the bundle's
# config.json gone.
create_time_config () {
  edit_config "$1" "c['process']['env'].append('FROM=create')
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64'],
  'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}"
}

exec_uses_create_time_config () {
  local dir=$1 id=$2 out; shift 2
  edit_config "$dir" "c['process']['env'] = ['PATH=/bin', 'FROM=edited']; del c['linux']['seccomp']"
  out=$("$@" exec "$id" sh -c 'echo "from=$FROM"; mkdir /tmp/snap 2>&1; rmdir /tmp/snap 2>/dev/null' 2>&1)
  assert_contains "$out" "from=create" || return 1
  assert_contains "$out" "Operation not permitted" || return 1
  rm "$dir/config.json"
  "$@" delete --force "$id" || fail "delete without the bundle's config.json" || return 1
  ! "$@" state "$id" >/dev/null 2>&1 || fail "still there after delete"
}

set_args () {
  local dir=$1; shift
  [ $# -gt 0 ] || return 0
  local json
  json=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")
  edit_config "$dir" "c['process']['args'] = $json; c['process']['terminal'] = False"
}

# A unique container id per test.
new_id () {
  echo "t$$-$RANDOM"
}

# Wait until a command succeeds (at most ~5 s).
wait_for () {
  local i
  for i in $(seq 1 100); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  return 1
}

# Wait until a command succeeds, at most $1 seconds (a daemon starting).
wait_up_to () {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.05
  done
}

# idmap_supported DIR: can a bind of DIR be idmapped here (its filesystem
# on this kernel: tmpfs only from 6.3, overlayfs not at all)? Asks silo.
idmap_supported () {
  local d rc
  d=$(mktemp -d /tmp/silo-idmap-probe.XXXXXX)
  make_bundle "$d/b" true >/dev/null 2>&1 || { rm -rf "$d"; return 1; }
  edit_config "$d/b" "c['mounts'].append({'destination': '/probe', 'type': 'bind', 'source': '$1',
  'options': ['bind'], 'uidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}],
  'gidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}]})"
  (cd "$d/b" && "$SILO" --root "$d/state" run "probe$$" >/dev/null 2>&1 </dev/null)
  rc=$?
  rm -rf "$d"
  return $rc
}

need_idmap () {
  idmap_supported "$1" || skip "$(df --output=fstype "$1" | tail -1) cannot be idmapped on $(uname -r)"
}

assert_eq () {
  [ "$1" = "$2" ] || fail "expected [$2], got [$1]${3:+ ($3)}"
}

assert_contains () {
  case "$1" in
    *"$2"*) return 0 ;;
  esac
  fail "expected output containing [$2], got [$1]"
}

# fdscan_setup BUNDLE: the static scanner in the bundle's rootfs, and a
# marker beside the rootfs, outside the container: /$MARK on the host.
fdscan_setup () {
  cc -static -O2 -o "$1/rootfs/bin/fdscan" "$TOP/tests/helpers/fdscan.c" || return 1
  touch "$1/marker"
  MARK=${1#/}/marker
}

# fdscan_check FILE PATTERN: the scanner's report (tests/helpers/fdscan.c)
# has no escape, and no fd it saw above stdio matches the regex PATTERN.
fdscan_check () {
  local out=$1 host
  wait_for grep -q '^SCANS' "$out" || fail "the scanner did not finish: $(tail -3 "$out" 2>&1)" \
    || return 1
  if grep -q '^ESCAPE' "$out"; then fail "$(grep '^ESCAPE' "$out")"; return 1; fi
  host=$(grep -E "^SAW .*($2)" "$out")
  [ -z "$host" ] || { fail "host paths reachable: $host"; return 1; }
  [ "$(awk '/^SCANS/ {print $2}' "$out")" -gt 10 ] || fail "only $(grep '^SCANS' "$out")"
}

# A --console-socket receiver that takes any number of terminals and keeps
# each master open (closing it would hang the terminal up: SIGHUP).
many_consoles () {
  python3 - "$1" <<'PY' &
import array, os, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(16)
masters = []
while True:
    conn, _ = srv.accept()
    fds = array.array("i")
    try:
        _, anc, _, _ = conn.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
    except OSError:
        anc = []
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            masters.append(int.from_bytes(data[:4], "little"))
    conn.close()
PY
  BG_PIDS="$BG_PIDS $!"
}

# A root filesystem with /bin/busybox, its applet links, passwd and group.
make_rootfs_tar () {
  local dir=$1 tar=$2 app
  mkdir -p "$dir/bin" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/root" \
    "$dir/var/tmp" "$dir/run"
  cp "$BUSYBOX" "$dir/bin/busybox" || return 1
  for app in $("$BUSYBOX" --list); do
    [ "$app" = busybox ] || ln -sf busybox "$dir/bin/$app"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
    > "$dir/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$dir/etc/group"
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  tar -C "$dir" -cf "$tar" .
}
