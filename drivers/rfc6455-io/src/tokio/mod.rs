//! The tokio driver: a WebSocket over any `AsyncRead + AsyncWrite` stream, with the
//! vocabulary of [`blocking`](crate::blocking) made async, [`Stream`] and [`Sink`]
//! of owned [`Message`]s, and [`split`](WebSocket::split) into halves for two tasks.
//!
//! ```no_run
//! # async fn serve() -> Result<(), rfc6455_io::Error> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     tokio::spawn(async move {
//!         let mut ws = rfc6455_io::tokio::accept(stream).await?;
//!         while let Some(message) = ws.recv_owned().await? {
//!             if message.is_data() {
//!                 ws.send(message).await?;
//!             }
//!         }
//!         Ok::<(), rfc6455_io::Error>(())
//!     });
//! }
//! # }
//! ```
//!
//! **Cancel safety.** Every async method keeps its state in the connection, not in
//! its future: dropping a `recv` future (in `tokio::select!`, under a timeout) loses
//! no bytes and no message, the next call goes on where it stopped. A send future
//! dropped before its message was queued sent nothing; dropped after, the message
//! is queued whole and goes out with the next send, flush or receive. Each method's
//! documentation says which.
//!
//! [`connect`] takes `ws://` URLs, and `wss://` with the `rustls` feature: TLS on
//! tokio-rustls, the server's certificate checked against Mozilla's roots or the
//! configuration in `Options::tls`. A server that does TLS itself hands [`accept`] the
//! stream of a `tokio_rustls::TlsAcceptor`.
//!
//! [`Stream`]: futures_core::Stream
//! [`Sink`]: futures_sink::Sink

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::time::{timeout, timeout_at};
use rfc6455::connection::{Config, Connection, Message as Borrowed, MessageKind, NoMasking};
use rfc6455::frame::CloseCode;
use rfc6455::{MaskKeySource, OsRandom};

use crate::handshake::{AcceptedRequest, ClientHandshake, ServerHandshake, ServerOutcome};
use crate::session::Found;
use crate::url::WsUrl;
use crate::{Error, Message, Options};

mod maybe_tls;
mod poll;
mod stream;

pub use maybe_tls::MaybeTls;

use poll::{Access, Core, Reader, Timer, LINGER, WRITER};

/// Accepts a WebSocket on `io` with the default [`Options`].
///
/// Not cancel-safe: dropped midway, the handshake is lost with the stream.
pub async fn accept<S>(io: S) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    accept_with(io, &Options::default()).await.map(|(ws, _)| ws)
}

/// Accepts a WebSocket on `io`: reads the request head (whole within
/// `handshake_timeout`, at most `head_limits`), answers 101 or the rejection the
/// request earned (400, 403, 426, 431, 505: written, the stream shut down, then the
/// error), and returns the connection and what the request asked for.
///
/// Not cancel-safe: dropped midway, the handshake is lost with the stream.
pub async fn accept_with<S>(
    io: S,
    options: &Options,
) -> Result<(WebSocket<S>, AcceptedRequest), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    accept_after(io, &[], options).await
}

/// [`accept_with`] for a server that read the start of the request itself (to route
/// plain HTTP requests elsewhere, say): `prefix` are those bytes, the rest of the head
/// is read from `io` within what is left of `handshake_timeout`.
///
/// Not cancel-safe: dropped midway, the handshake is lost with the stream.
pub async fn accept_after<S>(
    io: S,
    prefix: &[u8],
    options: &Options,
) -> Result<(WebSocket<S>, AcceptedRequest), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // Boxed: the head buffer and the parser would otherwise stay in the size of every
    // connection's task for the life of the connection.
    Box::pin(server_handshake(io, prefix, options)).await
}

async fn server_handshake<S>(
    mut io: S,
    prefix: &[u8],
    options: &Options,
) -> Result<(WebSocket<S>, AcceptedRequest), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = ::tokio::time::Instant::now() + options.handshake_timeout;
    let mut handshake = ServerHandshake::new(options);
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
    let head = async {
        if let Some(outcome) = outcome {
            return Ok(outcome);
        }
        loop {
            let len = handshake.head.len();
            let n = io.read(handshake.read_buf()).await?;
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
            if let Some(outcome) = handshake.filled(len, n, options) {
                return Ok::<_, Error>(outcome);
            }
        }
    };
    let outcome = timeout_at(deadline, head)
        .await
        .map_err(|_| Error::HandshakeTimeout)??;
    match outcome {
        ServerOutcome::Accept {
            response,
            accepted,
            config,
            head_len,
        } => {
            timeout_at(deadline, io.write_all(&response))
                .await
                .map_err(|_| Error::HandshakeTimeout)??;
            let conn = Connection::server(config);
            let ws = WebSocket::new(io, conn, handshake.leftover(head_len), options);
            Ok((ws, *accepted))
        }
        ServerOutcome::Reject { response, error } => {
            let _ = timeout_at(deadline, io.write_all(&response)).await;
            let _ = timeout_at(deadline, io.shutdown()).await;
            linger(&mut io).await;
            Err(error.into())
        }
    }
}

/// Closing a socket with unread bytes makes the kernel send RST, which can discard
/// our answer before the peer reads it: so read what still comes, for a moment.
async fn linger<S: AsyncRead + Unpin>(io: &mut S) {
    let drain = async {
        let mut sink = [0u8; 512];
        while let Ok(1..) = io.read(&mut sink).await {}
    };
    let _ = timeout(LINGER, drain).await;
}

/// Connects to a `ws://host[:port]/path` URL, or `wss://` with the `rustls` feature,
/// with the default [`Options`]: see [`connect_with_options`].
///
/// Not cancel-safe: dropped midway, the connection is lost.
pub async fn connect(url: &str) -> Result<WebSocket<MaybeTls, OsRandom>, Error> {
    connect_with_options(url, &Options::default()).await
}

/// Connects to a `ws://` or (feature `rustls`) `wss://` URL: TCP to the host, for
/// `wss` a TLS handshake that sends the URL's host (SNI) and checks the server's
/// certificate for it against `Options::tls` or Mozilla's roots, all within
/// `handshake_timeout`; then the WebSocket handshake, within a `handshake_timeout` of
/// its own.
///
/// A TLS failure (an untrusted certificate, a name that does not match) is an
/// [`Error::Io`] of kind `InvalidData` carrying the `rustls::Error`. Without the
/// `rustls` feature a `wss://` URL is an [`Error::Url`].
///
/// Not cancel-safe: dropped midway, the connection is lost.
pub async fn connect_with_options(
    url: &str,
    options: &Options,
) -> Result<WebSocket<MaybeTls, OsRandom>, Error> {
    let parsed = WsUrl::parse(url)?;
    let io = maybe_tls::open(&parsed, options).await?;
    connect_with(io, url, options).await
}

/// The client handshake for `url` over a stream the caller opened (TLS, a proxy, a
/// Unix socket): writes the request and checks the server's answer, all within
/// `handshake_timeout`.
///
/// Not cancel-safe: dropped midway, the handshake is lost with the stream.
pub async fn connect_with<S>(
    io: S,
    url: &str,
    options: &Options,
) -> Result<WebSocket<S, OsRandom>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    Box::pin(client_handshake(io, url, options)).await
}

async fn client_handshake<S>(
    mut io: S,
    url: &str,
    options: &Options,
) -> Result<WebSocket<S, OsRandom>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let url = WsUrl::parse(url)?;
    let mut handshake = ClientHandshake::new(&url.host_header(), &url.resource, options);
    let request = handshake.request()?;
    let exchange = async {
        io.write_all(&request).await?;
        loop {
            let len = handshake.head.len();
            let n = io.read(handshake.read_buf()).await?;
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
            if let Some(outcome) = handshake.filled(len, n, options)? {
                return Ok::<_, Error>(outcome);
            }
        }
    };
    let outcome = timeout(options.handshake_timeout, exchange)
        .await
        .map_err(|_| Error::HandshakeTimeout)??;
    let conn = Connection::client(outcome.config, OsRandom::new());
    let mut ws = WebSocket::new(io, conn, handshake.leftover(outcome.head_len), options);
    ws.core.protocol = outcome.protocol;
    Ok(ws)
}

/// The server side of a connection whose handshake an HTTP library did (an upgrade
/// on hyper or axum): `config` carries what it agreed to
/// (`Config::permessage_deflate`, from `rfc6455`'s `http` interop). The client side
/// is [`from_upgraded_client`]: the role is part of the type, since only a client
/// masks.
pub fn from_upgraded<S>(io: S, config: Config, options: &Options) -> WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    WebSocket::new(io, Connection::server(config), &[], options)
}

/// The client side of a connection whose handshake something else did.
pub fn from_upgraded_client<S>(io: S, config: Config, options: &Options) -> WebSocket<S, OsRandom>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    WebSocket::new(
        io,
        Connection::client(config, OsRandom::new()),
        &[],
        options,
    )
}

/// A WebSocket connection over a tokio stream.
///
/// [`recv`](Self::recv) hands out a message borrowed from the connection's buffer
/// (no copy); [`recv_owned`](Self::recv_owned) an owned [`Message`]. Pongs, the
/// keepalive Ping and the Close echo are written inside these calls: keep receiving
/// (or [`split`](Self::split) and receive on a task of its own). As a
/// [`Stream`](futures_core::Stream) it yields owned messages, ending after the Close;
/// as a [`Sink`](futures_sink::Sink) it takes them, waiting while more than
/// `write_buffer_limit` bytes are queued.
pub struct WebSocket<S, K: MaskKeySource = NoMasking> {
    core: Core<S, K>,
    reader: Reader,
}

/// The send methods, once for the whole connection and once for its write half.
macro_rules! sends {
    ($io:ty) => {
        /// Sends a message: text and binary as whole data messages, Ping, Pong, or
        /// Close (which starts the closing handshake); waits until the transport took
        /// it.
        ///
        /// Cancel safety: dropped while waiting for room in the queue, nothing was
        /// sent; dropped later, the message is queued whole and goes out with the next
        /// write.
        pub async fn send(&mut self, message: Message) -> Result<(), Error> {
            match &message {
                Message::Text(t) => self.send_data(MessageKind::Text, t.as_bytes()).await,
                Message::Binary(b) => self.send_data(MessageKind::Binary, b).await,
                other => self.send_with(|c| c.queue(other)).await,
            }
        }

        /// Sends a text message; cancel safety as [`send`](Self::send).
        pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
            self.send_data(MessageKind::Text, text.as_bytes()).await
        }

        /// Sends a binary message; cancel safety as [`send`](Self::send).
        pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
            self.send_data(MessageKind::Binary, data).await
        }

        /// Sends a Ping (at most 125 bytes); its Pong arrives through the receive
        /// side. Cancel safety as [`send`](Self::send).
        pub async fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
            self.send_with(|c| c.write.control(&mut c.conn, false, payload))
                .await
        }

        /// Sends an unsolicited Pong (a heartbeat that asks no answer). Cancel safety
        /// as [`send`](Self::send).
        pub async fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
            self.send_with(|c| c.write.control(&mut c.conn, true, payload))
                .await
        }

        /// Sends one frame of a fragmented (streamed) message; `last` ends the
        /// message. Other data messages wait until it is finished
        /// (`SendError::MessageInProgress`). Cancel safety as [`send`](Self::send).
        pub async fn send_fragment(
            &mut self,
            kind: MessageKind,
            payload: &[u8],
            last: bool,
        ) -> Result<(), Error> {
            self.send_with(|c| c.write.fragment(&mut c.conn, kind, payload, last))
                .await
        }

        /// Writes everything queued; fails with [`Error::WriteTimeout`] when the
        /// transport takes nothing for `write_timeout`. Cancel-safe: what is queued
        /// stays queued.
        pub async fn flush(&mut self) -> Result<(), Error> {
            let (core, timer, who) = self.parts();
            poll_fn(|cx| poll::poll_flush(core, timer, cx, who)).await
        }

        async fn send_data(&mut self, kind: MessageKind, payload: &[u8]) -> Result<(), Error> {
            let (core, timer, who) = self.parts();
            poll_fn(|cx| poll::poll_ready(core, timer, cx, who)).await?;
            poll_fn(|cx| Poll::Ready(core.with(|c| c.send_now(cx, kind, payload)))).await?;
            poll_fn(|cx| poll::poll_flush(core, timer, cx, who)).await
        }

        async fn send_with(
            &mut self,
            queue: impl FnOnce(&mut Core<$io, K>) -> Result<(), Error>,
        ) -> Result<(), Error> {
            let (core, timer, who) = self.parts();
            poll_fn(|cx| poll::poll_ready(core, timer, cx, who)).await?;
            core.with(|c| {
                c.check_open()?;
                queue(c)
            })?;
            poll_fn(|cx| poll::poll_flush(core, timer, cx, who)).await
        }
    };
}

impl<S, K> WebSocket<S, K>
where
    S: AsyncRead + AsyncWrite + Unpin,
    K: MaskKeySource,
{
    fn new(io: S, conn: Connection<K>, leftover: &[u8], options: &Options) -> Self {
        WebSocket {
            core: Core::new(io, conn, options),
            reader: Reader::new(leftover),
        }
    }

    fn parts(&mut self) -> (&mut Core<S, K>, &mut Timer, usize) {
        (&mut self.core, &mut self.reader.timer, WRITER)
    }

    fn poll_found(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Found>, Error>> {
        self.reader.poll_found(cx, &mut self.core, |cx, core, buf| {
            Pin::new(&mut core.io).poll_read(cx, buf)
        })
    }

    /// The next message, borrowed from the connection's buffer until the next call;
    /// `None` once the connection is over (after the Close was handed out). A
    /// protocol error is returned once, after the connection sent its Close for it.
    ///
    /// Before `None` or the error, the stream is shut down on our side and what the
    /// peer still sends is read and dropped, until its end of stream or for a second
    /// at most: a socket closed with unread bytes is reset, and the reset can discard
    /// our Close before the peer reads it.
    ///
    /// Cancel-safe: the bytes of a message not yet whole stay in the connection.
    pub async fn recv(&mut self) -> Result<Option<Borrowed<'_>>, Error> {
        let found = poll_fn(|cx| self.poll_found(cx)).await?;
        Ok(found.map(|found| self.reader.read.message(&found)))
    }

    /// The next message, owned. Cancel-safe, as [`recv`](Self::recv).
    pub async fn recv_owned(&mut self) -> Result<Option<Message>, Error> {
        Ok(self.recv().await?.map(Message::from_borrowed))
    }

    sends!(S);

    /// Closes the connection: sends our Close and receives (dropping data messages)
    /// until the peer's Close arrives or the close timeout passes; then shuts the
    /// stream down and drains it as [`recv`](Self::recv) does. Returns the peer's
    /// Close code (1006 if it never came).
    ///
    /// Cancel safety: dropped after the Close was queued, the closing handshake goes
    /// on in the next `recv` calls.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<CloseCode, Error> {
        self.send_with(|c| c.write.close(&mut c.conn, code, reason))
            .await?;
        let mut answer = CloseCode::ABNORMAL;
        while let Some(message) = self.recv().await? {
            if let Borrowed::Close { code, .. } = message {
                answer = code;
            }
        }
        Ok(answer)
    }

    /// Splits the connection into a receiving and a sending half, for two tasks. The
    /// reader answers Pings and the peer's Close through the shared send queue, and
    /// writes them itself while the writer is idle: keep it receiving.
    pub fn split(self) -> (ReadHalf<S, K>, WriteHalf<S, K>) {
        let (core, read_io) = self.core.split_io(::tokio::io::split);
        let shared = Arc::new(Mutex::new(core));
        let reader = ReadHalf {
            io: read_io,
            reader: self.reader,
            shared: Arc::clone(&shared),
        };
        let writer = WriteHalf {
            shared,
            timer: Timer::default(),
        };
        (reader, writer)
    }

    /// The subprotocol the handshake agreed to.
    pub fn protocol(&self) -> Option<&str> {
        self.core.protocol.as_deref()
    }

    /// The round trip of the last keepalive Ping.
    pub fn latency(&self) -> Option<Duration> {
        self.core.conn.latency()
    }

    /// The protocol state machine, for what this driver does not wrap.
    pub fn connection(&self) -> &Connection<K> {
        &self.core.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        &self.core.io
    }

    /// Bytes this connection holds in its buffers now (read and output), for memory
    /// accounting.
    pub fn buffered(&self) -> usize {
        self.reader.read.input.capacity() + self.core.write.output.len()
    }
}

/// What the halves of a split connection share: the protocol state and the send side.
type Shared<S, K> = Arc<Mutex<Core<::tokio::io::WriteHalf<S>, K>>>;

/// The receiving half of a [`split`](WebSocket::split) connection.
pub struct ReadHalf<S, K: MaskKeySource = NoMasking> {
    io: ::tokio::io::ReadHalf<S>,
    reader: Reader,
    shared: Shared<S, K>,
}

impl<S, K> ReadHalf<S, K>
where
    S: AsyncRead + AsyncWrite,
    K: MaskKeySource,
{
    fn poll_found(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Found>, Error>> {
        let ReadHalf { io, reader, shared } = self;
        shared.with(|core| {
            reader.poll_found(cx, core, |cx, _, buf| Pin::new(&mut *io).poll_read(cx, buf))
        })
    }

    /// The next message, borrowed until the next call; `None` after the Close.
    /// Cancel-safe, as [`WebSocket::recv`].
    pub async fn recv(&mut self) -> Result<Option<Borrowed<'_>>, Error> {
        let found = poll_fn(|cx| self.poll_found(cx)).await?;
        Ok(found.map(|found| self.reader.read.message(&found)))
    }

    /// The next message, owned. Cancel-safe, as [`WebSocket::recv`].
    pub async fn recv_owned(&mut self) -> Result<Option<Message>, Error> {
        Ok(self.recv().await?.map(Message::from_borrowed))
    }
}

/// The sending half of a [`split`](WebSocket::split) connection.
pub struct WriteHalf<S, K: MaskKeySource = NoMasking> {
    shared: Arc<Mutex<Core<::tokio::io::WriteHalf<S>, K>>>,
    timer: Timer,
}

impl<S, K> WriteHalf<S, K>
where
    S: AsyncRead + AsyncWrite,
    K: MaskKeySource,
{
    fn parts(&mut self) -> (&mut Shared<S, K>, &mut Timer, usize) {
        (&mut self.shared, &mut self.timer, WRITER)
    }

    sends!(::tokio::io::WriteHalf<S>);

    /// Sends our Close and waits until it is written. The read half receives the
    /// peer's answer (or the close timeout's 1006) and then shuts the stream down:
    /// keep it receiving. Cancel safety as [`send`](Self::send).
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.send_with(|c| c.write.close(&mut c.conn, code, reason))
            .await
    }
}

/// A found message as the `Stream` item, for the whole connection and the read half.
fn owned(
    found: Poll<Result<Option<Found>, Error>>,
    reader: &Reader,
) -> Poll<Option<Result<Message, Error>>> {
    Poll::Ready(match ready!(found) {
        Ok(Some(found)) => Some(Ok(Message::from_borrowed(reader.read.message(&found)))),
        Ok(None) => None,
        Err(e) => Some(Err(e)),
    })
}
