#!/usr/bin/python3
"""A small CRI v1 client for tests (Debian 12 ships no crictl).

  cri.py --sock PATH version | status | img REF
  cri.py --sock PATH runp [--runtime HANDLER] POD.json      prints the pod id
  cri.py --sock PATH create POD_ID CTR.json POD.json          prints the container id
  cri.py --sock PATH start|stop|rm ID
  cri.py --sock PATH exec [--timeout S] ID -- CMD...          ExecSync: its stdout and
                                                              stderr, its exit code
  cri.py --sock PATH stopp|rmp ID
  cri.py --sock PATH inspect|inspectp ID                      status as JSON (verbose)
  cri.py --sock PATH ps [--pod ID] | pods                     one line each: ID STATE NAME

The JSON files hold a ContainerConfig or a PodSandboxConfig with the proto's
field names (as crictl's files do). The stubs come from tests/cri/api.proto,
compiled into $CRI_STUBS (made when missing) or a temporary directory.
Errors: one line on stderr, exit status 1.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import grpc
from google.protobuf import json_format


def load_stubs():
    proto_dir = os.path.dirname(os.path.abspath(__file__))
    out = os.environ.get("CRI_STUBS")
    if not out:
        out = tempfile.mkdtemp(prefix="cri-stubs.")
        import atexit
        atexit.register(shutil.rmtree, out, True)
    if not os.path.exists(os.path.join(out, "api_pb2_grpc.py")):
        from grpc_tools import protoc
        os.makedirs(out, exist_ok=True)
        if protoc.main(["protoc", "-I" + proto_dir, "--python_out=" + out,
                        "--grpc_python_out=" + out, os.path.join(proto_dir, "api.proto")]):
            sys.exit("cri.py: protoc failed on api.proto")
    sys.path.insert(0, out)
    import api_pb2
    import api_pb2_grpc
    return api_pb2, api_pb2_grpc


pb, pb_grpc = load_stubs()


def read_config(path, message):
    with open(path) as f:
        return json_format.ParseDict(json.load(f), message())


def show(message):
    print(json_format.MessageToJson(message, preserving_proto_field_name=True, indent=1))


def run(args, rt, img):
    c = args.cmd
    if c == "version":
        show(rt.Version(pb.VersionRequest(version="v1")))
    elif c == "status":
        show(rt.Status(pb.StatusRequest()))
    elif c == "img":
        r = img.ImageStatus(pb.ImageStatusRequest(image=pb.ImageSpec(image=args.ref)))
        if not r.HasField("image"):
            sys.exit("cri.py img: no image " + args.ref)
        show(r.image)
    elif c == "runp":
        r = rt.RunPodSandbox(pb.RunPodSandboxRequest(
            config=read_config(args.pod, pb.PodSandboxConfig), runtime_handler=args.runtime))
        print(r.pod_sandbox_id)
    elif c == "create":
        r = rt.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=args.pod_id, config=read_config(args.ctr, pb.ContainerConfig),
            sandbox_config=read_config(args.pod, pb.PodSandboxConfig)))
        print(r.container_id)
    elif c == "start":
        rt.StartContainer(pb.StartContainerRequest(container_id=args.id))
    elif c == "stop":
        rt.StopContainer(pb.StopContainerRequest(container_id=args.id, timeout=args.timeout))
    elif c == "rm":
        rt.RemoveContainer(pb.RemoveContainerRequest(container_id=args.id))
    elif c == "exec":
        r = rt.ExecSync(pb.ExecSyncRequest(container_id=args.id, cmd=args.argv,
                                           timeout=args.timeout))
        sys.stdout.buffer.write(r.stdout)
        sys.stderr.buffer.write(r.stderr)
        return r.exit_code
    elif c == "stopp":
        rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=args.id))
    elif c == "rmp":
        rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=args.id))
    elif c == "inspect":
        show(rt.ContainerStatus(pb.ContainerStatusRequest(container_id=args.id, verbose=True)))
    elif c == "inspectp":
        show(rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=args.id,
                                                            verbose=True)))
    elif c == "ps":
        r = rt.ListContainers(pb.ListContainersRequest(
            filter=pb.ContainerFilter(pod_sandbox_id=args.pod)))
        for x in r.containers:
            print(x.id, pb.ContainerState.Name(x.state), x.metadata.name)
    elif c == "pods":
        for x in rt.ListPodSandbox(pb.ListPodSandboxRequest()).items:
            print(x.id, pb.PodSandboxState.Name(x.state), x.metadata.name)
    return 0


def main():
    p = argparse.ArgumentParser(description="A small CRI v1 client for tests.")
    p.add_argument("--sock", default=os.environ.get("CRI_SOCK"), help="the CRI socket path")
    p.add_argument("--call-timeout", type=float, default=120, help="seconds per call")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("version", "status", "pods"):
        sub.add_parser(name)
    sub.add_parser("img").add_argument("ref")
    s = sub.add_parser("runp")
    s.add_argument("--runtime", default="", help="the runtime handler")
    s.add_argument("pod")
    s = sub.add_parser("create")
    s.add_argument("pod_id"); s.add_argument("ctr"); s.add_argument("pod")
    for name in ("start", "rm", "stopp", "rmp", "inspect", "inspectp"):
        sub.add_parser(name).add_argument("id")
    s = sub.add_parser("stop")
    s.add_argument("--timeout", type=int, default=0); s.add_argument("id")
    s = sub.add_parser("exec")
    s.add_argument("--timeout", type=int, default=0); s.add_argument("id")
    s.add_argument("argv", nargs="*", metavar="CMD")
    sub.add_parser("ps").add_argument("--pod", default="")
    # argparse would drop a "--" inside the command: split at the first one here.
    argv, cmd = sys.argv[1:], []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    args = p.parse_args(argv)
    if args.cmd == "exec":
        args.argv += cmd
        if not args.argv:
            sys.exit("cri.py exec: no command")
    if not args.sock:
        sys.exit("cri.py: no socket (--sock or CRI_SOCK)")
    channel = grpc.insecure_channel("unix://" + os.path.abspath(args.sock))
    rt = pb_grpc.RuntimeServiceStub(channel)
    img = pb_grpc.ImageServiceStub(channel)
    # The per-call deadline: a wedged runtime must not hang the test.
    deadline = args.call_timeout
    for stub in (rt, img):
        for name, call in list(vars(stub).items()):
            setattr(stub, name, lambda req, call=call: call(req, timeout=deadline))
    try:
        return run(args, rt, img)
    except grpc.RpcError as e:
        sys.exit("cri.py %s: %s: %s" % (args.cmd, e.code().name, e.details()))
    except (OSError, ValueError, json_format.ParseError) as e:
        sys.exit("cri.py %s: %s" % (args.cmd, e))


if __name__ == "__main__":
    sys.exit(main())
