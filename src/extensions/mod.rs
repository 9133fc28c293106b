//! WebSocket extensions negotiated in the opening handshake (RFC 6455 §9).
//!
//! Each extension is a layer above [`Connection`](crate::connection::Connection): it
//! reads the parameters out of the handshake, then transforms the payloads of the
//! events the connection hands out and of the messages the caller sends. The
//! connection's part is the RSV bit ([`Config::compressed_messages`](crate::connection::Config::compressed_messages)).
//!
//! - [`deflate`]: permessage-deflate, RFC 7692 (feature `deflate`).

pub mod deflate;
