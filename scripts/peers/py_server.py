"""A Python `websockets` server for examples/client: serves one connection, then exits.

    python py_server.py RECORD.json

Prints `listening on 127.0.0.1:PORT`. On connecting it pushes text, binary, a 1 MiB text
message, fragmented text (with a ping between the fragments) and fragmented binary, then
pings and waits for the pong; after that it echoes every message until the client
closes. What it pushed, received and saw of the closing handshake goes to RECORD.json,
which check_client_run.py reads. With PEERS_DEFLATE=1 the record also has what the
handshake agreed on and how many data frames went compressed each way.
"""

import asyncio
import json
import sys

from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Opcode

import peer_data

STEP_TIMEOUT = 10


class Recording(ServerConnection):
    """Keeps every incoming pong payload: the library hides them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pongs = []

    def process_event(self, event):
        if self.request is not None and event.opcode is Opcode.PONG:
            self.pongs.append(bytes(event.data))
        super().process_event(event)


def close_dict(close):
    return None if close is None else {"code": close.code, "reason": close.reason}


async def main(record_path):
    done = asyncio.get_running_loop().create_future()

    async def handler(ws):
        record = {"server": "websockets", "path": ws.request.path, "pushed": [],
                  "received": [], "error": None}
        if peer_data.DEFLATE:
            record["deflate"] = peer_data.negotiation(ws.request.headers, ws.response.headers,
                                                      ws.protocol.extensions)
            record["deflate"]["compressed"] = peer_data.count_compressed(ws.protocol)
        try:
            await asyncio.wait_for(push(ws, record), STEP_TIMEOUT)
            async for message in ws:
                record["received"].append(peer_data.describe(message))
                await ws.send(message)
        except Exception as e:  # recorded for the checker, which reports it
            record["error"] = f"{type(e).__name__}: {e}"
        finally:
            record["pongs"] = [p.hex() for p in ws.pongs]
            record["close_received"] = close_dict(ws.protocol.close_rcvd)
            record["close_sent"] = close_dict(ws.protocol.close_sent)
            record["close_received_first"] = ws.protocol.close_rcvd_then_sent
            with open(record_path, "w") as f:
                json.dump(record, f, indent=1)
            if not done.done():
                done.set_result(None)

    async def push(ws, record):
        for message in peer_data.PUSHED:
            record["pushed"].append(peer_data.describe(message))
            await ws.send(message)

        async def fragments():
            yield peer_data.FRAGMENTS[0]
            await ws.ping(peer_data.MID_PING)
            for fragment in peer_data.FRAGMENTS[1:]:
                yield fragment

        record["pushed"].append(peer_data.describe("".join(peer_data.FRAGMENTS)))
        await ws.send(fragments())
        record["pushed"].append(peer_data.describe(b"".join(peer_data.BINARY_FRAGMENTS)))
        await ws.send(peer_data.BINARY_FRAGMENTS)
        record["ping"] = peer_data.PING.hex()
        waiter = await ws.ping(peer_data.PING)
        await waiter

    # compression="deflate" is the library's default; spelled out for the deflate run.
    options = {"compression": "deflate"} if peer_data.DEFLATE else {}
    async with serve(handler, "127.0.0.1", 0, max_size=64 << 20, ping_interval=None,
                     create_connection=Recording, **options) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await done


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
