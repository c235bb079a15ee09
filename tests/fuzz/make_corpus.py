#!/usr/bin/env python3
"""Write the seed corpora in tests/fuzz/corpus/<harness>/: one well-formed
input per message type or shape, so the fuzzers start from every parser path.
Run from the top of the tree: tests/fuzz/make_corpus.py [BUILD]
(BUILD holds the test guests for the kernel seeds; default build).
Regression inputs (crashes found and fixed) are committed beside these,
named regress-*, and are never regenerated."""
import json, os, struct, subprocess, sys, tempfile

TOP = os.getcwd()
OUT = os.path.join(TOP, "tests/fuzz/corpus")
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"


def write(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- 9P: T-messages after the harness's own Tversion + Tattach(fid 0) ----
def s(text):
    b = text.encode()
    return struct.pack("<H", len(b)) + b


def msg(mtype, body, tag=1):
    return struct.pack("<IBH", 7 + len(body), mtype, tag) + body


def u32(*v):
    return b"".join(struct.pack("<I", x) for x in v)


def u64(*v):
    return b"".join(struct.pack("<Q", x) for x in v)


def walk(fid, newfid, *names):
    return msg(110, u32(fid, newfid) + struct.pack("<H", len(names)) + b"".join(s(n) for n in names))


O_RDONLY, O_RDWR, O_DIRECTORY = 0, 2, 0o200000
lopen = lambda fid, flags: msg(12, u32(fid, flags))
read = lambda fid, off, n: msg(116, u32(fid) + u64(off) + u32(n))
write_ = lambda fid, off, data: msg(118, u32(fid) + u64(off) + u32(len(data)) + data)
clunk = lambda fid: msg(120, u32(fid))
getattr_ = lambda fid: msg(24, u32(fid) + u64(0x7FF))
rename = lambda fid, dfid, name: msg(20, u32(fid, dfid) + s(name))
renameat = lambda od, on, nd, nn: msg(74, u32(od) + s(on) + u32(nd) + s(nn))
setattr_ = lambda fid, valid, mode=0, uid=0, gid=0, size=0, t=(0, 0, 0, 0): msg(
    26, u32(fid, valid, mode, uid, gid) + u64(size, *t))

p9 = {
    "open-read-write": walk(0, 1, "hello.txt") + lopen(1, O_RDWR) + read(1, 0, 64)
    + write_(1, 3, b"xyz") + getattr_(1) + msg(50, u32(1, 0)) + clunk(1),
    "dirs": walk(0, 2) + lopen(2, O_DIRECTORY) + msg(40, u32(2) + u64(0) + u32(4096))
    + msg(72, u32(0) + s("d") + u32(0o755, 0)) + msg(16, u32(0) + s("ln") + s("hello.txt") + u32(0))
    + walk(0, 3, "ln") + msg(22, u32(3)) + msg(76, u32(0) + s("d") + u32(0x200)),
    "lcreate-remove": walk(0, 1, "sub") + msg(14, u32(1) + s("new") + u32(O_RDWR, 0o644, 0))
    + write_(1, 0, b"abc") + msg(122, u32(1)),
    "rename": walk(0, 1, "sub") + walk(0, 2, "sub", "f") + lopen(2, O_RDWR) + rename(1, 0, "moved")
    + read(2, 0, 16) + renameat(0, "moved", 0, "again") + walk(1, 3) + getattr_(3),
    # The use-after-free fixed in p9_fids_renamed: Trename with fids open at and below.
    "regress-trename-open-fids": walk(0, 2, "sub") + walk(0, 3, "sub", "f") + lopen(3, O_RDWR)
    + walk(0, 4, "sub") + walk(0, 256, "sub", "f") + rename(2, 0, "moved") + read(3, 0, 16)
    + walk(4, 5) + rename(3, 0, "g") + walk(256, 6),
    "link-mknod": walk(0, 1, "hello.txt") + walk(0, 2, "sub") + msg(70, u32(2, 1) + s("hard"))
    + msg(18, u32(0) + s("fifo") + u32(0o10640, 0, 0, 0)) + walk(0, 3, "fifo") + lopen(3, O_RDONLY)
    + msg(18, u32(0) + s("null") + u32(0o20666, 1, 3, 0)) + walk(0, 4, "null") + lopen(4, O_RDWR),
    "setattr": walk(0, 1, "hello.txt") + setattr_(1, 0x1, mode=0o600) + setattr_(1, 0x8, size=3)
    + setattr_(1, 0x10 | 0x20 | 0x80 | 0x100, t=(1000, 1, 2000, 2)) + setattr_(1, 0x6, uid=1, gid=2)
    + walk(0, 2, "escape") + setattr_(2, 0x9, mode=0o777),
    "misc": msg(8, u32(0)) + msg(52, u32(0) + bytes(1) + u32(0) + u64(0, 0) + u32(1) + s("c"))
    + msg(54, u32(0) + bytes(1) + u64(0, 0) + u32(1) + s("client")) + msg(30, u32(0, 9) + s("user.x"))
    + msg(108, struct.pack("<H", 1)) + msg(102, u32(5) + s("u") + s("a")) + walk(0, 1, "..", "..", "sub")
    + msg(100, u32(8192) + s("9P2000.L")) + msg(104, u32(7, 0xFFFFFFFF) + s("root") + s("") + u32(0))
    + msg(200, b""),
}
for name, data in p9.items():
    write("9p", name, data)

# ---- host<->agent protocol: sender byte, then frames ----
frame = lambda t, pid, payload=b"": struct.pack("<III", t, pid, len(payload)) + payload
config = {"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/", "env": ["PATH=/bin"],
          "user": {"uid": 0, "gid": 0}}, "root": {"path": "rootfs"}, "hostname": "h",
          "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}}
process = {"args": ["ls", "-l"], "cwd": "/", "env": ["A=b"], "terminal": False,
           "user": {"uid": 1, "gid": 1, "additionalGids": [2]},
           "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"]},
           "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}], "noNewPrivileges": True}
write("proto", "guest", b"\0" + frame(1, 0, u32(1)) + frame(2, 0, b"done") + frame(4, 1, b"out")
      + frame(5, 1, b"err") + frame(6, 1, u32(0, 0)) + frame(6, 2, u32(0, 9)) + frame(7, 0, u32(512))
      + frame(3, 1, b"bad\x1b[0m"))
write("proto", "host", b"\1" + frame(16, 0, json.dumps({"config": json.dumps(config), "binds": 0}).encode())
      + frame(17, 1) + frame(18, 2, json.dumps(process).encode()) + frame(19, 2, b"input")
      + frame(20, 2) + frame(21, 2, u32(15, 1)) + frame(22, 1, struct.pack("<HH", 24, 80)))
write("proto", "client", b"\2" + frame(32, 0) + frame(33, 0, u32(9, 0)) + frame(35, 0)
      + frame(34, 3, json.dumps(process).encode()) + frame(19, 3, b"x") + frame(20, 3))
write("proto", "pod", b"\1" + frame(25, 5, json.dumps({"config": json.dumps(config), "dir": "pod/m1",
                                                         "new": ["pid", "uts"]}).encode())
      + frame(17, 5) + frame(26, 6, u32(5) + json.dumps(process).encode()) + frame(28, 5, u32(1))
      + frame(28, 5, u32(0)) + frame(29, 5) + frame(27, 5))
write("proto", "pod-client", b"\2" + frame(38, 0, json.dumps({"config": "{}", "dir": "pod/../x"}).encode())
      + frame(40, 5, u32(1)) + frame(39, 5))
write("proto", "truncated", b"\0" + frame(4, 1, b"partial")[:-3])

# ---- config.json and resources ----
with tempfile.TemporaryDirectory() as tmp:  # `silo spec` writes config.json in its cwd
    spec = subprocess.run([os.path.join(TOP, BUILD, "silo"), "spec"], cwd=tmp, capture_output=True)
    path = os.path.join(tmp, "config.json")
    full = open(path, "rb").read() if os.path.exists(path) else json.dumps(config).encode()
write("config", "default-spec", full)
write("config", "minimal", json.dumps(config).encode())
write("config", "resources", json.dumps({"memory": {"limit": 1 << 20}, "cpu": {"shares": 512, "cpus": "0"},
                                         "pids": {"limit": 10}}).encode())
write("config", "hooks-mounts", json.dumps(dict(config, hooks={"prestart": [{"path": "/bin/true", "args": ["t"]}]},
                                                mounts=[{"destination": "/tmp", "type": "tmpfs", "source": "t",
                                                         "options": ["nosuid", "size=1m"]}])).encode())
write("config", "spec-1-2", json.dumps(dict(config, process=dict(config["process"], execCPUAffinity={"initial": "0-3,7", "final": "1"}),
                                             linux=dict(config["linux"], resources={"memory": {"limit": 1 << 20, "checkBeforeUpdate": True}}),
                                             mounts=[{"destination": "/b", "type": "bind", "source": "/x", "options": ["rbind", "rro", "rnosuid", "rrelatime"]}])).encode())
write("config", "idmapped-mounts", json.dumps(dict(config, mounts=[
    {"destination": "/a", "type": "bind", "source": "rel", "options": ["rbind", "ridmap"],
     "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
     "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}])).encode())

# ---- kernel images ----
for name in ("guest64.elf", "guest.bzImage"):
    p = os.path.join(BUILD, "tests/vm-guest", name)
    if os.path.exists(p):
        write("kernel", name, open(p, "rb").read())
# A minimal ELF: one PT_LOAD at 1 MiB and a PVH note.
note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + u32(0x100000)
ehdr = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x100000, 64, 0, 0,
                                                      64, 56, 2, 0, 0, 0)
load = struct.pack("<IIQQQQQQ", 1, 5, 0x100, 0x100000, 0x100000, 16, 64, 0x1000)
pnote = struct.pack("<IIQQQQQQ", 4, 4, 0xB0, 0, 0, len(note), len(note), 4)
img = ehdr + load + pnote
img += bytes(0xB0 - len(img)) + note
img += bytes(0x100 - len(img)) + b"\xf4" * 16
write("kernel", "pvh-minimal.elf", img)

# ---- virtqueue: layout (num log2, index, desc/avail/used >> 8 and low byte), then memory ----
def vq_mem(descs, heads, idx, mem=0x4000):
    m = bytearray(mem)
    for i, (addr, ln, flags, nxt) in enumerate(descs):
        struct.pack_into("<QIHH", m, 0x0 + 16 * i, addr, ln, flags, nxt)
    struct.pack_into("<HH", m, 0x1000, 0, idx)
    for i, h in enumerate(heads):
        struct.pack_into("<H", m, 0x1004 + 2 * i, h)
    return m

hdr = bytes([3, 0, 0x00, 0x00, 0x10, 0x00, 0x20, 0x00])
write("virtqueue", "chain", hdr + bytes(vq_mem([(0x3000, 16, 1, 1), (0x3100, 64, 2, 0)], [0], 1)))
m = vq_mem([(0x3000, 16, 1, 1), (0x2800, 32, 4, 0)], [0], 1)
struct.pack_into("<QIHH", m, 0x2800, 0x3200, 8, 1, 1)
struct.pack_into("<QIHH", m, 0x2810, 0x3300, 8, 2, 0)
write("virtqueue", "indirect", hdr + bytes(m))
write("virtqueue", "loop", hdr + bytes(vq_mem([(0x3000, 1, 1, 1), (0x3000, 1, 1, 0)], [0, 1], 2)))

# ---- net: the virtqueue layout; transmit chains (12-byte header, then a frame) ----
write("net", "hdr-frame", hdr + bytes(vq_mem([(0x3000, 12, 1, 1), (0x3100, 60, 0, 0)], [0], 1)))
write("net", "split-hdr", hdr + bytes(vq_mem([(0x3000, 5, 1, 1), (0x3005, 67, 0, 0)], [0], 1)))
write("net", "short", hdr + bytes(vq_mem([(0x3000, 11, 0, 0), (0x3000, 0x10100, 0, 0)], [0, 1], 2)))

# ---- procview: the agent's PS answer, NUL, FUSE requests (header + argument) ----
def fuse(op, node, arg=b"", unique=1, live=0):
    # fuse_in_header: len, opcode, unique, nodeid, uid, gid, pid, extlen, padding
    # (the harness's `live`: the agent can be asked)
    return struct.pack("<IIQQIIIHH", 40 + len(arg), op, unique, node, 0, 0, 0, 0, live) + arg

proc = {"pid": 7, "ppid": 1, "pgid": 7, "sid": 1, "state": "S", "comm": "sleep",
        "args": ["sleep", "1000"], "uids": [0, 0, 0, 0], "gids": [0, 0, 0, 0], "groups": [],
        "tty": 0, "nice": 0, "threads": 1, "utime": 1, "stime": 0, "start": 90,
        "vsize": 2293760, "rss": 314, "caps": [0, 0, 0, 0, 0], "nnp": 0, "seccomp": 0}
ps = json.dumps({"btime": 1700000000, "hz": 100, "procs": [proc]}).encode()
read_in = u64(0, 0) + u32(4096, 0) + u64(0) + u32(0, 0)
pid_node = 7 << 3
write("procview", "walk", ps + b"\0" + fuse(26, 0, u32(7, 31, 0, 0) + bytes(48))
      + fuse(1, 1, b"7\0") + fuse(27, 1, u32(0, 0)) + fuse(28, 1, read_in)
      + fuse(1, pid_node, b"status\0") + fuse(14, pid_node | 2, u32(0, 0))
      + fuse(15, pid_node | 2, read_in) + fuse(15, pid_node | 1, read_in)
      + fuse(15, pid_node | 3, read_in) + fuse(1, pid_node, b"ns\0") + fuse(3, 4, b"")
      + fuse(15, 3, read_in) + fuse(15, 4, read_in) + fuse(17, 1))
write("procview", "held", ps + b"\0" + fuse(27, 1, u32(0, 0), live=1) + fuse(28, 1, read_in))
# /dev (the header's byte 39: the harness's tree): pts/0 of a process on it
tty_ps = json.dumps({"btime": 1700000000, "hz": 100, "procs": [dict(proc, tty=34816)]}).encode()
dev = 0x100
write("procview", "dev", tty_ps + b"\0" + fuse(26, 0, u32(7, 31, 0, 0) + bytes(48), live=dev)
      + fuse(1, 1, b"pts\0", live=dev) + fuse(27, 2, u32(0, 0), live=dev)
      + fuse(28, 2, read_in, live=dev) + fuse(1, 2, b"0\0", live=dev) + fuse(3, 8, b"", live=dev)
      + fuse(14, 8, u32(0, 0), live=dev) + fuse(15, 8, read_in, live=dev))
write("procview", "bad-list", b'{"btime": 1, "hz": 100, "procs": [{"pid": 0}]}\0' + fuse(28, 1, read_in))
