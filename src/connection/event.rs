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

/// What one step of a stream reader found: [`Connection::read`] (`E` is an [`Event`])
/// and [`MessageReader::read`](super::MessageReader::read) (`E` is a
/// [`Message`](super::Message)).
///
/// Nothing consumed and no event means the input ends inside the next frame: read more
/// bytes first ([`is_partial`](Self::is_partial), the stream readers' `Status::Partial`).
/// Bytes consumed without an event carried nothing to report (a frame header whose
/// payload is still to come, or bytes after the closing handshake).
///
/// ```
/// use rfc6455::connection::{Config, Connection, Event};
/// let mut server = Connection::server(Config::default());
/// let mut half = [0x81, 0x85, 0x37];
/// assert!(server.read(&mut half)?.is_partial());
/// # Ok::<(), rfc6455::connection::ProtocolError>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received<E> {
    /// How many bytes at the start of the input were used; drop them before the next
    /// call, after handling `event`.
    pub consumed: usize,
    /// What those bytes meant, if a whole event was there.
    pub event: Option<E>,
}

impl<E> Received<E> {
    /// Nothing consumed and no event: more bytes are needed.
    pub fn is_partial(&self) -> bool {
        self.consumed == 0 && self.event.is_none()
    }
}
