//! permessage-deflate (RFC 7692): compressed messages, both roles, without `std`.
//!
//! Three steps:
//!
//! 1. **Negotiate.** A client sends [`DeflateConfig::offer`] in
//!    `Sec-WebSocket-Extensions` and checks the server's answer with
//!    [`DeflateConfig::check_response`]. A server picks the first acceptable offer with
//!    [`DeflateConfig::accept`] and answers with [`DeflateParams::response`]. Either way
//!    the result is the agreed [`DeflateParams`], or `None` for no compression.
//! 2. **Configure the connection** with the result:
//!    [`Config::permessage_deflate`](crate::connection::Config::permessage_deflate).
//!    RSV1 then marks a message compressed instead of failing it, and the parameters
//!    live in one place, so the reader and the sender cannot disagree with them.
//! 3. **Per message:** the connection's [`MessageReader`](crate::connection::MessageReader)
//!    inflates what is compressed (and passes the rest through); a [`DeflateSender`]
//!    made for the connection compresses and frames. Control frames are never
//!    compressed. Uncompressed messages may still be sent with the connection's own
//!    `send_*` calls.
//!
//! ```
//! use rfc6455::connection::{Config, Connection, Message, MessageKind, MessageReader};
//! use rfc6455::extensions::deflate::{DeflateConfig, DeflateSender};
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
//! let mut server = Connection::server(Config::default().permessage_deflate(Some(server_params)));
//! let client_config = Config::default().permessage_deflate(Some(client_params));
//! let mut client = Connection::client(client_config, rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]));
//! let mut sender = DeflateSender::new(&server).expect("negotiated");
//! let mut reader = MessageReader::new();
//! let json = br#"{"symbol":"ACME","price":12.5,"symbol":"ACME","price":12.5}"#;
//! let mut frames = vec![0u8; sender.max_send_len(json.len())];
//! let n = sender.send(&mut server, MessageKind::Text, json, &mut frames)?;
//! assert!(n < json.len());
//! let message = reader.read(&mut client, &mut frames[..n])?.event;
//! assert_eq!(message, Some(Message::Text(core::str::from_utf8(json)?)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Windows and context takeover
//!
//! Inflating works for every window, 8 to 15 bits: the reader keeps the last 32 KiB of
//! what the peer's compressed messages inflated to, which covers any window the peer
//! may use, and inflates each message right after it, so a back-reference into an
//! earlier message (§7.2.2) is a copy within one buffer. This holds across a message
//! that ends its DEFLATE stream with a final block (§7.2.3.4): the next stream starts
//! with the same window, as zlib's does after `inflateSetDictionary`. Uncompressed
//! messages are not part of the window. The reader drops the window at each message's
//! end when the peer agreed to no context takeover (the connection's parameters say
//! so); on a connection with `compressed_messages` turned on by hand, without
//! parameters, it always keeps it, which reads every peer but does not catch one that
//! refers back after agreeing not to. Distances are not checked against the peer's agreed window, only against
//! what exists: zlib enforces a window only across its call boundaries, so such a check
//! would not be a property of the data.
//!
//! Compressing honours the window this side agreed to: at 15 bits it matches across
//! the whole 32 KiB history; below that, each message is compressed in slices of the
//! window's size, each ended by a full flush that empties the dictionary, so no
//! back-reference reaches past its slice. That costs ratio at small windows (and
//! carries no context between messages), but is exact for every size including 8,
//! which zlib-based compressors cannot produce (they silently use 9). A server asked
//! for `server_max_window_bits=8` therefore accepts with 8 rather than declining.
//!
//! # Errors
//!
//! Data that does not inflate fails the connection with
//! [`ProtocolError::Extension`](crate::connection::ProtocolError::Extension), close code
//! 1007 (the payload is not what the agreed extension says it is, §7.2.2 and RFC 6455
//! §7.4.1): a malformed block, and a back-reference to before the first byte the peer
//! ever sent or, after a message that the peer agreed would stand alone, before that
//! message (zlib's "invalid distance too far back"). A message that inflates past
//! [`Config::max_message_size`](crate::connection::Config::max_message_size) fails with
//! 1009, and text that is not UTF-8 with 1007, as soon as the offending byte is
//! inflated. How the frames and reads are cut does not change which error comes.
//!
//! # Deflate library
//!
//! miniz_oxide: pure Rust, `no_std` with `alloc`, no `unsafe` needed on our side. Its
//! low-level decoder writes into a caller's non-wrapping buffer and checks every match
//! distance against the position in it, which is exactly what the window above needs:
//! history first, then the message, and a distance before the buffer's start is an
//! error. Its streaming layer cannot do that (a 32 KiB ring of its own, reset with
//! every stream, zeros before the first byte). zlib-rs, the other pure-Rust candidate,
//! is driven through zlib's `z_stream`, whose input and output are raw pointers set
//! from the caller's side: that needs `unsafe` in this crate, which forbids it.
//!
//! # Memory per connection
//!
//! | window bits | compressor (first compressed send) | inflater (first compressed message) |
//! |---|---|---|
//! | 8 – 15 | ≈ 312 KiB | 10.3 KiB of decoder state (10,504 bytes on 64-bit), plus the window |
//!
//! The window lives in the [`MessageReader`](crate::connection::MessageReader)'s buffer, in front of the message
//! being read: with context takeover, once the peer has sent 32 KiB, between 32 and
//! 64 KiB of it (trimmed to 32 KiB whenever it reaches 64 KiB, so the trimming costs at
//! most a byte moved per byte inflated); without, none. The message itself takes at
//! most [`Config::max_message_size`](crate::connection::Config::max_message_size) + 1
//! bytes, and the buffer is reused from message to message. The [`DeflateSender`]'s
//! buffer holds the largest compressed message sent so far. A side that never
//! receives (or never sends) compressed messages never allocates the inflater (or the
//! compressor). Building the compressor needs about 64 KiB of stack for a moment, the
//! inflater about 10 KiB.

mod codec;
mod negotiate;
pub(crate) mod reader;
mod sender;

pub use negotiate::{
    DeflateConfig, DeflateParams, HeaderValue, NegotiationError, EXTENSION_NAME, MAX_WINDOW_BITS,
    MIN_WINDOW_BITS,
};
pub use sender::{DeflateSender, DEFAULT_LEVEL};
