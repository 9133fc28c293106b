//! A small blocking IO layer over `std::net` for the examples: the crate does the
//! protocol, this file moves bytes. One owner per connection; no threads inside.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rfc6455::connection::{
    Config, Connection, Message, MessageKind, MessageReader, NoMasking, ProtocolError, SendError,
};
#[cfg(feature = "deflate")]
use rfc6455::extensions::deflate::{DeflateConfig, DeflateSender};
use rfc6455::frame::CloseCode;
use rfc6455::handshake::{
    AcceptResponse, ClientRequest, HandshakeRequest, HandshakeResponse, Limits, RequestError,
    RequestParser, ResponseParser,
};
use rfc6455::{MaskKeySource, OsRandom, Status};

/// A message with owned data, handed to application code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

/// The read buffer: large enough for throughput; any size from 131 bytes works.
const READ_BUFFER: usize = 64 * 1024;

/// A WebSocket over a blocking `TcpStream`.
pub struct WebSocket<K: MaskKeySource> {
    pub stream: TcpStream,
    pub conn: Connection<K>,
    reader: MessageReader,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    out: Vec<u8>,
    closed: bool,
    /// The compressor, when the handshake agreed on permessage-deflate (the reader
    /// inflates by itself).
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateSender>,
}

impl<K: MaskKeySource> WebSocket<K> {
    fn new(stream: TcpStream, conn: Connection<K>, leftover: &[u8]) -> Self {
        let mut buf = vec![0u8; READ_BUFFER.max(leftover.len())];
        buf[..leftover.len()].copy_from_slice(leftover);
        let ws = WebSocket {
            stream,
            conn,
            reader: MessageReader::new(),
            buf,
            start: 0,
            end: leftover.len(),
            out: Vec::with_capacity(1024),
            closed: false,
            #[cfg(feature = "deflate")]
            deflate: None,
        };
        #[cfg(feature = "deflate")]
        let ws = ws.with_deflate();
        ws
    }

    /// A compressor if the connection was configured with permessage-deflate.
    #[cfg(feature = "deflate")]
    fn with_deflate(mut self) -> Self {
        self.deflate = DeflateSender::new(&self.conn);
        self
    }

    /// One read step through the reader, which inflates what is compressed.
    fn read_step(&mut self) -> Result<(usize, Option<Msg>), ProtocolError> {
        let input = &mut self.buf[self.start..self.end];
        self.reader
            .read(&mut self.conn, input)
            .map(|step| (step.consumed, step.event.map(own)))
    }

    /// The next message, or `None` once the transport is closed. A read timeout on the
    /// stream surfaces as `WouldBlock`/`TimedOut`, so callers can interleave sending.
    pub fn recv(&mut self) -> io::Result<Option<Msg>> {
        loop {
            if self.closed {
                return Ok(None);
            }
            let (consumed, message) = match self.read_step() {
                Ok(step) => step,
                Err(e) => {
                    eprintln!("protocol error: {e} (closing with {})", e.close_code().0);
                    self.start = self.end;
                    (0, None)
                }
            };
            self.start += consumed;
            self.flush_replies()?;
            if self.conn.should_close_transport() {
                self.shutdown();
                return Ok(message);
            }
            if message.is_some() {
                return Ok(message);
            }
            if consumed > 0 {
                continue;
            }
            self.fill()?;
            if self.closed {
                let eof = self.conn.read_eof();
                return Ok(eof.map(|_| Msg::Close(CloseCode::ABNORMAL.0, String::new())));
            }
        }
    }

    /// Reads more bytes from the transport, compacting the buffer first.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // A peer that aborts with RST instead of FIN (wstest does after the closing
        // handshake) has still ended the stream: `read_eof` judges whether that was clean.
        let n = match self.stream.read(&mut self.buf[self.end..]) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => 0,
            other => other?,
        };
        if n == 0 {
            self.closed = true;
        }
        self.end += n;
        Ok(())
    }

    /// Writes every queued reply (pong, close) to the transport.
    pub fn flush_replies(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 256];
        loop {
            let n = self
                .conn
                .poll_transmit(&mut chunk)
                .expect("256 bytes hold any control frame");
            if n == 0 {
                return Ok(());
            }
            self.stream.write_all(&chunk[..n])?;
        }
    }

    fn send_with(
        &mut self,
        len: usize,
        f: impl FnOnce(&mut Connection<K>, &mut [u8]) -> Result<usize, SendError>,
    ) -> io::Result<()> {
        self.out.resize(len + 14, 0);
        let n = f(&mut self.conn, &mut self.out).map_err(io::Error::other)?;
        self.stream.write_all(&self.out[..n])
    }

    pub fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.send_data(MessageKind::Text, text.as_bytes())
    }

    pub fn send_binary(&mut self, data: &[u8]) -> io::Result<()> {
        self.send_data(MessageKind::Binary, data)
    }

    fn send_data(&mut self, kind: MessageKind, data: &[u8]) -> io::Result<()> {
        #[cfg(feature = "deflate")]
        if let Some(sender) = &mut self.deflate {
            self.out.resize(sender.max_send_len(data.len()), 0);
            let n = sender
                .send(&mut self.conn, kind, data, &mut self.out)
                .map_err(io::Error::other)?;
            return self.stream.write_all(&self.out[..n]);
        }
        self.send_with(data.len(), |c, out| c.send_fragment(kind, data, true, out))
    }

    pub fn send_ping(&mut self, data: &[u8]) -> io::Result<()> {
        self.send_with(data.len(), |c, out| c.send_ping(data, out))
    }

    /// Sends our Close; keep calling `recv` until it returns `None` to finish the
    /// closing handshake.
    pub fn close(&mut self, code: u16, reason: &str) -> io::Result<()> {
        self.send_with(reason.len() + 2, |c, out| {
            c.send_close(CloseCode(code), reason, out)
        })
    }

    /// Closes the transport without losing our Close frame: a socket closed with unread
    /// bytes makes the kernel send RST, which can discard the frame before the peer reads
    /// it. So: half-close, drain what the peer still sends for a bounded moment, then let
    /// the drop close the rest.
    fn shutdown(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(250)));
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        let mut sink = [0u8; 16 * 1024];
        while std::time::Instant::now() < deadline {
            match self.stream.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        self.closed = true;
    }

    /// Echoes data messages back until the peer closes (the Autobahn contract).
    pub fn echo_until_closed(&mut self) -> io::Result<()> {
        while let Some(msg) = self.recv()? {
            let sent = match &msg {
                Msg::Text(t) => self.send_text(t),
                Msg::Binary(b) => self.send_binary(b),
                _ => Ok(()),
            };
            if let Err(e) = sent {
                // Sending after the peer's Close is a local error the protocol expects:
                // the echo of a message that raced the Close is simply dropped.
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

/// What the server learned from a request it accepted.
pub struct Accepted {
    pub path: String,
    pub query: Option<String>,
}

/// Reads a request head (up to the blank line) into `buf`, returning the bytes read.
pub fn read_head(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    loop {
        if len == buf.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
        }
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        len += n;
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(len);
        }
    }
}

/// Server side of the opening handshake on `stream`, whose first `len` bytes (a whole
/// head, maybe followed by frames) are already in `buf`. `check` may refuse the request
/// (e.g. by its Origin); the refusal is sent as the error's rejection.
pub fn accept_with(
    mut stream: TcpStream,
    buf: &[u8],
    config: Config,
    check: impl FnOnce(&HandshakeRequest<'_>) -> Result<(), RequestError>,
) -> io::Result<(WebSocket<NoMasking>, Accepted)> {
    let mut parser = RequestParser::new(Limits::default());
    let mut out = vec![0u8; 1024];
    let parsed = parser.parse(buf).and_then(|status| match status {
        Status::Complete(request) => check(&request).map(|()| Some(request)),
        Status::Partial => Ok(None),
    });
    match parsed {
        Ok(Some(request)) => {
            #[cfg(feature = "deflate")]
            let deflate = DeflateConfig::default().accept(request.extensions());
            #[cfg(feature = "deflate")]
            let answer = deflate.map(|p| p.response());
            #[cfg(feature = "deflate")]
            let answers: Vec<&str> = answer.iter().map(|a| a.as_str()).collect();
            #[cfg(not(feature = "deflate"))]
            let answers: Vec<&str> = Vec::new();
            let n = AcceptResponse::new(&request)
                .extensions(&answers)
                .encode(&mut out)
                .map_err(io::Error::other)?;
            stream.write_all(&out[..n])?;
            let accepted = Accepted {
                path: request.path().to_owned(),
                query: request.query().map(str::to_owned),
            };
            let leftover = &buf[request.head_len()..];
            #[cfg(feature = "deflate")]
            let config = config.permessage_deflate(deflate);
            let ws = WebSocket::new(stream, Connection::server(config), leftover);
            Ok((ws, accepted))
        }
        Ok(None) => Err(io::ErrorKind::UnexpectedEof.into()),
        Err(e) => {
            let n = e.rejection().encode(&mut out).map_err(io::Error::other)?;
            stream.write_all(&out[..n])?;
            Err(io::Error::new(io::ErrorKind::InvalidData, e))
        }
    }
}

/// Server side of the opening handshake: reads the request and answers it.
pub fn accept(
    mut stream: TcpStream,
    config: Config,
) -> io::Result<(WebSocket<NoMasking>, Accepted)> {
    let mut buf = vec![0u8; 16 * 1024];
    let len = read_head(&mut stream, &mut buf)?;
    accept_with(stream, &buf[..len], config, |_| Ok(()))
}

/// A `ws://host[:port]/path?query` URL, split.
pub struct WsUrl {
    pub host: String,
    pub addr: String,
    pub resource: String,
}

pub fn parse_url(url: &str) -> io::Result<WsUrl> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "only ws:// URLs"))?;
    let (authority, resource) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok(WsUrl {
        host: authority.to_owned(),
        addr,
        resource: resource.to_owned(),
    })
}

/// Client side: connects to `url`, sends the upgrade request and validates the answer.
pub fn connect(url: &str, config: Config) -> io::Result<WebSocket<OsRandom>> {
    let url = parse_url(url)?;
    let mut stream = TcpStream::connect(&url.addr)?;
    stream.set_nodelay(true)?;
    let mut rng = OsRandom::new();
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce);
    #[cfg(feature = "deflate")]
    let offer = DeflateConfig::default().offer();
    #[cfg(feature = "deflate")]
    let offers = [offer.as_str()];
    #[cfg(not(feature = "deflate"))]
    let offers: [&str; 0] = [];
    let request = ClientRequest::new(&url.host, &url.resource, nonce).extensions(&offers);
    let mut out = vec![0u8; 1024];
    let n = request.encode(&mut out).map_err(io::Error::other)?;
    stream.write_all(&out[..n])?;

    let mut parser = ResponseParser::new(Limits::default());
    let mut buf = vec![0u8; 16 * 1024];
    let mut len = 0;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    loop {
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed during the handshake",
            ));
        }
        len += n;
        match parser.parse(&buf[..len], &request) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete(HandshakeResponse::Accepted(accepted))) => {
                let leftover = buf[accepted.head_len()..len].to_vec();
                stream.set_read_timeout(None)?;
                #[cfg(feature = "deflate")]
                let deflate = DeflateConfig::default()
                    .check_response(accepted.extensions())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                #[cfg(feature = "deflate")]
                let config = config.permessage_deflate(deflate);
                let conn = Connection::client(config, rng);
                return Ok(WebSocket::new(stream, conn, &leftover));
            }
            Ok(Status::Complete(HandshakeResponse::Rejected(rejected))) => {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    format!(
                        "handshake refused: {} {}",
                        rejected.status(),
                        String::from_utf8_lossy(rejected.reason())
                    ),
                ));
            }
            Err(e) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("invalid handshake response: {e}"),
                ))
            }
        }
    }
}

/// Limits that let every case of Autobahn sections 1–10 pass: 16 MiB messages and up
/// to a million fragments (section 9).
pub fn autobahn_config() -> Config {
    Config::default()
        .max_message_size(64 << 20)
        .max_frame_size(64 << 20)
        .max_fragments(1_000_000)
}
