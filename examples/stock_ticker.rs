//! A live stock-quote server for browsers: a page at `/`, simulated quotes pushed over
//! WebSocket at `/stock_info/`, on the blocking driver (`rfc6455_io::blocking`).
//!
//! ```sh
//! cargo run --example stock_ticker                    # then open http://127.0.0.1:8080/
//! cargo run --example stock_ticker -- 127.0.0.1:9090 --run-for 60
//! cargo run --example stock_ticker --features deflate # with permessage-deflate
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
//! # Threads, keepalive and shutdown
//!
//! Each client has two threads on the two halves of its split connection: one pushes
//! quotes through the sending half as the board ticks, the other reads commands
//! through the receiving half and hands them over. The driver answers Pings and runs
//! keepalive from the reading thread: a client not heard from for `--ping-interval`
//! gets a Ping, and one that leaves it unanswered for `--pong-timeout` is dropped.
//!
//! Every client is closed with 1001 (going away) when `--run-for` elapses or, when
//! standard input is a terminal, on `q` + Enter or Ctrl-D. Ctrl-C is not caught:
//! plain `std` has no signal handling, so SIGINT ends the process at once and browsers
//! see 1006 (abnormal closure) and reconnect. With no terminal and no `--run-for`, the
//! server runs until killed.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::io::{self, BufRead, BufReader, ErrorKind, IsTerminal, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rfc6455::connection::Config;
#[cfg(feature = "deflate")]
use rfc6455::extensions::deflate::DeflateConfig;
use rfc6455::OsRandom;
use rfc6455_io::blocking::{self, ReadHalf, WebSocket, WriteHalf};
use rfc6455_io::{CloseCode, Error, Message, Options};

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

/// The request line we route on, then the rest of the head the handshake reads, each
/// have this long to arrive, so idle sockets do not pin threads.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Routing needs only the request line; a longer one is not a request we serve.
const MAX_REQUEST_LINE: u64 = 8 * 1024;

/// A client that cannot take a quote this long is not reading: drop it rather than let
/// its thread block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a closing client has to answer our Close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Wake a little after the tick, so the ticker has published it.
const TICK_SLACK: Duration = Duration::from_millis(5);

const USAGE: &str = "usage: stock_ticker [ADDR] [--run-for SECONDS] \
                     [--ping-interval SECONDS] [--pong-timeout SECONDS]";

struct Args {
    addr: SocketAddr,
    run_for: Option<Duration>,
    ping_interval: Duration,
    pong_timeout: Duration,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut parsed = Args {
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
                "--run-for" => parsed.run_for = Some(seconds()?),
                "--ping-interval" => parsed.ping_interval = seconds()?,
                "--pong-timeout" => parsed.pong_timeout = seconds()?,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                _ => {
                    parsed.addr = arg
                        .parse()
                        .map_err(|_| format!("{arg:?} is not an address like 127.0.0.1:8080"))?
                }
            }
        }
        Ok(parsed)
    }

    /// What the driver does for every WebSocket: the handshake within the head
    /// deadline, the Origin check, keepalive, and bounds on a slow reader and on the
    /// closing handshake.
    fn websocket_options(&self) -> Options {
        let config = Config::default()
            .ping_interval(Some(self.ping_interval))
            .ping_timeout(Some(self.pong_timeout))
            .close_timeout(Some(CLOSE_GRACE));
        let options = Options::default()
            .config(config)
            .max_message_size(MAX_COMMAND)
            .same_origin(true)
            .handshake_timeout(HEAD_TIMEOUT)
            .write_timeout(WRITE_TIMEOUT);
        #[cfg(feature = "deflate")]
        let options = options.deflate(Some(DeflateConfig::default()));
        options
    }
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(args.addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    println!("stock ticker on http://{addr}/");

    let rng = XorShift::seeded();
    let shared = Arc::new(Shared::new());
    {
        let shared = Arc::clone(&shared);
        thread::spawn(move || run_ticker(&shared, rng));
    }
    {
        let shared = Arc::clone(&shared);
        let options = args.websocket_options();
        thread::spawn(move || serve(listener, &shared, &options));
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
    let why = match args.run_for {
        Some(limit) => stop.recv_timeout(limit).unwrap_or("--run-for elapsed"),
        // `stop_tx` is alive here, so this waits for the terminal or forever.
        None => stop.recv().unwrap_or("no way left to stop"),
    };
    drop(stop_tx);

    println!("{why}: closing every client with 1001");
    lock(&shared.board).shutting_down = true;
    let clients = lock(&shared.clients);
    // A pusher sees the shutdown at its next tick, and the driver lingers up to a
    // second on each closed socket so that our Close is not lost to a RST.
    let grace = CLOSE_GRACE + Duration::from_secs(2);
    let (clients, _) = shared
        .clients_changed
        .wait_timeout_while(clients, grace, |c| c.now > 0)
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

fn serve(listener: TcpListener, shared: &Arc<Shared>, options: &Options) {
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
        let options = options.clone();
        thread::spawn(move || {
            let peer = stream
                .peer_addr()
                .map_or_else(|_| "?".to_owned(), |a| a.to_string());
            match handle(stream, &peer, &shared, &options) {
                Ok(()) => {}
                // Browsers open spare sockets that may never send a request.
                Err(Error::HandshakeTimeout) => {}
                Err(Error::Io(e))
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
fn handle(stream: TcpStream, peer: &str, shared: &Shared, options: &Options) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let start = read_request_line(&stream, options.handshake_timeout)?;
    let Some((method, target)) = request_line(&start) else {
        return respond(stream, "400 Bad Request", TEXT, "bad request\n");
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/" | "/index.html" if method == "GET" => respond(stream, "200 OK", HTML, PAGE),
        "/" | "/index.html" => {
            let headers = "Allow: GET\r\nContent-Type: text/plain";
            respond(stream, "405 Method Not Allowed", headers, "GET only\n")
        }
        "/stock_info/" | "/stock_info" => {
            let Some(encoding) = Encoding::from_query(query) else {
                let why = "encoding must be text or binary\n";
                return respond(stream, "400 Bad Request", TEXT, why);
            };
            let (ws, _) = blocking::accept_after(stream, &start, options)?;
            stream_quotes(ws, peer, encoding, shared)
        }
        _ => respond(stream, "404 Not Found", TEXT, "not found\n"),
    }
}

/// Reads the request line, which is all routing needs, and whatever came with it: the
/// WebSocket handshake reads the rest of the head itself, within its own deadline.
fn read_request_line(stream: &TcpStream, timeout: Duration) -> io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(timeout))?;
    let mut reader = BufReader::new(stream);
    let mut start = Vec::new();
    let n = (&mut reader)
        .take(MAX_REQUEST_LINE)
        .read_until(b'\n', &mut start)?;
    if n == 0 {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    start.extend_from_slice(reader.buffer());
    Ok(start)
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
fn respond(mut stream: TcpStream, status: &str, headers: &str, body: &str) -> Result<(), Error> {
    let response = format!(
        "HTTP/1.1 {status}\r\n{headers}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    stream.write_all(response.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    // Only the request line may have been read: closing on unread bytes sends a RST,
    // which can discard the response before the client reads it. What the client
    // still sends is of no use, so a failure to read it is no failure.
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    let _ = io::copy(&mut stream.take(64 * 1024), &mut io::sink());
    Ok(())
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

fn hello(encoding: Encoding) -> Message {
    Message::from(format!(
        r#"{{"type":"hello","encoding":"{}","symbols":{}}}"#,
        encoding.name(),
        json_symbols(0..SYMBOLS.len())
    ))
}

fn subscribed_message(subscribed: &[bool]) -> Message {
    let on = (0..SYMBOLS.len()).filter(|&i| subscribed[i]);
    Message::from(format!(
        r#"{{"type":"subscribed","symbols":{}}}"#,
        json_symbols(on)
    ))
}

fn error_message(message: &str) -> Message {
    Message::from(format!(
        r#"{{"type":"error","message":{}}}"#,
        json_string(message)
    ))
}

fn quotes_message(board: &Board, indices: &[usize], encoding: Encoding) -> Message {
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
            Message::from(json)
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
            Message::from(bytes)
        }
    }
}

fn history_message(board: &Board, index: usize, encoding: Encoding) -> Message {
    let history = &board.quotes[index].history;
    match encoding {
        Encoding::Text => {
            let prices: Vec<String> = history
                .iter()
                .map(|&p| Cents(p.into()).to_string())
                .collect();
            Message::from(format!(
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
            Message::from(bytes)
        }
    }
}

/// What a new subscriber to `indices` needs: each symbol's history, then its quote.
fn snapshot(board: &Board, indices: &[usize], encoding: Encoding) -> Vec<Message> {
    let mut out: Vec<Message> = indices
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

/// Serves one WebSocket client: quotes pushed from a thread of their own, commands read
/// on this one, until the connection ends.
fn stream_quotes(
    ws: WebSocket<TcpStream>,
    peer: &str,
    encoding: Encoding,
    shared: &Shared,
) -> Result<(), Error> {
    let (_registered, count) = Registered::new(shared);
    println!("{peer} connected ({}), {count} clients", encoding.name());
    // The reading half waits on the socket, not on the pusher: shutting the socket
    // down is how a push that failed (a client that stopped reading) ends it.
    let socket = ws.get_ref().try_clone()?;
    let (reader, writer) = ws.split()?;
    let (commands, inbox) = mpsc::channel();
    thread::scope(|scope| {
        scope.spawn(
            move || match push_quotes(writer, &inbox, encoding, shared) {
                // The reading half finished the connection (the client's Close, a
                // keepalive timeout) while a quote was on its way.
                Ok(()) | Err(Error::Closed) => {}
                Err(e) => {
                    println!("{peer} dropped: {e}");
                    let _ = socket.shutdown(Shutdown::Both);
                }
            },
        );
        match read_commands(reader, commands) {
            Ok(close) => println!("{peer} closed: {close}"),
            Err(e) => println!("{peer} dropped: {e}"),
        }
    });
    Ok(())
}

/// Hands the client's messages to its pusher until the connection is over; returns the
/// Close that ended it.
fn read_commands(
    mut reader: ReadHalf<TcpStream>,
    commands: Sender<Message>,
) -> Result<String, Error> {
    let mut close = String::new();
    while let Some(message) = reader.recv_owned()? {
        if let Message::Close { code, reason } = &message {
            close = format!("{} {reason}", code.0).trim_end().to_owned();
        } else if message.is_data() {
            // The pusher stops only once the connection is closing or broken, when
            // commands no longer matter.
            let _ = commands.send(message);
        }
    }
    Ok(close)
}

/// Sends the greeting and snapshot, then each tick's moves and the answers to
/// commands; on shutdown, our Close.
fn push_quotes(
    mut writer: WriteHalf<TcpStream>,
    commands: &Receiver<Message>,
    encoding: Encoding,
    shared: &Shared,
) -> Result<(), Error> {
    let mut subscribed = [true; SYMBOLS.len()];
    let all: Vec<usize> = (0..SYMBOLS.len()).collect();
    let (mut seen, mut outgoing) = {
        let board = lock(&shared.board);
        (board.seq, snapshot(&board, &all, encoding))
    };
    outgoing.insert(0, hello(encoding));
    loop {
        let next_tick = {
            let board = lock(&shared.board);
            if board.shutting_down {
                drop(board);
                return writer.close(CloseCode::GOING_AWAY, "server shutting down");
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
        // Built under the board lock, sent after releasing it, so that a slow client
        // never holds up the others.
        for message in outgoing.drain(..) {
            writer.send(message)?;
        }
        let now = Instant::now();
        match commands.recv_timeout((next_tick.max(now) + TICK_SLACK) - now) {
            Ok(Message::Text(command)) => {
                let board = lock(&shared.board);
                match apply_command(&command, &mut subscribed) {
                    Ok(added) => {
                        outgoing.push(subscribed_message(&subscribed));
                        outgoing.extend(snapshot(&board, &added, encoding));
                    }
                    Err(why) => outgoing.push(error_message(&why)),
                }
            }
            Ok(_) => outgoing.push(error_message("commands are text messages")),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}
