//! A sans-IO WebSocket protocol core (RFC 6455).
//!
//! The crate turns bytes into events and intents into bytes. It never opens a socket,
//! reads a clock or draws randomness by itself, and it builds without `std`, so any IO
//! layer can drive it: blocking `std::net`, an async runtime, an embedded TCP stack, a
//! fuzzer, a benchmark.
//!
//! - [`handshake`]: the opening handshake, server and client (§4).
//! - [`connection`]: the state machine after the handshake (§5–§7): frames to events,
//!   control frames, the closing handshake, limits, keepalive and close deadlines.
//! - [`frame`]: the stateless frame codec underneath (§5).
//! - [`time`]: the caller's clock, as the timers see it.
//! - `extensions` (feature `deflate`): permessage-deflate compression (RFC 7692).
//!
//! To run it on a socket without writing the loop below, the `rfc6455-io` crate in this
//! repository (`drivers/rfc6455-io`) drives it on blocking `std` sockets and on tokio,
//! with the timers on, `wss://`, `Stream`/`Sink` and `split`.
//!
//! Incomplete input is never an error. A decoder of one item (a frame header, a
//! handshake head) answers [`Status::Partial`] until it has enough bytes; a stream
//! reader ([`Connection::read`](connection::Connection::read), `MessageReader::read`)
//! answers a [`Received`](connection::Received) that consumed nothing and holds no
//! event ([`is_partial`](connection::Received::is_partial)), and its batch form
//! `read_all` reads until then. Encoders write into a caller's `&mut [u8]`; a buffer
//! too small is left untouched and the error says how many bytes are needed
//! ([`InsufficientSize`]).
//!
//! # The read/write loop
//!
//! After the handshake, a connection is driven by a few calls: bytes in
//! (`read_all`), replies out (`poll_transmit`), timers (`poll_timeout` /
//! `handle_timeout` with the caller's clock), and `should_close_transport`. The example
//! runs a server with keepalive on a simulated clock against bytes a client produced,
//! as a transport would deliver them:
//!
//! ```
//! use core::time::Duration;
//! use rfc6455::connection::{Config, Connection, Event};
//! use rfc6455::frame::CloseCode;
//! use rfc6455::time::Timestamp;
//! use rfc6455::DeterministicKeys;
//!
//! // What arrived from the network: a masked message, a Ping, and the client's Close.
//! let mut client = Connection::client(Config::default(), DeterministicKeys::sequence(7));
//! let mut network = vec![0u8; 256];
//! let mut n = client.send_text("Hello", &mut network)?;
//! n += client.send_ping(b"are you there?", &mut network[n..])?;
//! n += client.send_close(CloseCode::NORMAL, "bye", &mut network[n..])?;
//! network.truncate(n);
//!
//! let config = Config::default().recommended_timers(); // ping 20 s, pong 20 s, close 10 s
//! let mut server = Connection::server(config);
//! let mut to_send = Vec::new();
//! let mut out = [0u8; 256];
//! let mut read_buf = Vec::new();
//! // The transport hands over the bytes in pieces, 10 seconds apart.
//! for (i, piece) in network.chunks(16).enumerate() {
//!     let now = Timestamp::from_duration(Duration::from_secs(10 * i as u64));
//!     // 1. bytes read from the transport, after what the last read left unconsumed
//!     read_buf.extend_from_slice(piece);
//!     let used = server.read_all(&mut read_buf, |event| match event {
//!         Event::Data { payload, .. } => assert_eq!(payload, b"Hello"),
//!         Event::Ping(data) => assert_eq!(data, b"are you there?"),
//!         Event::Close { code, .. } => assert_eq!(code, CloseCode::NORMAL),
//!         Event::Pong(_) => {}
//!     })?;
//!     read_buf.drain(..used);
//!     // 2. the timers, at the time the bytes arrived (a peer gone silent ends here)
//!     if let Some(Event::Close { code, reason }) = server.handle_timeout(now) {
//!         panic!("{code:?} {reason}");
//!     }
//!     // 3. the replies the protocol obliges (Pong, Close echo, keepalive Ping)
//!     let n = server.poll_transmit(&mut out)?;
//!     to_send.extend_from_slice(&out[..n]);
//!     // 4. close the transport when told to; else wait for input or poll_timeout
//!     if server.should_close_transport() {
//!         break;
//!     }
//!     assert!(server.poll_timeout().is_some_and(|deadline| deadline > now));
//! }
//! assert!(server.should_close_transport());
//! assert_eq!(to_send[0], 0x8A); // the pong, then the close echo
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Sending is one call per frame: `send_text`, `send_binary`, `send_fragment` (a large
//! message in pieces), `send_ping`, `send_close`. A client masks every frame with a key
//! from its [`MaskKeySource`] ([`OsRandom`] with `std`).
//!
//! # Behind hyper or axum (feature `http`)
//!
//! A server that already parses HTTP hands the crate an `http::Request`; the same code
//! answers an HTTP/1.1 Upgrade with 101 and an HTTP/2 extended CONNECT (RFC 8441, axum
//! 0.8 and hyper with `enable_connect_protocol`) with 200, and every refusal with the
//! status and headers §4.2.1 asks for. The upgraded IO then carries frames for a
//! [`connection::Connection`], here through the `rfc6455-io` driver's `from_upgraded`
//! (not compiled here, since the core cannot depend on axum; `examples/axum_echo`, which
//! CI builds and tests against hyper's HTTP/1.1 and HTTP/2, is this code whole):
//!
//! ```ignore
//! use rfc6455::handshake::{AcceptResponse, HandshakeRequest};
//! use rfc6455::extensions::deflate::DeflateConfig;
//!
//! async fn ws(mut request: axum::extract::Request) -> axum::response::Response {
//!     let upgrade = hyper::upgrade::on(&mut request);
//!     // `:protocol` of HTTP/2 travels as hyper's type in the extensions.
//!     let handshake = match HandshakeRequest::from_http::<hyper::ext::Protocol, _>(&request) {
//!         Ok(handshake) => handshake,
//!         Err(e) => return e.to_http(request.version()).map(|()| Default::default()),
//!     };
//!     let deflate = DeflateConfig::default().accept(handshake.extensions());
//!     let answer = deflate.map(|params| params.response());
//!     let extensions: Vec<&str> = answer.iter().map(|a| a.as_str()).collect();
//!     let response = AcceptResponse::new(&handshake).extensions(&extensions).to_http();
//!     tokio::spawn(async move {
//!         let upgraded = upgrade.await.map_err(std::io::Error::other)?;
//!         let io = hyper_util::rt::TokioIo::new(upgraded);
//!         let options = rfc6455_io::Options::default();
//!         let config = options.config.permessage_deflate(deflate);
//!         let mut ws = rfc6455_io::tokio::from_upgraded(io, config, &options);
//!         while let Some(message) = ws.recv_owned().await? {
//!             if message.is_data() {
//!                 ws.send(message).await?;
//!             }
//!         }
//!         Ok::<_, rfc6455_io::Error>(())
//!     });
//!     response.unwrap_or_default().map(|()| Default::default())
//! }
//! // axum::Router::new().route("/ws", axum::routing::any(ws)): GET and CONNECT
//! ```
//!
//! Without an HTTP library, [`handshake::RequestParts`] takes the parts themselves
//! (method, target, version, pseudo-header fields, header pairs) and needs neither `std`
//! nor `alloc`; an HTTP/2 or HTTP/3 accept is then a status and header pairs:
//!
//! ```
//! use rfc6455::handshake::{AcceptResponse, HttpVersion, RequestParts};
//! let fields = [("sec-websocket-version", "13"), ("sec-websocket-protocol", "chat")];
//! let request = RequestParts::new("CONNECT", "/chat", HttpVersion::Http2, &fields)
//!     .protocol("websocket")
//!     .scheme("https")
//!     .authority("server.example.com")
//!     .validate()?;
//! let accept = AcceptResponse::new(&request).protocol("chat");
//! assert_eq!(accept.status(), 200);
//! assert!(accept.fields()?.eq([("Sec-WebSocket-Protocol", "chat")]));
//! # Ok::<(), rfc6455::handshake::HandshakeFailure>(())
//! ```
//!
//! # Memory
//!
//! The frame-level API holds no payload: a frame larger than the read buffer is handed
//! out in pieces, and the state between calls is one `Connection`: 256 bytes on x86-64,
//! timers included (held by a test), the same for a client masking with `OsRandom`,
//! whose key pool is per thread. The reassembling [`connection::MessageReader`] (feature
//! `alloc`) holds at most [`connection::Config::max_message_size`] bytes.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod connection;
#[cfg(feature = "deflate")]
pub mod extensions;
pub mod frame;
pub mod handshake;
mod random;
pub mod time;

#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::{DeterministicKeys, MaskKeySource};

/// The result of a decoder that may need more bytes.
///
/// ```
/// use rfc6455::Status;
/// let s: Status<u8> = Status::Complete(7);
/// assert_eq!(s.complete(), Some(7));
/// assert!(Status::<u8>::Partial.is_partial());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The input ends before the item does: call again with more bytes.
    Partial,
    /// The item, decoded.
    Complete(T),
}

impl<T> Status<T> {
    /// The decoded item, if complete.
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial => None,
        }
    }

    /// Whether more bytes are needed.
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }
}

/// The caller's output buffer is too small; nothing was written.
///
/// ```
/// use rfc6455::connection::{Config, Connection, SendError};
/// let mut server = Connection::server(Config::default());
/// let err = server.send_binary(&[0; 70_000], &mut [0u8; 4]).unwrap_err();
/// assert!(matches!(err, SendError::InsufficientSize(e) if e.required == 70_010));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("output buffer too small: {required} bytes required")]
pub struct InsufficientSize {
    /// The size the buffer must have for the call to succeed.
    pub required: usize,
}

/// The README's code, compiled and run as a doc test so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
