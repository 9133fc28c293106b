//! A live stock-quote server for browsers: a page at `/`, simulated quotes pushed over
//! WebSocket at `/stock_info/`, on the tokio driver (`rfc6455_io::tokio`).
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
//! # Tasks, keepalive and shutdown
//!
//! One task per client, on a single-threaded runtime. A ticker task publishes each
//! tick's board through a `tokio::sync::watch` channel; a client's task waits for the
//! next tick, the client's next message or the shutdown, whichever comes first. A
//! tick's quotes are encoded once per encoding and set of symbols and shared by every
//! client that gets them: the payload is reference-counted, and without
//! permessage-deflate every such client's frame is written from the same bytes. A
//! client too slow to take its quotes holds up only its own task, and is dropped after
//! the write timeout.
//!
//! The driver answers Pings and runs keepalive while the task waits for the client: a
//! client not heard from for `--ping-interval` gets a Ping, and one that leaves it
//! unanswered for `--pong-timeout` is dropped.
//!
//! Every client is closed with 1001 (going away) when `--run-for` elapses or, when
//! standard input is a terminal, on `q` + Enter or Ctrl-D. Ctrl-C is not caught (the
//! example does without tokio's `signal` feature), so SIGINT ends the process at once
//! and browsers see 1006 (abnormal closure) and reconnect. With no terminal and no
//! `--run-for`, the server runs until killed.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::io::{self, BufRead, ErrorKind, IsTerminal};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rfc6455::connection::Config;
#[cfg(feature = "deflate")]
use rfc6455::extensions::deflate::DeflateConfig;
use rfc6455::OsRandom;
use rfc6455_io::tokio::{accept_after, WebSocket};
use rfc6455_io::{CloseCode, Error, Message, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, timeout};

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
/// have this long to arrive, so idle sockets do not stay open.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Routing needs only the request line; a longer one is not a request we serve.
const MAX_REQUEST_LINE: usize = 8 * 1024;

/// A client that cannot take a quote this long is not reading: drop it rather than
/// hold its quotes without end.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a closing client has to answer our Close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How long to wait before accepting again after accept failed: out of file
/// descriptors, it fails at once until a connection ends.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    println!("stock ticker on http://{addr}/");

    let shared = Arc::new(Shared::new());
    tokio::spawn(run_ticker(Arc::clone(&shared), XorShift::seeded()));
    let options = Arc::new(args.websocket_options());
    tokio::spawn(serve(listener, Arc::clone(&shared), options));

    let (stop_tx, mut stop) = mpsc::unbounded_channel::<&str>();
    if io::stdin().is_terminal() {
        println!("q + Enter or Ctrl-D closes every client cleanly; Ctrl-C just exits");
        let stop_tx = stop_tx.clone();
        // A thread, not a task: reading a terminal blocks, and nothing waits for this
        // thread when the process exits.
        std::thread::spawn(move || {
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
        Some(limit) => match timeout(limit, stop.recv()).await {
            Ok(why) => why.unwrap_or("no way left to stop"),
            Err(_) => "--run-for elapsed",
        },
        // `stop_tx` is alive here, so this waits for the terminal or forever.
        None => stop.recv().await.unwrap_or("no way left to stop"),
    };
    drop(stop_tx);

    println!("{why}: closing every client with 1001");
    shared.stop.send_replace(true);
    let mut clients = shared.clients.subscribe();
    // Each client has the close grace to answer our Close, and the driver reads what
    // it still sends for up to a second so that our Close is not lost to a RST.
    let grace = CLOSE_GRACE + Duration::from_secs(2);
    let _ = timeout(grace, clients.wait_for(|c| c.now == 0)).await;
    let clients = clients.borrow();
    println!(
        "stopped: {} WebSocket clients served, at most {} at once, {} not closed in time",
        clients.total, clients.peak, clients.now
    );
    ExitCode::SUCCESS
}

/// The quote board as of one tick: what the ticker publishes and every client reads.
struct Tick {
    seq: u64,
    /// The wall-clock time of the tick, in milliseconds since the Unix epoch.
    time_ms: u64,
    quotes: Vec<Quote>,
    /// The quotes messages built from this tick so far, by encoding and symbols: every
    /// client that asks for the same ones shares one.
    built: Mutex<Vec<(Encoding, Vec<usize>, Message)>>,
}

impl Tick {
    fn new(seq: u64, quotes: Vec<Quote>) -> Tick {
        Tick {
            seq,
            time_ms: unix_ms(),
            quotes,
            built: Mutex::new(Vec::new()),
        }
    }

    /// The quotes of `indices` in `encoding`, built by the first client that asks.
    fn quotes_message(&self, indices: &[usize], encoding: Encoding) -> Message {
        let mut built = lock(&self.built);
        let found = built
            .iter()
            .find(|(e, i, _)| *e == encoding && i[..] == *indices);
        if let Some((_, _, message)) = found {
            return message.clone();
        }
        let message = quotes_message(self, indices, encoding);
        built.push((encoding, indices.to_vec(), message.clone()));
        message
    }
}

#[derive(Clone)]
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
    ticks: watch::Sender<Arc<Tick>>,
    /// Turns true once, when every client is to be closed.
    stop: watch::Sender<bool>,
    clients: watch::Sender<Clients>,
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
            ticks: watch::Sender::new(Arc::new(Tick::new(0, quotes))),
            stop: watch::Sender::new(false),
            clients: watch::Sender::new(Clients::default()),
        }
    }
}

/// A poisoned lock only means another client's task panicked; what it guards is
/// still whole.
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
async fn run_ticker(shared: Arc<Shared>, mut rng: XorShift) {
    let mut quotes = shared.ticks.borrow().quotes.clone();
    for seq in 1.. {
        sleep(Duration::from_millis(100 + rng.below(151))).await;
        for (quote, &(_, open)) in quotes.iter_mut().zip(&SYMBOLS) {
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
        shared
            .ticks
            .send_replace(Arc::new(Tick::new(seq, quotes.clone())));
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, options: Arc<Options>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept failed: {e}");
                sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        let options = Arc::clone(&options);
        tokio::spawn(async move {
            let peer = peer.to_string();
            match handle(stream, &peer, &shared, &options).await {
                Ok(()) => {}
                // Browsers open spare sockets that may never send a request.
                Err(Error::HandshakeTimeout) => {}
                Err(Error::Io(e))
                    if matches!(
                        e.kind(),
                        ErrorKind::TimedOut
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
async fn handle(
    mut stream: TcpStream,
    peer: &str,
    shared: &Shared,
    options: &Options,
) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let start = timeout(options.handshake_timeout, read_request_line(&mut stream))
        .await
        .map_err(|_| Error::HandshakeTimeout)??;
    let Some((method, target)) = request_line(&start) else {
        return respond(stream, "400 Bad Request", TEXT, "bad request\n").await;
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/" | "/index.html" if method == "GET" => respond(stream, "200 OK", HTML, PAGE).await,
        "/" | "/index.html" => {
            let headers = "Allow: GET\r\nContent-Type: text/plain";
            respond(stream, "405 Method Not Allowed", headers, "GET only\n").await
        }
        "/stock_info/" | "/stock_info" => {
            let Some(encoding) = Encoding::from_query(query) else {
                let why = "encoding must be text or binary\n";
                return respond(stream, "400 Bad Request", TEXT, why).await;
            };
            let (ws, _) = accept_after(stream, &start, options).await?;
            stream_quotes(ws, peer, encoding, shared).await
        }
        _ => respond(stream, "404 Not Found", TEXT, "not found\n").await,
    }
}

/// Reads the request line, which is all routing needs, and whatever came with it: the
/// WebSocket handshake reads the rest of the head itself, within its own deadline.
async fn read_request_line(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut start = Vec::new();
    let mut chunk = [0u8; 1024];
    while !start.contains(&b'\n') && start.len() < MAX_REQUEST_LINE {
        match stream.read(&mut chunk).await? {
            0 if start.is_empty() => return Err(ErrorKind::UnexpectedEof.into()),
            0 => break,
            n => start.extend_from_slice(&chunk[..n]),
        }
    }
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
async fn respond(
    mut stream: TcpStream,
    status: &str,
    headers: &str,
    body: &str,
) -> Result<(), Error> {
    let response = format!(
        "HTTP/1.1 {status}\r\n{headers}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    timeout(WRITE_TIMEOUT, stream.write_all(response.as_bytes()))
        .await
        .map_err(|_| io::Error::from(ErrorKind::TimedOut))??;
    stream.shutdown().await?;
    // Only the request line may have been read: closing on unread bytes sends a RST,
    // which can discard the response before the client reads it. What the client
    // still sends is of no use, so a failure to read it is no failure.
    let mut rest = (&mut stream).take(64 * 1024);
    let _ = timeout(
        Duration::from_secs(1),
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
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

fn quotes_message(board: &Tick, indices: &[usize], encoding: Encoding) -> Message {
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

fn history_message(board: &Tick, index: usize, encoding: Encoding) -> Message {
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
fn snapshot(board: &Tick, indices: &[usize], encoding: Encoding) -> Vec<Message> {
    let mut out: Vec<Message> = indices
        .iter()
        .map(|&i| history_message(board, i, encoding))
        .collect();
    if !indices.is_empty() {
        out.push(board.quotes_message(indices, encoding));
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
        let mut now = 0;
        shared.clients.send_modify(|clients| {
            clients.now += 1;
            clients.total += 1;
            clients.peak = clients.peak.max(clients.now);
            now = clients.now;
        });
        (Registered(shared), now)
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.clients.send_modify(|clients| clients.now -= 1);
    }
}

/// Ready once shutdown has begun, also when it began before the call.
async fn stopping(stop: &mut watch::Receiver<bool>) {
    // `Shared` holds the sender for as long as any client: no error to handle.
    let _ = stop.wait_for(|&stop| stop).await;
}

/// Serves one WebSocket client: the greeting and snapshot, then each tick's moves and
/// the answers to commands, until the connection ends; on shutdown, our Close.
async fn stream_quotes(
    mut ws: WebSocket<TcpStream>,
    peer: &str,
    encoding: Encoding,
    shared: &Shared,
) -> Result<(), Error> {
    let (_registered, count) = Registered::new(shared);
    println!("{peer} connected ({}), {count} clients", encoding.name());
    let mut ticks = shared.ticks.subscribe();
    let mut stop = shared.stop.subscribe();
    let mut subscribed = [true; SYMBOLS.len()];
    let all: Vec<usize> = (0..SYMBOLS.len()).collect();
    let tick = Arc::clone(&ticks.borrow_and_update());
    let mut seen = tick.seq;
    let mut outgoing = snapshot(&tick, &all, encoding);
    outgoing.insert(0, hello(encoding));
    // The client's Close, once it came: nothing more is sent, the driver finishes.
    let mut close = None;
    let result = loop {
        for message in outgoing.drain(..) {
            if let Err(e) = ws.send(message).await {
                println!("{peer} dropped: {e}");
                return Ok(());
            }
        }
        tokio::select! {
            biased;
            () = stopping(&mut stop), if close.is_none() => {
                break ws.close(CloseCode::GOING_AWAY, "server shutting down").await
                    .map(|code| code.0.to_string());
            }
            Ok(()) = ticks.changed(), if close.is_none() => {
                let tick = Arc::clone(&ticks.borrow_and_update());
                let moved: Vec<usize> = (0..SYMBOLS.len())
                    .filter(|&i| subscribed[i] && tick.quotes[i].moved > seen)
                    .collect();
                if !moved.is_empty() {
                    outgoing.push(tick.quotes_message(&moved, encoding));
                }
                seen = tick.seq;
            }
            message = ws.recv_owned() => match message {
                Err(e) => break Err(e),
                Ok(None) => break Ok(close.unwrap_or_default()),
                Ok(Some(Message::Close { code, reason })) => {
                    close = Some(format!("{} {reason}", code.0).trim_end().to_owned());
                }
                Ok(Some(Message::Text(command))) => {
                    let tick = Arc::clone(&ticks.borrow());
                    match apply_command(&command, &mut subscribed) {
                        Ok(added) => {
                            outgoing.push(subscribed_message(&subscribed));
                            outgoing.extend(snapshot(&tick, &added, encoding));
                        }
                        Err(why) => outgoing.push(error_message(&why)),
                    }
                }
                Ok(Some(Message::Binary(_))) => {
                    outgoing.push(error_message("commands are text messages"));
                }
                Ok(Some(_)) => {}
            },
        }
    };
    match result {
        Ok(close) => println!("{peer} closed: {close}"),
        Err(e) => println!("{peer} dropped: {e}"),
    }
    Ok(())
}
