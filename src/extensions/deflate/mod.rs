//! permessage-deflate (RFC 7692): compressed messages, both roles, without `std`.
//!
//! Three steps:
//!
//! 1. **Negotiate.** A client sends [`DeflateConfig::offer`] in
//!    `Sec-WebSocket-Extensions` and checks the server's answer with
//!    [`DeflateConfig::check_response`]. A server picks the first acceptable offer with
//!    [`DeflateConfig::accept`] and answers with [`DeflateParams::response`]. Either way
//!    the result is the agreed [`DeflateParams`], or `None` for no compression.
//! 2. **Configure the connection** with
//!    [`Config::compressed_messages`](crate::connection::Config::compressed_messages)`(true)`,
//!    so RSV1 marks a message compressed instead of failing it.
//! 3. **Per message:** [`DeflateMessageReader`] reads (inflating what is compressed,
//!    passing the rest through) and [`DeflateSender`] compresses and frames. Control
//!    frames are never compressed. Uncompressed messages may still be sent with the
//!    connection's own `send_*` calls.
//!
//! ```
//! use rfc6455::connection::{Config, Connection, Message, MessageKind, Role};
//! use rfc6455::extensions::deflate::{DeflateConfig, DeflateMessageReader, DeflateSender};
//! use rfc6455::handshake::{
//!     AcceptResponse, ClientRequest, HandshakeResponse, Limits, RequestParser, ResponseParser,
//! };
//! use rfc6455::Status;
//!
//! // Handshake: the client offers, the server accepts, the client checks the answer.
//! let config = DeflateConfig::default();
//! let offer = config.offer();
//! let offers = [offer.as_str()];
//! let request = ClientRequest::new("example.com", "/", *b"the sample nonce").extensions(&offers);
//! let mut wire = [0u8; 1024];
//! let n = request.encode(&mut wire)?;
//! let mut parser = RequestParser::new(Limits::default());
//! let Status::Complete(incoming) = parser.parse(&wire[..n])? else { unreachable!() };
//! let server_params = config.accept(incoming.extensions()).expect("offer acceptable");
//! let answer = server_params.response();
//! let answers = [answer.as_str()];
//! let mut back = [0u8; 1024];
//! let n = AcceptResponse::new(&incoming).extensions(&answers).encode(&mut back)?;
//! let mut parser = ResponseParser::new(Limits::default());
//! let Status::Complete(HandshakeResponse::Accepted(accepted)) = parser.parse(&back[..n], &request)?
//! else {
//!     unreachable!()
//! };
//! let client_params = config.check_response(accepted.extensions())?.expect("accepted");
//! assert_eq!(client_params, server_params);
//!
//! // Messages: the server compresses, the client inflates.
//! let conn_config = Config::default().compressed_messages(true);
//! let mut server = Connection::server(conn_config);
//! let mut client = Connection::client(conn_config, rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]));
//! let mut sender = DeflateSender::new(&server_params, Role::Server);
//! let mut reader = DeflateMessageReader::new();
//! let json = br#"{"symbol":"ACME","price":12.5,"symbol":"ACME","price":12.5}"#;
//! let mut frames = vec![0u8; sender.max_send_len(json.len())];
//! let n = sender.send(&mut server, MessageKind::Text, json, &mut frames)?;
//! assert!(n < json.len());
//! let (_, message) = reader.read(&mut client, &mut frames[..n])?;
//! assert_eq!(message, Some(Message::Text(core::str::from_utf8(json)?)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Windows and context takeover
//!
//! Inflating works for every window, 8 to 15 bits: the inflater always keeps 32 KiB of
//! history, which covers any window the peer may use. Compressing honours the window
//! this side agreed to: at 15 bits it matches across the whole 32 KiB history; below
//! that, each message is compressed in slices of the window's size, each ended by a
//! full flush that empties the dictionary, so no back-reference reaches past its slice.
//! That costs ratio at small windows (and carries no context between messages), but is
//! exact for every size including 8, which zlib-based compressors cannot produce (they
//! silently use 9). A server asked for `server_max_window_bits=8` therefore accepts
//! with 8 rather than declining.
//!
//! # Memory per connection
//!
//! The deflate library is miniz_oxide, whose state sizes do not depend on the window:
//!
//! | window bits | compressor (first compressed send) | inflater (first compressed message) |
//! |---|---|---|
//! | 8 – 15 | ≈ 312 KiB | ≈ 42 KiB |
//!
//! On top of that: the [`DeflateMessageReader`]'s message buffer, at most
//! [`Config::max_message_size`](crate::connection::Config::max_message_size) + 1 bytes
//! and reused from message to message, and the [`DeflateSender`]'s buffer holding the
//! largest compressed message sent so far. A side that never receives (or never sends)
//! compressed messages never allocates the inflater (or the compressor). Building the
//! compressor also needs about 64 KiB of stack for a moment.

mod codec;
mod negotiate;
mod reader;
mod sender;

pub use negotiate::{
    DeflateConfig, DeflateParams, HeaderValue, NegotiationError, EXTENSION_NAME, MAX_WINDOW_BITS,
    MIN_WINDOW_BITS,
};
pub use reader::DeflateMessageReader;
pub use sender::{DeflateSender, DEFAULT_LEVEL};
