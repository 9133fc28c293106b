use super::{EncodeError, FrameError};
use crate::InsufficientSize;

/// The longest close reason: 125 payload bytes minus the two-byte code (§5.5).
pub const MAX_CLOSE_REASON: usize = 123;

/// A close status code (RFC 6455 §7.4).
///
/// Any `u16` can be held; [`CloseCode::is_valid_on_wire`] says whether it may appear in
/// a Close frame. 1005, 1006 and 1015 exist only to report a closure locally.
///
/// ```
/// use rfc6455::frame::CloseCode;
/// assert!(CloseCode::NORMAL.is_valid_on_wire());
/// assert!(CloseCode(4000).is_valid_on_wire());
/// assert!(!CloseCode::ABNORMAL.is_valid_on_wire());
/// assert!(!CloseCode(2999).is_valid_on_wire());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigated away).
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1005: reported locally when a Close frame carried no code; never sent.
    pub const NO_STATUS_RECEIVED: CloseCode = CloseCode(1005);
    /// 1006: reported locally when the transport closed without a Close frame; never sent.
    pub const ABNORMAL: CloseCode = CloseCode(1006);
    /// 1007: message data inconsistent with its type (e.g. text that is not UTF-8).
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: the client expected the server to negotiate an extension.
    pub const MANDATORY_EXTENSION: CloseCode = CloseCode(1010);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: a gateway received an invalid response (IANA registry).
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);
    /// 1015: reported locally when the TLS handshake failed; never sent.
    pub const TLS_HANDSHAKE: CloseCode = CloseCode(1015);

    /// Whether this code may be sent or received in a Close frame: 1000–1003,
    /// 1007–1014 (defined or registered) and 3000–4999 (libraries and applications).
    /// Everything else is reserved, local-only or out of range (§7.4.1, §7.4.2).
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

/// The body of a Close frame: a status code and a UTF-8 reason (RFC 6455 §5.5.1).
///
/// ```
/// use rfc6455::frame::{CloseCode, CloseFrame};
/// let mut out = [0u8; 125];
/// let n = CloseFrame::new(CloseCode::GOING_AWAY, "bye").unwrap().encode(&mut out).unwrap();
/// assert_eq!(&out[..n], b"\x03\xe9bye");
/// let parsed = CloseFrame::parse(&out[..n]).unwrap().unwrap();
/// assert_eq!((parsed.code, parsed.reason), (CloseCode::GOING_AWAY, "bye"));
/// assert_eq!(CloseFrame::parse(b""), Ok(None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseFrame<'a> {
    /// The status code, valid on the wire.
    pub code: CloseCode,
    /// Why, for humans; at most 123 bytes.
    pub reason: &'a str,
}

impl<'a> CloseFrame<'a> {
    /// A close body to send, if `code` may go on the wire and `reason` fits in 123 bytes.
    pub fn new(code: CloseCode, reason: &'a str) -> Option<Self> {
        (code.is_valid_on_wire() && reason.len() <= MAX_CLOSE_REASON)
            .then_some(CloseFrame { code, reason })
    }

    /// Parses a received Close payload: `None` when empty, else the code and reason.
    ///
    /// One byte, a code not valid on the wire, or a reason that is not UTF-8 are errors.
    /// Longer payloads cannot reach here: the header decoder rejects control frames over
    /// 125 bytes.
    pub fn parse(payload: &'a [u8]) -> Result<Option<Self>, FrameError> {
        match payload {
            [] => Ok(None),
            [_] => Err(FrameError::CloseTooShort),
            [hi, lo, reason @ ..] => {
                let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                if !code.is_valid_on_wire() {
                    return Err(FrameError::InvalidCloseCode(code.0));
                }
                let reason =
                    core::str::from_utf8(reason).map_err(|_| FrameError::CloseReasonNotUtf8)?;
                Ok(Some(CloseFrame { code, reason }))
            }
        }
    }

    /// The payload length: 2 plus the reason.
    pub const fn encoded_len(&self) -> usize {
        2 + self.reason.len()
    }

    /// Writes the payload (code then reason) at the start of `out`; a too-small `out` is
    /// left untouched and the error carries the size needed. The fields are public, so
    /// a body built without [`CloseFrame::new`] is checked here: a code not valid on the
    /// wire or a reason over 123 bytes (§5.5, §7.4) is refused, as `parse` would.
    ///
    /// ```
    /// use rfc6455::frame::{CloseCode, CloseFrame, EncodeError, FrameError};
    /// let forged = CloseFrame { code: CloseCode(1005), reason: "" };
    /// assert_eq!(
    ///     forged.encode(&mut [0u8; 125]),
    ///     Err(EncodeError::Invalid(FrameError::InvalidCloseCode(1005)))
    /// );
    /// ```
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if !self.code.is_valid_on_wire() {
            return Err(FrameError::InvalidCloseCode(self.code.0).into());
        }
        if self.reason.len() > MAX_CLOSE_REASON {
            return Err(FrameError::ControlTooLong(self.encoded_len() as u64).into());
        }
        let required = self.encoded_len();
        let Some(out) = out.get_mut(..required) else {
            return Err(InsufficientSize { required }.into());
        };
        out[..2].copy_from_slice(&self.code.0.to_be_bytes());
        out[2..].copy_from_slice(self.reason.as_bytes());
        Ok(required)
    }
}
