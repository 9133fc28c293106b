//! Whole messages on top of the frame-level events (needs `alloc`).

use alloc::vec::Vec;

use super::{Connection, Event, MessageKind, ProtocolError};
use crate::frame::CloseCode;
use crate::random::MaskKeySource;

/// A complete message, or a control frame, from [`MessageReader::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// A whole text message, validated as UTF-8.
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// A Ping (already answered when `auto_pong` is on).
    Ping(&'a [u8]),
    /// A Pong.
    Pong(&'a [u8]),
    /// The peer's Close, or 1006 from [`Connection::read_eof`].
    Close {
        /// The status code (1005 when the frame had none).
        code: CloseCode,
        /// The reason, possibly empty.
        reason: &'a str,
    },
}

/// Reassembles fragmented messages for a [`Connection`].
///
/// A message that arrives whole in one frame and in one read is handed out straight
/// from the caller's buffer; a fragmented one is copied into one growing buffer that
/// never exceeds [`Config::max_message_size`](super::Config::max_message_size) and is
/// reused for the next message. Drive it exactly like [`Connection::read`]: one call,
/// one step, drop `consumed` bytes, drain `poll_transmit`.
///
/// ```
/// use rfc6455::connection::{Config, Connection, Message, MessageKind, MessageReader};
/// let mut client = Connection::client(Config::default(), rfc6455::DeterministicKeys::repeating([9, 8, 7, 6]));
/// let mut server = Connection::server(Config::default());
/// let mut wire = vec![0u8; 64];
/// let mut n = client.send_fragment(MessageKind::Text, "Hel".as_bytes(), false, &mut wire)?;
/// n += client.send_fragment(MessageKind::Text, "lo".as_bytes(), true, &mut wire[n..])?;
///
/// let mut reader = MessageReader::new();
/// let mut input = &mut wire[..n];
/// let mut got = None;
/// while got.is_none() {
///     let (consumed, message) = reader.read(&mut server, input)?;
///     got = message.map(|m| format!("{m:?}"));
///     input = &mut input[consumed..];
/// }
/// assert_eq!(got.as_deref(), Some(r#"Text("Hello")"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageReader {
    buf: Vec<u8>,
    /// The buffer holds a message already handed out: clear it on the next call.
    delivered: bool,
    /// A fragmented message has begun through this reader and not ended.
    open: bool,
}

impl MessageReader {
    /// An empty reader; it allocates only when a fragmented message arrives.
    #[must_use]
    pub const fn new() -> Self {
        MessageReader {
            buf: Vec::new(),
            delivered: false,
            open: false,
        }
    }

    /// Bytes held for the message in progress.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// One step: reads one event from `input` through `conn` and returns how many bytes
    /// were consumed and, if it completed one, the message.
    ///
    /// This reader does not inflate: a compressed message (possible only with
    /// [`Config::compressed_messages`](super::Config::compressed_messages)) fails the
    /// connection with [`ProtocolError::Extension`]; the permessage-deflate layer reads
    /// those.
    ///
    /// A reader must see every event of its connection: if the start of a message was
    /// read elsewhere (with [`Connection::read`], or through another reader), or this
    /// reader's message began on another connection, the connection fails with
    /// [`ProtocolError::ReaderOutOfStep`] rather than deliver part of a message.
    pub fn read<'a, K: MaskKeySource>(
        &'a mut self,
        conn: &mut Connection<K>,
        input: &'a mut [u8],
    ) -> Result<(usize, Option<Message<'a>>), ProtocolError> {
        if self.delivered {
            self.buf.clear();
            self.delivered = false;
        }
        if conn.message_open() != self.open {
            self.buf = Vec::new();
            self.open = false;
            return Err(conn.fail(ProtocolError::ReaderOutOfStep));
        }
        let read = match conn.read(input) {
            Ok(read) => read,
            Err(e) => {
                self.buf = Vec::new();
                self.open = false;
                return Err(e);
            }
        };
        // The connection opens a message with its first frame's header, which may come
        // in a call of its own, before any payload: follow it, not the events.
        self.open = conn.message_open();
        let message = match read.event {
            None => None,
            Some(Event::Ping(p)) => Some(Message::Ping(p)),
            Some(Event::Pong(p)) => Some(Message::Pong(p)),
            Some(Event::Close { code, reason }) => Some(Message::Close { code, reason }),
            Some(Event::Data {
                compressed: true, ..
            }) => {
                // Inflating is the extension's job; this reader never sees plain text in it.
                self.buf = Vec::new();
                self.open = false;
                return Err(conn.fail(ProtocolError::Extension));
            }
            Some(Event::Data {
                kind,
                payload,
                message_finished,
                ..
            }) => {
                let message = if message_finished && self.buf.is_empty() {
                    payload
                } else {
                    self.append(payload, conn.config().max_message_size);
                    if !message_finished {
                        return Ok((read.consumed, None));
                    }
                    self.delivered = true;
                    &self.buf
                };
                match whole(kind, message) {
                    Some(message) => Some(message),
                    None => return Err(conn.fail(ProtocolError::ReaderOutOfStep)),
                }
            }
        };
        Ok((read.consumed, message))
    }

    /// Appends without letting capacity pass `limit`: the connection has already
    /// checked that the message fits, so `limit` is always enough.
    fn append(&mut self, bytes: &[u8], limit: u64) {
        let needed = self.buf.len() + bytes.len();
        if needed > self.buf.capacity() {
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let target = (self.buf.capacity() * 2).clamp(needed, limit.max(needed));
            self.buf.reserve_exact(target - self.buf.len());
        }
        self.buf.extend_from_slice(bytes);
    }
}

fn whole(kind: MessageKind, payload: &[u8]) -> Option<Message<'_>> {
    match kind {
        MessageKind::Binary => Some(Message::Binary(payload)),
        // The connection validated every byte and the message's end, and the reader saw
        // the whole message (`open` is checked against the connection), so this does not
        // fail; `forbid(unsafe_code)` rules out the unchecked conversion, so the check
        // runs again, at SIMD speed.
        MessageKind::Text => simdutf8::basic::from_utf8(payload).ok().map(Message::Text),
    }
}
