//! Whole messages, inflated, on top of the frame-level events.

use crate::connection::{Connection, Event, Message, MessageKind, ProtocolError, Role};
use crate::random::MaskKeySource;

use super::codec::{Buf, Inflater};
use super::negotiate::DeflateParams;

/// A [`MessageReader`](crate::connection::MessageReader) that also inflates compressed
/// messages (RFC 7692 §7.2.2).
///
/// Uncompressed messages pass through as the plain reader hands them out (a whole
/// single-frame message straight from the caller's buffer). A compressed message is
/// inflated piece by piece as its frames arrive, after the last 32 KiB of the earlier
/// compressed messages it may refer back to (the window, see [`super`]), into one
/// buffer whose message part never grows past
/// [`Config::max_message_size`](crate::connection::Config::max_message_size) + 1
/// bytes: a message that inflates beyond the limit fails with 1009 at that point.
/// Inflated text is checked for UTF-8 as it is produced and fails with 1007 at the
/// first bad byte; undecodable DEFLATE data fails with 1007 too, and so does a
/// back-reference to before the window.
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
#[derive(Clone)]
pub struct DeflateMessageReader {
    inflater: Inflater,
    /// The history the peer's messages may refer back to, then the message in progress.
    buf: Buf,
    /// Bytes of the message known to be UTF-8 so far (text messages).
    utf8_checked: usize,
    /// What the buffer's message was, once handed out: cleared on the next call.
    delivered: Delivered,
    /// A message has begun through this reader and not ended.
    open: bool,
    /// The peer takes its compression context over from message to message.
    keep_window: bool,
}

/// What the last message handed out leaves behind: only an inflated one joins the
/// window: an uncompressed message never went through the peer's compressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivered {
    Nothing,
    Uncompressed,
    Inflated,
}

impl core::fmt::Debug for DeflateMessageReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeflateMessageReader")
            .field("buffered", &self.buf.message_len())
            .field("keep_window", &self.keep_window)
            .finish_non_exhaustive()
    }
}

impl Default for DeflateMessageReader {
    fn default() -> Self {
        Self::new()
    }
}

impl DeflateMessageReader {
    /// A reader that keeps the window from message to message, whatever was agreed: a
    /// peer that resets its context never refers back, so this reads every peer's
    /// messages, but it does not catch a peer that refers back although it agreed not to.
    /// It allocates nothing until a message needs it.
    pub fn new() -> Self {
        DeflateMessageReader {
            inflater: Inflater::default(),
            buf: Buf::new(),
            utf8_checked: 0,
            delivered: Delivered::Nothing,
            open: false,
            keep_window: true,
        }
    }

    /// A reader for `role`, the local end, under the agreed `params`. If the peer agreed
    /// to no context takeover (`server_no_context_takeover` when `role` is the client,
    /// `client_no_context_takeover` when it is the server; RFC 7692 §7.1.1), each of its
    /// messages is a DEFLATE stream of its own: the window is dropped at every message's
    /// end, and a message that refers back into an earlier one fails with 1007, as it
    /// would for zlib. It allocates nothing until a message needs it.
    pub fn with_params(params: &DeflateParams, role: Role) -> Self {
        let peer_is_server = role == Role::Client;
        DeflateMessageReader {
            keep_window: !params.no_context_takeover(peer_is_server),
            ..Self::new()
        }
    }

    /// Bytes held for the message in progress (inflated bytes for a compressed one). The
    /// window kept for the next compressed message is not counted.
    pub fn buffered(&self) -> usize {
        self.buf.message_len()
    }

    /// One step: reads one event from `input` through `conn` and returns how many bytes
    /// were consumed and, if it completed one, the message. Compressed messages arrive
    /// inflated.
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
        match self.delivered {
            Delivered::Nothing => {}
            Delivered::Uncompressed => self.buf.drop_message(),
            Delivered::Inflated => self.inflater.next_message(&mut self.buf, self.keep_window),
        }
        if self.delivered != Delivered::Nothing {
            self.utf8_checked = 0;
            self.delivered = Delivered::Nothing;
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
        // Whatever this read did, this reader saw it; that includes a data frame's header
        // read with none of its payload, which opens the message without an event.
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
                let complete = if compressed {
                    if let Err(e) = self.inflate(kind, payload, message_finished, limit) {
                        self.release();
                        return Err(conn.fail(e));
                    }
                    message_finished.then_some(Delivered::Inflated)
                } else if message_finished && self.buf.message_len() == 0 {
                    // Whole in the caller's buffer: no copy.
                    return match whole(kind, payload) {
                        Some(message) => Ok((read.consumed, Some(message))),
                        None => {
                            self.release();
                            Err(conn.fail(ProtocolError::ReaderOutOfStep))
                        }
                    };
                } else {
                    self.buf.extend(payload, limit);
                    message_finished.then_some(Delivered::Uncompressed)
                };
                match complete {
                    None => None,
                    Some(delivered) => {
                        self.delivered = delivered;
                        // The buffer is cleared on the next call, as after any message.
                        match whole(kind, self.buf.message()) {
                            Some(message) => Some(message),
                            None => return Err(conn.fail(ProtocolError::ReaderOutOfStep)),
                        }
                    }
                }
            }
        };
        Ok((read.consumed, message))
    }

    /// Forgets everything, the window too: the connection has failed, and the reader
    /// starts afresh should it be handed another.
    fn release(&mut self) {
        self.inflater = Inflater::default();
        self.buf.release();
        self.utf8_checked = 0;
        self.delivered = Delivered::Nothing;
        self.open = false;
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
            // `utf8_checked` only ever counts bytes of the message.
            let fresh = &self.buf.message()[self.utf8_checked..];
            match simdutf8::compat::from_utf8(fresh) {
                Ok(_) => self.utf8_checked = self.buf.message_len(),
                // A code point cut by the end of what has been inflated so far.
                Err(e) if e.error_len().is_none() && !complete => {
                    self.utf8_checked += e.valid_up_to();
                }
                Err(_) => return Err(ProtocolError::InvalidUtf8),
            }
        }
        inflated
    }
}

/// The message, or `None` for text that is not UTF-8, which cannot happen to a reader
/// that saw the whole message: the connection checked uncompressed text and
/// [`DeflateMessageReader::inflate`] inflated text. `forbid(unsafe_code)` rules out the
/// unchecked conversion, so the check runs again, at SIMD speed.
fn whole(kind: MessageKind, payload: &[u8]) -> Option<Message<'_>> {
    match kind {
        MessageKind::Binary => Some(Message::Binary(payload)),
        MessageKind::Text => simdutf8::basic::from_utf8(payload).ok().map(Message::Text),
    }
}
