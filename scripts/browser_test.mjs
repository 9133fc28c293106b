// Drives examples/stock_ticker in headless Chromium and with many plain WebSocket
// clients. Run by scripts/browser-test.sh, which builds the example, starts it and
// passes everything through the environment:
//   DEPS         folder whose node_modules has playwright-core and ws
//   BIN          the stock_ticker binary
//   PORT         where the running server listens (started with --ping-interval 1 --pong-timeout 2)
//   SERVER_PID   that server, killed here to make the page reconnect
//   SCREENSHOT   where to save a screenshot of the page
//   LOAD_CLIENTS how many WebSocket clients to hold at once
//   WORK         a scratch folder (browser profile, second server's log)
//   BROWSER_DEFLATE  1: the server was built with `--features deflate`; check that the
//                page's sockets and the load clients negotiated permessage-deflate
import { createRequire } from "node:module";
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import net from "node:net";
import path from "node:path";

const env = process.env;
const require = createRequire(path.resolve(env.DEPS, "package.json"));
const { chromium } = require("playwright-core");
const WebSocket = require("ws");

const port = Number(env.PORT);
const base = `http://127.0.0.1:${port}`;
const loadClients = Number(env.LOAD_CLIENTS || 200);
const deflate = env.BROWSER_DEFLATE === "1";
const results = {};
const children = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function until(what, predicate, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// Symbol -> displayed price, status and update count, read from the DOM.
async function sample(page) {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll("#quotes tr[data-symbol]")];
    return {
      state: document.getElementById("status").dataset.state,
      status: document.getElementById("status").textContent,
      closeCode: document.getElementById("status").dataset.closeCode || null,
      updates: Number(document.getElementById("stats").dataset.updates || 0),
      prices: Object.fromEntries(rows.map((r) => [r.dataset.symbol, r.querySelector(".price").textContent])),
      paused: rows.filter((r) => r.classList.contains("paused")).map((r) => r.dataset.symbol),
      sparklines: rows.filter((r) => (r.querySelector("polyline").getAttribute("points") || "").split(" ").length > 2).length,
    };
  });
}

async function checkLiveTable(page, label) {
  await until(`${label}: connected`, async () => (await sample(page)).state === "connected", 10000);
  const first = await until(`${label}: prices`, async () => {
    const s = await sample(page);
    return Object.keys(s.prices).length >= 5 && s.updates > 0 ? s : null;
  }, 10000);
  const second = await until(`${label}: several updates`, async () => {
    const s = await sample(page);
    return s.updates >= first.updates + 8 ? s : null;
  }, 15000);
  const symbols = Object.keys(second.prices);
  check(symbols.length >= 5, `${label}: ${symbols.length} rows`);
  for (const [symbol, price] of Object.entries(second.prices)) {
    check(/^\d+\.\d\d$/.test(price), `${label}: ${symbol} price ${JSON.stringify(price)} is not numeric`);
  }
  const changed = symbols.filter((s) => first.prices[s] !== second.prices[s]);
  check(changed.length >= 2, `${label}: only ${changed.length} prices changed between samples`);
  check(second.status.includes(label), `${label}: status ${JSON.stringify(second.status)}`);
  return { rows: symbols.length, changed: changed.length, updates: second.updates };
}

// With BROWSER_DEFLATE=1: the extensions of the page's current socket (its global `ws`)
// and of every socket it opened, which the init script below captures.
async function checkDeflate(page, label) {
  if (!deflate) return;
  const seen = await page.evaluate(() => ({
    current: typeof ws !== "undefined" && ws ? ws.extensions : null,
    open: (window.__sockets || []).filter((s) => s.readyState === WebSocket.OPEN).map((s) => s.extensions),
    opened: (window.__sockets || []).length,
  }));
  check(seen.current !== null && seen.current.includes("permessage-deflate"),
    `${label}: page's ws.extensions is ${JSON.stringify(seen.current)}`);
  check(seen.open.length > 0 && seen.open.every((e) => e.includes("permessage-deflate")),
    `${label}: open sockets' extensions ${JSON.stringify(seen.open)}`);
  results.deflate ??= {};
  results.deflate[label] = seen.current;
}

async function browserChecks(context) {
  const errors = [];
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.setViewportSize({ width: 980, height: 620 });
  await page.goto(`${base}/`);
  results.text = await checkLiveTable(page, "text");
  await checkDeflate(page, "text");

  // The Live checkbox unsubscribes: the row dims and its price stops moving.
  await page.click('tr[data-symbol="AAPL"] input');
  await until("AAPL paused", async () => (await sample(page)).paused.includes("AAPL"), 5000);
  const frozen = (await sample(page)).prices.AAPL;
  const before = (await sample(page)).updates;
  await until("updates while AAPL is paused", async () => (await sample(page)).updates >= before + 6, 10000);
  check((await sample(page)).prices.AAPL === frozen, "AAPL moved while unsubscribed");
  await page.click('tr[data-symbol="AAPL"] input');
  await until("AAPL live again", async () => !(await sample(page)).paused.includes("AAPL"), 5000);
  results.unsubscribe = "ok";

  const binary = await context.newPage();
  binary.on("pageerror", (e) => errors.push(String(e)));
  await binary.goto(`${base}/?encoding=binary`);
  results.binary = await checkLiveTable(binary, "binary");
  await checkDeflate(binary, "binary");
  await binary.close();

  await until("sparklines", async () => (await sample(page)).sparklines >= 5, 10000);
  await sleep(1500);
  await page.screenshot({ path: env.SCREENSHOT });
  return { page, errors };
}

// Holds `count` WebSocket clients at once and checks that each gets quotes.
async function loadCheck(count) {
  const clients = [];
  let open = 0;
  let peakOpen = 0;
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const encoding = i % 2 ? "binary" : "text";
    const ws = new WebSocket(`ws://127.0.0.1:${port}/stock_info/?encoding=${encoding}`, { origin: base });
    const client = { ws, quotes: 0, opened: false, closed: null };
    ws.on("open", () => {
      client.opened = true; open += 1; peakOpen = Math.max(peakOpen, open);
      client.extensions = ws.extensions;
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary ? data[0] === 1 : JSON.parse(data.toString()).type === "quotes") client.quotes += 1;
    });
    ws.on("error", () => { refused += 1; });
    ws.on("close", (code) => { if (client.opened) open -= 1; client.closed = code; });
    clients.push(client);
  }
  const started = Date.now();
  await until(`${count} clients with 3 quote messages each`, () => clients.every((c) => c.quotes >= 3), 30000);
  const allFed = Date.now() - started;
  const held = clients.filter((c) => c.closed === null).length;
  for (const c of clients) c.ws.close(1000, "load test done");
  await until("load clients closed", () => clients.every((c) => c.closed !== null), 10000);
  const cleanCloses = clients.filter((c) => c.closed === 1000).length;
  check(refused === 0, `${refused} load clients failed`);
  check(held === count, `only ${held} of ${count} clients held`);
  check(cleanCloses === count, `${cleanCloses} of ${count} closed cleanly`);
  const result = { clients: count, peakOpen, held, msToAllFed: allFed, cleanCloses };
  if (deflate) {
    // ws clients offer permessage-deflate by default.
    result.deflated = clients.filter((c) => c.extensions === "permessage-deflate").length;
    const other = [...new Set(clients.map((c) => c.extensions))];
    check(result.deflated === count, `${result.deflated} of ${count} load clients negotiated permessage-deflate (${JSON.stringify(other)})`);
  }
  return result;
}

// A client that reads but never answers pings must be dropped.
function silentClientCheck() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let upgraded = null;
    let head = "";
    socket.setTimeout(15000, () => reject(new Error("silent client was never dropped")));
    socket.on("connect", () => socket.write(
      "GET /stock_info/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    socket.on("data", (chunk) => {
      if (upgraded === null) {
        head += chunk.toString("latin1");
        if (head.includes("\r\n\r\n")) {
          if (!head.startsWith("HTTP/1.1 101")) reject(new Error(`silent client: ${head.split("\r\n")[0]}`));
          upgraded = Date.now();
        }
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (upgraded === null) return reject(new Error("silent client: closed before the upgrade"));
      resolve({ droppedAfterMs: Date.now() - upgraded });
    });
  });
}

// The page reconnects after the server dies, and shows a clean 1001 on shutdown.
async function reconnectChecks(page) {
  process.kill(Number(env.SERVER_PID), "SIGKILL");
  const lost = await until("page notices the dead server", async () => {
    const s = await sample(page);
    return s.state === "reconnecting" ? s : null;
  }, 10000);
  check(lost.closeCode === "1006", `close code after kill: ${lost.closeCode}`);

  const log = openSync(path.join(env.WORK, "second-server.log"), "w");
  const server = spawn(env.BIN, [`127.0.0.1:${port}`, "--run-for", "8"], { stdio: ["ignore", log, log] });
  children.push(server);
  const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  const back = Date.now();
  await until("page reconnects to the new server", async () => (await sample(page)).state === "connected", 15000);
  results.reconnectMs = Date.now() - back;
  if (deflate) {
    const before = (await sample(page)).updates;
    await until("quotes after reconnecting", async () => (await sample(page)).updates >= before + 3, 10000);
    await checkDeflate(page, "reconnected");
  }

  const closed = await until("1001 from the shutting-down server", async () => {
    const s = await sample(page);
    return s.closeCode === "1001" ? s : null;
  }, 15000);
  check(/1001 server shutting down/.test(closed.status), `status after shutdown: ${closed.status}`);
  const code = await Promise.race([exited, sleep(10000).then(() => "still running")]);
  check(code === 0, `second server exit: ${code}`);
  results.shutdownClose = 1001;
}

const userDataDir = path.join(env.WORK, "chromium-profile");
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
if (deflate) {
  // Keeps every WebSocket the page creates, so that each one's extensions can be read.
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class WebSocket extends Native {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
  });
}
try {
  const { page, errors } = await browserChecks(context);
  results.load = await loadCheck(loadClients);
  results.silent = await silentClientCheck();
  check(results.silent.droppedAfterMs < 6000, `silent client held ${results.silent.droppedAfterMs} ms`);
  await reconnectChecks(page);
  check(errors.length === 0, `page errors: ${errors.join("; ")}`);
  console.log(JSON.stringify(results));
  const { text, binary, load, silent } = results;
  console.log(
    `page: text ${text.rows} rows/${text.changed} moved, binary ${binary.rows} rows/${binary.changed} moved, ` +
    `unsubscribe ok, reconnect ${results.reconnectMs} ms, shutdown close 1001; ` +
    `load: ${load.held}/${load.clients} clients held at once, all fed quotes in ${load.msToAllFed} ms; ` +
    `silent client dropped after ${silent.droppedAfterMs} ms` +
    (deflate ? `; permessage-deflate: page text "${results.deflate.text}", binary "${results.deflate.binary}", ` +
      `reconnected "${results.deflate.reconnected}", load ${load.deflated}/${load.clients}` : ""));
} finally {
  await context.close();
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
}
