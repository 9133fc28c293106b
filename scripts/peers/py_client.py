"""Drives examples/echo_server with the Python `websockets` client.

    python py_client.py ws://127.0.0.1:PORT/path

Prints one `PASS  name` or `FAIL  name: detail` line per check and exits 1 if any
failed. Incoming frames are recorded below the library, so a pong is checked byte for
byte rather than trusted to the library's matching. With PEERS_DEFLATE=1 it also checks
that permessage-deflate was negotiated and that data frames went compressed both ways.
"""

import asyncio
import hashlib
import sys
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode

import peer_data

PEER = "py-client -> echo_server"
STEP_TIMEOUT = 10
MIB = 1 << 20


class Recording(ClientConnection):
    """Keeps every incoming control frame: the library hides pong payloads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.control = []

    def process_event(self, event):
        if self.response is not None and event.opcode in (Opcode.PING, Opcode.PONG, Opcode.CLOSE):
            self.control.append((event.opcode, bytes(event.data)))
        super().process_event(event)


failures = 0


def report(name, ok, detail=""):
    global failures
    if ok:
        print(f"PASS  {PEER}: {name}" + (f" ({detail})" if detail else ""), flush=True)
    else:
        failures += 1
        print(f"FAIL  {PEER}: {name}: {detail}", flush=True)


def describe(data):
    if isinstance(data, str):
        data = data.encode()
        kind = "text"
    else:
        kind = "binary"
    return f"{kind} {len(data)} bytes sha256 {hashlib.sha256(data).hexdigest()[:12]}"


async def round_trip(ws, message, sent=None):
    """Sends `message` (fragments when it is a list) and expects `sent` back."""
    expected = message if sent is None else sent
    await ws.send(message)
    got = await ws.recv()
    if type(got) is not type(expected) or got != expected:
        return f"sent {describe(expected)}, got {describe(got)}"
    return None


async def check(name, coro, ok_detail=""):
    try:
        problem = await asyncio.wait_for(coro, STEP_TIMEOUT)
    except Exception as e:  # a dead connection must fail the check, not the run
        problem = f"{type(e).__name__}: {e}"
    report(name, problem is None, problem or ok_detail)


async def texts(ws):
    for text in ["hello from websockets", "", "héllo wörld ✓ 🦀"]:
        if problem := await round_trip(ws, text):
            return problem


async def fragmented(ws):
    # Text fragments with a ping between two of them: control frames may interleave (§5.4).
    async def pieces():
        yield "frag-1 "
        yield "frag-2 "
        await ws.ping(b"between fragments")
        yield "frag-3 ✓"

    if problem := await round_trip(ws, pieces(), "frag-1 frag-2 frag-3 ✓"):
        return problem
    chunks = [bytes([i]) * 1000 for i in range(5)]
    return await round_trip(ws, chunks, b"".join(chunks))


async def ping(ws):
    payload = bytes(range(125))  # the largest a control frame may carry
    ws.control.clear()
    waiter = await ws.ping(payload)
    await waiter
    pongs = [data for op, data in ws.control if op is Opcode.PONG]
    if payload not in pongs:
        return f"pinged with {len(payload)} bytes, pongs seen: {[d.hex() for d in pongs]}"


async def main(url):
    code, reason = 3000, "py client done"
    # compression="deflate" is the library's default; spelled out for the deflate run.
    options = {"compression": "deflate"} if peer_data.DEFLATE else {}
    async with connect(url, max_size=64 * MIB, ping_interval=None, close_timeout=5,
                       create_connection=Recording, **options) as ws:
        report("handshake", True, f"path {ws.request.path}")
        if peer_data.DEFLATE:
            agreed = peer_data.negotiation(ws.request.headers, ws.response.headers,
                                           ws.protocol.extensions)
            problem = peer_data.negotiation_problem(agreed)
            report("permessage-deflate negotiated", problem is None,
                   problem or f'offered "{agreed["offered"]}", server answered "{agreed["accepted"]}"')
            compressed = peer_data.count_compressed(ws.protocol)
        await check("text messages (ASCII, empty, UTF-8)", texts(ws))
        await check("binary message (all 256 byte values)", round_trip(ws, bytes(range(256))))
        big = bytes(i * 7 % 251 for i in range(MIB))
        await check("1 MiB binary message", round_trip(ws, big))
        # Multi-byte characters of every width end up straddling the server's read buffer.
        big_text = ("aé€🦀" * (MIB // 10 + 1))[: MIB // 10 * 4]
        await check("1 MiB text message (multi-byte UTF-8)", round_trip(ws, big_text),
                    f"{len(big_text.encode())} bytes")
        await check("fragmented messages (text around a ping, binary in 5 frames)",
                    fragmented(ws))
        await check("ping with 125-byte payload answered by identical pong", ping(ws))
        if peer_data.DEFLATE:
            report("data frames compressed both ways (RSV1)",
                   compressed["in"] > 0 and compressed["out"] > 0,
                   f'{compressed["out"]} compressed frames sent, {compressed["in"]} received')

        started = time.monotonic()
        try:
            await asyncio.wait_for(ws.close(code, reason), STEP_TIMEOUT)
            closed = None
            try:
                await ws.recv()
            except ConnectionClosed as e:
                closed = e
            elapsed = time.monotonic() - started
            rcvd, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
            problems = []
            if rcvd is None:
                problems.append("no Close frame received")
            elif rcvd.code != code:
                problems.append(f"server answered code {rcvd.code}, expected {code}")
            if sent is None or sent.code != code or sent.reason != reason:
                problems.append(f"we sent {sent}")
            if closed is not None and closed.__cause__ is not None:
                problems.append(f"closing ended by {closed.__cause__!r}")
            if ws.protocol.close_rcvd_then_sent:
                problems.append("server's Close came first")
            if elapsed > 2:
                problems.append(f"closing took {elapsed:.1f}s")
            got = f'{rcvd.code} "{rcvd.reason}"' if rcvd else "nothing"
            report(f'close {code} "{reason}"', not problems,
                   "; ".join(problems) or f"server echoed {got}, clean, {elapsed * 1000:.0f} ms")
        except Exception as e:
            report(f'close {code} "{reason}"', False, f"{type(e).__name__}: {e}")


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1]))
    except Exception as e:
        report("connection", False, f"{type(e).__name__}: {e}")
    sys.exit(1 if failures else 0)
