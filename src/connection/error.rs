use crate::frame::{CloseCode, FrameError};
use crate::InsufficientSize;

/// Something the peer sent that fails the connection (RFC 6455 §7.1.7).
///
/// [`ProtocolError::close_code`] is the code of the Close frame the connection queued
/// when it returned this error.
///
/// ```
/// use rfc6455::connection::ProtocolError;
/// use rfc6455::frame::CloseCode;
/// assert_eq!(ProtocolError::InvalidUtf8.close_code(), CloseCode::INVALID_PAYLOAD);
/// assert_eq!(ProtocolError::MessageTooBig { limit: 10 }.close_code(), CloseCode::MESSAGE_TOO_BIG);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame that is invalid on its own (§5.2, §5.5).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A server received an unmasked frame (§5.1).
    #[error("client frame is not masked")]
    UnmaskedFrame,
    /// A client received a masked frame (§5.1).
    #[error("server frame is masked")]
    MaskedFrame,
    /// RSV bits set that no negotiated extension defines (§5.2).
    #[error("reserved bits {0:#05b} set without a negotiated extension")]
    ReservedBits(u8),
    /// A continuation frame with no message to continue (§5.4).
    #[error("continuation frame without a message in progress")]
    UnexpectedContinuation,
    /// A Text or Binary frame while a fragmented message is still open (§5.4).
    #[error("new data frame while a fragmented message is in progress")]
    MessageInProgress,
    /// Text that is not UTF-8, found at the first invalid byte (§8.1).
    #[error("text message is not valid UTF-8")]
    InvalidUtf8,
    /// A message, or a single frame, larger than the configured limit (§10.4).
    #[error("message exceeds the limit of {limit} bytes")]
    MessageTooBig {
        /// The limit in force, in bytes.
        limit: u64,
    },
    /// More fragments in one message than the configured limit.
    #[error("message exceeds the limit of {limit} fragments")]
    TooManyFragments {
        /// The limit in force.
        limit: u32,
    },
    /// An extension rejected a message it was handed (e.g. undecodable compressed data).
    #[error("extension failed to process a message")]
    Extension,
    /// A message reader was handed part of a message whose start it did not see (the
    /// first fragment was read with [`Connection::read`](super::Connection::read)
    /// directly, or the reader is shared between connections). The local side cannot
    /// deliver the message, so the connection fails with 1011 (§7.4.1).
    #[error("message reader out of step with its connection")]
    ReaderOutOfStep,
}

impl ProtocolError {
    /// The status code to send when failing the connection (§7.4.1).
    pub const fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::Frame(e) => e.close_code(),
            ProtocolError::InvalidUtf8 | ProtocolError::Extension => CloseCode::INVALID_PAYLOAD,
            ProtocolError::MessageTooBig { .. } | ProtocolError::TooManyFragments { .. } => {
                CloseCode::MESSAGE_TOO_BIG
            }
            ProtocolError::ReaderOutOfStep => CloseCode::INTERNAL_ERROR,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// A send the local caller asked for that cannot be done; the connection is unchanged.
///
/// ```
/// use rfc6455::connection::{Config, Connection, SendError};
/// let mut conn = Connection::server(Config::default());
/// assert!(matches!(conn.send_ping(&[0; 126], &mut [0; 200]), Err(SendError::ControlTooLong)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The output buffer is too small; nothing was written.
    #[error(transparent)]
    InsufficientSize(#[from] InsufficientSize),
    /// A Close frame was already sent or queued: no more data may follow (§5.5.1).
    #[error("the connection is closing")]
    Closing,
    /// A control frame payload over 125 bytes (§5.5).
    #[error("control frame payload exceeds 125 bytes")]
    ControlTooLong,
    /// A close code that may not be sent, or a reason over 123 bytes (§7.4).
    #[error("close code not valid on the wire, or reason longer than 123 bytes")]
    InvalidClose,
    /// A new message started before the previous fragmented one was finished (§5.4).
    #[error("a fragmented message is still being sent")]
    MessageInProgress,
    /// Text that is not UTF-8 (§5.6): the peer would have to fail the connection.
    #[error("text message is not valid UTF-8")]
    InvalidUtf8,
    /// A client asked for a header without masking the payload (§5.3): it uses
    /// [`Connection::send_header_masking`](super::Connection::send_header_masking).
    #[error("a client masks its payloads: use send_header_masking")]
    MaskingRequired,
    /// A compressed message on a connection that did not negotiate compression.
    #[error("compression was not negotiated")]
    CompressionNotNegotiated,
}
