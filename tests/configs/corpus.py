"""The malformed-config corpus (issue 10): each case turns a valid
config.json (the one `silo spec` writes, in a busybox bundle) into an
invalid one and names what the one-line error must contain, which is the
JSON path of the field at fault.

A case is (name, change, expect):
  change: a Python statement run on the parsed config `c` (as
          tests/lib.sh's edit_config does), or a function that gets the
          bundle directory and writes config.json (or what stands in its
          place) itself: raw bytes, FIFOs, symlinks, huge files.
  expect: a substring of the error line.

`python3 corpus.py` prints the number of cases and their names."""

import json
import os
import sys

BIG = 2 ** 40
U32 = 2 ** 32


def _raw(data):
    def write(bundle):
        with open(os.path.join(bundle, "config.json"), "wb") as f:
            f.write(data)
    return write


def _with_base(fn):
    """fn(base config text) -> bytes to write as config.json."""
    def write(bundle):
        path = os.path.join(bundle, "config.json")
        with open(path, "rb") as f:
            base = f.read()
        with open(path, "wb") as f:
            f.write(fn(base))
    return write


def _replace_config(make):
    def write(bundle):
        path = os.path.join(bundle, "config.json")
        os.unlink(path)
        make(path)
    return write


def _fifo(path):
    os.mkfifo(path)


def _symlink_to(target):
    return lambda path: os.symlink(target, path)


def _directory(path):
    os.mkdir(path)


def _huge(path):
    # A valid JSON object just over 16 MiB: the size alone is refused.
    with open(path, "w") as f:
        f.write('{"ociVersion": "1.0.2", "pad": "')
        f.write("x" * (16 * 1024 * 1024))
        f.write('"}')


def _sparse(path):
    with open(path, "w") as f:
        f.truncate(64 * 1024 * 1024 * 1024)


def type_cases():
    """A value of the wrong JSON type at every field silo reads."""
    fields = [
        # (where to set it, JSON path in the message, the type it needs)
        ("c['ociVersion']", "ociVersion", "string"),
        ("c['root']", "root", "object"),
        ("c['root']['path']", "root.path", "string"),
        ("c['root']['readonly']", "root.readonly", "bool"),
        ("c['hostname']", "hostname", "string"),
        ("c['domainname']", "domainname", "string"),
        ("c['annotations']", "annotations", "object"),
        ("c['annotations'] = {'k': 1}; c['_']", "annotations.k", "skip"),
        ("c['process']", "process", "object"),
        ("c['process']['terminal']", "process.terminal", "bool"),
        ("c['process']['consoleSize']", "process.consoleSize", "object"),
        ("c['process']['user']", "process.user", "object"),
        ("c['process']['user']['uid']", "process.user.uid", "int"),
        ("c['process']['user']['gid']", "process.user.gid", "int"),
        ("c['process']['user']['umask']", "process.user.umask", "int"),
        ("c['process']['user']['additionalGids']", "process.user.additionalGids", "array"),
        ("c['process']['args']", "process.args", "array"),
        ("c['process']['env']", "process.env", "array"),
        ("c['process']['cwd']", "process.cwd", "string"),
        ("c['process']['capabilities']", "process.capabilities", "object"),
        ("c['process']['capabilities']['bounding']", "process.capabilities.bounding", "array"),
        ("c['process']['capabilities']['ambient']", "process.capabilities.ambient", "array"),
        ("c['process']['rlimits']", "process.rlimits", "array"),
        ("c['process']['noNewPrivileges']", "process.noNewPrivileges", "bool"),
        ("c['process']['oomScoreAdj']", "process.oomScoreAdj", "int"),
        ("c['process']['apparmorProfile']", "process.apparmorProfile", "string"),
        ("c['process']['selinuxLabel']", "process.selinuxLabel", "string"),
        ("c['process']['scheduler']", "process.scheduler", "object"),
        ("c['process']['scheduler'] = {'policy': 'SCHED_OTHER'}; "
         "c['process']['scheduler']['policy']", "process.scheduler.policy", "string"),
        ("c['process']['scheduler'] = {'policy': 'SCHED_OTHER'}; "
         "c['process']['scheduler']['nice']", "process.scheduler.nice", "int"),
        ("c['process']['scheduler'] = {'policy': 'SCHED_FIFO', 'priority': 1}; "
         "c['process']['scheduler']['priority']", "process.scheduler.priority", "int"),
        ("c['process']['scheduler'] = {'policy': 'SCHED_DEADLINE', 'runtime': 1, 'deadline': 2}; "
         "c['process']['scheduler']['deadline']", "process.scheduler.deadline", "int"),
        ("c['process']['scheduler'] = {'policy': 'SCHED_OTHER'}; "
         "c['process']['scheduler']['flags']", "process.scheduler.flags", "array"),
        ("c['process']['ioPriority']", "process.ioPriority", "object"),
        ("c['process']['ioPriority'] = {'class': 'IOPRIO_CLASS_BE', 'priority': 0}; "
         "c['process']['ioPriority']['class']", "process.ioPriority.class", "string"),
        ("c['process']['ioPriority'] = {'class': 'IOPRIO_CLASS_BE', 'priority': 0}; "
         "c['process']['ioPriority']['priority']", "process.ioPriority.priority", "int"),
        ("c['linux']['personality']", "linux.personality", "object"),
        ("c['linux']['personality'] = {'domain': 'LINUX'}; c['linux']['personality']['domain']",
         "linux.personality.domain", "string"),
        ("c['linux']['personality'] = {'domain': 'LINUX'}; c['linux']['personality']['flags']",
         "linux.personality.flags", "array"),
        ("c['mounts']", "mounts", "array"),
        ("c['mounts'][0]['destination']", "mounts[0].destination", "string"),
        ("c['mounts'][0]['type']", "mounts[0].type", "string"),
        ("c['mounts'][0]['source']", "mounts[0].source", "string"),
        ("c['mounts'][0]['options']", "mounts[0].options", "array"),
        ("c['hooks']", "hooks", "object"),
        ("c['hooks'] = {}; c['hooks']['prestart']", "hooks.prestart", "array"),
        ("c['hooks'] = {'poststop': [{'path': '/bin/true'}]}; c['hooks']['poststop'][0]['path']",
         "hooks.poststop[0].path", "string"),
        ("c['hooks'] = {'poststart': [{'path': '/bin/true'}]}; c['hooks']['poststart'][0]['args']",
         "hooks.poststart[0].args", "array"),
        ("c['hooks'] = {'createRuntime': [{'path': '/bin/true'}]}; "
         "c['hooks']['createRuntime'][0]['timeout']", "hooks.createRuntime[0].timeout", "int"),
        ("c['linux']", "linux", "object"),
        ("c['linux']['namespaces']", "linux.namespaces", "array"),
        ("c['linux']['namespaces'][0]['type']", "linux.namespaces[0].type", "string"),
        ("c['linux']['namespaces'][1]['path']", "linux.namespaces[1].path", "string"),
        ("c['linux']['uidMappings']", "linux.uidMappings", "array"),
        ("c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 0, 'size': 1}]; "
         "c['linux']['gidMappings'][0]['size']", "linux.gidMappings[0].size", "int"),
        ("c['linux']['devices']", "linux.devices", "array"),
        ("c['linux']['devices'] = [{'path': '/dev/x', 'type': 'c', 'major': 1, 'minor': 3}]; "
         "c['linux']['devices'][0]['major']", "linux.devices[0].major", "int"),
        ("c['linux']['devices'] = [{'path': '/dev/x', 'type': 'c', 'major': 1, 'minor': 3}]; "
         "c['linux']['devices'][0]['fileMode']", "linux.devices[0].fileMode", "int"),
        ("c['linux']['cgroupsPath']", "linux.cgroupsPath", "string"),
        ("c['linux']['rootfsPropagation']", "linux.rootfsPropagation", "string"),
        ("c['linux']['maskedPaths']", "linux.maskedPaths", "array"),
        ("c['linux']['readonlyPaths']", "linux.readonlyPaths", "array"),
        ("c['linux']['sysctl']", "linux.sysctl", "object"),
        ("c['linux']['timeOffsets']", "linux.timeOffsets", "object"),
        ("c['linux']['resources']", "linux.resources", "object"),
        ("c['linux']['resources']['devices']", "linux.resources.devices", "array"),
        ("c['linux']['resources']['devices'][0]['allow']", "linux.resources.devices[0].allow",
         "bool"),
        ("c['linux']['resources']['devices'][0]['access']", "linux.resources.devices[0].access",
         "string"),
        ("c['linux']['resources']['memory']", "linux.resources.memory", "object"),
        ("c['linux']['resources']['memory'] = {}; c['linux']['resources']['memory']['limit']",
         "linux.resources.memory.limit", "int"),
        ("c['linux']['resources']['memory'] = {}; "
         "c['linux']['resources']['memory']['disableOOMKiller']",
         "linux.resources.memory.disableOOMKiller", "bool"),
        ("c['linux']['resources']['cpu']", "linux.resources.cpu", "object"),
        ("c['linux']['resources']['cpu'] = {}; c['linux']['resources']['cpu']['shares']",
         "linux.resources.cpu.shares", "int"),
        ("c['linux']['resources']['cpu'] = {}; c['linux']['resources']['cpu']['cpus']",
         "linux.resources.cpu.cpus", "string"),
        ("c['linux']['resources']['pids']", "linux.resources.pids", "object"),
        ("c['linux']['resources']['pids'] = {}; c['linux']['resources']['pids']['limit']",
         "linux.resources.pids.limit", "int"),
        ("c['linux']['resources']['blockIO']", "linux.resources.blockIO", "object"),
        ("c['linux']['resources']['hugepageLimits']", "linux.resources.hugepageLimits", "array"),
        ("c['linux']['resources']['network']", "linux.resources.network", "object"),
        ("c['linux']['resources']['unified']", "linux.resources.unified", "object"),
        ("c['linux']['seccomp']", "linux.seccomp", "object"),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW'}; "
         "c['linux']['seccomp']['syscalls']", "linux.seccomp.syscalls", "array"),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW'}; "
         "c['linux']['seccomp']['architectures']", "linux.seccomp.architectures", "array"),
    ]
    wrong = {
        "string": [("int", "5"), ("array", "['x']"), ("bool", "True")],
        "int": [("string", "'5'"), ("float", "1.5"), ("bool", "False"), ("array", "[1]")],
        "bool": [("string", "'true'"), ("int", "1")],
        "object": [("array", "[]"), ("string", "'x'"), ("int", "7")],
        "array": [("object", "{}"), ("string", "'x'")],
    }
    for where, path, kind in fields:
        if kind == "skip":
            yield ("type " + path, "c['annotations'] = {'k': 1}", path)
            continue
        for wname, value in wrong[kind]:
            yield ("type %s=%s" % (path, wname), "%s = %s" % (where, value), path)
    # Array elements of the wrong type.
    for where, path, value in [
        ("c['process']['args'] = ['sh', 5]", "process.args[1]", None),
        ("c['process']['env'] = ['A=1', None, 'B=2']", "process.env[1]", None),
        ("c['process']['env'] = [{}]", "process.env[0]", None),
        ("c['mounts'][1]['options'][0] = 3", "mounts[1].options[0]", None),
        ("c['mounts'][0] = 'proc'", "mounts[0]", None),
        ("c['linux']['namespaces'][0] = 'pid'", "linux.namespaces[0]", None),
        ("c['linux']['maskedPaths'][0] = 1", "linux.maskedPaths[0]", None),
        ("c['linux']['readonlyPaths'][2] = []", "linux.readonlyPaths[2]", None),
        ("c['linux']['sysctl'] = {'net.ipv4.ip_forward': 1}", "linux.sysctl.net.ipv4.ip_forward",
         None),
        ("c['process']['capabilities']['bounding'][0] = 12", "process.capabilities.bounding[0]",
         None),
        ("c['process']['rlimits'][0] = 1024", "process.rlimits[0]", None),
        ("c['process']['scheduler'] = {'policy': 'SCHED_OTHER', 'flags': [1]}",
         "process.scheduler.flags[0]", None),
        ("c['linux']['personality'] = {'domain': 'LINUX', 'flags': [None]}",
         "linux.personality.flags[0]", None),
        ("c['process']['user']['additionalGids'] = ['5']", "process.user.additionalGids[0]",
         None),
        ("c['linux']['resources']['devices'][0] = True", "linux.resources.devices[0]", None),
        ("c['linux']['devices'] = [{'path': '/dev/x', 'type': 'p'}, 3]", "linux.devices[1]", None),
        ("c['linux']['uidMappings'] = ['0 0 1']", "linux.uidMappings[0]", None),
        ("c['hooks'] = {'prestart': ['/bin/true']}", "hooks.prestart[0]", None),
        ("c['linux']['resources']['hugepageLimits'] = [5]", "linux.resources.hugepageLimits[0]",
         None),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [7]}",
         "linux.seccomp.syscalls[0]", None),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': [7]}",
         "linux.seccomp.architectures[0]", None),
    ]:
        yield ("element " + path, where, path)


def missing_cases():
    """Required fields left out."""
    dev = "c['linux']['devices'] = [{'path': '/dev/x', 'type': 'c', 'major': 1, 'minor': 3}]; "
    rl = "c['process']['rlimits'] = [{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 0}]; "
    idm = ("c['linux']['namespaces'].append({'type': 'user'}); "
           "c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 0, 'size': 1}]; ")
    sc = ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': "
          "[{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': "
          "[{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]}; ")
    scr = "c['linux']['seccomp']['syscalls'][0]"
    res = "c['linux']['resources']"
    for change, path in [
        ("del c['ociVersion']", "ociVersion"),
        ("del c['root']", "root"),
        ("del c['root']['path']", "root.path"),
        ("del c['process']", "process"),
        ("del c['process']['args']", "process.args"),
        ("c['process']['args'] = None", "process.args"),
        ("del c['mounts'][2]['destination']", "mounts[2].destination"),
        ("c['linux']['namespaces'].append({})", "linux.namespaces[6].type"),
        (dev + "del c['linux']['devices'][0]['path']", "linux.devices[0].path"),
        (dev + "del c['linux']['devices'][0]['type']", "linux.devices[0].type"),
        (dev + "del c['linux']['devices'][0]['major']", "linux.devices[0].major"),
        (dev + "del c['linux']['devices'][0]['minor']", "linux.devices[0].minor"),
        (rl + "del c['process']['rlimits'][0]['type']", "process.rlimits[0].type"),
        (rl + "del c['process']['rlimits'][0]['soft']", "process.rlimits[0].soft"),
        (rl + "del c['process']['rlimits'][0]['hard']", "process.rlimits[0].hard"),
        (idm + "del c['linux']['uidMappings'][0]['size']", "linux.uidMappings[0].size"),
        (idm + "del c['linux']['uidMappings'][0]['hostID']", "linux.uidMappings[0].hostID"),
        (idm + "del c['linux']['uidMappings'][0]['containerID']",
         "linux.uidMappings[0].containerID"),
        (sc + "del c['linux']['seccomp']['defaultAction']", "linux.seccomp.defaultAction"),
        (sc + "del %s['names']" % scr, "linux.seccomp.syscalls[0].names"),
        (sc + "%s['names'] = []" % scr, "linux.seccomp.syscalls[0].names"),
        (sc + "del %s['action']" % scr, "linux.seccomp.syscalls[0].action"),
        (sc + "del %s['args'][0]['index']" % scr, "linux.seccomp.syscalls[0].args[0].index"),
        (sc + "del %s['args'][0]['value']" % scr, "linux.seccomp.syscalls[0].args[0].value"),
        (sc + "del %s['args'][0]['op']" % scr, "linux.seccomp.syscalls[0].args[0].op"),
        ("c['hooks'] = {'prestart': [{'args': ['x']}]}", "hooks.prestart[0].path"),
        (res + "['hugepageLimits'] = [{'limit': 1}]", "linux.resources.hugepageLimits[0].pageSize"),
        (res + "['hugepageLimits'] = [{'pageSize': '2MB'}]",
         "linux.resources.hugepageLimits[0].limit"),
        (res + "['network'] = {'priorities': [{'priority': 1}]}",
         "linux.resources.network.priorities[0].name"),
        (res + "['network'] = {'priorities': [{'name': 'eth0'}]}",
         "linux.resources.network.priorities[0].priority"),
        (res + "['blockIO'] = {'weightDevice': [{'minor': 0, 'weight': 10}]}",
         "linux.resources.blockIO.weightDevice[0].major"),
        (res + "['blockIO'] = {'throttleReadBpsDevice': [{'major': 8, 'minor': 0}]}",
         "linux.resources.blockIO.throttleReadBpsDevice[0].rate"),
        (res + "['devices'] = [{'access': 'rwm'}]", "linux.resources.devices[0].allow"),
        ("c['process']['scheduler'] = {'nice': 5}", "process.scheduler.policy"),
        ("c['process']['ioPriority'] = {'priority': 5}", "process.ioPriority.class"),
        ("c['process']['ioPriority'] = {'class': 'IOPRIO_CLASS_RT'}",
         "process.ioPriority.priority"),
        ("c['linux']['personality'] = {'flags': []}", "linux.personality.domain"),
    ]:
        yield ("missing " + path, change, path)


def range_cases():
    """Numbers out of the range the kernel (or runc) takes."""
    p = "c['process']"
    dev = "c['linux']['devices'] = [{'path': '/dev/x', 'type': 'c', 'major': 1, 'minor': 3}]; "
    dp = "c['linux']['devices'][0]"
    rl = "c['process']['rlimits'] = [{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 0}]; "
    res = "c['linux']['resources']"
    idm = ("c['linux']['namespaces'].append({'type': 'user'}); "
           "c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 0, 'size': 1}]; "
           "m = c['linux']['uidMappings'][0]; ")
    timens = "c['linux']['namespaces'].append({'type': 'time'}); "
    cases = [
        (p + "['user']['umask'] = -1", "process.user.umask"),
        (p + "['user']['umask'] = %d" % BIG, "process.user.umask"),
        (p + "['user']['umask'] = 0o1000", "process.user.umask"),
        (p + "['user']['uid'] = -1", "process.user.uid"),
        (p + "['user']['uid'] = %d" % U32, "process.user.uid"),
        (p + "['user']['uid'] = %d" % BIG, "process.user.uid"),
        (p + "['user']['gid'] = -5", "process.user.gid"),
        (p + "['user']['gid'] = %d" % (U32 - 1), "process.user.gid"),
        (p + "['user']['additionalGids'] = [1, -1]", "process.user.additionalGids[1]"),
        (p + "['user']['additionalGids'] = [%d]" % BIG, "process.user.additionalGids[0]"),
        (p + "['oomScoreAdj'] = -1001", "process.oomScoreAdj"),
        (p + "['oomScoreAdj'] = 1001", "process.oomScoreAdj"),
        (p + "['oomScoreAdj'] = %d" % BIG, "process.oomScoreAdj"),
        (p + "['consoleSize'] = {'height': 65536}", "process.consoleSize.height"),
        (p + "['scheduler'] = {'policy': 'SCHED_OTHER', 'nice': 20}", "process.scheduler.nice"),
        (p + "['scheduler'] = {'policy': 'SCHED_BATCH', 'nice': -%d}" % BIG,
         "process.scheduler.nice"),
        (p + "['scheduler'] = {'policy': 'SCHED_FIFO', 'priority': 100}",
         "process.scheduler.priority"),
        (p + "['scheduler'] = {'policy': 'SCHED_RR', 'priority': 0}", "process.scheduler.priority"),
        (p + "['scheduler'] = {'policy': 'SCHED_IDLE', 'priority': 5}",
         "process.scheduler.priority"),
        (p + "['scheduler'] = {'policy': 'SCHED_OTHER', 'runtime': 1}",
         "process.scheduler.runtime"),
        (p + "['scheduler'] = {'policy': 'SCHED_DEADLINE', 'runtime': -1}",
         "process.scheduler.runtime"),
        (p + "['scheduler'] = {'policy': 'SCHED_DEADLINE', 'runtime': 9, 'deadline': 5}",
         "process.scheduler"),
        (p + "['ioPriority'] = {'class': 'IOPRIO_CLASS_BE', 'priority': 8}",
         "process.ioPriority.priority"),
        (p + "['ioPriority'] = {'class': 'IOPRIO_CLASS_IDLE', 'priority': -1}",
         "process.ioPriority.priority"),
        (p + "['consoleSize'] = {'width': -1}", "process.consoleSize.width"),
        (rl + p + "['rlimits'][0]['soft'] = -2", "process.rlimits[0].soft"),
        (rl + p + "['rlimits'][0]['hard'] = -%d" % BIG, "process.rlimits[0].hard"),
        (rl + p + "['rlimits'][0]['soft'] = 10", "process.rlimits[0]"),
        (rl + p + "['rlimits'][0]['soft'] = -1", "process.rlimits[0]"),
        (dev + dp + "['major'] = %d" % BIG, "linux.devices[0].major"),
        (dev + dp + "['major'] = -1", "linux.devices[0].major"),
        (dev + dp + "['major'] = 4096", "linux.devices[0].major"),
        (dev + dp + "['minor'] = %d" % (2 ** 20), "linux.devices[0].minor"),
        (dev + dp + "['minor'] = -3", "linux.devices[0].minor"),
        (dev + dp + "['fileMode'] = -1", "linux.devices[0].fileMode"),
        (dev + dp + "['fileMode'] = 0o10000", "linux.devices[0].fileMode"),
        (dev + dp + "['uid'] = -1", "linux.devices[0].uid"),
        (dev + dp + "['gid'] = %d" % U32, "linux.devices[0].gid"),
        (res + "['devices'][0]['major'] = %d" % BIG, "linux.resources.devices[0].major"),
        (res + "['devices'][0]['minor'] = -2", "linux.resources.devices[0].minor"),
        (res + "['memory'] = {'limit': -2}", "linux.resources.memory.limit"),
        (res + "['memory'] = {'reservation': -%d}" % BIG, "linux.resources.memory.reservation"),
        (res + "['memory'] = {'swap': -7}", "linux.resources.memory.swap"),
        (res + "['memory'] = {'kernel': -2}", "linux.resources.memory.kernel"),
        (res + "['memory'] = {'kernelTCP': -2}", "linux.resources.memory.kernelTCP"),
        (res + "['memory'] = {'swappiness': 101}", "linux.resources.memory.swappiness"),
        (res + "['memory'] = {'swappiness': -1}", "linux.resources.memory.swappiness"),
        (res + "['cpu'] = {'shares': 262145}", "linux.resources.cpu.shares"),
        (res + "['cpu'] = {'shares': -1}", "linux.resources.cpu.shares"),
        (res + "['cpu'] = {'quota': -2}", "linux.resources.cpu.quota"),
        (res + "['cpu'] = {'period': 1000001}", "linux.resources.cpu.period"),
        (res + "['cpu'] = {'period': -1}", "linux.resources.cpu.period"),
        (res + "['cpu'] = {'burst': -1}", "linux.resources.cpu.burst"),
        (res + "['cpu'] = {'realtimeRuntime': -2}", "linux.resources.cpu.realtimeRuntime"),
        (res + "['cpu'] = {'realtimePeriod': -1}", "linux.resources.cpu.realtimePeriod"),
        (res + "['cpu'] = {'idle': 2}", "linux.resources.cpu.idle"),
        (res + "['pids'] = {'limit': -2}", "linux.resources.pids.limit"),
        (res + "['blockIO'] = {'weight': 1001}", "linux.resources.blockIO.weight"),
        (res + "['blockIO'] = {'leafWeight': -1}", "linux.resources.blockIO.leafWeight"),
        (res + "['blockIO'] = {'weightDevice': [{'major': 8, 'minor': 0, 'weight': 5000}]}",
         "linux.resources.blockIO.weightDevice[0].weight"),
        (res + "['blockIO'] = {'weightDevice': [{'major': %d, 'minor': 0}]}" % BIG,
         "linux.resources.blockIO.weightDevice[0].major"),
        (res + "['blockIO'] = {'throttleWriteIOPSDevice': [{'major': 8, 'minor': 0, 'rate': -1}]}",
         "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate"),
        (res + "['blockIO'] = {'throttleReadBpsDevice': [{'major': 8, 'minor': -1, 'rate': 1}]}",
         "linux.resources.blockIO.throttleReadBpsDevice[0].minor"),
        (res + "['hugepageLimits'] = [{'pageSize': '2MB', 'limit': -1}]",
         "linux.resources.hugepageLimits[0].limit"),
        (res + "['network'] = {'classID': -1}", "linux.resources.network.classID"),
        (res + "['network'] = {'classID': %d}" % U32, "linux.resources.network.classID"),
        (res + "['network'] = {'priorities': [{'name': 'eth0', 'priority': -1}]}",
         "linux.resources.network.priorities[0].priority"),
        (idm + "m['size'] = 0", "linux.uidMappings[0].size"),
        (idm + "m['hostID'] = %d" % U32, "linux.uidMappings[0].hostID"),
        (idm + "m['containerID'] = -1", "linux.uidMappings[0].containerID"),
        (idm + "m['hostID'] = %d; m['size'] = 2" % (U32 - 1), "linux.uidMappings[0]"),
        (idm + "c['linux']['uidMappings'] = [dict(m) for _ in range(341)]",
         "linux.uidMappings[340]"),
        (timens + "c['linux']['timeOffsets'] = {'monotonic': {'nanosecs': 1000000000}}",
         "linux.timeOffsets.monotonic.nanosecs"),
        (timens + "c['linux']['timeOffsets'] = {'boottime': {'nanosecs': -1}}",
         "linux.timeOffsets.boottime.nanosecs"),
        (timens + "c['linux']['timeOffsets'] = {'boottime': {'secs': %d}}" % (2 ** 62),
         "linux.timeOffsets.boottime.secs"),
        ("c['hooks'] = {'prestart': [{'path': '/bin/true', 'timeout': 0}]}",
         "hooks.prestart[0].timeout"),
        ("c['hooks'] = {'poststop': [{'path': '/bin/true', 'timeout': -1}]}",
         "hooks.poststop[0].timeout"),
        ("c['hooks'] = {'poststop': [{'path': '/bin/true', 'timeout': %d}]}" % BIG,
         "hooks.poststop[0].timeout"),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': -1}",
         "linux.seccomp.defaultErrnoRet"),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': "
         "['read'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 65536}]}",
         "linux.seccomp.syscalls[0].errnoRet"),
        ("c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': "
         "['read'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 6, 'value': 0, 'op': "
         "'SCMP_CMP_EQ'}]}]}", "linux.seccomp.syscalls[0].args[0].index"),
    ]
    for change, path in cases:
        yield ("range " + change.split("; ")[-1][:60], change, path)


def name_cases():
    """Names that must match exactly."""
    caps = "c['process']['capabilities']"
    res = "c['linux']['resources']"
    sc = "c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW'}; s = c['linux']['seccomp']; "
    out = []
    for name in ["CAP_SYS_ADMIN ", " CAP_KILL", "cap_sys_admin", "Cap_Kill", "CAP_NOPE",
                 "SYS_ADMIN", "CAP_", "", "12", "CAP_SYS_ADMIN\n", "CAP_SYS_ADMIN,CAP_KILL"]:
        for s in ["bounding", "effective", "permitted"]:
            out.append(("%s['%s'] = [%r]" % (caps, s, name), "process.capabilities.%s[0]" % s))
    for t in ["PID", "net", "pid ", "", "mnt", "user_ns"]:
        out.append(("c['linux']['namespaces'][0]['type'] = %r" % t, "linux.namespaces[0].type"))
    out.append(("c['linux']['namespaces'].append({'type': 'ipc'})", "linux.namespaces[6].type"))
    for t in ["RLIMIT_NOFILE ", "rlimit_nofile", "NOFILE", "RLIMIT_NOPE"]:
        out.append(("c['process']['rlimits'] = [{'type': %r, 'soft': 1, 'hard': 1}]" % t,
                    "process.rlimits[0].type"))
    out.append(("c['process']['rlimits'] = [{'type': 'RLIMIT_CORE', 'soft': 1, 'hard': 1}] * 2",
                "process.rlimits[1].type"))
    for t in ["x", "cc", "C", ""]:
        out.append(("c['linux']['devices'] = [{'path': '/dev/x', 'type': %r, 'major': 1, "
                    "'minor': 3}]" % t, "linux.devices[0].type"))
    for t in ["u", "p", "all"]:
        out.append(("%s['devices'][0]['type'] = %r" % (res, t), "linux.resources.devices[0].type"))
    for a in ["rwx", "rwmm", "R"]:
        out.append(("%s['devices'][0]['access'] = %r" % (res, a),
                    "linux.resources.devices[0].access"))
    for v in ["Private", "rprivate ", "none"]:
        out.append(("c['linux']['rootfsPropagation'] = %r" % v, "linux.rootfsPropagation"))
    for v in ["SCMP_ACT_allow", "ALLOW", "SCMP_ACT_ALLOW "]:
        out.append((sc + "s['defaultAction'] = %r" % v, "linux.seccomp.defaultAction"))
    for v in ["x86_64", "SCMP_ARCH_X86_64 "]:
        out.append((sc + "s['architectures'] = [%r]" % v, "linux.seccomp.architectures[0]"))
    out.append((sc + "s['syscalls'] = [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'args': "
                "[{'index': 0, 'value': 1, 'op': 'EQ'}]}]", "linux.seccomp.syscalls[0].args[0].op"))
    for ps in ["2mb", "2M", "2MiB", "../2MB", "2MB/../x", "MB", "2TB"]:
        out.append(("%s['hugepageLimits'] = [{'pageSize': %r, 'limit': 1}]" % (res, ps),
                    "linux.resources.hugepageLimits[0].pageSize"))
    for n in ["", "eth0 1", "a" * 16, "../x", "eth0\n"]:
        out.append(("%s['network'] = {'priorities': [{'name': %r, 'priority': 1}]}" % (res, n),
                    "linux.resources.network.priorities[0].name"))
    for k in ["", "../memory.max", "a/b", ".hidden"]:
        out.append(("%s['unified'] = {%r: '1'}" % (res, k), "linux.resources.unified"))
    for v in ["0-3\n", "0-1; rm", "all", "0 1"]:
        out.append(("%s['cpu'] = {'cpus': %r}" % (res, v), "linux.resources.cpu.cpus"))
    out.append(("%s['cpu'] = {'mems': 'x'}" % res, "linux.resources.cpu.mems"))
    for o in ["idmap", "ridmap"]:
        out.append(("c['mounts'][1]['options'].append(%r)" % o, "mounts[1].options"))
    for v in ["SCHED_FOO", "sched_other", "SCHED_OTHER ", "OTHER", "", "SCHED_ISO"]:
        out.append(("c['process']['scheduler'] = {'policy': %r}" % v, "process.scheduler.policy"))
    for v in ["SCHED_FLAG_NOPE", "RESET_ON_FORK", "sched_flag_reclaim", "SCHED_FLAG_UTIL_CLAMP_MIN"]:
        out.append(("c['process']['scheduler'] = {'policy': 'SCHED_OTHER', 'flags': [%r]}" % v,
                    "process.scheduler.flags[0]"))
    for v in ["IOPRIO_CLASS_NONE", "BE", "ioprio_class_be", "IOPRIO_CLASS_RT "]:
        out.append(("c['process']['ioPriority'] = {'class': %r, 'priority': 0}" % v,
                    "process.ioPriority.class"))
    for v in ["LINUX64", "linux", "PER_LINUX", ""]:
        out.append(("c['linux']['personality'] = {'domain': %r}" % v, "linux.personality.domain"))
    out.append(("c['linux']['personality'] = {'domain': 'LINUX', 'flags': ['ADDR_NO_RANDOMIZE']}",
                "linux.personality.flags[0]"))
    out.append(("c['ociVersion'] = '2.0.0'", "ociVersion"))
    out.append(("c['ociVersion'] = ''", "ociVersion"))
    for change, path in out:
        yield ("name " + change.split("; ")[-1][:70], change, path)


def path_cases():
    """Paths that must be absolute, and mounts that must not cover /."""
    dev = "c['linux']['devices'] = [{'path': %r, 'type': 'c', 'major': 1, 'minor': 3}]"
    for change, path in [
        ("c['process']['cwd'] = 'rel'", "process.cwd"),
        ("c['process']['cwd'] = ''", "process.cwd"),
        ("c['process']['cwd'] = './x'", "process.cwd"),
        ("c['linux']['maskedPaths'].append('proc/kcore')", "linux.maskedPaths[10]"),
        ("c['linux']['maskedPaths'].append('')", "linux.maskedPaths[10]"),
        ("c['linux']['readonlyPaths'].append('proc/sys')", "linux.readonlyPaths[5]"),
        ("c['linux']['readonlyPaths'][0] = '../x'", "linux.readonlyPaths[0]"),
        (dev % "dev/x", "linux.devices[0].path"),
        (dev % "", "linux.devices[0].path"),
        ("c['hooks'] = {'prestart': [{'path': 'true'}]}", "hooks.prestart[0].path"),
        ("c['hooks'] = {'startContainer': [{'path': ''}]}", "hooks.startContainer[0].path"),
        ("c['linux']['namespaces'][1]['path'] = 'proc/1/ns/net'", "linux.namespaces[1].path"),
        ("c['linux']['namespaces'][1]['path'] = ''", "linux.namespaces[1].path"),
        ("c['root']['path'] = ''", "root.path"),
        ("c['mounts'].append({'destination': '/', 'type': 'tmpfs', 'source': 'tmpfs'})",
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '//', 'type': 'tmpfs', 'source': 'tmpfs'})",
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '/./', 'type': 'tmpfs', 'source': 'tmpfs'})",
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '.', 'type': 'tmpfs', 'source': 'tmpfs'})",
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '', 'type': 'tmpfs', 'source': 'tmpfs'})",
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '/', 'type': 'tmpfs', 'source': 'tmpfs'}); "
         "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}", "mounts[7].destination"),
    ]:
        yield ("path " + change[:70], change, path)


def size_cases():
    """Strings longer than what the kernel takes."""
    long_path = "'/' + 'd' * 5000"
    for change, path in [
        ("c['hostname'] = 'h' * 65", "hostname"),
        ("c['hostname'] = 'h' * 100000", "hostname"),
        ("c['domainname'] = 'd' * 65", "domainname"),
        ("c['process']['cwd'] = %s" % long_path, "process.cwd"),
        ("c['process']['cwd'] = '/' + 'c' * 100000", "process.cwd"),
        ("c['process']['args'] = [%s]" % long_path, "process.args[0]"),
        ("c['process']['args'] = ['/bin/true', 'a' * 200000]", "process.args[1]"),
        ("c['process']['args'] = ['']", "process.args[0]"),
        ("c['process']['env'].append('X=' + 'v' * 200000)", "process.env[2]"),
        ("c['mounts'].append({'destination': %s, 'type': 'tmpfs'})" % long_path,
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '/' + 'm' * 100000, 'type': 'tmpfs'})",
         "mounts[7].destination"),
        ("c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': %s})" % long_path,
         "mounts[7].source"),
        ("c['mounts'].append({'destination': '/x', 'type': 't' * 300})", "mounts[7].type"),
        ("c['mounts'].append({'destination': '/x', 'type': 'tmpfs', 'options': "
         "['size=' + '1' * 5000]})", "mounts[7].options"),
        ("c['linux']['maskedPaths'].append(%s)" % long_path, "linux.maskedPaths[10]"),
        ("c['linux']['readonlyPaths'].append(%s)" % long_path, "linux.readonlyPaths[5]"),
        ("c['root']['path'] = 'r' * 5000", "root.path"),
        ("c['hooks'] = {'prestart': [{'path': %s}]}" % long_path, "hooks.prestart[0].path"),
        ("c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1' * 5000}", "linux.sysctl"),
        ("c['linux']['resources']['cpu'] = {'cpus': '1' * 2000}", "linux.resources.cpu.cpus"),
        ("c['linux']['resources']['unified'] = {'u' * 300: '1'}", "linux.resources.unified"),
    ]:
        yield ("size " + change[:60], change, path)


def env_cases():
    for change, path in [
        ("c['process']['env'].append('NOEQUALS')", "process.env[2]"),
        ("c['process']['env'] = ['=value']", "process.env[0]"),
        ("c['process']['env'] = ['']", "process.env[0]"),
        ("c['process']['env'] = ['A=1', 'B']", "process.env[1]"),
        ("c['hooks'] = {'prestart': [{'path': '/bin/true', 'env': ['X']}]}",
         "hooks.prestart[0].env[0]"),
        ("c['hooks'] = {'poststop': [{'path': '/bin/true', 'env': ['=1']}]}",
         "hooks.poststop[0].env[0]"),
    ]:
        yield ("env " + change[:60], change, path)


def namespace_cases():
    """Sysctls outside the container's namespaces, offsets without a time
    namespace, a hostname without a UTS one."""
    ns = "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != %r]; "
    out = []
    for key in ["vm.swappiness", "kernel.core_pattern", "vm.drop_caches", "kernel.panic",
                "fs.file-max", "kernel/core_pattern", "vm/swappiness", "kernel.pid_max",
                "net", "kernel.msgmax.x", "user.max_user_namespaces", "kernel.modprobe"]:
        out.append(("c['linux']['sysctl'] = {%r: '1'}" % key, "linux.sysctl"))
    for key in ["net/../vm/swappiness", "net/./../../kernel/core_pattern", "net..ipv4",
                "", ".", "net.", "/net/ipv4/ip_forward", "net//ipv4"]:
        out.append(("c['linux']['sysctl'] = {%r: '1'}" % key, "linux.sysctl"))
    for key, gone in [("net.ipv4.ip_forward", "network"), ("net/ipv4/ip_forward", "network"),
                      ("net.core.somaxconn", "network"), ("kernel.shmmax", "ipc"),
                      ("kernel.sem", "ipc"), ("fs.mqueue.queues_max", "ipc"),
                      ("kernel.shm_rmid_forced", "ipc"), ("kernel.domainname", "uts"),
                      ("kernel.hostname", "uts")]:
        extra = "c['hostname'] = ''; " if gone == "uts" else ""
        out.append((ns % gone + extra + "c['linux']['sysctl'] = {%r: '1'}" % key,
                    "linux.sysctl"))
    # A network namespace joined by path that is silo's own is the host's.
    out.append(("[n.update(path='/proc/self/ns/net') for n in c['linux']['namespaces'] "
                "if n['type'] == 'network']; c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}",
                "linux.sysctl"))
    out.append(("[n.update(path='/proc/self/ns/ipc') for n in c['linux']['namespaces'] "
                "if n['type'] == 'ipc']; c['linux']['sysctl'] = {'kernel.shmmax': '1'}",
                "linux.sysctl"))
    out.append(("c['linux']['timeOffsets'] = {'monotonic': {'secs': 10}}", "linux.timeOffsets"))
    out.append(("c['linux']['namespaces'].append({'type': 'time', 'path': '/proc/1/ns/time'}); "
                "c['linux']['timeOffsets'] = {'boottime': {'secs': 10}}", "linux.timeOffsets"))
    out.append((ns % "uts" + "c['hostname'] = 'box'", "hostname"))
    out.append((ns % "uts" + "c['hostname'] = ''; c['domainname'] = 'dom'", "domainname"))
    for change, path in out:
        yield ("ns " + change.split("; ")[-1][:70], change, path)


def encoding_cases():
    """What the JSON parser refuses: the message gives line and column."""
    bad = [
        ("invalid UTF-8 in a string", lambda b: b.replace(b'"silo"', b'"si\xfflo"'), "line"),
        ("invalid UTF-8 in a key", lambda b: b.replace(b'"hostname"', b'"host\xc3name"'), "line"),
        ("overlong UTF-8", lambda b: b.replace(b'"silo"', b'"\xc0\xafsilo"'), "line"),
        ("UTF-8 surrogate", lambda b: b.replace(b'"silo"', b'"\xed\xa0\x80"'), "line"),
        ("\\u0000 in hostname", lambda b: b.replace(b'"silo"', b'"si\\u0000lo"'), "line"),
        ("\\u0000 in args", lambda b: b.replace(b'"true"', b'"tr\\u0000ue"', 1), "line"),
        ("\\u0000 in a key", lambda b: b.replace(b'"hostname"', b'"host\\u0000name"'), "line"),
        ("lone surrogate escape", lambda b: b.replace(b'"silo"', b'"\\ud800"'), "line"),
        ("raw NUL byte", lambda b: b.replace(b'"silo"', b'"si\x00lo"'), "NUL"),
        ("NUL after the object", lambda b: b + b"\x00", "NUL"),
        ("UTF-8 BOM", lambda b: b"\xef\xbb\xbf" + b, "line"),
        ("UTF-16", lambda b: b.decode().encode("utf-16"), "config.json"),
        ("truncated", lambda b: b[: len(b) // 2], "line"),
        ("trailing comma", lambda b: b.replace(b'"silo"', b'"silo",,'), "line"),
        ("trailing garbage", lambda b: b + b"}", "line"),
        ("control character", lambda b: b.replace(b'"silo"', b'"si\x01lo"'), "line"),
        ("integer over 2^63", lambda b: b.replace(b'"uid": 0', b'"uid": 18446744073709551616'),
         "line"),
        ("float uid", lambda b: b.replace(b'"uid": 0', b'"uid": 1e400'), "line"),
        ("bad escape", lambda b: b.replace(b'"silo"', b'"\\q"'), "line"),
        ("single quotes", lambda b: b.replace(b'"silo"', b"'silo'"), "line"),
        ("NaN", lambda b: b.replace(b'"uid": 0', b'"uid": NaN'), "line"),
    ]
    for name, fn, expect in bad:
        yield ("encoding " + name, _with_base(fn), expect)
    for name, data, expect in [
        ("empty file", b"", "line"),
        ("only whitespace", b" \n\t ", "line"),
        ("null", b"null", "line"),
        ("an array", b"[]", "must be a JSON object"),
        ("a number", b"1", "line"),
        ("a string", b'"config"', "line"),
        ("empty object", b"{}", "ociVersion"),
        ("deep arrays", b'{"ociVersion": "1.0.2", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}",
         "line"),
        ("deep objects", b'{"ociVersion": "1.0.2", "x": ' + b'{"a":' * 50000 + b"1"
         + b"}" * 50000 + b"}", "line"),
        ("deep unterminated", b"[" * 1000000, "line"),
        ("long number", b'{"ociVersion": ' + b"9" * 100000 + b"}", "line"),
        ("long key", b'{"' + b"k" * 1000000 + b'": 1}', "ociVersion"),
    ]:
        yield ("encoding " + name, _raw(data), expect)


def file_cases():
    """config.json that is not a regular file of bounded size."""
    for name, make, expect in [
        ("a FIFO", _fifo, "not a regular file"),
        ("a symlink to /dev/zero", _symlink_to("/dev/zero"), "not a regular file"),
        ("a symlink to /dev/null", _symlink_to("/dev/null"), "not a regular file"),
        ("a symlink to /dev/urandom", _symlink_to("/dev/urandom"), "not a regular file"),
        ("a symlink to /proc/self/fd/0", _symlink_to("/proc/self/fd/0"), "config.json"),
        ("a directory", _directory, "not a regular file"),
        ("a dangling symlink", _symlink_to("/nonexistent/config.json"), "No such file"),
        ("a symlink loop", _symlink_to("config.json"), "config.json"),
        ("missing", lambda path: None, "No such file"),
        ("over 16 MiB", _huge, "larger than 16 MiB"),
        ("a sparse 64 GiB file", _sparse, "larger than 16 MiB"),
    ]:
        yield ("file " + name, _replace_config(make), expect)


def late_cases():
    """Failures that only the container process sees: its error must still
    reach the user, naming the field."""
    big = "c['annotations'] = {'a%d' % i: 'x' * 1000 for i in range(100)}; "
    for change, path in [
        ("c['linux']['resources']['memory'] = {'limit': 1}", "linux.resources.memory.limit"),
        ("c['linux']['resources']['memory'] = {'limit': 4096}", "linux.resources.memory.limit"),
        (big + "c['process']['args'] = ['/no/such/program']", "process.args[0]"),
        (big + "c['hooks'] = {'createRuntime': [{'path': '/bin/false'}]}", "createRuntime"),
        ("c['process']['args'] = ['/' + 'p' * 4000]", "process.args[0]"),
        ("c['process']['cwd'] = '/' + 'c' * 4000", "process.cwd"),
        ("c['mounts'].append({'destination': '/' + 'm' * 4000, 'type': 'tmpfs', "
         "'source': 'tmpfs'})", "mounts[7]"),
    ]:
        yield ("late " + change[:60], change, path)


def cases():
    for gen in (type_cases, missing_cases, range_cases, name_cases, path_cases, size_cases,
                env_cases, namespace_cases, encoding_cases, file_cases, late_cases):
        yield from gen()


if __name__ == "__main__":
    all_cases = list(cases())
    for name, _, expect in all_cases:
        print("%-80s %s" % (name[:80], expect))
    print("%d cases" % len(all_cases), file=sys.stderr)
