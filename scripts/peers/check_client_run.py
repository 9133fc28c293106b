"""Checks one run of examples/client against a peer server, from both ends.

    python check_client_run.py SERVER RECORD.json STDOUT STDERR EXIT_STATUS PATH

RECORD.json is what the server (py_server.py / node_server.mjs) saw; STDOUT, STDERR and
EXIT_STATUS are the client's. The client was fed peer_data.CLIENT_LINES. Prints one
`PASS  name` or `FAIL  name: detail` line per check and exits 1 if any failed. With
PEERS_DEFLATE=1 it also checks that permessage-deflate was negotiated and used.
"""

import hashlib
import json
import sys

import peer_data

server, record_path, stdout_path, stderr_path, status, path = sys.argv[1:7]
peer = f"client -> {server}"
status = int(status)
failures = 0


def report(name, problem, ok_detail=""):
    global failures
    if problem:
        failures += 1
        print(f"FAIL  {peer}: {name}: {problem}", flush=True)
    else:
        print(f"PASS  {peer}: {name}" + (f" ({ok_detail})" if ok_detail else ""), flush=True)


def short(desc):
    return f'{desc["type"]} {desc["len"]} bytes sha256 {desc["sha256"][:12]} "{desc["preview"]}"'


def shown(line):
    text = line[:60].decode("utf-8", "replace")
    return f'"{text}"{"..." if len(line) > 60 else ""} ({len(line)} bytes)'


def line_matches(line, desc):
    """How the client prints a message: text as itself, binary as its size."""
    if desc["type"] == "binary":
        return line == f'<binary message, {desc["len"]} bytes>'.encode()
    return hashlib.sha256(line).hexdigest() == desc["sha256"]


try:
    with open(record_path) as f:
        record = json.load(f)
except (OSError, ValueError) as e:
    record = None
    report("server record", f"{record_path}: {e} (the server never finished a connection)")

with open(stdout_path, "rb") as f:
    out = f.read()
lines = out.split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
with open(stderr_path, encoding="utf-8", errors="replace") as f:
    err = f.read()
expected_echoes = [peer_data.describe(line) for line in peer_data.CLIENT_LINES]

if record is not None:
    report("handshake (server saw the request path)",
           None if record["path"] == path else f'server saw path {record["path"]!r}, sent {path!r}',
           record["path"])
    if record.get("error"):
        report("server ran without error", record["error"])

    if peer_data.DEFLATE:
        agreed = record.get("deflate")
        if agreed is None:
            report("permessage-deflate negotiated", "the server recorded no negotiation")
        else:
            report("permessage-deflate negotiated", peer_data.negotiation_problem(agreed),
                   f'client offered "{agreed["offered"]}", server answered "{agreed["accepted"]}"')

    got = record["received"]
    problems = [f"message {i + 1}: sent {short(want)}, server got {short(have) if have else 'nothing'}"
                for i, want in enumerate(expected_echoes)
                for have in [got[i] if i < len(got) else None]
                if have is None or have["type"] != want["type"] or have["sha256"] != want["sha256"]]
    if len(got) > len(expected_echoes):
        problems.append(f"{len(got) - len(expected_echoes)} unexpected extra messages")
    report("our text messages arrived intact (ASCII, empty, UTF-8, 1 MiB)", "; ".join(problems),
           f"{len(got)} messages")

    ping = record.get("ping")
    report("server's 125-byte ping answered by identical pong",
           None if ping and ping in record["pongs"] else f'pinged {ping}, pongs {record["pongs"]}')

    close = record.get("close_received")
    report('server saw our close 1000 "end of input"',
           None if close == {"code": 1000, "reason": "end of input"} else f"server saw {close}")

    pushed = record["pushed"]
    problems = [f"pushed {short(want)}, client printed "
                + (shown(lines[i]) if i < len(lines) else "nothing")
                for i, want in enumerate(pushed)
                if i >= len(lines) or not line_matches(lines[i], want)]
    report("client printed what the server pushed (text, binary, 1 MiB, fragmented x2)",
           "; ".join(problems), f"{len(pushed)} messages")

    echoes = lines[len(pushed):]
    problems = [f"echo {i + 1}: expected {short(want)}, printed "
                + (shown(echoes[i]) if i < len(echoes) else "nothing")
                for i, want in enumerate(expected_echoes)
                if i >= len(echoes) or not line_matches(echoes[i], want)]
    if len(echoes) > len(expected_echoes):
        problems.append(f"{len(echoes) - len(expected_echoes)} unexpected extra lines")
    report("client printed the echoes of its messages", "; ".join(problems),
           f"{len(expected_echoes)} messages")

    sent = record.get("close_sent")
    want = f'closed: {sent["code"]} {sent["reason"]}' if sent else None
    closed_lines = [line for line in err.splitlines() if line.startswith("closed: ")]
    problems = []
    if sent is None:
        problems.append("server sent no Close")
    elif closed_lines != [want]:
        problems.append(f"stderr has {closed_lines}, expected [{want!r}]")
    if status != 0:
        problems.append(f"client exited {status}")
    if any(word in err for word in ("error", "panicked")):
        problems.append(f"stderr: {err.strip()!r}")
    report("client saw the server's Close and exited 0", "; ".join(problems), want)

    if peer_data.DEFLATE and agreed is not None:
        # websockets counts RSV1 frames; ws hides RSV1, so its server compares the bytes
        # on the wire with the payload bytes: uncompressed, the wire carries more, not less.
        if "compressed" in agreed:
            counts = agreed["compressed"]
            problem = None if counts["in"] > 0 and counts["out"] > 0 else "not both ways"
            detail = f'server sent {counts["out"]} compressed frames, received {counts["in"]}'
        else:
            wire, payload = agreed.get("wire"), agreed["payload"]
            problem = None if wire and wire["in"] * 4 < payload["in"] and wire["out"] * 4 < payload["out"] \
                else "wire bytes not well below payload bytes"
            detail = (f'payload {payload["out"]} bytes sent, {payload["in"]} received; on the wire '
                      f'{wire and wire["out"]} sent, {wire and wire["in"]} received')
        report("data compressed both ways", f"{problem}: {detail}" if problem else None, detail)

sys.exit(1 if failures else 0)
