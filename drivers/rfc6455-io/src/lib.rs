//! IO drivers for the [`rfc6455`] WebSocket core: the same protocol engine on a
//! blocking `std` socket ([`blocking`]) or on tokio (`tokio`, feature `tokio`), with one vocabulary: `accept`, `connect`, `recv` (borrowed, no copy) and
//! `recv_owned` ([`Message`]), `send`, `close`, [`Options`], [`Error`].
//!
//! The drivers turn on what the core leaves to its caller: keepalive Pings and close
//! deadlines ([`Options`] starts from `Config::recommended_timers`), a deadline on the
//! whole handshake head, a bounded write buffer, and buffers that shrink back when a
//! connection goes idle.
//!
//! `connect` takes `ws://` URLs, and `wss://` with the `rustls` feature: TLS by rustls,
//! the server's certificate checked for the URL's host against Mozilla's roots
//! (`webpki-roots`) or the `rustls::ClientConfig` in `Options::tls`. Either way it
//! returns a `WebSocket` over the driver's `MaybeTls` stream.
//!
//! A blocking echo server:
//!
//! ```no_run
//! let listener = std::net::TcpListener::bind("127.0.0.1:9001")?;
//! for stream in listener.incoming() {
//!     std::thread::spawn(move || -> Result<(), rfc6455_io::Error> {
//!         let mut ws = rfc6455_io::blocking::accept(stream?)?;
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
#![forbid(unsafe_code)]
// Without a driver feature the shared plumbing has no user.
#![cfg_attr(not(any(feature = "blocking", feature = "tokio")), allow(dead_code))]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod error;
mod handshake;
mod message;
mod options;
mod session;
mod tls;
mod url;

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use error::Error;
pub use handshake::AcceptedRequest;
pub use message::{IntoOwned, Message, Text};
pub use options::{Options, RequestCheck};
pub use url::WsUrl;

pub use rfc6455;
pub use rfc6455::connection::MessageKind;
pub use rfc6455::frame::CloseCode;
/// The rustls this crate was built with, for `Options::tls`.
#[cfg(feature = "rustls")]
pub use rustls;

/// The README's code, compiled as a doc test so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
