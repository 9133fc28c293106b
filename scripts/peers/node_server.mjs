// A Node `ws` server for examples/client: serves one connection, then exits.
//
//   NODE_PATH=DEPS/node_modules node node_server.mjs RECORD.json
//
// Prints `listening on 127.0.0.1:PORT`. Pushes the same kinds of message as
// py_server.py (text, binary, 1 MiB text, fragmented text around a ping, fragmented
// binary), pings and waits for the pong, then echoes every message until the client
// closes. RECORD.json has the shape check_client_run.py reads. With PEERS_DEFLATE=1 the
// server enables permessage-deflate and records what the handshake agreed on and the
// bytes on the TCP connection against the payload bytes (ws hides RSV1).
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";

// ws lives in a scratch node_modules, which ESM resolution ignores; require honours NODE_PATH.
const require = createRequire(import.meta.url);
const { WebSocketServer } = require("ws");

const MIB = 1 << 20;
const STEP_TIMEOUT = 10_000;
const recordPath = process.argv[2];

function bigText(size) {
  // Characters of every UTF-8 width (1 + 2 + 3 + 4 bytes), so some straddle reads.
  const text = "aé€🦀".repeat(Math.floor(size / 10));
  return text + "a".repeat(size - Buffer.byteLength(text));
}

function describe(data, isBinary) {
  const bytes = Buffer.from(data);
  return {
    type: isBinary ? "binary" : "text",
    len: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    // Code points, as Python slices them, so that both servers' records read alike.
    preview: isBinary ? bytes.subarray(0, 16).toString("hex") : Array.from(bytes.toString()).slice(0, 40).join(""),
  };
}

const DEFLATE = process.env.PEERS_DEFLATE === "1";
const wss = new WebSocketServer({
  host: "127.0.0.1", port: 0, maxPayload: 64 * MIB, ...(DEFLATE ? { perMessageDeflate: true } : {}),
});
wss.on("listening", () => console.log(`listening on 127.0.0.1:${wss.address().port}`));
// The response head ws is about to send, for the record.
const answered = new WeakMap();
wss.on("headers", (headers, req) => {
  const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
  answered.set(req, line ? line.replace(/^[^:]*:\s*/, "") : "");
});

wss.on("connection", (ws, req) => {
  const record = { server: "ws", path: req.url, pushed: [], received: [], pongs: [], error: null };
  const payload = { in: 0, out: 0 };
  if (DEFLATE) {
    record.deflate = {
      offered: req.headers["sec-websocket-extensions"] ?? "",
      accepted: answered.get(req) ?? "",
      extensions: ws.extensions ? ws.extensions.split(",") : [],
      payload,
    };
  }
  const send = (data, options) => {
    payload.out += Buffer.byteLength(data);
    ws.send(data, options);
  };
  let pushing = true;
  const ping = Buffer.from(Array.from({ length: 125 }, (_, i) => i));
  const timer = setTimeout(() => {
    record.error = `no pong within ${STEP_TIMEOUT} ms`;
  }, STEP_TIMEOUT);

  ws.on("pong", (data) => {
    record.pongs.push(Buffer.from(data).toString("hex"));
    if (Buffer.from(data).equals(ping)) {
      clearTimeout(timer);
      pushing = false;
    }
  });
  ws.on("message", (data, isBinary) => {
    record.received.push(describe(data, isBinary));
    payload.in += Buffer.byteLength(data);
    send(data, { binary: isBinary });
  });
  ws.on("error", (e) => {
    record.error = `${e.name}: ${e.message}`;
  });
  ws.on("close", (code, reason) => {
    clearTimeout(timer);
    if (pushing && !record.error) record.error = "closed before the pong arrived";
    record.close_received = { code, reason: reason.toString() };
    // ws answers a Close by echoing its code and reason (receiverOnConclude), and
    // does not let us see that frame, so the record states what it sends by design.
    record.close_sent = code === 1005 || code === 1006 ? null : { code, reason: reason.toString() };
    record.close_received_first = true;
    if (DEFLATE) record.deflate.wire = { in: req.socket.bytesRead, out: req.socket.bytesWritten };
    writeFileSync(recordPath, JSON.stringify(record, null, 1));
    wss.close();
    process.exit(0);
  });

  const pushed = ["hello from ws server ✓", Buffer.from(Array.from({ length: 256 }, (_, i) => i)), bigText(MIB)];
  for (const message of pushed) {
    const isBinary = Buffer.isBuffer(message);
    record.pushed.push(describe(message, isBinary));
    send(message, { binary: isBinary });
  }
  // A control frame may sit between the fragments of a message (§5.4).
  const fragments = ["srv-frag-1 ", "srv-frag-2 ", "srv-frag-3 ✓"];
  record.pushed.push(describe(fragments.join(""), false));
  send(fragments[0], { fin: false });
  ws.ping("between fragments");
  send(fragments[1], { fin: false });
  send(fragments[2], { fin: true });
  const binaryFragments = [0, 1, 2].map((i) => Buffer.alloc(1000, i));
  record.pushed.push(describe(Buffer.concat(binaryFragments), true));
  binaryFragments.forEach((chunk, i) => send(chunk, { binary: true, fin: i === 2 }));
  record.ping = ping.toString("hex");
  ws.ping(ping);
});
