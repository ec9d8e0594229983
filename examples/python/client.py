#!/usr/bin/python3
"""A minimal contactd client: logs in, prints the snapshot, optionally sets a
status, then prints every event it receives (Ctrl-C to quit).

    examples/python/run.sh --login sofia --password sofia-demo-1
    examples/python/run.sh --login ana --password ana-demo-1 --status Lunch

It compiles proto/contactd/v1 with protoc at start, so it always matches the
server's schema. Needs python3-websockets and python3-protobuf (run.sh
installs them).
"""
import argparse
import asyncio
import importlib
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_schema():
    out = pathlib.Path(tempfile.mkdtemp(prefix="contactd-proto-"))
    protos = sorted(str(p) for p in (ROOT / "proto/contactd/v1").glob("*.proto"))
    subprocess.run(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", *protos], check=True)
    for d in (out / "contactd", out / "contactd/v1"):
        (d / "__init__.py").touch()
    sys.path.insert(0, str(out))
    return importlib.import_module("contactd.v1.envelope_pb2")


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="ws://127.0.0.1:8480/ws")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--status", help="set this status/break by name after login")
    parser.add_argument("--greet", help="send this message to each conversation assigned to me")
    args = parser.parse_args()

    pb = load_schema()
    import websockets

    next_id = 0

    async def request(ws, fill):
        nonlocal next_id
        next_id += 1
        env = pb.Envelope(request_id=next_id)
        fill(env.command)
        await ws.send(env.SerializeToString())
        while True:  # events may arrive before the answer
            reply = pb.Envelope.FromString(await ws.recv())
            if reply.request_id == next_id:
                return reply
            show(reply)

    def show(env):
        if env.HasField("event"):
            from google.protobuf import text_format
            print(f"event seq={env.seq}: {text_format.MessageToString(env.event, as_one_line=True)}")
        elif env.HasField("error"):
            print(f"error: {pb.contactd_dot_v1_dot_errors__pb2.ErrorCode.Name(env.error.code)}: {env.error.message}")

    async with websockets.connect(args.url, max_size=None) as ws:
        reply = await request(ws, lambda c: c.login.CopyFrom(pb.contactd_dot_v1_dot_commands__pb2.Login(
            login=args.login, password=args.password)))
        if reply.HasField("error"):
            show(reply)
            return 1
        snap = reply.response.login.snapshot
        print(f"logged in as {snap.me.display_name} ({args.login}); token expires at {reply.response.login.expires_at_ms}")
        print("campaigns:", ", ".join(c.name for c in snap.campaigns) or "-")
        print("statuses :", ", ".join(s.name for s in snap.statuses))
        names = {s.id: s.name for s in snap.statuses}
        for u in snap.overseen:
            state = "connected" if u.connected else "disconnected"
            print(f"  watching {u.login:<10} {state:<12} {names.get(u.status_id, '')}")
        if args.status:
            wanted = [s.id for s in snap.statuses if s.name == args.status]
            if not wanted:
                print(f"no status named {args.status}")
                return 1
            reply = await request(ws, lambda c: c.set_status.CopyFrom(
                pb.contactd_dot_v1_dot_commands__pb2.SetStatus(status_id=wanted[0])))
            print("set status:", "ok" if reply.HasField("response") else reply.error.message)
        print("waiting for events (Ctrl-C to quit)...")
        me = snap.me.id
        while True:
            env = pb.Envelope.FromString(await ws.recv())
            show(env)
            assigned = env.event.interaction_assigned if env.HasField("event") else None
            if args.greet and assigned and env.event.HasField("interaction_assigned") and assigned.agent_id == me:
                next_id += 1
                out = pb.Envelope(request_id=next_id)
                out.command.send_message.interaction_id = assigned.interaction_id
                out.command.send_message.text = args.greet
                await ws.send(out.SerializeToString())


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        pass
