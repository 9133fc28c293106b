"""Runs by scripts/accept-backoff-test.sh against one echo server started with a low
RLIMIT_NOFILE: holds more connections than the server may accept, so that accept
fails with EMFILE at once for as long as they stay, and checks that the server stays
alive and nearly idle meanwhile, then serves a WebSocket echo once they are gone.

    python3 scripts/accept_backoff.py PORT PID NOFILE
"""

import os
import socket
import sys
import time

port, pid, nofile = (int(a) for a in sys.argv[1:4])
HZ = os.sysconf("SC_CLK_TCK")


def fail(why):
    print(f"FAIL {why}")
    sys.exit(1)


def stat():
    try:
        with open(f"/proc/{pid}/stat") as f:
            # Fields after the command name, which may hold spaces: state is the first.
            return f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None


def check_alive(when):
    fields = stat()
    if fields is None or fields[0] in "ZX":
        fail(f"the server exited {when}")


def cpu_ticks():
    fields = stat()
    return int(fields[11]) + int(fields[12])


def open_fds():
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except FileNotFoundError:
        fail("the server exited while the clients connected")


def echo_once():
    """One WebSocket round trip: the handshake, a masked text frame, its echo."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = s.recv(1)
            if not byte:
                return False
            head += byte
        if not head.startswith(b"HTTP/1.1 101"):
            return False
        key = b"\x01\x02\x03\x04"
        payload = b"still here"
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        s.sendall(bytes([0x81, 0x80 | len(payload)]) + key + masked)
        frame = b""
        while len(frame) < 2 + len(payload):
            chunk = s.recv(64)
            if not chunk:
                return False
            frame += chunk
        return frame[:2] == bytes([0x81, len(payload)]) and frame[2:] == payload


clients = []
for _ in range(nofile + 16):
    try:
        clients.append(socket.create_connection(("127.0.0.1", port), timeout=2))
    except OSError as e:
        check_alive("while the clients connected")
        fail(f"a client could not connect: {e}")
deadline = time.monotonic() + 5
while open_fds() < nofile:
    check_alive("before running out of descriptors")
    if time.monotonic() > deadline:
        fail(f"the server holds {open_fds()} descriptors, never {nofile}")
    time.sleep(0.05)
# Out of descriptors, with connections still waiting: every accept now fails at once.
time.sleep(0.3)
check_alive("on EMFILE")
before = cpu_ticks()
time.sleep(1)
used = (cpu_ticks() - before) / HZ
check_alive("on EMFILE")
if used > 0.2:
    fail(f"the server used {used:.2f} s of CPU in 1 s without descriptors")

for client in clients:
    client.close()
deadline = time.monotonic() + 5
while True:
    try:
        if echo_once():
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        fail("no echo within 5 s after the connections left")
    time.sleep(0.1)
check_alive("after serving again")
print(f"PASS {used:.2f} s of CPU in 1 s without descriptors, then an echo")
