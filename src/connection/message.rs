//! Whole messages on top of the frame-level events (needs `alloc`).

use super::buffer::Buf;
use super::{Connection, Event, MessageKind, ProtocolError, Received};
#[cfg(feature = "deflate")]
use crate::extensions::deflate::reader::{peer_keeps_window, Inflating};
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

/// Whole messages for a [`Connection`]: reassembled when fragmented, inflated when
/// compressed (feature `deflate`, once permessage-deflate was negotiated).
///
/// A message that arrives whole in one frame and in one read is handed out straight
/// from the caller's buffer; a fragmented or compressed one is built in one growing
/// buffer that never holds more than
/// [`Config::max_message_size`](super::Config::max_message_size) bytes of it (+ 1 while
/// inflating) and is reused for the next message; room above 64 KiB is given back at
/// the call after the one that handed the message out. Drive it exactly like
/// [`Connection::read`]: one call, one step, drop `consumed` bytes, drain
/// `poll_transmit`.
///
/// Compressed messages are inflated as their frames arrive (RFC 7692 §7.2.2): past the
/// limit they fail with 1009 at that point, inflated text is checked for UTF-8 as it is
/// produced (1007 at the first bad byte), undecodable data fails with 1007. The peer's
/// LZ77 window is kept from message to message unless it agreed to no context
/// takeover, up to 64 KiB beside the message. Without the `deflate` feature a
/// compressed message fails the connection with 1007 ([`ProtocolError::Extension`]).
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
///     let step = reader.read(&mut server, input)?;
///     let consumed = step.consumed;
///     got = step.event.map(|m| format!("{m:?}"));
///     input = &mut input[consumed..];
/// }
/// assert_eq!(got.as_deref(), Some(r#"Text("Hello")"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct MessageReader {
    buf: Buf,
    /// What the buffer holds that was already handed out: cleared on the next call.
    delivered: Delivered,
    /// The connection had an incoming message open after the last read.
    open: bool,
    #[cfg(feature = "deflate")]
    inflating: Inflating,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Delivered {
    #[default]
    Nothing,
    /// A reassembled message: dropped.
    Reassembled,
    /// An inflated message: it joins the window if the peer keeps it.
    #[cfg(feature = "deflate")]
    Inflated { keep_window: bool },
}

impl core::fmt::Debug for MessageReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MessageReader")
            .field("buffered", &self.buf.message_len())
            .finish_non_exhaustive()
    }
}

impl MessageReader {
    /// An empty reader; it allocates only when a fragmented or compressed message
    /// arrives.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held for the message in progress (inflated bytes for a compressed one;
    /// the deflate window is not counted).
    pub fn buffered(&self) -> usize {
        self.buf.message_len()
    }

    /// The payload of the message the last [`read`](Self::read) reassembled or inflated
    /// into this reader, again, until the next `read`; `None` when that call handed
    /// out no data message or one straight from its input (whose bytes are the last
    /// ones it consumed).
    ///
    /// For IO drivers whose receive loop cannot return the borrowed result of `read`
    /// directly (it reads more bytes when no message came): they note where the
    /// message was and take it from here, or from their input, after the loop.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, Message, MessageKind, MessageReader};
    /// let mut client = Connection::client(Config::default(), rfc6455::DeterministicKeys::sequence(1));
    /// let mut wire = vec![0u8; 64];
    /// let mut n = client.send_fragment(MessageKind::Binary, b"ab", false, &mut wire)?;
    /// n += client.send_fragment(MessageKind::Binary, b"c", true, &mut wire[n..])?;
    ///
    /// let mut server = Connection::server(Config::default());
    /// let mut reader = MessageReader::new();
    /// let first = reader.read(&mut server, &mut wire[..n])?.consumed;
    /// assert!(matches!(reader.read(&mut server, &mut wire[first..n])?.event, Some(Message::Binary(b"abc"))));
    /// assert_eq!(reader.reassembled(), Some(&b"abc"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reassembled(&self) -> Option<&[u8]> {
        (self.delivered != Delivered::Nothing).then(|| self.buf.message())
    }

    /// One step: reads one event from `input` through `conn` and returns how many bytes
    /// were consumed and, if it completed one, the message.
    ///
    /// A reader must see every event of its connection: if the start of a message was
    /// read elsewhere (with [`Connection::read`], or through another reader), or this
    /// reader's message began on another connection, the connection fails with
    /// [`ProtocolError::ReaderOutOfStep`] rather than deliver part of a message.
    pub fn read<'a, K: MaskKeySource>(
        &'a mut self,
        conn: &mut Connection<K>,
        input: &'a mut [u8],
    ) -> Result<Received<Message<'a>>, ProtocolError> {
        match core::mem::take(&mut self.delivered) {
            Delivered::Nothing => {}
            Delivered::Reassembled => {
                self.buf.drop_message();
                self.buf.release_room();
            }
            #[cfg(feature = "deflate")]
            Delivered::Inflated { keep_window } => {
                self.inflating.next_message(&mut self.buf, keep_window);
                self.buf.release_room();
            }
        }
        if conn.message_open() != self.open {
            self.release();
            return Err(conn.fail(ProtocolError::ReaderOutOfStep));
        }
        let read = match conn.read(input) {
            Ok(read) => read,
            Err(e) => {
                self.release();
                return Err(e);
            }
        };
        // The connection opens a message with its first frame's header, which may come
        // in a call of its own, before any payload: follow it, not the events.
        self.open = conn.message_open();
        let limit = usize::try_from(conn.config().max_message_size).unwrap_or(usize::MAX);
        let message = match read.event {
            None => None,
            Some(Event::Ping(p)) => Some(Message::Ping(p)),
            Some(Event::Pong(p)) => Some(Message::Pong(p)),
            Some(Event::Close { code, reason }) => Some(Message::Close { code, reason }),
            Some(Event::Data {
                kind,
                payload,
                message_finished,
                compressed,
                ..
            }) => {
                let delivered = if compressed {
                    match self.inflate(conn, kind, payload, message_finished, limit) {
                        Ok(delivered) => delivered,
                        Err(e) => {
                            self.release();
                            return Err(conn.fail(e));
                        }
                    }
                } else if message_finished && self.buf.message_len() == 0 {
                    // Whole in the caller's buffer: no copy.
                    return match whole(kind, payload) {
                        Some(message) => Ok(Received {
                            consumed: read.consumed,
                            event: Some(message),
                        }),
                        None => {
                            self.release();
                            Err(conn.fail(ProtocolError::ReaderOutOfStep))
                        }
                    };
                } else {
                    self.buf.extend(payload, limit);
                    Delivered::Reassembled
                };
                if !message_finished {
                    return Ok(Received {
                        consumed: read.consumed,
                        event: None,
                    });
                }
                self.delivered = delivered;
                match whole(kind, self.buf.message()) {
                    Some(message) => Some(message),
                    None => return Err(conn.fail(ProtocolError::ReaderOutOfStep)),
                }
            }
        };
        Ok(Received {
            consumed: read.consumed,
            event: message,
        })
    }

    /// Reads every message `input` completes, handing each to `on_message`, and returns
    /// how many bytes were used: drop them, keep the rest (the start of a frame) for
    /// the next call. The batch form of [`read`](Self::read).
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, Message, MessageKind, MessageReader};
    /// let mut client = Connection::client(Config::default(), rfc6455::DeterministicKeys::sequence(1));
    /// let mut wire = vec![0u8; 64];
    /// let mut n = client.send_fragment(MessageKind::Text, b"Hel", false, &mut wire)?;
    /// n += client.send_fragment(MessageKind::Text, b"lo", true, &mut wire[n..])?;
    /// n += client.send_binary(&[1, 2], &mut wire[n..])?;
    ///
    /// let mut server = Connection::server(Config::default());
    /// let mut reader = MessageReader::new();
    /// let mut got = Vec::new();
    /// let used = reader.read_all(&mut server, &mut wire[..n + 1], |m| got.push(format!("{m:?}")))?;
    /// assert_eq!(used, n); // the last byte starts a frame still to come
    /// assert_eq!(got, [r#"Text("Hello")"#, "Binary([1, 2])"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_all<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        input: &mut [u8],
        mut on_message: impl FnMut(Message<'_>),
    ) -> Result<usize, ProtocolError> {
        let mut at = 0;
        loop {
            let step = self.read(conn, &mut input[at..])?;
            if step.is_partial() {
                return Ok(at);
            }
            at += step.consumed;
            if let Some(message) = step.event {
                on_message(message);
            }
        }
    }

    /// Inflates a piece of a compressed message; says how to clear it once delivered.
    #[cfg(feature = "deflate")]
    fn inflate<K: MaskKeySource>(
        &mut self,
        conn: &Connection<K>,
        kind: MessageKind,
        payload: &[u8],
        message_finished: bool,
        limit: usize,
    ) -> Result<Delivered, ProtocolError> {
        self.inflating
            .inflate(kind, payload, message_finished, limit, &mut self.buf)?;
        Ok(Delivered::Inflated {
            keep_window: peer_keeps_window(conn.permessage_deflate(), conn.role()),
        })
    }

    /// Without the `deflate` feature, nothing here can inflate (§9.1: an extension
    /// this side does not implement cannot have been negotiated).
    #[cfg(not(feature = "deflate"))]
    fn inflate<K: MaskKeySource>(
        &mut self,
        _: &Connection<K>,
        _: MessageKind,
        _: &[u8],
        _: bool,
        _: usize,
    ) -> Result<Delivered, ProtocolError> {
        Err(ProtocolError::Extension)
    }

    /// Forgets everything after a failure: the connection reads nothing more.
    fn release(&mut self) {
        *self = MessageReader::default();
    }
}

fn whole(kind: MessageKind, payload: &[u8]) -> Option<Message<'_>> {
    match kind {
        MessageKind::Binary => Some(Message::Binary(payload)),
        // The connection validated every byte and the message's end (or the inflater
        // did), and the reader saw the whole message (`open` is checked against the
        // connection), so this does not fail; `forbid(unsafe_code)` rules out the
        // unchecked conversion, so the check runs again, at SIMD speed.
        MessageKind::Text => simdutf8::basic::from_utf8(payload).ok().map(Message::Text),
    }
}
