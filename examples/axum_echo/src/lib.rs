//! What the echo server, the HTTP/2 client and the tests share: the WebSocket side of
//! hyper's upgrade through the crate's `http` feature, and a small async loop that drives
//! `rfc6455::connection::Connection` over the upgraded IO (read, drain, write), with
//! permessage-deflate when the handshake agreed on it.

use std::io;

use bytes::Bytes;
use http::{Request, Response, Version};
use http_body_util::Empty;
use hyper::ext::Protocol;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455::connection::{Config, Connection, Message, MessageKind, MessageReader, NoMasking};
use rfc6455::extensions::deflate::{DeflateConfig, DeflateParams, DeflateSender};
use rfc6455::frame::CloseCode;
use rfc6455::handshake::{
    random_nonce, AcceptResponse, ClientRequest, HandshakeRequest, HandshakeResponse,
};
use rfc6455::{MaskKeySource, OsRandom};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest message echoed: the interop peers send 1 MiB.
const MAX_MESSAGE: u64 = 64 << 20;

/// A message with owned data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

/// The server's side of an upgrade, for any hyper-based stack (axum included): validates
/// the request, HTTP/1.1 Upgrade or HTTP/2 extended CONNECT alike, negotiates
/// permessage-deflate, and once hyper hands over the IO echoes every message on it. The
/// response is what to answer with: 101, 200, or the rejection the error names.
pub fn accept_echo<B>(request: &mut Request<B>) -> Response<()> {
    let on_upgrade = hyper::upgrade::on(&mut *request);
    let handshake = match HandshakeRequest::from_http::<Protocol, _>(request) {
        Ok(handshake) => handshake,
        Err(e) => return e.to_http(request.version()),
    };
    let deflate = DeflateConfig::default().accept(handshake.extensions());
    let answer = deflate.map(|p| p.response());
    let answers: Vec<&str> = answer.iter().map(|a| a.as_str()).collect();
    let response = match AcceptResponse::new(&handshake)
        .extensions(&answers)
        .to_http()
    {
        Ok(response) => response,
        Err(e) => {
            eprintln!("cannot answer: {e}");
            return Response::builder().status(500).body(()).unwrap_or_default();
        }
    };
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let mut ws = WebSocket::server(TokioIo::new(upgraded), deflate);
                if let Err(e) = ws.echo().await {
                    eprintln!("connection ended: {e}");
                }
            }
            Err(e) => eprintln!("upgrade failed: {e}"),
        }
    });
    response
}

/// A client over hyper's HTTP/2 client: an extended CONNECT (RFC 8441) to `path` on the
/// server at `addr`, offering permessage-deflate.
pub async fn connect_h2(
    addr: &str,
    path: &str,
) -> io::Result<WebSocket<TokioIo<hyper::upgrade::Upgraded>, OsRandom>> {
    let tcp = TcpStream::connect(addr).await?;
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .map_err(io::Error::other)?;
    tokio::spawn(conn);
    let offer = DeflateConfig::default().offer();
    let offers = [offer.as_str()];
    let client = ClientRequest::new(addr, path, random_nonce())
        .scheme("http")
        .extensions(&offers);
    let request = client
        .to_http::<Protocol>(Version::HTTP_2)
        .map_err(io::Error::other)?
        .map(|()| Empty::<Bytes>::new());
    // The server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3) arrives with its first
    // SETTINGS frame; `ready` has the connection read it before the request goes out.
    sender.ready().await.map_err(io::Error::other)?;
    let mut response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let deflate = match client
        .check_http_response(&response)
        .map_err(io::Error::other)?
    {
        HandshakeResponse::Accepted(accepted) => DeflateConfig::default()
            .check_response(accepted.extensions())
            .map_err(io::Error::other)?,
        HandshakeResponse::Rejected(rejected) => {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!("refused with {}", rejected.status()),
            ))
        }
    };
    let upgraded = hyper::upgrade::on(&mut response)
        .await
        .map_err(io::Error::other)?;
    Ok(WebSocket::client(TokioIo::new(upgraded), deflate))
}

/// A WebSocket over an async byte stream.
pub struct WebSocket<IO, K = NoMasking> {
    io: IO,
    conn: Connection<K>,
    reader: MessageReader,
    /// The compressor, when permessage-deflate was agreed (the reader inflates by
    /// itself).
    deflate: Option<DeflateSender>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    out: Vec<u8>,
    closed: bool,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> WebSocket<IO, NoMasking> {
    /// The server side, compressing when `deflate` was agreed.
    pub fn server(io: IO, deflate: Option<DeflateParams>) -> Self {
        Self::new(io, Connection::server(config().permessage_deflate(deflate)))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> WebSocket<IO, OsRandom> {
    /// The client side, masking with keys from the operating system.
    pub fn client(io: IO, deflate: Option<DeflateParams>) -> Self {
        let config = config().permessage_deflate(deflate);
        Self::new(io, Connection::client(config, OsRandom::new()))
    }
}

fn config() -> Config {
    Config::default()
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
}

impl<IO: AsyncRead + AsyncWrite + Unpin, K: MaskKeySource> WebSocket<IO, K> {
    fn new(io: IO, conn: Connection<K>) -> Self {
        WebSocket {
            io,
            deflate: DeflateSender::new(&conn),
            conn,
            reader: MessageReader::new(),
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            out: Vec::new(),
            closed: false,
        }
    }

    /// Whether permessage-deflate is in use.
    pub fn compressed(&self) -> bool {
        self.deflate.is_some()
    }

    /// The next message, `None` once the transport is closed. Replies the protocol
    /// owes (pong, the Close echo) are written before it returns.
    pub async fn recv(&mut self) -> io::Result<Option<Msg>> {
        loop {
            if self.closed {
                return Ok(None);
            }
            let input = &mut self.buf[self.start..self.end];
            let step = self
                .reader
                .read(&mut self.conn, input)
                .map(|step| (step.consumed, step.event.map(own)));
            let (consumed, message) = match step {
                Ok(step) => step,
                // The connection queued the Close for this error; drained below.
                Err(e) => {
                    eprintln!("protocol error: {e}");
                    (self.end - self.start, None)
                }
            };
            self.start += consumed;
            self.flush().await?;
            if self.conn.should_close_transport() {
                self.closed = true;
                let _ = self.io.shutdown().await;
                return Ok(message);
            }
            if message.is_some() {
                return Ok(message);
            }
            if consumed > 0 {
                continue;
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let n = self.io.read(&mut self.buf[self.end..]).await?;
            if n == 0 {
                self.closed = true;
                return Ok(self
                    .conn
                    .read_eof()
                    .map(|_| Msg::Close(CloseCode::ABNORMAL.0, String::new())));
            }
            self.end += n;
        }
    }

    /// Writes the control frames the connection has queued.
    async fn flush(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 256];
        loop {
            let n = self
                .conn
                .poll_transmit(&mut chunk)
                .map_err(io::Error::other)?;
            if n == 0 {
                return self.io.flush().await;
            }
            self.io.write_all(&chunk[..n]).await?;
        }
    }

    /// Sends a text or binary message, compressed when deflate is in use.
    pub async fn send(&mut self, kind: MessageKind, data: &[u8]) -> io::Result<()> {
        let n = match &mut self.deflate {
            Some(sender) => {
                self.out.resize(sender.max_send_len(data.len()), 0);
                sender
                    .send(&mut self.conn, kind, data, &mut self.out)
                    .map_err(io::Error::other)?
            }
            None => {
                self.out.resize(self.conn.frame_len(data.len()), 0);
                self.conn
                    .send_fragment(kind, data, true, &mut self.out)
                    .map_err(io::Error::other)?
            }
        };
        self.io.write_all(&self.out[..n]).await?;
        self.io.flush().await
    }

    /// Sends a Ping.
    pub async fn ping(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.resize(data.len() + 14, 0);
        let n = self
            .conn
            .send_ping(data, &mut self.out)
            .map_err(io::Error::other)?;
        self.io.write_all(&self.out[..n]).await?;
        self.io.flush().await
    }

    /// Sends our Close; `recv` until `None` finishes the closing handshake.
    pub async fn close(&mut self, code: u16, reason: &str) -> io::Result<()> {
        self.out.resize(reason.len() + 16, 0);
        let n = self
            .conn
            .send_close(CloseCode(code), reason, &mut self.out)
            .map_err(io::Error::other)?;
        self.io.write_all(&self.out[..n]).await?;
        self.io.flush().await
    }

    /// Echoes text and binary messages until the peer closes.
    pub async fn echo(&mut self) -> io::Result<()> {
        while let Some(msg) = self.recv().await? {
            let sent = match &msg {
                Msg::Text(t) => self.send(MessageKind::Text, t.as_bytes()).await,
                Msg::Binary(b) => self.send(MessageKind::Binary, b).await,
                _ => Ok(()),
            };
            // A message that raced the peer's Close is not echoed.
            if let Err(e) = sent {
                if e.kind() != io::ErrorKind::Other {
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

fn own(message: Message<'_>) -> Msg {
    match message {
        Message::Text(t) => Msg::Text(t.to_owned()),
        Message::Binary(b) => Msg::Binary(b.to_vec()),
        Message::Ping(p) => Msg::Ping(p.to_vec()),
        Message::Pong(p) => Msg::Pong(p.to_vec()),
        Message::Close { code, reason } => Msg::Close(code.0, reason.to_owned()),
    }
}
