//! The blocking driver: a WebSocket over any `std::io::Read + Write` socket, one
//! thread (or two, after [`WebSocket::split`]) per connection.
//!
//! ```no_run
//! use rfc6455_io::blocking;
//! let listener = std::net::TcpListener::bind("127.0.0.1:9001")?;
//! for stream in listener.incoming() {
//!     std::thread::spawn(move || -> Result<(), rfc6455_io::Error> {
//!         let mut ws = blocking::accept(stream?)?;
//!         while let Some(message) = ws.recv_owned()? {
//!             if message.is_data() {
//!                 ws.send(message)?;
//!             }
//!         }
//!         Ok(())
//!     });
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`connect`] takes `ws://` URLs, and `wss://` with the `rustls` feature: TLS on
//! rustls, the server's certificate checked against Mozilla's roots or the
//! configuration in `Options::tls`. A server that does TLS itself hands [`accept`] a
//! `rustls::StreamOwned` over its `TcpStream`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
#[cfg(feature = "rustls")]
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rfc6455::connection::{Config, Connection, Message as Borrowed, MessageKind, NoMasking};
use rfc6455::frame::CloseCode;
use rfc6455::{MaskKeySource, OsRandom};

use crate::handshake::{AcceptedRequest, ClientHandshake, ServerHandshake, ServerOutcome};
use crate::session::{self, ReadSide, Step, WriteSide};
use crate::url::WsUrl;
use crate::{Error, Message, Options};

/// A transport the blocking driver can bound in time: a read or write that waits
/// past the deadline returns `WouldBlock` or `TimedOut`.
pub trait Socket: Read + Write {
    /// Sets the read timeout (`None`: wait forever).
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// Sets the write timeout.
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// Ends our direction of the stream (TCP FIN, after TLS's `close_notify`) while
    /// the peer's stays open.
    fn shutdown_write(&mut self) -> io::Result<()>;
    /// A second handle on the same stream, for [`WebSocket::split`]; a transport
    /// that cannot have two (a TLS session) returns an error of kind `Unsupported`.
    fn try_clone(&self) -> io::Result<Self>
    where
        Self: Sized;
}

impl Socket for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
    fn try_clone(&self) -> io::Result<Self> {
        Self::try_clone(self)
    }
}

#[cfg(unix)]
impl Socket for std::os::unix::net::UnixStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_write_timeout(self, timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
    fn try_clone(&self) -> io::Result<Self> {
        Self::try_clone(self)
    }
}

/// TLS over another [`Socket`], either side: a server wraps its accepted
/// `TcpStream` in a `rustls::StreamOwned` and hands it to [`accept`]. Timeouts go to
/// the socket underneath. [`WebSocket::split`] is not available: one TLS session
/// cannot be driven through two handles, so `try_clone` fails.
#[cfg(feature = "rustls")]
impl<C, T, D> Socket for rustls::StreamOwned<C, T>
where
    C: DerefMut + Deref<Target = rustls::ConnectionCommon<D>>,
    T: Socket,
    D: rustls::SideData,
{
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_read_timeout(timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_write_timeout(timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        // Without close_notify the peer cannot tell our end from a cut connection.
        self.conn.send_close_notify();
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.sock)? == 0 {
                break;
            }
        }
        self.sock.shutdown_write()
    }
    fn try_clone(&self) -> io::Result<Self> {
        Err(no_split())
    }
}

#[cfg(feature = "rustls")]
fn no_split() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "a TLS session cannot be split between two handles",
    )
}

/// The transport of [`connect`]: TCP for `ws://`, TLS over TCP for `wss://` (feature
/// `rustls`). [`WebSocket::split`] works on the plain variant only: a TLS session
/// cannot be driven through two handles.
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTls {
    /// `ws://`: the TCP stream.
    Plain(TcpStream),
    /// `wss://`: rustls's client over the TCP stream (boxed: the session is large).
    #[cfg(feature = "rustls")]
    Rustls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl MaybeTls {
    /// The TCP stream underneath, for its addresses and socket options.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            MaybeTls::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => &tls.sock,
        }
    }
}

impl Read for MaybeTls {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            MaybeTls::Plain(tcp) => tcp.read(buf),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => match tls.read(buf) {
                // TCP ended without close_notify: a peer that crashed, or one that
                // skips it. The end of input it is, as over plain TCP: `read_eof`
                // makes it a 1006 Close unless the closing handshake was done, and no
                // truncation can forge a WebSocket Close.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            },
        }
    }
}

impl Write for MaybeTls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            MaybeTls::Plain(tcp) => tcp.write(buf),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => tls.write(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            MaybeTls::Plain(tcp) => tcp.write_vectored(bufs),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => tls.write_vectored(bufs),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            MaybeTls::Plain(tcp) => tcp.flush(),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => tls.flush(),
        }
    }
}

impl Socket for MaybeTls {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_read_timeout(timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_write_timeout(timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        match self {
            MaybeTls::Plain(tcp) => tcp.shutdown(Shutdown::Write),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => tls.shutdown_write(),
        }
    }
    fn try_clone(&self) -> io::Result<Self> {
        match self {
            MaybeTls::Plain(tcp) => tcp.try_clone().map(MaybeTls::Plain),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(_) => Err(no_split()),
        }
    }
}

/// Accepts a WebSocket on `io` with the default [`Options`].
pub fn accept<S: Socket>(io: S) -> Result<WebSocket<S>, Error> {
    accept_with(io, &Options::default()).map(|(ws, _)| ws)
}

/// Accepts a WebSocket on `io`: reads the request head (whole within
/// `handshake_timeout`, at most `head_limits`), answers 101 or the rejection the
/// request earned (400, 403, 426, 431, 505; then the error), and returns the
/// connection and what the request asked for.
pub fn accept_with<S: Socket>(
    io: S,
    options: &Options,
) -> Result<(WebSocket<S>, AcceptedRequest), Error> {
    accept_after(io, &[], options)
}

/// [`accept_with`] for a server that read the start of the request itself (to route
/// plain HTTP requests elsewhere, say): `prefix` are those bytes, the rest of the head
/// is read from `io` within what is left of `handshake_timeout`.
pub fn accept_after<S: Socket>(
    mut io: S,
    prefix: &[u8],
    options: &Options,
) -> Result<(WebSocket<S>, AcceptedRequest), Error> {
    let deadline = Instant::now() + options.handshake_timeout;
    let mut handshake = ServerHandshake::new(options);
    io.set_write_timeout(Some(options.handshake_timeout))?;
    let mut outcome = None;
    let mut fed = 0;
    while outcome.is_none() && fed < prefix.len() {
        let len = handshake.head.len();
        let buf = handshake.read_buf();
        let n = (prefix.len() - fed).min(buf.len());
        buf[..n].copy_from_slice(&prefix[fed..fed + n]);
        fed += n;
        outcome = handshake.filled(len, n, options);
    }
    let outcome = match outcome {
        Some(outcome) => outcome,
        None => loop {
            let len = handshake.head.len();
            let n = read_before(&mut io, handshake.read_buf(), deadline)?;
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
            if let Some(outcome) = handshake.filled(len, n, options) {
                break outcome;
            }
        },
    };
    match outcome {
        ServerOutcome::Accept {
            response,
            accepted,
            config,
            head_len,
        } => {
            io.write_all(&response)?;
            let ws = WebSocket::new(
                io,
                Connection::server(config),
                handshake.leftover(head_len),
                options,
            )?;
            Ok((ws, *accepted))
        }
        ServerOutcome::Reject { response, error } => {
            let _ = io.write_all(&response);
            let _ = io.flush();
            linger(&mut io);
            Err(error.into())
        }
    }
}

/// Connects to a `ws://host[:port]/path` URL, or `wss://` with the `rustls` feature,
/// with the default [`Options`]: see [`connect_with_options`].
pub fn connect(url: &str) -> Result<WebSocket<MaybeTls, OsRandom>, Error> {
    connect_with_options(url, &Options::default())
}

/// Connects to a `ws://` or (feature `rustls`) `wss://` URL: TCP to the first of the
/// host's addresses that answers, for `wss` a TLS handshake that sends the URL's host
/// (SNI) and checks the server's certificate for it against `Options::tls` or
/// Mozilla's roots, all within `handshake_timeout`; then the WebSocket handshake,
/// within a `handshake_timeout` of its own. Looking the host's name up is the
/// system's business and not bounded.
///
/// A TLS failure (an untrusted certificate, a name that does not match) is an
/// [`Error::Io`] of kind `InvalidData` carrying the `rustls::Error`. Without the
/// `rustls` feature a `wss://` URL is an [`Error::Url`].
pub fn connect_with_options(
    url: &str,
    options: &Options,
) -> Result<WebSocket<MaybeTls, OsRandom>, Error> {
    let parsed = WsUrl::parse(url)?;
    let io = open(&parsed, options)?;
    connect_with(io, url, options)
}

/// The transport for `url`, TLS done, within `handshake_timeout`.
fn open(url: &WsUrl, options: &Options) -> Result<MaybeTls, Error> {
    #[cfg(not(feature = "rustls"))]
    if url.secure {
        return Err(crate::tls::unsupported(url));
    }
    let deadline = Instant::now() + options.handshake_timeout;
    let tcp = connect_tcp(url, deadline)?;
    tcp.set_nodelay(true)?;
    #[cfg(feature = "rustls")]
    if url.secure {
        return tls_handshake(url, tcp, options, deadline);
    }
    Ok(MaybeTls::Plain(tcp))
}

fn connect_tcp(url: &WsUrl, deadline: Instant) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in url.socket_addr().to_socket_addrs()? {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::HandshakeTimeout);
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(tcp) => return Ok(tcp),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if is_timeout(&e) => Error::HandshakeTimeout,
        Some(e) => e.into(),
        None => io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any addresses",
        )
        .into(),
    })
}

/// Steps the TLS handshake by hand rather than with `complete_io`, which would give
/// each of its reads the whole time left: so `deadline` bounds the handshake.
#[cfg(feature = "rustls")]
fn tls_handshake(
    url: &WsUrl,
    mut tcp: TcpStream,
    options: &Options,
    deadline: Instant,
) -> Result<MaybeTls, Error> {
    let config = crate::tls::client_config(options)?;
    let mut tls = rustls::ClientConnection::new(config, crate::tls::server_name(url)?)
        .map_err(io::Error::other)?;
    while tls.is_handshaking() || tls.wants_write() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::HandshakeTimeout);
        }
        let step = if tls.wants_write() {
            tcp.set_write_timeout(Some(left))?;
            tls.write_tls(&mut tcp).map(drop)
        } else {
            tcp.set_read_timeout(Some(left))?;
            read_tls(&mut tls, &mut tcp)
        };
        match step {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(Error::HandshakeTimeout),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(MaybeTls::Rustls(Box::new(rustls::StreamOwned::new(
        tls, tcp,
    ))))
}

#[cfg(feature = "rustls")]
fn read_tls(tls: &mut rustls::ClientConnection, tcp: &mut TcpStream) -> io::Result<()> {
    if tls.read_tls(tcp)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    match tls.process_new_packets() {
        Ok(_) => Ok(()),
        Err(e) => {
            // The alert that tells the server why goes out before we give up.
            let _ = tls.write_tls(tcp);
            Err(io::Error::new(io::ErrorKind::InvalidData, e))
        }
    }
}

/// The client handshake for `url` over a transport the caller opened (TLS, a proxy,
/// a Unix socket): writes the request and checks the server's answer, within
/// `handshake_timeout`.
pub fn connect_with<S: Socket>(
    mut io: S,
    url: &str,
    options: &Options,
) -> Result<WebSocket<S, OsRandom>, Error> {
    let url = WsUrl::parse(url)?;
    let deadline = Instant::now() + options.handshake_timeout;
    let mut handshake = ClientHandshake::new(&url.host_header(), &url.resource, options);
    io.set_write_timeout(Some(options.handshake_timeout))?;
    io.write_all(&handshake.request()?)?;
    let outcome = loop {
        let len = handshake.head.len();
        let n = read_before(&mut io, handshake.read_buf(), deadline)?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
        }
        if let Some(outcome) = handshake.filled(len, n, options)? {
            break outcome;
        }
    };
    let conn = Connection::client(outcome.config, OsRandom::new());
    let mut ws = WebSocket::new(io, conn, handshake.leftover(outcome.head_len), options)?;
    ws.writer.protocol = outcome.protocol;
    Ok(ws)
}

/// The server side of a connection whose handshake an HTTP library did (an upgrade
/// on hyper or axum): `config` carries what it agreed to
/// (`Config::permessage_deflate`, from `rfc6455`'s `http` interop). The client side
/// is [`from_upgraded_client`]: the role is part of the type, since only a client
/// masks.
pub fn from_upgraded<S: Socket>(
    io: S,
    config: Config,
    options: &Options,
) -> Result<WebSocket<S>, Error> {
    WebSocket::new(io, Connection::server(config), &[], options)
}

/// The client side of a connection whose handshake something else did.
pub fn from_upgraded_client<S: Socket>(
    io: S,
    config: Config,
    options: &Options,
) -> Result<WebSocket<S, OsRandom>, Error> {
    WebSocket::new(
        io,
        Connection::client(config, OsRandom::new()),
        &[],
        options,
    )
}

/// Reads into `buf` unless `deadline` passes first.
fn read_before<S: Socket>(io: &mut S, buf: &mut [u8], deadline: Instant) -> Result<usize, Error> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::HandshakeTimeout);
    }
    io.set_read_timeout(Some(left))?;
    match io.read(buf) {
        Err(e) if is_timeout(&e) => Err(Error::HandshakeTimeout),
        other => Ok(other?),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Ends our side without losing what we wrote last: closing a socket with unread
/// bytes makes the kernel send RST, which can discard our last frame before the peer
/// reads it. So: FIN, then read (and drop) what still comes for a bounded moment.
fn linger<S: Socket>(io: &mut S) {
    let _ = io.shutdown_write();
    drain(io);
}

/// The second half of [`linger`], after the FIN.
fn drain<S: Socket>(io: &mut S) {
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if left.is_zero() || io.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match io.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// How long a closed connection keeps reading what the peer still sends.
const LINGER: Duration = Duration::from_secs(1);

/// A WebSocket connection over a blocking transport.
///
/// [`recv`](Self::recv) hands out a message borrowed from the connection's buffer
/// (no copy); [`recv_owned`](Self::recv_owned) an owned [`Message`]. Pongs, the
/// keepalive Ping and the Close echo are written as they come due, inside these calls:
/// keep calling `recv`, or [`split`](Self::split) and read on a thread of its own.
pub struct WebSocket<S, K: MaskKeySource = NoMasking> {
    writer: Writer<S, K>,
    read: ReadSide,
}

/// Everything but the receive buffers: what the two halves of a split share.
struct Writer<S, K: MaskKeySource> {
    io: S,
    conn: Connection<K>,
    write: WriteSide,
    protocol: Option<String>,
    /// The transport is closed on our side.
    finished: bool,
}

/// How the receive loop reaches the [`Writer`]: directly, or through the lock a split
/// connection shares, which it must not hold while it waits for input.
trait Access<S, K: MaskKeySource> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Writer<S, K>) -> R) -> R;
}

impl<S, K: MaskKeySource> Access<S, K> for Writer<S, K> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Writer<S, K>) -> R) -> R {
        f(self)
    }
}

impl<S, K: MaskKeySource> Access<S, K> for Arc<Mutex<Writer<S, K>>> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Writer<S, K>) -> R) -> R {
        // A thread that panicked while sending left nothing half-written that matters
        // more than going on: the protocol state is whole between calls.
        let mut writer = self.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut writer)
    }
}

/// Where the receive loop reads from while no lock is held: the split reader's own
/// handle, or (unsplit) the writer's stream, reached through `Access`.
enum Source<'a, S> {
    Own(&'a mut S),
    Shared,
}

/// The receive loop, once for both shapes: step the reader; flush what the step
/// queued (Pongs, the Close echo); when input is needed, run the timers and wait for
/// input no longer than they allow.
fn receive<S: Socket, K: MaskKeySource>(
    read: &mut ReadSide,
    access: &mut impl Access<S, K>,
    mut source: Source<'_, S>,
) -> Result<Option<session::Found>, Error> {
    loop {
        enum Next {
            Found(session::Found),
            Done,
            Read(Option<Duration>),
        }
        // Set when this round shut the transport: it is drained after the lock is
        // released, so that the other half is not held up for the linger.
        let mut shut = false;
        let mut shut_down = |w: &mut Writer<S, K>| shut |= w.close_transport();
        let next = access.with(|w| -> Result<Next, Error> {
            let step = read.step(&mut w.conn);
            w.write.drain_transmit(&mut w.conn);
            let step = match step {
                Ok(step) => step,
                Err(e) => {
                    let _ = w.flush();
                    shut_down(w);
                    return Err(e);
                }
            };
            match step {
                Step::Message(found) => {
                    w.flush()?;
                    if w.conn.should_close_transport() {
                        shut_down(w);
                    }
                    Ok(Next::Found(found))
                }
                Step::Done => {
                    let _ = w.flush();
                    shut_down(w);
                    Ok(Next::Done)
                }
                Step::NeedInput => {
                    w.flush()?;
                    if w.conn.should_close_transport() {
                        shut_down(w);
                    }
                    if w.finished {
                        read.ended = true;
                        return Ok(Next::Read(None));
                    }
                    let next = session::run_timers(&mut w.conn, read, &mut w.write);
                    w.flush()?;
                    let timeout = next.map(|at| {
                        at.saturating_duration_since(Instant::now())
                            .max(Duration::from_millis(1))
                    });
                    Ok(Next::Read(timeout))
                }
            }
        });
        if shut {
            match &mut source {
                Source::Own(io) => drain(*io),
                Source::Shared => access.with(|w| drain(&mut w.io)),
            }
        }
        let timeout = match next? {
            Next::Found(found) => return Ok(Some(found)),
            Next::Done => return Ok(None),
            Next::Read(_) if read.ended => continue,
            Next::Read(timeout) => timeout,
        };
        let result = match &mut source {
            Source::Own(io) => read_input(*io, read, timeout),
            Source::Shared => access.with(|w| read_input(&mut w.io, read, timeout)),
        };
        match result {
            Ok(0) => read.ended = true,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(e.into()),
        }
        access.with(|w| session::run_timers(&mut w.conn, read, &mut w.write));
    }
}

fn read_input<S: Socket>(
    io: &mut S,
    read: &mut ReadSide,
    timeout: Option<Duration>,
) -> io::Result<usize> {
    io.set_read_timeout(timeout)?;
    session::read_via_scratch(&mut read.input, |buf| match io.read(buf) {
        Ok(n) => Ok((n, ())),
        // wstest, among others, aborts with RST after the closing handshake: the
        // stream has ended all the same, and `read_eof` judges how.
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok((0, ())),
        Err(e) => Err(e),
    })
    .map(|(n, ())| n)
}

impl<S: Socket, K: MaskKeySource> Writer<S, K> {
    fn flush(&mut self) -> Result<(), Error> {
        while !self.write.output.is_empty() {
            match self.io.write(self.write.output.unwritten()) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => self.write.output.advance(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => return Err(Error::WriteTimeout),
                Err(e) => return Err(e.into()),
            }
        }
        self.io.flush()?;
        Ok(())
    }

    fn check_open(&mut self) -> Result<(), Error> {
        if self.finished {
            return Err(Error::Closed);
        }
        self.write.drain_transmit(&mut self.conn);
        Ok(())
    }

    fn send_data(&mut self, kind: MessageKind, payload: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        if let Some((header, n)) = self.write.header_only(&mut self.conn, kind, payload)? {
            // A server's frame is the payload as it is: header and payload in one
            // vectored write, no copy.
            return self.write_vectored(&header[..n], payload);
        }
        self.write.message(&mut self.conn, kind, payload)?;
        self.flush()
    }

    fn write_vectored(&mut self, header: &[u8], payload: &[u8]) -> Result<(), Error> {
        let (mut h, mut p) = (0, 0);
        while h < header.len() || p < payload.len() {
            let bufs = [
                io::IoSlice::new(&header[h..]),
                io::IoSlice::new(&payload[p..]),
            ];
            match self.io.write_vectored(&bufs) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => {
                    let from_header = n.min(header.len() - h);
                    h += from_header;
                    p += n - from_header;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => return Err(Error::WriteTimeout),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn send(&mut self, message: &Message) -> Result<(), Error> {
        match message {
            Message::Text(t) => self.send_data(MessageKind::Text, t.as_bytes()),
            Message::Binary(b) => self.send_data(MessageKind::Binary, b),
            Message::Ping(p) => self.control(false, p),
            Message::Pong(p) => self.control(true, p),
            Message::Close { code, reason } => self.send_close(*code, reason),
        }
    }

    fn fragment(&mut self, kind: MessageKind, payload: &[u8], last: bool) -> Result<(), Error> {
        self.check_open()?;
        self.write.fragment(&mut self.conn, kind, payload, last)?;
        self.flush()
    }

    fn control(&mut self, pong: bool, payload: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        self.write.control(&mut self.conn, pong, payload)?;
        self.flush()
    }

    fn send_close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.check_open()?;
        self.write.close(&mut self.conn, code, reason)?;
        self.flush()
    }

    /// Ends our direction of the transport, once; true when this call did, and the
    /// caller owes the transport its [`drain`].
    fn close_transport(&mut self) -> bool {
        if self.finished {
            return false;
        }
        self.finished = true;
        let _ = self.io.shutdown_write();
        true
    }
}

/// The send calls, the same on [`WebSocket`] and [`WriteHalf`].
macro_rules! send_methods {
    ($($with:tt)*) => {
        /// Sends a message: text and binary as whole data messages, Ping, Pong, or
        /// Close (which starts the closing handshake; `recv` then returns the peer's
        /// Close and `None`).
        pub fn send(&mut self, message: Message) -> Result<(), Error> {
            self.$($with)*(|w| w.send(&message))
        }

        /// Sends a text message.
        pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
            self.$($with)*(|w| w.send_data(MessageKind::Text, text.as_bytes()))
        }

        /// Sends a binary message.
        pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
            self.$($with)*(|w| w.send_data(MessageKind::Binary, data))
        }

        /// Sends one frame of a fragmented (streamed) message; `last` ends it. Other
        /// data messages are refused until then (`SendError::MessageInProgress`).
        pub fn send_fragment(&mut self, kind: MessageKind, payload: &[u8], last: bool) -> Result<(), Error> {
            self.$($with)*(|w| w.fragment(kind, payload, last))
        }

        /// Sends a Ping (at most 125 bytes); its Pong arrives through `recv`.
        pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
            self.$($with)*(|w| w.control(false, payload))
        }

        /// Sends an unsolicited Pong (a heartbeat that asks no answer, §5.5.3).
        pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
            self.$($with)*(|w| w.control(true, payload))
        }

        /// Writes whatever is still queued.
        pub fn flush(&mut self) -> Result<(), Error> {
            self.$($with)*(|w| w.flush())
        }
    };
}

impl<S: Socket, K: MaskKeySource> WebSocket<S, K> {
    fn new(io: S, conn: Connection<K>, leftover: &[u8], options: &Options) -> Result<Self, Error> {
        io.set_write_timeout(Some(options.write_timeout))?;
        let write = WriteSide::new(&conn);
        Ok(WebSocket {
            writer: Writer {
                io,
                conn,
                write,
                protocol: None,
                finished: false,
            },
            read: ReadSide::new(leftover),
        })
    }

    fn with_writer<R>(&mut self, f: impl FnOnce(&mut Writer<S, K>) -> R) -> R {
        f(&mut self.writer)
    }

    /// The next message, borrowed from the connection's buffer until the next call;
    /// `None` once the connection is over (after its Close was handed out).
    ///
    /// A protocol error is returned once, after the connection sent its Close for it;
    /// a peer that falls silent past the keepalive deadline, or does not finish the
    /// closing handshake in time, ends in a 1006 Close.
    pub fn recv(&mut self) -> Result<Option<Borrowed<'_>>, Error> {
        let found = receive(&mut self.read, &mut self.writer, Source::Shared)?;
        Ok(found.map(|found| self.read.message(&found)))
    }

    /// The next message, owned.
    pub fn recv_owned(&mut self) -> Result<Option<Message>, Error> {
        Ok(self.recv()?.map(Message::from_borrowed))
    }

    send_methods!(with_writer);

    /// Closes the connection: sends our Close and reads (dropping data messages) until
    /// the peer's Close arrives or the close timeout passes, then closes the
    /// transport. Returns the peer's Close code (1006 if none came).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<CloseCode, Error> {
        self.writer.send_close(code, reason)?;
        let mut answer = CloseCode::ABNORMAL;
        while let Some(message) = self.recv()? {
            if let Borrowed::Close { code, .. } = message {
                answer = code;
            }
        }
        Ok(answer)
    }

    /// Two halves for two threads: the reader receives (and answers Pings through the
    /// shared send queue), the writer sends.
    pub fn split(self) -> Result<Halves<S, K>, Error> {
        let io = self.writer.io.try_clone()?;
        let shared = Arc::new(Mutex::new(self.writer));
        Ok((
            ReadHalf {
                io,
                read: self.read,
                shared: Arc::clone(&shared),
            },
            WriteHalf { shared },
        ))
    }

    /// The subprotocol the handshake agreed to.
    pub fn protocol(&self) -> Option<&str> {
        self.writer.protocol.as_deref()
    }

    /// The round trip of the last keepalive Ping.
    pub fn latency(&self) -> Option<Duration> {
        self.writer.conn.latency()
    }

    /// The protocol state machine, for what this driver does not wrap.
    pub fn connection(&self) -> &Connection<K> {
        &self.writer.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        &self.writer.io
    }

    /// Bytes this connection holds in its read and write buffers now.
    pub fn buffered(&self) -> usize {
        self.read.input.capacity() + self.writer.write.output.len()
    }
}

/// What [`WebSocket::split`] returns.
pub type Halves<S, K> = (ReadHalf<S, K>, WriteHalf<S, K>);

/// The receiving half of a [`WebSocket::split`].
pub struct ReadHalf<S, K: MaskKeySource = NoMasking> {
    io: S,
    read: ReadSide,
    shared: Arc<Mutex<Writer<S, K>>>,
}

impl<S: Socket, K: MaskKeySource> ReadHalf<S, K> {
    /// The next message, borrowed (see [`WebSocket::recv`]).
    pub fn recv(&mut self) -> Result<Option<Borrowed<'_>>, Error> {
        let found = receive(&mut self.read, &mut self.shared, Source::Own(&mut self.io))?;
        Ok(found.map(|found| self.read.message(&found)))
    }

    /// The next message, owned.
    pub fn recv_owned(&mut self) -> Result<Option<Message>, Error> {
        Ok(self.recv()?.map(Message::from_borrowed))
    }
}

/// The sending half of a [`WebSocket::split`].
pub struct WriteHalf<S, K: MaskKeySource = NoMasking> {
    shared: Arc<Mutex<Writer<S, K>>>,
}

impl<S: Socket, K: MaskKeySource> WriteHalf<S, K> {
    fn with_shared<R>(&mut self, f: impl FnOnce(&mut Writer<S, K>) -> R) -> R {
        self.shared.with(f)
    }

    send_methods!(with_shared);

    /// Starts the closing handshake; the reading half sees the peer's Close, then
    /// `None`.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.with_shared(|w| w.send_close(code, reason))
    }
}
