use super::CloseCode;
use crate::InsufficientSize;

/// A frame the peer sent that breaks RFC 6455 §5 on its own, before any connection
/// state is considered.
///
/// Every variant names the close code the endpoint must send when it fails the
/// connection for it ([`FrameError::close_code`]).
///
/// ```
/// use rfc6455::frame::{CloseCode, FrameError};
/// assert_eq!(FrameError::ReservedOpcode(3).close_code(), CloseCode::PROTOCOL_ERROR);
/// assert_eq!(FrameError::CloseReasonNotUtf8.close_code(), CloseCode::INVALID_PAYLOAD);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Opcodes 3–7 and 0xB–0xF are reserved (§5.2).
    #[error("reserved opcode {0:#x}")]
    ReservedOpcode(u8),
    /// A Close, Ping or Pong frame without FIN (§5.5: control frames are never fragmented).
    #[error("fragmented control frame")]
    FragmentedControl,
    /// A control frame with more than 125 payload bytes (§5.5).
    #[error("control frame payload of {0} bytes exceeds 125")]
    ControlTooLong(u64),
    /// A 64-bit payload length with its most significant bit set (§5.2).
    #[error("64-bit payload length has its most significant bit set")]
    LengthTopBit,
    /// A payload length not written in the shortest form (§5.2: "the minimal number of
    /// bytes MUST be used").
    #[error("payload length {0} not encoded in its minimal form")]
    NonMinimalLength(u64),
    /// A Close payload of exactly one byte (§5.5.1: a body starts with a two-byte code).
    #[error("close payload of one byte")]
    CloseTooShort,
    /// A status code that may not appear on the wire (§7.4).
    #[error("close code {0} is not valid on the wire")]
    InvalidCloseCode(u16),
    /// A close reason that is not UTF-8 (§5.5.1).
    #[error("close reason is not valid UTF-8")]
    CloseReasonNotUtf8,
}

impl FrameError {
    /// The status code to send in the Close frame that fails the connection (§7.4.1).
    pub const fn close_code(&self) -> CloseCode {
        match self {
            FrameError::CloseReasonNotUtf8 => CloseCode::INVALID_PAYLOAD,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// Why [`FrameHeader::encode`](super::FrameHeader::encode) wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small.
    #[error(transparent)]
    InsufficientSize(#[from] InsufficientSize),
    /// The header breaks a rule of §5.2 or §5.5: the peer would fail the connection.
    #[error("invalid frame header: {0}")]
    Invalid(#[from] FrameError),
}
