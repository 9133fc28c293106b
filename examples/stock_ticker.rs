//! A live stock-quote server for browsers: a page at `/`, simulated quotes pushed over
//! WebSocket at `/stock_info/`.
//!
//! ```sh
//! cargo run --example stock_ticker                    # then open http://127.0.0.1:8080/
//! cargo run --example stock_ticker -- 127.0.0.1:9090 --run-for 60
//! ```
//!
//! Options: `ADDR` (default `127.0.0.1:8080`), `--run-for SECONDS` (close every client
//! cleanly and exit after that long), `--ping-interval SECONDS` (default 5) and
//! `--pong-timeout SECONDS` (default 10).
//!
//! # Routes
//!
//! - `GET /`: the page (`stock_ticker/index.html`), which connects back and draws the table.
//! - `GET /stock_info/?encoding=text|binary`: the WebSocket upgrade (`text` when
//!   omitted). A browser's `Origin` must name the host it connected to, else 403
//!   (cross-site WebSocket hijacking, RFC 6455 §10.2); clients that send no `Origin`,
//!   like `cargo run --example client`, are not browsers and are let in.
//! - anything else: 404.
//!
//! # The quote protocol
//!
//! Ten symbols take a random walk; every 100–250 ms about half of them move, and each
//! client gets the moves of the symbols it subscribes to (all, at first).
//!
//! Server to client, always JSON in text frames:
//! - `{"type":"hello","encoding":"text","symbols":["AAPL",...]}` first; a symbol's
//!   place in this list is its index in the binary format.
//! - `{"type":"subscribed","symbols":[...]}`: the subscription after each command.
//! - `{"type":"error","message":"..."}`: a command that was not understood.
//!
//! Server to client, price data in the chosen encoding. Prices and changes (against the
//! session open) are in dollars in JSON and in cents in binary; `time` is milliseconds
//! since the Unix epoch.
//!
//! | message | `encoding=text` | `encoding=binary` (big-endian) |
//! |---|---|---|
//! | quotes | `{"type":"quotes","time":T,"quotes":[{"symbol":"AAPL","price":189.5,"change":-0.42},...]}` | `u8 1`, `u64 time`, `u8 n`, then n × (`u8 symbol index`, `u32 price`, `i32 change`): 10 + 9n bytes |
//! | history | `{"type":"history","symbol":"AAPL","prices":[...]}` | `u8 2`, `u8 symbol index`, `u16 n`, then n × `u32 price` |
//!
//! A newly subscribed symbol gets its history (up to 60 prices) and a quote at once.
//!
//! Client to server, text: `subscribe AAPL MSFT` or `unsubscribe TSLA`; symbols are
//! separated by spaces or commas, `*` means all of them. Try it without a browser:
//! `printf 'unsubscribe *\nsubscribe NVDA\n' | cargo run --example client -- ws://127.0.0.1:8080/stock_info/`.
//!
//! # Keepalive and shutdown
//!
//! Each client is pinged every `--ping-interval`; one that leaves a ping unanswered for
//! `--pong-timeout` is dropped. Each browser has its own thread, which sleeps in a
//! socket read whose timeout is the next quote tick or keepalive deadline, so a
//! connection costs nothing between ticks and the `Connection` keeps a single owner.
//!
//! Every client is closed with 1001 (going away) when `--run-for` elapses or, when
//! standard input is a terminal, on `q` + Enter or Ctrl-D. Ctrl-C is not caught:
//! plain `std` has no signal handling, so SIGINT ends the process at once and browsers
//! see 1006 (abnormal closure) and reconnect. With no terminal and no `--run-for`, the
//! server runs until killed.

#[path = "common/mod.rs"]
mod common;

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::io::{self, BufRead, ErrorKind, IsTerminal, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Msg, WebSocket};
use rfc6455::connection::{Config, NoMasking};
use rfc6455::handshake::OriginPolicy;
use rfc6455::OsRandom;

const PAGE: &str = include_str!("stock_ticker/index.html");

/// The simulated symbols and their session open, in cents.
const SYMBOLS: [(&str, u32); 10] = [
    ("AAPL", 18_950),
    ("MSFT", 41_520),
    ("GOOGL", 16_875),
    ("AMZN", 18_230),
    ("NVDA", 12_140),
    ("META", 50_310),
    ("TSLA", 17_790),
    ("NFLX", 62_850),
    ("AMD", 15_960),
    ("INTC", 3_145),
];

/// Prices kept per symbol for a new subscriber's sparkline.
const HISTORY: usize = 60;

/// Browsers only send short commands; anything longer fails the connection with 1009.
const MAX_COMMAND: u64 = 4096;

/// A request head has this long to arrive, so idle sockets do not pin threads.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A client that cannot take a quote this long is not reading: drop it rather than let
/// its thread block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a closing client has to answer our Close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Wake a little after the tick, so the ticker has published it.
const TICK_SLACK: Duration = Duration::from_millis(5);

const USAGE: &str = "usage: stock_ticker [ADDR] [--run-for SECONDS] \
                     [--ping-interval SECONDS] [--pong-timeout SECONDS]";

#[derive(Clone, Copy)]
struct Options {
    addr: SocketAddr,
    run_for: Option<Duration>,
    ping_interval: Duration,
    pong_timeout: Duration,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            run_for: None,
            ping_interval: Duration::from_secs(5),
            pong_timeout: Duration::from_secs(10),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut seconds = || {
                args.next()
                    .and_then(|v| v.parse().ok())
                    .and_then(|v| Duration::try_from_secs_f64(v).ok())
                    .filter(|d| !d.is_zero())
                    .ok_or(format!("{arg} needs a positive number of seconds"))
            };
            match arg.as_str() {
                "--run-for" => options.run_for = Some(seconds()?),
                "--ping-interval" => options.ping_interval = seconds()?,
                "--pong-timeout" => options.pong_timeout = seconds()?,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                _ => {
                    options.addr = arg
                        .parse()
                        .map_err(|_| format!("{arg:?} is not an address like 127.0.0.1:8080"))?
                }
            }
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(options.addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(options.addr);
    println!("stock ticker on http://{addr}/");

    let rng = XorShift::seeded();
    let shared = Arc::new(Shared::new());
    {
        let shared = Arc::clone(&shared);
        thread::spawn(move || run_ticker(&shared, rng));
    }
    {
        let shared = Arc::clone(&shared);
        thread::spawn(move || serve(listener, &shared, options));
    }

    let (stop_tx, stop) = mpsc::channel::<&str>();
    if io::stdin().is_terminal() {
        println!("q + Enter or Ctrl-D closes every client cleanly; Ctrl-C just exits");
        let stop_tx = stop_tx.clone();
        thread::spawn(move || {
            for line in io::stdin().lock().lines() {
                match line {
                    Ok(line) if line.trim() == "q" => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            let _ = stop_tx.send("stop requested on standard input");
        });
    }
    let why = match options.run_for {
        Some(limit) => stop.recv_timeout(limit).unwrap_or("--run-for elapsed"),
        // `stop_tx` is alive here, so this waits for the terminal or forever.
        None => stop.recv().unwrap_or("no way left to stop"),
    };
    drop(stop_tx);

    println!("{why}: closing every client with 1001");
    lock(&shared.board).shutting_down = true;
    let clients = lock(&shared.clients);
    let (clients, _) = shared
        .clients_changed
        .wait_timeout_while(clients, CLOSE_GRACE + Duration::from_secs(1), |c| c.now > 0)
        .unwrap_or_else(|e| e.into_inner());
    println!(
        "stopped: {} WebSocket clients served, at most {} at once, {} not closed in time",
        clients.total, clients.peak, clients.now
    );
    ExitCode::SUCCESS
}

/// The quote board every connection reads and the ticker writes.
struct Board {
    /// Bumped on every tick.
    seq: u64,
    /// When the next tick is due, so connections can sleep until then.
    next_tick: Instant,
    /// The wall-clock time of the last tick, in milliseconds since the Unix epoch.
    time_ms: u64,
    quotes: Vec<Quote>,
    shutting_down: bool,
}

struct Quote {
    price: u32,
    /// The tick of the last move.
    moved: u64,
    history: VecDeque<u32>,
}

impl Quote {
    fn change(&self, index: usize) -> i64 {
        i64::from(self.price) - i64::from(SYMBOLS[index].1)
    }
}

#[derive(Default)]
struct Clients {
    now: usize,
    peak: usize,
    total: u64,
}

struct Shared {
    board: Mutex<Board>,
    clients: Mutex<Clients>,
    clients_changed: Condvar,
}

impl Shared {
    fn new() -> Shared {
        let quotes = SYMBOLS
            .iter()
            .map(|&(_, open)| Quote {
                price: open,
                moved: 0,
                history: VecDeque::from([open]),
            })
            .collect();
        Shared {
            board: Mutex::new(Board {
                seq: 0,
                next_tick: Instant::now() + Duration::from_millis(100),
                time_ms: unix_ms(),
                quotes,
                shutting_down: false,
            }),
            clients: Mutex::new(Clients::default()),
            clients_changed: Condvar::new(),
        }
    }
}

/// A poisoned lock only means another connection's thread panicked; the data is
/// still a consistent board.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Enough randomness for a price chart; seeded from the OS so runs differ.
struct XorShift(u64);

impl XorShift {
    fn seeded() -> XorShift {
        let mut seed = [0u8; 8];
        OsRandom::new().fill(&mut seed);
        XorShift(u64::from_le_bytes(seed) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One move of up to ±0.25 %, pulled slightly back towards the open so that a long run
/// stays plausible.
fn step(price: u32, open: u32, rng: &mut XorShift) -> u32 {
    let price = i64::from(price);
    let noise = (rng.below(2001) as i64 - 1000) * price / 400_000;
    let pull = (i64::from(open) - price) / 200;
    (price + noise + pull).clamp(1, i64::from(u32::MAX)) as u32
}

fn run_ticker(shared: &Shared, mut rng: XorShift) {
    loop {
        let due = lock(&shared.board).next_tick;
        thread::sleep(due.saturating_duration_since(Instant::now()));
        let mut board = lock(&shared.board);
        if board.shutting_down {
            return;
        }
        board.seq += 1;
        board.time_ms = unix_ms();
        board.next_tick = Instant::now() + Duration::from_millis(100 + rng.below(151));
        let seq = board.seq;
        for (quote, &(_, open)) in board.quotes.iter_mut().zip(&SYMBOLS) {
            if rng.below(2) == 0 {
                continue;
            }
            let price = step(quote.price, open, &mut rng);
            if price == quote.price {
                continue;
            }
            quote.price = price;
            quote.moved = seq;
            if quote.history.len() == HISTORY {
                quote.history.pop_front();
            }
            quote.history.push_back(price);
        }
    }
}

fn serve(listener: TcpListener, shared: &Arc<Shared>, options: Options) {
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors, typically: give clients time to leave.
                eprintln!("accept failed: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let shared = Arc::clone(shared);
        thread::spawn(move || {
            let peer = stream
                .peer_addr()
                .map_or_else(|_| "?".to_owned(), |a| a.to_string());
            match handle(stream, &peer, &shared, options) {
                Ok(()) => {}
                // Browsers open spare sockets that may never send a request.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock
                            | ErrorKind::TimedOut
                            | ErrorKind::UnexpectedEof
                            | ErrorKind::ConnectionReset
                            | ErrorKind::BrokenPipe
                    ) => {}
                Err(e) => eprintln!("{peer}: {e}"),
            }
        });
    }
}

/// Routes one HTTP request: the page, the WebSocket, or 404.
fn handle(mut stream: TcpStream, peer: &str, shared: &Shared, options: Options) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(HEAD_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut buf = vec![0u8; 16 * 1024];
    let len = common::read_head(&mut stream, &mut buf)?;
    let head = &buf[..len];
    let Some((method, target)) = request_line(head) else {
        return respond(&mut stream, "400 Bad Request", TEXT, "bad request\n");
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/" | "/index.html" if method == "GET" => respond(&mut stream, "200 OK", HTML, PAGE),
        "/" | "/index.html" => {
            let headers = "Allow: GET\r\nContent-Type: text/plain";
            respond(&mut stream, "405 Method Not Allowed", headers, "GET only\n")
        }
        "/stock_info/" | "/stock_info" => {
            let Some(encoding) = Encoding::from_query(query) else {
                let why = "encoding must be text or binary\n";
                return respond(&mut stream, "400 Bad Request", TEXT, why);
            };
            let policy = OriginPolicy::new().same_origin(true);
            let config = Config::default().max_message_size(MAX_COMMAND);
            let (ws, _) = common::accept_with(stream, head, config, |r| policy.check(r))
                .map_err(|e| io::Error::new(e.kind(), format!("handshake refused: {e}")))?;
            stream_quotes(ws, peer, encoding, shared, options)
        }
        _ => respond(&mut stream, "404 Not Found", TEXT, "not found\n"),
    }
}

/// The method and target of a request head; the WebSocket route checks the rest.
fn request_line(head: &[u8]) -> Option<(&str, &str)> {
    let line = head.split(|&b| b == b'\r').next()?;
    let mut parts = std::str::from_utf8(line).ok()?.split(' ');
    Some((parts.next()?, parts.next()?))
}

const HTML: &str = "Content-Type: text/html; charset=utf-8";
const TEXT: &str = "Content-Type: text/plain";

/// Answers a plain HTTP request and ends the connection; `headers` are CRLF-separated.
fn respond(stream: &mut TcpStream, status: &str, headers: &str, body: &str) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\n{headers}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.shutdown(Shutdown::Write)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Encoding {
    Text,
    Binary,
}

impl Encoding {
    /// `encoding=text|binary` from a query string; text when absent.
    fn from_query(query: &str) -> Option<Encoding> {
        let mut encoding = Encoding::Text;
        for pair in query.split('&') {
            if let Some(value) = pair.strip_prefix("encoding=") {
                encoding = match value {
                    "text" => Encoding::Text,
                    "binary" => Encoding::Binary,
                    _ => return None,
                };
            }
        }
        Some(encoding)
    }

    fn name(self) -> &'static str {
        match self {
            Encoding::Text => "text",
            Encoding::Binary => "binary",
        }
    }
}

/// A message built under the board lock and sent after releasing it, so a slow client
/// never holds up the others.
enum Out {
    Text(String),
    Binary(Vec<u8>),
}

fn send(ws: &mut WebSocket<NoMasking>, out: &Out) -> io::Result<()> {
    match out {
        Out::Text(text) => ws.send_text(text),
        Out::Binary(bytes) => ws.send_binary(bytes),
    }
}

/// Dollars and cents for JSON.
struct Cents(i64);

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_symbols(indices: impl Iterator<Item = usize>) -> String {
    let names: Vec<String> = indices.map(|i| json_string(SYMBOLS[i].0)).collect();
    format!("[{}]", names.join(","))
}

fn hello(encoding: Encoding) -> Out {
    Out::Text(format!(
        r#"{{"type":"hello","encoding":"{}","symbols":{}}}"#,
        encoding.name(),
        json_symbols(0..SYMBOLS.len())
    ))
}

fn subscribed_message(subscribed: &[bool]) -> Out {
    let on = (0..SYMBOLS.len()).filter(|&i| subscribed[i]);
    Out::Text(format!(
        r#"{{"type":"subscribed","symbols":{}}}"#,
        json_symbols(on)
    ))
}

fn error_message(message: &str) -> Out {
    Out::Text(format!(
        r#"{{"type":"error","message":{}}}"#,
        json_string(message)
    ))
}

fn quotes_message(board: &Board, indices: &[usize], encoding: Encoding) -> Out {
    match encoding {
        Encoding::Text => {
            let mut json = format!(r#"{{"type":"quotes","time":{},"quotes":["#, board.time_ms);
            for (n, &i) in indices.iter().enumerate() {
                let quote = &board.quotes[i];
                let _ = write!(
                    json,
                    r#"{}{{"symbol":"{}","price":{},"change":{}}}"#,
                    if n == 0 { "" } else { "," },
                    SYMBOLS[i].0,
                    Cents(i64::from(quote.price)),
                    Cents(quote.change(i))
                );
            }
            json.push_str("]}");
            Out::Text(json)
        }
        Encoding::Binary => {
            let mut bytes = Vec::with_capacity(10 + 9 * indices.len());
            bytes.push(1);
            bytes.extend_from_slice(&board.time_ms.to_be_bytes());
            bytes.push(indices.len() as u8);
            for &i in indices {
                let quote = &board.quotes[i];
                bytes.push(i as u8);
                bytes.extend_from_slice(&quote.price.to_be_bytes());
                let change = quote.change(i).clamp(i32::MIN.into(), i32::MAX.into()) as i32;
                bytes.extend_from_slice(&change.to_be_bytes());
            }
            Out::Binary(bytes)
        }
    }
}

fn history_message(board: &Board, index: usize, encoding: Encoding) -> Out {
    let history = &board.quotes[index].history;
    match encoding {
        Encoding::Text => {
            let prices: Vec<String> = history
                .iter()
                .map(|&p| Cents(p.into()).to_string())
                .collect();
            Out::Text(format!(
                r#"{{"type":"history","symbol":"{}","prices":[{}]}}"#,
                SYMBOLS[index].0,
                prices.join(",")
            ))
        }
        Encoding::Binary => {
            let mut bytes = vec![2, index as u8];
            bytes.extend_from_slice(&(history.len() as u16).to_be_bytes());
            for price in history {
                bytes.extend_from_slice(&price.to_be_bytes());
            }
            Out::Binary(bytes)
        }
    }
}

/// What a new subscriber to `indices` needs: each symbol's history, then its quote.
fn snapshot(board: &Board, indices: &[usize], encoding: Encoding) -> Vec<Out> {
    let mut out: Vec<Out> = indices
        .iter()
        .map(|&i| history_message(board, i, encoding))
        .collect();
    if !indices.is_empty() {
        out.push(quotes_message(board, indices, encoding));
    }
    out
}

/// Applies `subscribe SYMBOL...` or `unsubscribe SYMBOL...` (`*`: all) and returns the
/// symbols it newly subscribed. Nothing changes if any word is wrong.
fn apply_command(command: &str, subscribed: &mut [bool]) -> Result<Vec<usize>, String> {
    let mut words = command
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty());
    let on = match words.next() {
        Some("subscribe") => true,
        Some("unsubscribe") => false,
        _ => {
            return Err(format!(
                "unknown command \"{command}\": expected subscribe or unsubscribe and symbols"
            ))
        }
    };
    let mut picked = Vec::new();
    for word in words {
        if word == "*" {
            picked.extend(0..SYMBOLS.len());
        } else {
            let index = SYMBOLS
                .iter()
                .position(|(symbol, _)| symbol.eq_ignore_ascii_case(word))
                .ok_or_else(|| format!("unknown symbol \"{word}\""))?;
            picked.push(index);
        }
    }
    let mut added = Vec::new();
    for index in picked {
        if on && !subscribed[index] {
            added.push(index);
        }
        subscribed[index] = on;
    }
    Ok(added)
}

/// Pings on a schedule and notices when one goes unanswered too long.
struct Keepalive {
    interval: Duration,
    timeout: Duration,
    next_ping: Instant,
    /// The payload and send time of the ping awaiting its pong.
    outstanding: Option<([u8; 8], Instant)>,
    sent: u64,
}

enum Due {
    Nothing,
    Ping([u8; 8]),
    Drop,
}

impl Keepalive {
    fn new(options: Options) -> Keepalive {
        Keepalive {
            interval: options.ping_interval,
            timeout: options.pong_timeout,
            next_ping: Instant::now() + options.ping_interval,
            outstanding: None,
            sent: 0,
        }
    }

    fn due(&mut self, now: Instant) -> Due {
        match self.outstanding {
            Some((_, at)) if now >= at + self.timeout => Due::Drop,
            None if now >= self.next_ping => {
                self.sent += 1;
                let payload = self.sent.to_be_bytes();
                self.outstanding = Some((payload, now));
                self.next_ping = now + self.interval;
                Due::Ping(payload)
            }
            _ => Due::Nothing,
        }
    }

    fn deadline(&self) -> Instant {
        match self.outstanding {
            Some((_, at)) => at + self.timeout,
            None => self.next_ping,
        }
    }

    fn pong(&mut self, payload: &[u8]) {
        if self.outstanding.is_some_and(|(sent, _)| sent == payload) {
            self.outstanding = None;
        }
    }
}

/// Counts a WebSocket client for as long as it is connected.
struct Registered<'a>(&'a Shared);

impl<'a> Registered<'a> {
    fn new(shared: &'a Shared) -> (Registered<'a>, usize) {
        let mut clients = lock(&shared.clients);
        clients.now += 1;
        clients.total += 1;
        clients.peak = clients.peak.max(clients.now);
        (Registered(shared), clients.now)
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        lock(&self.0.clients).now -= 1;
        self.0.clients_changed.notify_all();
    }
}

/// Pushes quotes to one client and handles its commands until it leaves.
fn stream_quotes(
    mut ws: WebSocket<NoMasking>,
    peer: &str,
    encoding: Encoding,
    shared: &Shared,
    options: Options,
) -> io::Result<()> {
    let (_registered, count) = Registered::new(shared);
    println!("{peer} connected ({}), {count} clients", encoding.name());
    match push_until_closed(&mut ws, encoding, shared, options) {
        Ok(()) => println!("{peer} left"),
        Err(e) => println!("{peer} dropped: {e}"),
    }
    Ok(())
}

fn push_until_closed(
    ws: &mut WebSocket<NoMasking>,
    encoding: Encoding,
    shared: &Shared,
    options: Options,
) -> io::Result<()> {
    let mut subscribed = [true; SYMBOLS.len()];
    let all: Vec<usize> = (0..SYMBOLS.len()).collect();
    let (mut seen, mut outgoing) = {
        let board = lock(&shared.board);
        (board.seq, snapshot(&board, &all, encoding))
    };
    outgoing.insert(0, hello(encoding));
    let mut keepalive = Keepalive::new(options);
    loop {
        let next_tick = {
            let board = lock(&shared.board);
            if board.shutting_down {
                drop(board);
                return close_gracefully(ws, 1001, "server shutting down");
            }
            if board.seq != seen {
                let moved: Vec<usize> = (0..SYMBOLS.len())
                    .filter(|&i| subscribed[i] && board.quotes[i].moved > seen)
                    .collect();
                if !moved.is_empty() {
                    outgoing.push(quotes_message(&board, &moved, encoding));
                }
                seen = board.seq;
            }
            board.next_tick
        };
        for out in outgoing.drain(..) {
            send(ws, &out)?;
        }

        let now = Instant::now();
        match keepalive.due(now) {
            Due::Nothing => {}
            Due::Ping(payload) => ws.send_ping(&payload)?,
            Due::Drop => {
                let why = format!("no pong within {:?}", options.pong_timeout);
                return Err(io::Error::new(ErrorKind::TimedOut, why));
            }
        }
        let wake = (next_tick.max(now) + TICK_SLACK).min(keepalive.deadline());
        let wait = wake
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        ws.stream.set_read_timeout(Some(wait))?;
        match ws.recv() {
            Ok(Some(Msg::Text(command))) => {
                let board = lock(&shared.board);
                match apply_command(&command, &mut subscribed) {
                    Ok(added) => {
                        outgoing.push(subscribed_message(&subscribed));
                        outgoing.extend(snapshot(&board, &added, encoding));
                    }
                    Err(why) => outgoing.push(error_message(&why)),
                }
            }
            Ok(Some(Msg::Binary(_))) => {
                outgoing.push(error_message("commands are text messages"));
            }
            Ok(Some(Msg::Pong(payload))) => keepalive.pong(&payload),
            Ok(Some(Msg::Ping(_))) => {}
            // The Close echo is sent and the transport shut by `recv`.
            Ok(Some(Msg::Close(..)) | None) => return Ok(()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Sends our Close and waits, briefly, for the client's answer.
fn close_gracefully(ws: &mut WebSocket<NoMasking>, code: u16, reason: &str) -> io::Result<()> {
    ws.close(code, reason)?;
    let deadline = Instant::now() + CLOSE_GRACE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        ws.stream.set_read_timeout(Some(left))?;
        if ws.recv()?.is_none() {
            return Ok(());
        }
    }
}
