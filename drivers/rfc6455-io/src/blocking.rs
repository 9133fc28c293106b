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

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
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
    /// Ends our direction of the stream (TCP FIN) while the peer's stays open.
    fn shutdown_write(&self) -> io::Result<()>;
}

impl Socket for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
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
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
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
    mut io: S,
    options: &Options,
) -> Result<(WebSocket<S>, AcceptedRequest), Error> {
    let deadline = Instant::now() + options.handshake_timeout;
    let mut handshake = ServerHandshake::new(options);
    io.set_write_timeout(Some(options.handshake_timeout))?;
    let outcome = loop {
        let len = handshake.head.len();
        let n = read_before(&mut io, handshake.read_buf(), deadline)?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
        }
        if let Some(outcome) = handshake.filled(len, n, options) {
            break outcome;
        }
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

/// Connects to a `ws://host[:port]/path` URL over TCP with the default [`Options`].
pub fn connect(url: &str) -> Result<WebSocket<TcpStream, OsRandom>, Error> {
    let url = WsUrl::parse(url)?;
    let io = TcpStream::connect(url.socket_addr())?;
    io.set_nodelay(true)?;
    connect_with(io, &url.to_string(), &Options::default())
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
    ws.protocol = outcome.protocol;
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
/// keep calling `recv` (or [`split`](Self::split) and read on a thread of its own).
pub struct WebSocket<S, K: MaskKeySource = NoMasking> {
    io: S,
    conn: Connection<K>,
    read: ReadSide,
    write: WriteSide,
    protocol: Option<String>,
    /// The transport is closed on our side.
    finished: bool,
}

impl<S: Socket, K: MaskKeySource> WebSocket<S, K> {
    fn new(io: S, conn: Connection<K>, leftover: &[u8], options: &Options) -> Result<Self, Error> {
        io.set_write_timeout(Some(options.write_timeout))?;
        let write = WriteSide::new(&conn);
        Ok(WebSocket {
            io,
            conn,
            read: ReadSide::new(leftover),
            write,
            protocol: None,
            finished: false,
        })
    }

    /// The next message, borrowed from the connection's buffer until the next call;
    /// `None` once the connection is over (after the Close was handed out).
    ///
    /// A protocol error is returned once, after the connection sent its Close for it.
    pub fn recv(&mut self) -> Result<Option<Borrowed<'_>>, Error> {
        let found = loop {
            let step = self.read.step(&mut self.conn);
            self.write.drain_transmit(&mut self.conn);
            match step {
                Ok(Step::Message(found)) => break found,
                Ok(Step::Done) => {
                    self.finish()?;
                    return Ok(None);
                }
                Ok(Step::NeedInput) => self.fill()?,
                Err(e) => {
                    let _ = self.flush();
                    self.close_transport();
                    return Err(e);
                }
            }
        };
        self.flush()?;
        if self.conn.should_close_transport() {
            self.close_transport();
        }
        Ok(Some(self.read.message(&found)))
    }

    /// The next message, owned.
    pub fn recv_owned(&mut self) -> Result<Option<Message>, Error> {
        Ok(self.recv()?.map(Message::from_borrowed))
    }

    /// Waits for input (bounded by the timers), flushing what is queued first.
    fn fill(&mut self) -> Result<(), Error> {
        self.flush()?;
        if self.conn.should_close_transport() {
            self.close_transport();
        }
        if self.finished {
            self.read.ended = true;
            return Ok(());
        }
        let next = session::run_timers(&mut self.conn, &mut self.read, &mut self.write);
        if !self.write.output.is_empty() {
            return Ok(());
        }
        let timeout = next.map(|at| {
            at.saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        });
        self.io.set_read_timeout(timeout)?;
        let io = &mut self.io;
        let read = session::read_via_scratch(&mut self.read.input, |buf| match io.read(buf) {
            Ok(n) => Ok((n, ())),
            // wstest, among others, aborts with RST after the closing handshake: the
            // stream has ended all the same, and `read_eof` judges how.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok((0, ())),
            Err(e) => Err(e),
        });
        match read {
            Ok((0, ())) => self.read.ended = true,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(e.into()),
        }
        session::run_timers(&mut self.conn, &mut self.read, &mut self.write);
        Ok(())
    }

    /// Writes everything queued.
    pub fn flush(&mut self) -> Result<(), Error> {
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

    /// Sends a message: text and binary as whole data messages, Ping, Pong, or Close
    /// (which starts the closing handshake; see [`close`](Self::close)).
    pub fn send(&mut self, message: Message) -> Result<(), Error> {
        match message {
            Message::Text(t) => self.send_text(&t),
            Message::Binary(b) => self.send_binary(&b),
            Message::Ping(p) => self.send_ping(&p),
            Message::Pong(p) => self.send_pong(&p),
            Message::Close { code, reason } => self.send_close(code, &reason),
        }
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_data(MessageKind::Text, text.as_bytes())
    }

    /// Sends a binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_data(MessageKind::Binary, data)
    }

    fn send_data(&mut self, kind: MessageKind, payload: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        self.write.drain_transmit(&mut self.conn);
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

    /// Sends one frame of a fragmented (streamed) message; `last` ends the message.
    /// Other data messages wait until it is finished (`SendError::MessageInProgress`).
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
    ) -> Result<(), Error> {
        self.check_open()?;
        self.write.drain_transmit(&mut self.conn);
        self.write.fragment(&mut self.conn, kind, payload, last)?;
        self.flush()
    }

    /// Sends a Ping (at most 125 bytes); its Pong arrives through `recv`.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        self.write.drain_transmit(&mut self.conn);
        self.write.control(&mut self.conn, false, payload)?;
        self.flush()
    }

    /// Sends an unsolicited Pong (a heartbeat that asks no answer).
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        self.write.drain_transmit(&mut self.conn);
        self.write.control(&mut self.conn, true, payload)?;
        self.flush()
    }

    fn send_close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.check_open()?;
        self.write.drain_transmit(&mut self.conn);
        self.write.close(&mut self.conn, code, reason)?;
        self.flush()
    }

    /// Closes the connection: sends our Close and reads (dropping data messages) until
    /// the peer's Close arrives, or the close timeout passes; then closes the
    /// transport. Returns the peer's Close code (1006 if it never came).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<CloseCode, Error> {
        self.send_close(code, reason)?;
        let mut answer = CloseCode::ABNORMAL;
        while let Some(message) = self.recv()? {
            if let Borrowed::Close { code, .. } = message {
                answer = code;
            }
        }
        Ok(answer)
    }

    fn check_open(&self) -> Result<(), Error> {
        if self.finished {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// After the Close was handed out: finish the closing handshake on the transport.
    fn finish(&mut self) -> Result<(), Error> {
        if !self.finished {
            let _ = self.flush();
            self.close_transport();
        }
        Ok(())
    }

    fn close_transport(&mut self) {
        if !self.finished {
            self.finished = true;
            linger(&mut self.io);
        }
    }

    /// The subprotocol the handshake agreed to.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The round trip of the last keepalive Ping.
    pub fn latency(&self) -> Option<Duration> {
        self.conn.latency()
    }

    /// The protocol state machine, for what this driver does not wrap.
    pub fn connection(&self) -> &Connection<K> {
        &self.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// Bytes this connection holds in its buffers now (read, reassembly and output),
    /// for memory accounting.
    pub fn buffered(&self) -> usize {
        self.read.input.capacity() + self.write.output.len()
    }
}
