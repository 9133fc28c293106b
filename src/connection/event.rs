//! What the peer said: events decoded from its bytes.

#[cfg(doc)]
use super::{Config, Connection};
use crate::frame::{CloseCode, Opcode};

/// The kind of a data message (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// UTF-8 text; the connection validates it.
    Text,
    /// Arbitrary bytes.
    Binary,
}

impl MessageKind {
    pub(crate) const fn opcode(self) -> Opcode {
        match self {
            MessageKind::Text => Opcode::Text,
            MessageKind::Binary => Opcode::Binary,
        }
    }
}

/// What one call to [`Connection::read`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// Part or all of a data message's payload, unmasked. Text is valid UTF-8 so far; a
    /// code point may be split across chunks, and is complete once `message_finished`.
    Data {
        /// Text or binary, from the message's first frame.
        kind: MessageKind,
        /// The payload bytes of this piece, in the caller's buffer.
        payload: &'a [u8],
        /// The last piece of its frame.
        frame_finished: bool,
        /// The last piece of the message.
        message_finished: bool,
        /// The message is compressed (RSV1 on its first frame, RFC 7692 §6): the payload
        /// is deflate data for the negotiated extension to inflate.
        compressed: bool,
    },
    /// A Ping with its application data. With `auto_pong` a Pong is already queued.
    Ping(&'a [u8]),
    /// A Pong with its application data.
    Pong(&'a [u8]),
    /// The peer's Close (1005 when it carried no code), or 1006 from
    /// [`Connection::read_eof`] when the transport ended without one.
    Close {
        /// The peer's status code.
        code: CloseCode,
        /// The peer's reason, possibly empty.
        reason: &'a str,
    },
}

/// The outcome of one [`Connection::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read<'a> {
    /// How many bytes at the start of the input were used; drop them before the next
    /// call, after handling `event`.
    pub consumed: usize,
    /// What those bytes meant, if a whole event was there.
    pub event: Option<Event<'a>>,
}
