// Drives examples/echo_server with the Node `ws` client.
//
//   NODE_PATH=DEPS/node_modules node node_client.mjs ws://127.0.0.1:PORT/path
//
// Prints one `PASS  name` or `FAIL  name: detail` line per check and exits 1 if any failed.
// With PEERS_DEFLATE=1 the client enables permessage-deflate, checks that the server
// accepted it, and that the data crossed compressed: ws hides RSV1, so the bytes on the
// TCP connection are compared with the payload bytes of the (echoed) messages.
import { createRequire } from "node:module";
import { createHash } from "node:crypto";

// ws lives in a scratch node_modules, which ESM resolution ignores; require honours NODE_PATH.
const require = createRequire(import.meta.url);
const WebSocket = require("ws");

const PEER = "node-client -> echo_server";
const STEP_TIMEOUT = 10_000;
const MIB = 1 << 20;
let failures = 0;

function report(name, ok, detail = "") {
  if (ok) {
    console.log(`PASS  ${PEER}: ${name}${detail ? ` (${detail})` : ""}`);
  } else {
    failures++;
    console.log(`FAIL  ${PEER}: ${name}: ${detail}`);
  }
}

function describe(data, isBinary) {
  const bytes = Buffer.from(data);
  const sha = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  return `${isBinary ? "binary" : "text"} ${bytes.length} bytes sha256 ${sha}`;
}

// Incoming messages and pongs, queued so that each step can await the next one.
const inbox = [];
const pongs = [];
let wake = null;
let closed = null;

function next(kind) {
  const queue = kind === "pong" ? pongs : inbox;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kind} within ${STEP_TIMEOUT} ms`)), STEP_TIMEOUT);
    const poll = () => {
      if (queue.length) {
        clearTimeout(timer);
        resolve(queue.shift());
      } else if (closed) {
        clearTimeout(timer);
        reject(new Error(`connection closed (${closed.code} "${closed.reason}") while awaiting ${kind}`));
      } else {
        wake = poll;
      }
    };
    poll();
  });
}

function notify() {
  const w = wake;
  wake = null;
  if (w) w();
}

async function roundTrip(ws, send, expected, isBinary) {
  send();
  const got = await next("message");
  const same = got.isBinary === isBinary && Buffer.compare(Buffer.from(got.data), Buffer.from(expected)) === 0;
  return same ? null : `sent ${describe(expected, isBinary)}, got ${describe(got.data, got.isBinary)}`;
}

async function check(name, step, okDetail = "") {
  let problem;
  try {
    problem = await step();
  } catch (e) {
    problem = `${e.name}: ${e.message}`;
  }
  report(name, !problem, problem || (typeof okDetail === "function" ? okDetail() : okDetail));
}

const DEFLATE = process.env.PEERS_DEFLATE === "1";
const url = process.argv[2];
const ws = new WebSocket(url, { maxPayload: 64 * MIB, ...(DEFLATE ? { perMessageDeflate: true } : {}) });
let upgrade = null;
let offered = "";
ws.on("upgrade", (res) => {
  upgrade = res;
  // The request is only reachable (privately) until the upgrade completes.
  offered = String(ws._req?.getHeader("sec-websocket-extensions") ?? "");
});
let payloadIn = 0;
ws.on("message", (data, isBinary) => {
  payloadIn += Buffer.byteLength(data);
  inbox.push({ data, isBinary });
  notify();
});
ws.on("pong", (data) => {
  pongs.push(Buffer.from(data));
  notify();
});
// The DOM-style event carries wasClean: both Close frames crossed before TCP closed.
const closedPromise = new Promise((resolve) => {
  ws.addEventListener("close", (event) => {
    closed = { code: event.code, reason: event.reason, wasClean: event.wasClean, at: performance.now() };
    notify();
    resolve();
  });
});

try {
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  ws.on("error", (e) => console.error(`node-client: ${e.message}`));
  report("handshake", true, `path ${new URL(url).pathname}`);
  if (DEFLATE) {
    const accepted = upgrade?.headers["sec-websocket-extensions"] ?? "";
    const problems = [];
    if (!offered.startsWith("permessage-deflate")) problems.push(`offer was ${JSON.stringify(offered)}`);
    if (!accepted.startsWith("permessage-deflate")) problems.push(`Sec-WebSocket-Extensions answer was ${JSON.stringify(accepted)}`);
    if (ws.extensions !== "permessage-deflate") problems.push(`ws.extensions is ${JSON.stringify(ws.extensions)}`);
    report("permessage-deflate negotiated", problems.length === 0,
      problems.join("; ") || `offered "${offered}", server answered "${accepted}", ws.extensions "${ws.extensions}"`);
  }

  await check("text messages (ASCII, empty, UTF-8)", async () => {
    for (const text of ["hello from ws", "", "héllo wörld ✓ 🦀"]) {
      const problem = await roundTrip(ws, () => ws.send(text), text, false);
      if (problem) return problem;
    }
  });
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await check("binary message (all 256 byte values)", () => roundTrip(ws, () => ws.send(all), all, true));
  const big = Buffer.alloc(MIB, 0).map((_, i) => (i * 7) % 251);
  await check("1 MiB binary message", () => roundTrip(ws, () => ws.send(big), big, true));
  // Multi-byte characters of every width end up straddling the server's read buffer.
  const bigText = "aé€🦀".repeat(MIB / 10);
  await check("1 MiB text message (multi-byte UTF-8)", () => roundTrip(ws, () => ws.send(bigText), bigText, false),
    `${Buffer.byteLength(bigText)} bytes`);
  await check("fragmented messages (text around a ping, binary in 5 frames)", async () => {
    // A control frame may sit between the fragments of a message (§5.4).
    const text = ["frag-1 ", "frag-2 ", "frag-3 ✓"];
    const problem = await roundTrip(ws, () => {
      ws.send(text[0], { fin: false });
      ws.send(text[1], { fin: false });
      ws.ping("between fragments");
      ws.send(text[2], { fin: true });
    }, text.join(""), false);
    if (problem) return problem;
    const pong = await next("pong");
    if (pong.toString() !== "between fragments") return `pong ${pong.toString("hex")} for the ping between fragments`;
    const chunks = Array.from({ length: 5 }, (_, i) => Buffer.alloc(1000, i));
    return roundTrip(ws, () => chunks.forEach((c, i) => ws.send(c, { binary: true, fin: i === 4 })),
      Buffer.concat(chunks), true);
  });
  await check("ping with 125-byte payload answered by identical pong", async () => {
    const payload = Buffer.from(Array.from({ length: 125 }, (_, i) => i));
    ws.ping(payload);
    const pong = await next("pong");
    return pong.equals(payload) ? null : `pinged with ${payload.toString("hex")}, pong ${pong.toString("hex")}`;
  });
  if (DEFLATE) {
    // The server echoes every message, so as many payload bytes went out as came in;
    // uncompressed, the wire would carry more than that (frame headers), not less.
    const socket = upgrade?.socket;
    const wireIn = socket?.bytesRead ?? NaN;
    const wireOut = socket?.bytesWritten ?? NaN;
    report("data compressed both ways (wire bytes vs payload bytes)",
      wireIn * 4 < payloadIn && wireOut * 4 < payloadIn,
      `${payloadIn} payload bytes each way; on the wire ${wireOut} bytes sent, ${wireIn} received`);
  }

  const code = 3001;
  const reason = "node client done";
  let started;
  await check(`close ${code} "${reason}"`, async () => {
    started = performance.now();
    ws.close(code, reason);
    await Promise.race([closedPromise, new Promise((r) => setTimeout(r, STEP_TIMEOUT))]);
    if (!closed) return `no close within ${STEP_TIMEOUT} ms`;
    const elapsed = closed.at - started;
    // ws reports 1006 when no Close frame came back; a slow close means the TCP
    // connection was only torn down by ws's own 30 s timer.
    const problems = [];
    if (closed.code !== code) problems.push(`server answered code ${closed.code}, expected ${code}`);
    if (!closed.wasClean) problems.push("not a clean close (wasClean false)");
    if (elapsed > 2000) problems.push(`closing took ${(elapsed / 1000).toFixed(1)} s`);
    return problems.length ? problems.join("; ") : null;
  }, () => `server echoed ${closed.code} "${closed.reason}", clean, ${Math.round(closed.at - started)} ms`);
} catch (e) {
  report("connection", false, `${e.name}: ${e.message}`);
  ws.terminate();
}
process.exit(failures ? 1 : 0);
