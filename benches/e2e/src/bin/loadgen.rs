//! The load generator: one thread on mio, so it can be pinned to one core and its cost is
//! known. It writes its own upgrade request and masked frames and parses the server's
//! frames itself, so that it shares no code with any implementation it measures.
//!
//! loadgen <echo|fanout|idle|connect-rate> ws://HOST:PORT/PATH [options], see `usage`.
//! Prints one `RESULT key=value ...` line; exits nonzero on any lost, reordered or
//! corrupted message, or on a connection the server closed or never completed.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::exit;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// Subscribers may lag the publisher by at most this many updates, so what is measured is
/// delivery, not how long a queue the server lets grow.
const FANOUT_WINDOW: u64 = 64;
const FANOUT_LEN: usize = 100;
/// Fan-out updates start with the sequence number in this many ASCII digits.
const SEQ_DIGITS: usize = 20;
/// The RFC's sample key: servers do not check that keys differ, and a fixed one lets the
/// accept value be checked without hashing.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &[u8] = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
const MAX_RESPONSE_HEAD: usize = 2048;
const OPEN_TIMEOUT: Duration = Duration::from_secs(120);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Below the listen backlog of 128 that mio and tokio's `TcpListener::bind` ask for (as
/// std does): past it the kernel drops SYNs and each retry costs a one-second timeout, so
/// a connection rate would measure that timeout, not the server.
const DEFAULT_INFLIGHT: usize = 100;

fn usage() -> ! {
    eprintln!(
        "usage: loadgen MODE ws://HOST:PORT/PATH [options]\n\
         modes: echo | fanout | idle | connect-rate\n\
         --conns N       connections (echo, idle, connect-rate) [100]\n\
         --payload P     echo message size in bytes, >= 8 [20]\n\
         --depth D       echo messages in flight per connection [1]\n\
         --subs S        fan-out subscribers on /sub, plus one publisher on /pub [1000]\n\
         --warmup W      seconds before measuring [2]\n\
         --windows R     measured windows [5]\n\
         --secs T        seconds per window [2]\n\
         --inflight K    connection attempts in flight at once [100]\n\
         --settle S      idle: seconds to wait before reading the server's RSS [2]\n\
         --server-pid P  sample this process's CPU time (and RSS, for idle)"
    );
    exit(2)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Echo,
    Fanout,
    Idle,
    ConnectRate,
}

struct Args {
    mode: Mode,
    addr: SocketAddr,
    host: String,
    path: String,
    conns: usize,
    payload: usize,
    depth: u64,
    subs: usize,
    warmup: f64,
    windows: usize,
    secs: f64,
    inflight: usize,
    settle: f64,
    server_pid: Option<u32>,
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let mode = match it.next().as_deref() {
        Some("echo") => Mode::Echo,
        Some("fanout") => Mode::Fanout,
        Some("idle") => Mode::Idle,
        Some("connect-rate") => Mode::ConnectRate,
        _ => usage(),
    };
    let url = it.next().unwrap_or_else(|| usage());
    let rest = url.strip_prefix("ws://").unwrap_or_else(|| usage());
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| usage());
    let mut a = Args {
        mode,
        addr,
        host: host.to_owned(),
        path: path.to_owned(),
        conns: 100,
        payload: 20,
        depth: 1,
        subs: 1000,
        warmup: 2.0,
        windows: 5,
        secs: 2.0,
        inflight: DEFAULT_INFLIGHT,
        settle: 2.0,
        server_pid: None,
    };
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_else(|| usage());
        let num = || v.parse::<f64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--conns" => a.conns = num() as usize,
            "--payload" => a.payload = num() as usize,
            "--depth" => a.depth = num() as u64,
            "--subs" => a.subs = num() as usize,
            "--warmup" => a.warmup = num(),
            "--windows" => a.windows = num() as usize,
            "--secs" => a.secs = num(),
            "--inflight" => a.inflight = num() as usize,
            "--settle" => a.settle = num(),
            "--server-pid" => a.server_pid = Some(num() as u32),
            _ => usage(),
        }
    }
    if a.payload < 8 || a.depth == 0 || a.windows == 0 || a.inflight == 0 {
        usage();
    }
    a
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// Sends numbered binary messages and expects each back, in order, unchanged.
    Echo,
    /// Expects every fan-out update, in sequence order.
    Sub,
    /// Sends the updates; receives nothing.
    Pub,
    /// Handshake only.
    Idle,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Connecting,
    Handshaking,
    Open,
}

struct Conn {
    sock: TcpStream,
    role: Role,
    state: State,
    /// Bytes of the 101 response seen so far; freed once the handshake is done.
    head: Vec<u8>,
    wbuf: Vec<u8>,
    wpos: usize,
    rx: FrameRx,
    /// Echo: messages sent. Pub: updates sent.
    sent: u64,
    /// Echo: echoes received. Sub: updates received (so also the next expected number).
    recvd: u64,
    mask_state: u64,
}

/// Where the parse of the server's (unmasked) frames stands; frames are checked piece by
/// piece as bytes arrive, so no connection needs a buffer as large as a message.
#[derive(Default)]
struct FrameRx {
    hdr: [u8; 10],
    hdr_len: usize,
    /// Payload bytes of the current frame not yet seen; `None` while reading a header.
    left: Option<u64>,
    fin: bool,
    in_message: bool,
    /// Offset of the next byte within the current message.
    msg_off: usize,
    /// The message's leading bytes that differ per message (a counter), set when it starts.
    expect_head: [u8; SEQ_DIGITS],
}

/// What every connection shares: the expected bytes after each message's head.
struct Shape {
    role: Role,
    len: usize,
    head_len: usize,
    pattern: Vec<u8>,
}

impl Shape {
    fn new(role: Role, len: usize) -> Shape {
        let head_len = if role == Role::Echo { 8 } else { SEQ_DIGITS };
        // Printable, so the fan-out updates are valid UTF-8 text.
        let pattern = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        Shape { role, len, head_len, pattern }
    }

    fn head(&self, n: u64) -> [u8; SEQ_DIGITS] {
        let mut h = [0u8; SEQ_DIGITS];
        if self.role == Role::Echo {
            h[..8].copy_from_slice(&n.to_le_bytes());
        } else {
            let mut v = n;
            for d in h.iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        h
    }
}

struct Stats {
    handshakes: u64,
    /// Echoes received, or updates delivered to subscribers.
    done: u64,
}

fn fail(msg: String) -> ! {
    eprintln!("loadgen: FAIL: {msg}");
    println!("RESULT status=fail reason=\"{msg}\"");
    exit(1)
}

fn xorshift(s: &mut u64) -> u32 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s as u32
}

/// Appends one masked client frame carrying `head ++ tail`.
fn encode_frame(wbuf: &mut Vec<u8>, opcode: u8, head: &[u8], tail: &[u8], key: u32) {
    let len = head.len() + tail.len();
    wbuf.push(0x80 | opcode);
    if len < 126 {
        wbuf.push(0x80 | len as u8);
    } else if len <= u16::MAX as usize {
        wbuf.push(0x80 | 126);
        wbuf.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        wbuf.push(0x80 | 127);
        wbuf.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let key = key.to_ne_bytes();
    wbuf.extend_from_slice(&key);
    let start = wbuf.len();
    wbuf.extend_from_slice(head);
    wbuf.extend_from_slice(tail);
    let key8 = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let mut chunks = wbuf[start..].chunks_exact_mut(8);
    for c in &mut chunks {
        let v = u64::from_ne_bytes(c.try_into().unwrap()) ^ key8;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

/// Fan-out bookkeeping: how many subscribers hold each of the last WINDOW updates.
struct Fanout {
    subs: u64,
    /// Every subscriber has received every update below this.
    acked: u64,
    counts: Vec<u64>,
}

impl Fanout {
    fn delivered(&mut self, seq: u64) {
        self.counts[(seq % FANOUT_WINDOW) as usize] += 1;
        while self.counts[(self.acked % FANOUT_WINDOW) as usize] == self.subs {
            self.counts[(self.acked % FANOUT_WINDOW) as usize] = 0;
            self.acked += 1;
        }
    }
}

struct Gen {
    poll: Poll,
    conns: Vec<Conn>,
    rbuf: Vec<u8>,
    shape: Shape,
    stats: Stats,
    fanout: Option<Fanout>,
    /// Off once measuring ends, so that what is in flight can drain and be checked.
    sending: bool,
    depth: u64,
    host: String,
    path: String,
    addr: SocketAddr,
}

impl Gen {
    fn start_conn(&mut self, role: Role) {
        let mut sock = TcpStream::connect(self.addr).unwrap_or_else(|e| fail(format!("connect: {e}")));
        // Pipelined frames go out at once rather than waiting on Nagle for an ACK.
        sock.set_nodelay(true).unwrap_or_else(|e| fail(format!("nodelay: {e}")));
        let token = Token(self.conns.len());
        self.poll
            .registry()
            .register(&mut sock, token, Interest::READABLE | Interest::WRITABLE)
            .unwrap_or_else(|e| fail(format!("register: {e}")));
        let path = match role {
            Role::Sub => "/sub",
            Role::Pub => "/pub",
            Role::Echo | Role::Idle => self.path.as_str(),
        };
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n",
            self.host
        );
        let id = self.conns.len() as u64;
        self.conns.push(Conn {
            sock,
            role,
            state: State::Connecting,
            head: Vec::new(),
            wbuf: req.into_bytes(),
            wpos: 0,
            rx: FrameRx::default(),
            sent: 0,
            recvd: 0,
            mask_state: 0x9E37_79B9_7F4A_7C15 ^ (id.wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1),
        });
    }

    /// Polls until `done` holds or `deadline` passes; returns whether `done` held.
    fn run_until(&mut self, deadline: Instant, done: &mut dyn FnMut(&mut Gen) -> bool) -> bool {
        let mut events = Events::with_capacity(1024);
        loop {
            if done(self) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            match self.poll.poll(&mut events, Some(deadline - now)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => fail(format!("poll: {e}")),
            }
            for ev in events.iter() {
                self.service(ev.token().0);
            }
            self.pump_publisher();
        }
    }

    fn service(&mut self, i: usize) {
        let c = &mut self.conns[i];
        if c.state == State::Connecting {
            if let Ok(Some(e)) | Err(e) = c.sock.take_error() {
                fail(format!("connect: {e}"));
            }
            match c.sock.peer_addr() {
                Ok(_) => c.state = State::Handshaking,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                Err(e) => fail(format!("connect: {e}")),
            }
        }
        flush(c);
        loop {
            let n = match c.sock.read(&mut self.rbuf) {
                Ok(0) => fail(format!("connection {i}: server closed it")),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => fail(format!("connection {i}: read: {e}")),
            };
            let mut data = &self.rbuf[..n];
            if c.state == State::Handshaking {
                data = match handshake(c, data) {
                    Some(rest) => {
                        self.stats.handshakes += 1;
                        rest
                    }
                    None => continue,
                };
            }
            feed(c, data, &self.shape, &mut self.stats, &mut self.fanout, i);
        }
        if c.state == State::Open && c.role == Role::Echo && self.sending {
            while c.sent - c.recvd < self.depth {
                let key = xorshift(&mut c.mask_state);
                let head = self.shape.head(c.sent);
                encode_frame(&mut c.wbuf, 2, &head[..8], &self.shape.pattern[8..], key);
                c.sent += 1;
            }
            flush(c);
        }
    }

    /// The publisher sends whatever the window allows, in one write.
    fn pump_publisher(&mut self) {
        let Some(f) = &self.fanout else { return };
        let Some(p) = self.conns.last_mut() else { return };
        if p.role != Role::Pub || p.state != State::Open || !self.sending {
            return;
        }
        while p.sent < f.acked + FANOUT_WINDOW {
            let key = xorshift(&mut p.mask_state);
            let head = self.shape.head(p.sent);
            encode_frame(&mut p.wbuf, 1, &head, &self.shape.pattern[SEQ_DIGITS..], key);
            p.sent += 1;
        }
        flush(p);
    }

    /// Opens `n` connections of `role`, at most `inflight` not yet open at any moment.
    fn open(&mut self, n: usize, role: Role, inflight: usize) {
        let target = self.conns.len() + n;
        let mut open = 0;
        let deadline = Instant::now() + OPEN_TIMEOUT;
        let ok = self.run_until(deadline, &mut |g| {
            open = g.stats.handshakes as usize;
            while g.conns.len() < target && g.conns.len() - open < inflight {
                g.start_conn(role);
            }
            open == target
        });
        if !ok {
            fail(format!("only {open} of {target} connections opened in {OPEN_TIMEOUT:?}"));
        }
    }
}

/// Writes what is buffered until the socket would block.
fn flush(c: &mut Conn) {
    while c.wpos < c.wbuf.len() {
        match c.sock.write(&c.wbuf[c.wpos..]) {
            Ok(n) => c.wpos += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => fail(format!("write: {e}")),
        }
    }
    c.wbuf.clear();
    c.wpos = 0;
}

/// Collects the 101 response; returns the bytes after it once it is complete.
fn handshake<'a>(c: &mut Conn, data: &'a [u8]) -> Option<&'a [u8]> {
    let before = c.head.len();
    c.head.extend_from_slice(data);
    let Some(end) = c.head.windows(4).position(|w| w == b"\r\n\r\n") else {
        if c.head.len() > MAX_RESPONSE_HEAD {
            fail("upgrade response head too long".into());
        }
        return None;
    };
    let end = end + 4;
    let head = &c.head[..end];
    if !head.starts_with(b"HTTP/1.1 101") || !head.windows(ACCEPT.len()).any(|w| w == ACCEPT) {
        fail(format!("bad upgrade response: {:?}", String::from_utf8_lossy(head)));
    }
    c.head = Vec::new();
    c.state = State::Open;
    Some(&data[end - before..])
}

/// Checks the server's frames piece by piece against the message expected next.
fn feed(c: &mut Conn, mut data: &[u8], shape: &Shape, stats: &mut Stats, fanout: &mut Option<Fanout>, i: usize) {
    let rx = &mut c.rx;
    while !data.is_empty() || rx.left == Some(0) {
        let Some(left) = rx.left else {
            rx.hdr[rx.hdr_len] = data[0];
            rx.hdr_len += 1;
            data = &data[1..];
            if rx.hdr_len < 2 {
                continue;
            }
            let ext = match rx.hdr[1] & 0x7f {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            if rx.hdr_len < 2 + ext {
                continue;
            }
            let (b0, b1) = (rx.hdr[0], rx.hdr[1]);
            if b1 & 0x80 != 0 {
                fail(format!("connection {i}: server frame is masked"));
            }
            let opcode = b0 & 0x0f;
            let want = if shape.role == Role::Echo { 2 } else { 1 };
            let ok = match (c.role, rx.in_message) {
                (Role::Echo | Role::Sub, false) => opcode == want,
                (Role::Echo | Role::Sub, true) => opcode == 0,
                _ => false,
            };
            if !ok {
                fail(format!("connection {i}: unexpected frame, opcode {opcode}"));
            }
            rx.fin = b0 & 0x80 != 0;
            if !rx.in_message {
                rx.in_message = true;
                rx.msg_off = 0;
                rx.expect_head = shape.head(c.recvd);
            }
            rx.left = Some(match ext {
                0 => (b1 & 0x7f) as u64,
                2 => u16::from_be_bytes([rx.hdr[2], rx.hdr[3]]) as u64,
                _ => u64::from_be_bytes(rx.hdr[2..10].try_into().unwrap()),
            });
            rx.hdr_len = 0;
            continue;
        };
        let k = left.min(data.len() as u64) as usize;
        let (chunk, rest) = data.split_at(k);
        data = rest;
        let off = rx.msg_off;
        if off + k > shape.len {
            fail(format!("connection {i}: message {} longer than {}", c.recvd, shape.len));
        }
        let split = shape.head_len.saturating_sub(off).min(k);
        if chunk[..split] != rx.expect_head[off..off + split]
            || chunk[split..] != shape.pattern[off + split..off + k]
        {
            fail(format!(
                "connection {i}: message {} corrupted, lost or out of order (bytes {off}..{})",
                c.recvd,
                off + k
            ));
        }
        rx.msg_off += k;
        rx.left = Some(left - k as u64);
        if left - k as u64 > 0 {
            continue;
        }
        rx.left = None;
        if !rx.fin {
            continue;
        }
        if rx.msg_off != shape.len {
            fail(format!("connection {i}: message {} has {} bytes, not {}", c.recvd, rx.msg_off, shape.len));
        }
        rx.in_message = false;
        if let Some(f) = fanout {
            f.delivered(c.recvd);
        }
        c.recvd += 1;
        stats.done += 1;
    }
}

/// utime + stime of a process, in seconds.
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_else(|e| fail(format!("/proc/{pid}/stat: {e}")));
    // The command name may hold spaces; the fields that follow it do not.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / hz
}

/// Seconds a process has spent runnable but waiting for a CPU: on a shared machine, the
/// time neighbours took from it.
fn wait_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .unwrap_or_else(|e| fail(format!("/proc/{pid}/schedstat: {e}")));
    stat.split(' ').nth(1).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1e9
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| fail(format!("/proc/{pid}/status: {e}")));
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| fail("no VmRSS".into()))
}

/// CPU used by the server and by this process between two samples, and time each spent
/// waiting for a CPU, as fractions of the wall time.
struct CpuMeter {
    server: Option<String>,
    t0: Instant,
    /// (cpu, wait) seconds at the start.
    server0: (f64, f64),
    self0: (f64, f64),
}

fn cpu_and_wait(pid: &str) -> (f64, f64) {
    (cpu_secs(pid), wait_secs(pid))
}

impl CpuMeter {
    fn start(server_pid: Option<u32>) -> CpuMeter {
        let server = server_pid.map(|p| p.to_string());
        CpuMeter {
            server0: server.as_deref().map_or((0.0, 0.0), cpu_and_wait),
            self0: cpu_and_wait("self"),
            server,
            t0: Instant::now(),
        }
    }

    /// `work` is what was done between the samples: the server's share of a core varies
    /// with what else runs on a shared machine, its work per CPU-second much less.
    fn report(&self, work: u64) -> String {
        let wall = self.t0.elapsed().as_secs_f64();
        let share = |now: (f64, f64), then: (f64, f64)| ((now.0 - then.0) / wall, (now.1 - then.1) / wall);
        let (gen, gen_wait) = share(cpu_and_wait("self"), self.self0);
        let gen = format!("gen_cpu={gen:.3} gen_wait={gen_wait:.3}");
        match &self.server {
            Some(p) => {
                let (cpu, wait) = share(cpu_and_wait(p), self.server0);
                let per_cpu_s = if cpu > 0.0 { work as f64 / (cpu * wall) } else { 0.0 };
                format!("server_cpu={cpu:.3} server_wait={wait:.3} per_server_cpu_s={per_cpu_s:.0} {gen}")
            }
            None => gen,
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Warm-up, then the measured windows; returns the rate of `stats.done` in each.
fn measure(g: &mut Gen, a: &Args) -> (Vec<f64>, String) {
    g.run_until(Instant::now() + secs(a.warmup), &mut |_| false);
    let cpu = CpuMeter::start(a.server_pid);
    let done0 = g.stats.done;
    let mut rates = Vec::with_capacity(a.windows);
    for w in 0..a.windows {
        let (t0, n0) = (Instant::now(), g.stats.done);
        g.run_until(t0 + secs(a.secs), &mut |_| false);
        let n = g.stats.done - n0;
        if n == 0 {
            fail(format!("no progress in window {w}"));
        }
        rates.push(n as f64 / t0.elapsed().as_secs_f64());
    }
    (rates, cpu.report(g.stats.done - done0))
}

fn main() {
    let a = parse_args();
    let (role, len) = match a.mode {
        Mode::Echo => (Role::Echo, a.payload),
        Mode::Fanout => (Role::Sub, FANOUT_LEN),
        Mode::Idle | Mode::ConnectRate => (Role::Idle, 0),
    };
    let mut g = Gen {
        poll: Poll::new().unwrap_or_else(|e| fail(format!("poll: {e}"))),
        conns: Vec::new(),
        rbuf: vec![0; 256 * 1024],
        shape: Shape::new(role, len),
        stats: Stats { handshakes: 0, done: 0 },
        fanout: None,
        sending: true,
        depth: a.depth,
        host: a.host.clone(),
        path: a.path.clone(),
        addr: a.addr,
    };
    match a.mode {
        Mode::Echo => {
            // Each connection starts sending as soon as its handshake completes.
            g.open(a.conns, Role::Echo, a.inflight);
            let (rates, cpu) = measure(&mut g, &a);
            drain(&mut g, &|c| c.sent == c.recvd);
            println!(
                "RESULT status=ok mode=echo conns={} payload={} depth={} windows={} rates={} median={:.0} {cpu}",
                a.conns,
                a.payload,
                a.depth,
                a.windows,
                join(&rates),
                median(&rates)
            );
        }
        Mode::Fanout => {
            g.open(a.subs, Role::Sub, a.inflight);
            g.fanout = Some(Fanout { subs: a.subs as u64, acked: 0, counts: vec![0; FANOUT_WINDOW as usize] });
            g.open(1, Role::Pub, 1);
            let p = g.conns.len() - 1;
            g.conns[p].wbuf.reserve(FANOUT_WINDOW as usize * (FANOUT_LEN + 14));
            let (rates, cpu) = measure(&mut g, &a);
            let sent = g.conns[p].sent;
            drain(&mut g, &|c| c.role == Role::Pub || c.recvd == sent);
            println!(
                "RESULT status=ok mode=fanout subs={} windows={} updates={sent} rates={} median={:.0} {cpu}",
                a.subs,
                a.windows,
                join(&rates),
                median(&rates)
            );
        }
        Mode::Idle => {
            let pid = a.server_pid.unwrap_or_else(|| fail("idle needs --server-pid".into()));
            let before = rss_kib(pid);
            g.open(a.conns, Role::Idle, a.inflight);
            // Keeps polling while settling, so a connection the server drops is noticed.
            g.run_until(Instant::now() + secs(a.settle), &mut |_| false);
            let after = rss_kib(pid);
            println!(
                "RESULT status=ok mode=idle conns={} rss_before_kib={before} rss_after_kib={after} per_conn_bytes={:.0}",
                a.conns,
                (after as f64 - before as f64) * 1024.0 / a.conns as f64
            );
        }
        Mode::ConnectRate => {
            let cpu = CpuMeter::start(a.server_pid);
            let t0 = Instant::now();
            g.open(a.conns, Role::Idle, a.inflight);
            let rate = a.conns as f64 / t0.elapsed().as_secs_f64();
            println!(
                "RESULT status=ok mode=connect-rate conns={} inflight={} median={rate:.0} {}",
                a.conns,
                a.inflight,
                cpu.report(a.conns as u64)
            );
        }
    }
}

/// Stops sending and waits until every connection satisfies `settled`: whatever is still
/// missing then was lost.
fn drain(g: &mut Gen, settled: &dyn Fn(&Conn) -> bool) {
    g.sending = false;
    if !g.run_until(Instant::now() + DRAIN_TIMEOUT, &mut |g| g.conns.iter().all(settled)) {
        let missing = g.conns.iter().filter(|c| !settled(c)).count();
        fail(format!("{missing} connections still miss messages {DRAIN_TIMEOUT:?} after sending stopped"));
    }
}

fn join(v: &[f64]) -> String {
    v.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(",")
}
