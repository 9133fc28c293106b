use super::FrameError;

/// The frame opcode (RFC 6455 §5.2, §11.8).
///
/// Only the six opcodes the RFC defines exist as values; the reserved ones (3–7 and
/// 0xB–0xF) are rejected by [`Opcode::from_u4`] with [`FrameError::ReservedOpcode`].
///
/// ```
/// use rfc6455::frame::Opcode;
/// assert_eq!(Opcode::from_u4(0x1), Ok(Opcode::Text));
/// assert!(Opcode::Ping.is_control());
/// assert!(Opcode::from_u4(0x3).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    /// `%x0`: continues the message started by an earlier Text or Binary frame.
    Continuation = 0x0,
    /// `%x1`: the first frame of a text (UTF-8) message.
    Text = 0x1,
    /// `%x2`: the first frame of a binary message.
    Binary = 0x2,
    /// `%x8`: the closing handshake (§5.5.1).
    Close = 0x8,
    /// `%x9`: a keepalive or liveness probe (§5.5.2).
    Ping = 0x9,
    /// `%xA`: the answer to a Ping, or an unsolicited heartbeat (§5.5.3).
    Pong = 0xA,
}

impl Opcode {
    /// Reads the low four bits of `value` as an opcode.
    ///
    /// Reserved opcodes are a protocol error (§5.2: "the receiving endpoint MUST
    /// _Fail the WebSocket Connection_").
    #[inline]
    pub const fn from_u4(value: u8) -> Result<Self, FrameError> {
        Ok(match value & 0x0F {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            other => return Err(FrameError::ReservedOpcode(other)),
        })
    }

    /// The four-bit wire value.
    #[inline]
    pub const fn as_u4(self) -> u8 {
        self as u8
    }

    /// Close, Ping and Pong: opcodes with the high bit set (§5.5).
    ///
    /// ```
    /// # use rfc6455::frame::Opcode;
    /// assert!(Opcode::Close.is_control() && !Opcode::Binary.is_control());
    /// ```
    #[inline]
    pub const fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }

    /// Continuation, Text and Binary (§5.6).
    ///
    /// ```
    /// # use rfc6455::frame::Opcode;
    /// assert!(Opcode::Continuation.is_data() && !Opcode::Pong.is_data());
    /// ```
    #[inline]
    pub const fn is_data(self) -> bool {
        !self.is_control()
    }
}
