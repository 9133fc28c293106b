//! One error type for both drivers.

use std::io;

use rfc6455::connection::{ProtocolError, SendError};
use rfc6455::frame::CloseCode;
use rfc6455::handshake::{RequestError, ResponseError};

/// What can go wrong on a WebSocket: the transport, the peer, the handshake, or a
/// call this side made. `?` converts the core's errors and `std::io::Error` into it,
/// and it converts into `std::io::Error` for code that speaks only that.
///
/// ```
/// use rfc6455_io::Error;
/// use rfc6455::connection::ProtocolError;
/// let e = Error::from(ProtocolError::InvalidUtf8);
/// assert_eq!(e.close_code().map(|c| c.0), Some(1007));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (or ended in the middle of a handshake).
    #[error("transport: {0}")]
    Io(#[from] io::Error),
    /// The peer broke the protocol; the connection sent the Close with
    /// [`close_code`](Error::close_code) and closed.
    #[error("protocol: {0}")]
    Protocol(#[from] ProtocolError),
    /// The client's handshake request was refused; the driver answered with the
    /// rejection's status (400, 403, 426, 431, 505) and closed.
    #[error("handshake refused ({status}): {0}", status = .0.status())]
    Request(#[from] RequestError),
    /// The server's handshake response was not an acceptance of our request.
    #[error("handshake response: {0}")]
    Response(#[from] ResponseError),
    /// The server answered the handshake with another status than 101.
    #[error("handshake refused by the server with status {status}")]
    Refused {
        /// The HTTP status the server sent.
        status: u16,
    },
    /// The handshake did not complete within
    /// [`Options::handshake_timeout`](crate::Options::handshake_timeout).
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// Queued output could not be written within
    /// [`Options::write_timeout`](crate::Options::write_timeout): the peer does not read.
    #[error("write timed out: the peer does not read")]
    WriteTimeout,
    /// A send this side asked for is not allowed now (after Close, while another
    /// fragmented message is open, a control frame over 125 bytes, ...).
    #[error("send: {0}")]
    Send(SendError),
    /// The URL is not a `ws://` (or, with the `rustls` feature, `wss://`) URL.
    #[error("not a WebSocket URL: {0}")]
    Url(String),
    /// The permessage-deflate parameters the server answered with are not ones we
    /// offered (RFC 7692 §5).
    #[cfg(feature = "deflate")]
    #[error("permessage-deflate negotiation: {0}")]
    Deflate(rfc6455::extensions::deflate::NegotiationError),
    /// The connection is closed: nothing more can be sent or received.
    #[error("the connection is closed")]
    Closed,
}

impl Error {
    /// The close code the connection sent for this error, for protocol errors.
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Error::Protocol(e) => Some(e.close_code()),
            _ => None,
        }
    }

    /// The HTTP status of a refused handshake, from either side.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Request(e) => Some(e.status()),
            Error::Refused { status } => Some(*status),
            _ => None,
        }
    }
}

impl From<SendError> for Error {
    /// `SendError::Closing` becomes [`Error::Closed`]: one answer to "sent too late",
    /// whether the driver or the core noticed first.
    fn from(e: SendError) -> Self {
        match e {
            SendError::Closing => Error::Closed,
            other => Error::Send(other),
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            Error::HandshakeTimeout | Error::WriteTimeout => {
                io::Error::new(io::ErrorKind::TimedOut, e)
            }
            Error::Closed => io::Error::new(io::ErrorKind::NotConnected, e),
            Error::Url(_) => io::Error::new(io::ErrorKind::InvalidInput, e),
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}
