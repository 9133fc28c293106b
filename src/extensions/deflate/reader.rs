//! Whole messages, inflated, on top of the frame-level events.

use crate::connection::{Connection, Event, Message, MessageKind, ProtocolError};
use crate::random::MaskKeySource;

use super::codec::{Buf, Inflater};

/// A [`MessageReader`](crate::connection::MessageReader) that also inflates compressed
/// messages (RFC 7692 §7.2.2).
///
/// Uncompressed messages pass through as the plain reader hands them out (a whole
/// single-frame message straight from the caller's buffer). A compressed message is
/// inflated piece by piece as its frames arrive, into one buffer that never grows past
/// [`Config::max_message_size`](crate::connection::Config::max_message_size) + 1
/// bytes: a message that inflates beyond the limit fails with 1009 at that point.
/// Inflated text is checked for UTF-8 as it is produced and fails with 1007 at the
/// first bad byte; undecodable DEFLATE data fails with 1007 too.
///
/// A rejected message fails the connection like any protocol error: the Close with
/// the error's code waits in [`Connection::poll_transmit`], and nothing more is read.
///
/// ```
/// use rfc6455::connection::{Config, Connection, Message, MessageKind, Role};
/// use rfc6455::extensions::deflate::{DeflateMessageReader, DeflateParams, DeflateSender};
///
/// let params = DeflateParams::default();
/// let config = Config::default().compressed_messages(true);
/// let mut client = Connection::client(config, rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]));
/// let mut server = Connection::server(config);
/// let mut sender = DeflateSender::new(&params, Role::Client);
/// let mut reader = DeflateMessageReader::new();
///
/// let mut wire = vec![0u8; sender.max_send_len(5)];
/// let n = sender.send(&mut client, MessageKind::Text, b"Hello", &mut wire)?;
/// assert_eq!(n, 6 + 7); // "Hello" deflates to 7 bytes
/// let (consumed, message) = reader.read(&mut server, &mut wire[..n])?;
/// assert_eq!((consumed, message), (n, Some(Message::Text("Hello"))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct DeflateMessageReader {
    inflater: Inflater,
    buf: Buf,
    /// Bytes of `buf` known to be UTF-8 so far (text messages).
    utf8_checked: usize,
    /// The buffer holds a message already handed out: clear it on the next call.
    delivered: bool,
}

impl core::fmt::Debug for DeflateMessageReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeflateMessageReader")
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl DeflateMessageReader {
    /// A reader that allocates nothing until a message needs it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held for the message in progress (inflated bytes for a compressed one).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// One step: reads one event from `input` through `conn` and returns how many bytes
    /// were consumed and, if it completed one, the message. Compressed messages arrive
    /// inflated.
    pub fn read<'a, K: MaskKeySource>(
        &'a mut self,
        conn: &mut Connection<K>,
        input: &'a mut [u8],
    ) -> Result<(usize, Option<Message<'a>>), ProtocolError> {
        if self.delivered {
            self.buf.clear();
            self.utf8_checked = 0;
            self.delivered = false;
        }
        let read = match conn.read(input) {
            Ok(read) => read,
            Err(e) => {
                self.buf.release();
                return Err(e);
            }
        };
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
                compressed: false,
                ..
            }) => {
                if message_finished && self.buf.len() == 0 {
                    Some(whole(kind, payload)?)
                } else {
                    self.buf.extend(payload, limit);
                    self.finished(kind, message_finished)?
                }
            }
            Some(Event::Data {
                kind,
                payload,
                message_finished,
                compressed: true,
                ..
            }) => match self.inflate(kind, payload, message_finished, limit) {
                Ok(()) => self.finished(kind, message_finished)?,
                Err(e) => {
                    self.buf.release();
                    self.utf8_checked = 0;
                    return Err(conn.fail(e));
                }
            },
        };
        Ok((read.consumed, message))
    }

    fn inflate(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        message_finished: bool,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        let mut inflated = self.inflater.inflate(payload, &mut self.buf, limit);
        if inflated.is_ok() && message_finished {
            inflated = self.inflater.finish(&mut self.buf, limit);
        }
        if kind == MessageKind::Text {
            // Checked before the inflater's verdict: a bad byte inflated ahead of the
            // limit or of corrupt data is the message's first fault. Had the frames been
            // cut finer, it would have come out, and failed, in an earlier call; the
            // error must not depend on the cuts.
            let complete = message_finished && inflated.is_ok();
            let fresh = &self.buf.filled()[self.utf8_checked..];
            match simdutf8::compat::from_utf8(fresh) {
                Ok(_) => self.utf8_checked = self.buf.len(),
                // A code point cut by the end of what has been inflated so far.
                Err(e) if e.error_len().is_none() && !complete => {
                    self.utf8_checked += e.valid_up_to();
                }
                Err(_) => return Err(ProtocolError::InvalidUtf8),
            }
        }
        inflated
    }

    fn finished(
        &mut self,
        kind: MessageKind,
        message_finished: bool,
    ) -> Result<Option<Message<'_>>, ProtocolError> {
        if !message_finished {
            return Ok(None);
        }
        self.delivered = true;
        whole(kind, self.buf.filled()).map(Some)
    }
}

fn whole(kind: MessageKind, payload: &[u8]) -> Result<Message<'_>, ProtocolError> {
    match kind {
        MessageKind::Binary => Ok(Message::Binary(payload)),
        // Already validated (by the connection, or as it was inflated); the second pass
        // only recovers the `&str` without `unsafe`.
        MessageKind::Text => simdutf8::basic::from_utf8(payload)
            .map(Message::Text)
            .map_err(|_| ProtocolError::InvalidUtf8),
    }
}
