"""What the Python peer server pushes and what examples/client is fed, in one place.

    python peer_data.py LINES.txt    # writes the client's standard input and prints
                                     # how many lines the client should print

node_server.mjs pushes the same kinds of message; the checker reads what each server
pushed from its record, so the two need not match byte for byte.
"""

import hashlib
import os
import sys

MIB = 1 << 20

# PEERS_DEFLATE=1 (set by peers-test.sh): the peers enable permessage-deflate and check
# that it was negotiated and used.
DEFLATE = os.environ.get("PEERS_DEFLATE") == "1"


def big_text(size):
    """`size` bytes of UTF-8 with characters of every width, so some straddle reads."""
    unit = "aé€🦀"  # 1 + 2 + 3 + 4 bytes
    text = unit * (size // 10)
    return text + "a" * (size - len(text.encode()))


# Exactly 1 MiB: examples/client runs with Config::default(), whose limit is 1 MiB, so
# these also check that a message at the limit is accepted.
PUSHED = ["hello from websockets server ✓", bytes(range(256)), big_text(MIB)]
FRAGMENTS = ["srv-frag-1 ", "srv-frag-2 ", "srv-frag-3 ✓"]
BINARY_FRAGMENTS = [bytes([i]) * 1000 for i in range(3)]
MID_PING = b"between fragments"
PING = bytes(range(125))  # the largest a control frame may carry

# Fragmented text and fragmented binary follow PUSHED; node_server.mjs pushes as many.
PUSH_COUNT = len(PUSHED) + 2

# The client sends one text message per line; an empty line is an empty message.
CLIENT_LINES = ["hello from rfc6455 client", "", "héllo wörld ✓ 🦀", big_text(MIB), "last line"]


def describe(message):
    data = message.encode() if isinstance(message, str) else bytes(message)
    return {
        "type": "text" if isinstance(message, str) else "binary",
        "len": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "preview": message[:40] if isinstance(message, str) else data[:16].hex(),
    }


def count_compressed(protocol):
    """Counts the data frames with RSV1 set (compressed) in each direction, below the
    permessage-deflate extension, which clears RSV1 on the way in. Returns the live
    counts: {"in": n, "out": n}."""
    counts = {"in": 0, "out": 0}
    for extension in protocol.extensions:
        decode, encode = extension.decode, extension.encode

        def counting_decode(frame, *, max_size=None, decode=decode):
            if frame.rsv1:
                counts["in"] += 1
            return decode(frame, max_size=max_size)

        def counting_encode(frame, encode=encode):
            frame = encode(frame)
            if frame.rsv1:
                counts["out"] += 1
            return frame

        extension.decode, extension.encode = counting_decode, counting_encode
    return counts


def negotiation(request_headers, response_headers, extensions):
    """What the opening handshake agreed on, as a dict for records and reports."""
    return {
        "offered": ", ".join(request_headers.get_all("Sec-WebSocket-Extensions")),
        "accepted": ", ".join(response_headers.get_all("Sec-WebSocket-Extensions")),
        "extensions": [extension.name for extension in extensions],
    }


def negotiation_problem(agreed):
    """None when permessage-deflate was offered, accepted and is in use, else why not."""
    problems = []
    if not agreed["offered"].startswith("permessage-deflate"):
        problems.append(f'offer was {agreed["offered"]!r}')
    if not agreed["accepted"].startswith("permessage-deflate"):
        problems.append(f'Sec-WebSocket-Extensions answer was {agreed["accepted"]!r}')
    if agreed["extensions"] != ["permessage-deflate"]:
        problems.append(f'extensions in use: {agreed["extensions"]}')
    return "; ".join(problems) or None


if __name__ == "__main__":
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in CLIENT_LINES))
    print(PUSH_COUNT + len(CLIENT_LINES))
