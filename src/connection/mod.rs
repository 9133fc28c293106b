//! The connection state machine after the handshake (RFC 6455 §5–§7).
//!
//! One [`Connection`] serves both roles. It turns the bytes the caller read into
//! [`Event`]s that borrow from the caller's buffer (payloads unmasked in place), queues
//! the replies the protocol obliges (pong, close echo, the close that fails the
//! connection), and encodes the caller's messages into the caller's write buffer.
//!
//! # The loop
//!
//! 1. Read bytes from the transport into a buffer.
//! 2. Call [`Connection::read`] on the unconsumed bytes; handle the event; drop the
//!    `consumed` prefix. Repeat until it consumes nothing and returns no event.
//! 3. Drain [`Connection::poll_transmit`] into the write buffer until it returns 0, and
//!    write those bytes out. Do this after every `read`, also after an error.
//! 4. When [`Connection::should_close_transport`] is true, close the transport.
//! 5. At end of stream, call [`Connection::read_eof`].
//!
//! Memory is bounded by the caller's buffer: a frame bigger than the buffer is
//! delivered in pieces, and between calls the connection keeps a fixed-size state.
//! The read buffer must hold at least [`MIN_READ_BUFFER`] bytes, the largest control
//! frame, because control frames are delivered whole.

mod error;
#[cfg(feature = "alloc")]
mod message;
mod state;
mod utf8;

pub use error::{ProtocolError, SendError};
#[cfg(feature = "alloc")]
pub use message::{Message, MessageReader};
pub use state::CloseState;

use crate::frame::{
    apply_mask, mask_with_word, rotate_key, CloseCode, CloseFrame, FrameHeader, Opcode,
    MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD,
};
use crate::random::MaskKeySource;
use crate::{InsufficientSize, Status};
use state::CloseInput;
use utf8::Utf8Validator;

/// The smallest read buffer a connection can work with: the longest control frame
/// (a 6-byte masked header and 125 bytes of payload), which is delivered whole.
pub const MIN_READ_BUFFER: usize = 6 + MAX_CONTROL_PAYLOAD;

/// Which end of the connection this is; it decides the masking direction (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Masks every frame it sends; rejects masked frames.
    Client,
    /// Sends unmasked frames; rejects unmasked ones.
    Server,
}

/// Limits and behaviour, fixed for the life of a connection.
///
/// The limits are the whole memory a peer can make the reassembling layer use; the
/// frame-level API never holds more than the caller's buffer.
///
/// Each setter sets its own field and nothing else, so the order of the calls does not
/// matter. A frame is part of a message, so the frame cap in force is the smaller of
/// `max_frame_size` and `max_message_size`: [`Connection::config`] shows the limits a
/// connection applies, with that rule already applied.
///
/// ```
/// use rfc6455::connection::Config;
/// let config = Config::default().max_message_size(16 << 20).max_fragments(1_000_000);
/// assert_eq!(config.max_message_size, 16 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The largest message, summed over its fragments (default 1 MiB). Exceeding it
    /// fails the connection with 1009 as soon as a frame header announces it.
    pub max_message_size: u64,
    /// The largest single frame payload (default 1 MiB).
    pub max_frame_size: u64,
    /// The most frames one message may span (default 4096): bounds per-fragment work.
    pub max_fragments: u32,
    /// Queue a Pong for every Ping received (default true). Off, the caller answers
    /// [`Event::Ping`] itself.
    pub auto_pong: bool,
    /// RSV1 on a message's first frame marks it compressed, as permessage-deflate
    /// defines once negotiated (RFC 7692 §6; default false). Compressed text is not
    /// checked for UTF-8 here: the extension checks what it inflates. RSV1 anywhere
    /// else, and RSV2/RSV3 always, fail the connection.
    pub compressed_messages: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: 1 << 20,
            max_frame_size: 1 << 20,
            max_fragments: 4096,
            auto_pong: true,
            compressed_messages: false,
        }
    }
}

impl Config {
    /// Sets [`Config::max_message_size`].
    pub const fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`Config::max_frame_size`].
    pub const fn max_frame_size(mut self, bytes: u64) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// Sets [`Config::max_fragments`].
    pub const fn max_fragments(mut self, fragments: u32) -> Self {
        self.max_fragments = fragments;
        self
    }

    /// Sets [`Config::compressed_messages`].
    pub const fn compressed_messages(mut self, on: bool) -> Self {
        self.compressed_messages = on;
        self
    }

    /// Sets [`Config::auto_pong`].
    pub const fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// The limits as a connection applies them: the frame cap no larger than the
    /// message cap.
    const fn in_force(mut self) -> Self {
        if self.max_frame_size > self.max_message_size {
            self.max_frame_size = self.max_message_size;
        }
        self
    }
}

/// The kind of a data message (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// UTF-8 text; the connection validates it.
    Text,
    /// Arbitrary bytes.
    Binary,
}

impl MessageKind {
    const fn opcode(self) -> Opcode {
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

/// A frame whose payload is still arriving.
#[derive(Debug, Clone, Copy)]
struct FrameInProgress {
    remaining: u64,
    /// The masking key rotated to the next payload byte, little-endian.
    mask: u32,
    masked: bool,
    fin: bool,
}

/// An incoming message whose last frame has not arrived.
#[derive(Debug, Clone, Copy)]
struct MessageInProgress {
    kind: MessageKind,
    compressed: bool,
    len: u64,
    frames: u32,
}

/// Where a frame that is a whole message lies in the input; see
/// [`Connection::whole_message_frame`].
#[derive(Debug, Clone, Copy)]
struct WholeMessage {
    kind: MessageKind,
    start: usize,
    len: usize,
    /// The masking key, little-endian; 0 when unmasked, which unmasks to the same bytes.
    mask: u32,
}

/// A control frame payload held until the caller drains it.
#[derive(Debug, Clone, Copy)]
struct ControlPayload {
    bytes: [u8; MAX_CONTROL_PAYLOAD],
    len: u8,
}

impl ControlPayload {
    fn new(data: &[u8]) -> Self {
        let mut bytes = [0; MAX_CONTROL_PAYLOAD];
        bytes[..data.len()].copy_from_slice(data);
        ControlPayload {
            bytes,
            len: data.len() as u8,
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// The key source of a server connection, which never masks (§5.1).
///
/// Only [`Connection::server`] makes one, so a client cannot be built with it: a client
/// that sent frames under a predictable key would defeat masking (§10.3).
///
/// ```compile_fail
/// use rfc6455::connection::{Config, Connection, NoMasking};
/// // A server's key source cannot be made outside the crate, so no client masks with it.
/// let client = Connection::client(Config::default(), NoMasking(()));
/// ```
///
/// Nor is a closure a key source: `|| [0; 4]` would be one line away from the same
/// mistake. Tests name their predictable keys [`DeterministicKeys`](crate::DeterministicKeys).
///
/// ```compile_fail
/// use rfc6455::connection::{Config, Connection};
/// let client = Connection::client(Config::default(), || [0u8; 4]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NoMasking(());

impl MaskKeySource for NoMasking {
    fn next_mask_key(&mut self) -> [u8; 4] {
        // Never called: `encode_frame` masks only for a client.
        [0; 4]
    }
}

/// Why a connection reads nothing more, beyond the closing handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    /// We failed the connection (§7.1.7).
    Failed,
    /// The transport reached end of stream.
    TransportEnded,
}

/// One WebSocket connection after the opening handshake, for either role.
///
/// Inputs are [`read`](Connection::read) and [`read_eof`](Connection::read_eof) for
/// bytes from the peer, and the `send_*` calls for what the caller wants to say. Output
/// is the return value of those calls plus the obliged replies handed out by
/// [`poll_transmit`](Connection::poll_transmit). **After every `read`, drain
/// `poll_transmit` until it returns 0**: pongs and close frames wait there.
///
/// ```
/// use rfc6455::connection::{Config, Connection, Event, MessageKind};
/// use rfc6455::frame::CloseCode;
///
/// let mut server = Connection::server(Config::default());
/// let mut client = Connection::client(Config::default(), rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]));
///
/// // The client encodes a message; the bytes travel; the server reads them.
/// let mut wire = [0u8; 64];
/// let n = client.send_text("Hello", &mut wire)?;
/// let read = server.read(&mut wire[..n])?;
/// assert_eq!(read.consumed, n);
/// assert!(matches!(read.event, Some(Event::Data { kind: MessageKind::Text, payload: b"Hello", message_finished: true, .. })));
///
/// // The client closes; the server's echo is queued and drained.
/// let n = client.send_close(CloseCode::NORMAL, "done", &mut wire)?;
/// let read = server.read(&mut wire[..n])?;
/// assert!(matches!(read.event, Some(Event::Close { code: CloseCode::NORMAL, reason: "done" })));
/// let mut out = [0u8; 64];
/// let echo = server.poll_transmit(&mut out)?;
/// assert!(echo > 0 && server.should_close_transport());
/// let read = client.read(&mut out[..echo])?;
/// assert!(matches!(read.event, Some(Event::Close { code: CloseCode::NORMAL, .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Connection<K = NoMasking> {
    role: Role,
    config: Config,
    keys: K,
    state: CloseState,
    stopped: Option<Stopped>,
    frame: Option<FrameInProgress>,
    /// The incoming message, if one is open.
    message: Option<MessageInProgress>,
    utf8: Utf8Validator,
    /// One past the largest payload a single-frame message may have: the smaller of
    /// the frame and message limits, or 0 when no frame is allowed at all.
    whole_message_limit: u64,
    /// Kind of the outgoing fragmented message, if one is open.
    sending: Option<MessageKind>,
    /// Where the outgoing text message stands in UTF-8: pieces may split code points.
    sending_utf8: Utf8Validator,
    pending_pong: Option<ControlPayload>,
    /// Our Close frame (code and reason as the payload), until drained.
    pending_close: Option<ControlPayload>,
}

impl Connection<NoMasking> {
    /// A server-side connection.
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, NoMasking(()))
    }
}

impl<K: MaskKeySource> Connection<K> {
    /// A client-side connection that takes a fresh masking key from `keys` for every
    /// frame it sends. [`crate::OsRandom`] is a ready source with `std`.
    pub fn client(config: Config, keys: K) -> Self {
        Self::new(Role::Client, config, keys)
    }

    fn new(role: Role, config: Config, keys: K) -> Self {
        let config = config.in_force();
        Connection {
            role,
            config,
            keys,
            state: CloseState::Open,
            stopped: None,
            frame: None,
            message: None,
            utf8: Utf8Validator::default(),
            whole_message_limit: if config.max_fragments == 0 {
                0
            } else {
                config.max_frame_size.saturating_add(1)
            },
            sending: None,
            sending_utf8: Utf8Validator::default(),
            pending_pong: None,
            pending_close: None,
        }
    }

    /// This end's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force: the one given, with the frame cap no larger than
    /// the message cap.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the closing handshake stands.
    pub fn close_state(&self) -> CloseState {
        self.state
    }

    /// Whether the caller should close the transport now.
    ///
    /// A server closes once both Close frames have crossed and its own is drained
    /// (§7.1.1: the server closes the TCP connection first). A client waits for the
    /// server to do so; it may close itself after a timeout of its choosing. Either role
    /// closes right away once it has failed the connection and drained its Close, and
    /// there is nothing left to do after the transport's end of stream.
    pub fn should_close_transport(&self) -> bool {
        if self.pending_close.is_some() {
            return false;
        }
        self.stopped.is_some() || (self.state == CloseState::Closed && self.role == Role::Server)
    }

    /// Whether an incoming data message has begun and not ended: message readers check
    /// that they saw its start.
    #[cfg(feature = "alloc")]
    pub(crate) fn message_open(&self) -> bool {
        self.message.is_some()
    }

    /// Whether [`poll_transmit`](Connection::poll_transmit) has bytes to hand out.
    pub fn wants_transmit(&self) -> bool {
        self.pending_pong.is_some() || self.pending_close.is_some()
    }

    /// Decodes the next event from `input`, the bytes read from the peer and not yet
    /// consumed, unmasking payloads in place.
    ///
    /// Returns how many bytes were used and the event they made, if any. No event and
    /// nothing consumed means: read more bytes first. On error the connection has failed:
    /// a Close with [`ProtocolError::close_code`] is queued for `poll_transmit`, and later
    /// calls consume everything and deliver nothing.
    // Always inlined, and small: the whole-message path is most of the work for small
    // frames, and a call into a large `read` costs more than that work.
    #[inline(always)]
    pub fn read<'b>(&mut self, input: &'b mut [u8]) -> Result<Read<'b>, ProtocolError> {
        // No message open (so no frame either), not failed, still reading data.
        if self.message.is_none()
            && self.stopped.is_none()
            && matches!(self.state, CloseState::Open | CloseState::CloseSent)
        {
            if let Some(whole) = self.whole_message_frame(input) {
                return self.deliver_whole_message(whole, input);
            }
        }
        self.read_frame(input)
    }

    /// The general path of [`read`](Self::read): every frame, in pieces if need be.
    #[inline(never)]
    fn read_frame<'b>(&mut self, input: &'b mut [u8]) -> Result<Read<'b>, ProtocolError> {
        if self.stopped.is_some()
            || matches!(self.state, CloseState::CloseReceived | CloseState::Closed)
        {
            return Ok(Read {
                consumed: input.len(),
                event: None,
            });
        }
        if let (Some(frame), Some(message)) = (self.frame, self.message) {
            return self.continue_frame(message, frame, input, 0);
        }
        let (header, header_len) = match FrameHeader::decode(input) {
            Ok(Status::Complete(h)) => h,
            Ok(Status::Partial) => {
                return Ok(Read {
                    consumed: 0,
                    event: None,
                })
            }
            Err(e) => return Err(self.fail(e.into())),
        };
        if let Err(e) = self.check_header(&header) {
            return Err(self.fail(e));
        }
        if header.opcode.is_control() {
            return self.control_frame(header, header_len, input);
        }
        let message = match self.start_data_frame(&header) {
            Ok(message) => message,
            Err(e) => return Err(self.fail(e)),
        };
        self.continue_frame(
            message,
            FrameInProgress {
                remaining: header.payload_len,
                mask: header.mask.map_or(0, u32::from_le_bytes),
                masked: header.mask.is_some(),
                fin: header.fin,
            },
            input,
            header_len,
        )
    }

    /// Recognises the common case in one pass over the first header bytes: a whole
    /// unfragmented text or binary message, no extension bits, within every limit, all of
    /// it in `input`. Anything else (`None`) takes the general path, which decodes the
    /// header again and reaches the same verdict for the frames accepted here.
    #[inline(always)]
    fn whole_message_frame(&self, input: &[u8]) -> Option<WholeMessage> {
        let [b0, b1, ..] = *input else { return None };
        // FIN set, RSV1-3 clear.
        if b0 & 0xF0 != 0x80 {
            return None;
        }
        let kind = match b0 & 0x0F {
            1 => MessageKind::Text,
            2 => MessageKind::Binary,
            _ => return None,
        };
        let masked = b1 & 0x80 != 0;
        if masked != (self.role == Role::Server) {
            return None;
        }
        let (len, mut start) = match b1 & 0x7F {
            127 => return None,
            126 => {
                let &[_, _, hi, lo, ..] = input else {
                    return None;
                };
                let len = u16::from_be_bytes([hi, lo]) as usize;
                // A length that fits 7 bits in the 16-bit form is not minimal (§5.2).
                if len < 126 {
                    return None;
                }
                (len, 4)
            }
            len => (len as usize, 2),
        };
        let mut mask = 0;
        if masked {
            let key = input.get(start..start + 4)?;
            mask = u32::from_le_bytes([key[0], key[1], key[2], key[3]]);
            start += 4;
        }
        if len as u64 >= self.whole_message_limit || input.len() - start < len {
            return None;
        }
        Some(WholeMessage {
            kind,
            start,
            len,
            mask,
        })
    }

    #[inline(always)]
    fn deliver_whole_message<'b>(
        &mut self,
        whole: WholeMessage,
        input: &'b mut [u8],
    ) -> Result<Read<'b>, ProtocolError> {
        let WholeMessage {
            kind,
            start,
            len,
            mask,
        } = whole;
        let end = start + len;
        let payload = &mut input[start..end];
        if mask != 0 {
            mask_with_word(payload, mask);
        }
        // The whole message is here, so one yes/no check is as fail-fast as the
        // incremental validator, and faster.
        if kind == MessageKind::Text && simdutf8::basic::from_utf8(payload).is_err() {
            return Err(self.fail(ProtocolError::InvalidUtf8));
        }
        Ok(Read {
            consumed: end,
            event: Some(Event::Data {
                kind,
                payload,
                frame_finished: true,
                message_finished: true,
                compressed: false,
            }),
        })
    }

    /// The transport reached end of stream. Returns a 1006 Close event when the peer
    /// left without completing the closing handshake (§7.1.5), else `None`.
    pub fn read_eof(&mut self) -> Option<Event<'static>> {
        let abnormal = matches!(self.state, CloseState::Open | CloseState::CloseSent);
        self.move_close_state(CloseInput::Eof);
        self.stopped = Some(Stopped::TransportEnded);
        self.pending_pong = None;
        self.pending_close = None;
        abnormal.then_some(Event::Close {
            code: CloseCode::ABNORMAL,
            reason: "",
        })
    }

    #[inline]
    fn check_header(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        // RFC 7692 §6.1: the compressed bit only on the first frame of a data message.
        let rsv1_allowed = self.config.compressed_messages
            && matches!(header.opcode, Opcode::Text | Opcode::Binary);
        if (header.rsv1 && !rsv1_allowed) || header.rsv2 || header.rsv3 {
            let bits = (header.rsv1 as u8) << 2 | (header.rsv2 as u8) << 1 | header.rsv3 as u8;
            return Err(ProtocolError::ReservedBits(bits));
        }
        Ok(())
    }

    /// Applies the fragmentation rules and the limits to a new data frame (§5.4), and
    /// returns the message it belongs to, updated; `continue_frame` stores it.
    #[inline]
    fn start_data_frame(
        &mut self,
        header: &FrameHeader,
    ) -> Result<MessageInProgress, ProtocolError> {
        if header.payload_len > self.config.max_frame_size {
            return Err(ProtocolError::MessageTooBig {
                limit: self.config.max_frame_size,
            });
        }
        let mut message = match (header.opcode, self.message) {
            (Opcode::Continuation, Some(message)) => message,
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (_, Some(_)) => return Err(ProtocolError::MessageInterrupted),
            (opcode, None) => MessageInProgress {
                kind: if opcode == Opcode::Text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                },
                compressed: header.rsv1,
                len: 0,
                frames: 0,
            },
        };
        message.len += header.payload_len;
        if message.len > self.config.max_message_size {
            return Err(ProtocolError::MessageTooBig {
                limit: self.config.max_message_size,
            });
        }
        if message.frames >= self.config.max_fragments {
            return Err(ProtocolError::TooManyFragments {
                limit: self.config.max_fragments,
            });
        }
        message.frames += 1;
        Ok(message)
    }

    /// Delivers what is in `input[start..]` of the frame in progress.
    // Inlined into `read`: a call here costs more than the rest of a small frame's work.
    #[inline(always)]
    fn continue_frame<'b>(
        &mut self,
        message: MessageInProgress,
        mut frame: FrameInProgress,
        input: &'b mut [u8],
        start: usize,
    ) -> Result<Read<'b>, ProtocolError> {
        let available = input.len() - start;
        let take = if frame.remaining < available as u64 {
            frame.remaining as usize
        } else {
            available
        };
        let frame_finished = take as u64 == frame.remaining;
        if take == 0 && !frame_finished {
            self.frame = Some(frame);
            self.message = Some(message);
            return Ok(Read {
                consumed: start,
                event: None,
            });
        }
        let payload = &mut input[start..start + take];
        if frame.masked {
            mask_with_word(payload, frame.mask);
        }
        let message_finished = frame_finished && frame.fin;
        let MessageInProgress {
            kind, compressed, ..
        } = message;
        if kind == MessageKind::Text && !compressed {
            let valid =
                self.utf8.feed(payload).is_ok() && (!message_finished || self.utf8.is_complete());
            if !valid {
                return Err(self.fail(ProtocolError::InvalidUtf8));
            }
        }
        // A message that ends in the frame it began in never touches `self.message`.
        self.message = if message_finished {
            None
        } else {
            Some(message)
        };
        if frame_finished {
            self.frame = None;
        } else {
            frame.remaining -= take as u64;
            frame.mask = rotate_key(frame.mask, take);
            self.frame = Some(frame);
        }
        Ok(Read {
            consumed: start + take,
            event: Some(Event::Data {
                kind,
                payload,
                frame_finished,
                message_finished,
                compressed,
            }),
        })
    }

    /// Handles a control frame, which is delivered whole (§5.5).
    fn control_frame<'b>(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        input: &'b mut [u8],
    ) -> Result<Read<'b>, ProtocolError> {
        let end = header_len + header.payload_len as usize;
        let Some(payload) = input.get_mut(header_len..end) else {
            return Ok(Read {
                consumed: 0,
                event: None,
            });
        };
        if let Some(key) = header.mask {
            apply_mask(payload, key, 0);
        }
        let payload: &'b [u8] = payload;
        let event = match header.opcode {
            Opcode::Ping => {
                // §5.5.2: a Ping is answered unless the peer's Close has arrived, which
                // is never the case here; our own Close may already have gone out.
                if self.config.auto_pong {
                    self.pending_pong = Some(ControlPayload::new(payload));
                }
                Event::Ping(payload)
            }
            Opcode::Pong => Event::Pong(payload),
            _ => {
                let close = match CloseFrame::parse(payload) {
                    Ok(close) => close,
                    Err(e) => return Err(self.fail(e.into())),
                };
                let was_open = self.state == CloseState::Open;
                self.move_close_state(CloseInput::ReceiveClose);
                if was_open {
                    // §5.5.1: echo the status code; the reason is ours to choose.
                    let mut echo = [0u8; 2];
                    let body = match close {
                        Some(c) => {
                            echo = c.code.0.to_be_bytes();
                            &echo[..]
                        }
                        None => &echo[..0],
                    };
                    self.pending_close = Some(ControlPayload::new(body));
                    self.pending_pong = None;
                }
                match close {
                    Some(c) => Event::Close {
                        code: c.code,
                        reason: c.reason,
                    },
                    None => Event::Close {
                        code: CloseCode::NO_STATUS_RECEIVED,
                        reason: "",
                    },
                }
            }
        };
        Ok(Read {
            consumed: end,
            event: Some(event),
        })
    }

    /// Fails the connection (§7.1.7): queue a Close with the error's code, stop reading.
    /// Extensions above the connection call it for messages they reject.
    #[cold]
    pub(crate) fn fail(&mut self, error: ProtocolError) -> ProtocolError {
        if self.state == CloseState::Open {
            let mut body = [0u8; 2];
            body.copy_from_slice(&error.close_code().0.to_be_bytes());
            self.pending_close = Some(ControlPayload::new(&body));
            self.pending_pong = None;
        }
        self.move_close_state(CloseInput::Fail);
        if self.stopped.is_none() {
            self.stopped = Some(Stopped::Failed);
        }
        self.frame = None;
        self.message = None;
        error
    }

    fn move_close_state(&mut self, input: CloseInput) {
        if let Some(next) = self.state.next(input) {
            self.state = next;
        }
    }

    /// Encodes the queued replies (pong, then our Close) into `out` and returns the
    /// number of bytes written; 0 when nothing waits. Frames that do not fit stay queued;
    /// if not even the first fits, `out` is untouched and the error gives its size.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        let mut written = 0;
        if let Some(pong) = self.pending_pong {
            match self.encode_frame(
                Opcode::Pong,
                true,
                false,
                pong.as_slice(),
                &mut out[written..],
            ) {
                Ok(n) => {
                    written += n;
                    self.pending_pong = None;
                }
                Err(e) => return if written == 0 { Err(e) } else { Ok(written) },
            }
        }
        if let Some(close) = self.pending_close {
            match self.encode_frame(
                Opcode::Close,
                true,
                false,
                close.as_slice(),
                &mut out[written..],
            ) {
                Ok(n) => {
                    written += n;
                    self.pending_close = None;
                    if self.state == CloseState::CloseReceived {
                        self.move_close_state(CloseInput::SendClose);
                    }
                }
                Err(e) => return if written == 0 { Err(e) } else { Ok(written) },
            }
        }
        Ok(written)
    }

    /// Encodes a whole text message as one frame into `out`. Refused with
    /// [`SendError::MessageInProgress`] while a fragmented message is being sent.
    pub fn send_text(&mut self, text: &str, out: &mut [u8]) -> Result<usize, SendError> {
        self.send_whole(MessageKind::Text, text.as_bytes(), out)
    }

    /// Encodes a whole binary message as one frame into `out`. Refused with
    /// [`SendError::MessageInProgress`] while a fragmented message is being sent.
    pub fn send_binary(&mut self, data: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_whole(MessageKind::Binary, data, out)
    }

    /// A message that begins and ends here may not land inside an open one (§5.4).
    fn send_whole(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.sending.is_some() {
            return Err(SendError::MessageInProgress);
        }
        self.send_data(kind, payload, true, false, out)
    }

    /// Encodes one frame of a message, so a large message can be sent in pieces without
    /// being held whole (§5.4). The first call opens the message with `kind`; later calls
    /// (with the same `kind`) continue it; `last` ends it. Control frames may be sent
    /// between the pieces. Text pieces need not split at code point boundaries, but
    /// together they must be UTF-8: a piece that makes them invalid, or a last piece
    /// that leaves a code point unfinished, is refused with [`SendError::InvalidUtf8`]
    /// and nothing is written.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, MessageKind};
    /// let mut server = Connection::server(Config::default());
    /// let mut out = [0u8; 16];
    /// let n = server.send_fragment(MessageKind::Text, b"Hel", false, &mut out)?;
    /// assert_eq!(&out[..n], [0x01, 0x03, b'H', b'e', b'l']);
    /// let n = server.send_fragment(MessageKind::Text, b"lo", true, &mut out)?;
    /// assert_eq!(&out[..n], [0x80, 0x02, b'l', b'o']);
    /// # Ok::<(), rfc6455::connection::SendError>(())
    /// ```
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        self.send_data(kind, payload, last, false, out)
    }

    /// Like [`send_fragment`](Connection::send_fragment), for a message whose payload
    /// an extension compressed: its first frame carries RSV1 (RFC 7692 §6). Needs
    /// [`Config::compressed_messages`].
    pub fn send_compressed_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if !self.config.compressed_messages {
            return Err(SendError::CompressionNotNegotiated);
        }
        self.send_data(kind, payload, last, true, out)
    }

    fn send_data(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        compressed: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.state != CloseState::Open || self.pending_close.is_some() {
            return Err(SendError::Closing);
        }
        let (opcode, rsv1) = match self.sending {
            None => (kind.opcode(), compressed),
            Some(open) if open == kind => (Opcode::Continuation, false),
            Some(_) => return Err(SendError::MessageInProgress),
        };
        // Compressed text is checked by the extension before it compresses.
        let mut utf8 = self.sending_utf8;
        if kind == MessageKind::Text && !compressed {
            if opcode != Opcode::Continuation {
                utf8 = Utf8Validator::default();
            }
            if utf8.feed(payload).is_err() || (last && !utf8.is_complete()) {
                return Err(SendError::InvalidUtf8);
            }
        }
        let n = self.encode_frame(opcode, last, rsv1, payload, out)?;
        self.sending = if last { None } else { Some(kind) };
        self.sending_utf8 = utf8;
        Ok(n)
    }

    /// Encodes a whole message as fragments of at most `fragment_size` payload bytes
    /// (0 counts as 1). If `out` cannot hold them all, nothing is written. Refused with
    /// [`SendError::MessageInProgress`] while a fragmented message is being sent.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, MessageKind};
    /// let mut server = Connection::server(Config::default());
    /// let mut out = [0u8; 32];
    /// let n = server.send_message_fragmented(MessageKind::Binary, &[7; 10], 4, &mut out)?;
    /// assert_eq!(n, 3 * 2 + 10);
    /// # Ok::<(), rfc6455::connection::SendError>(())
    /// ```
    pub fn send_message_fragmented(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        fragment_size: usize,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.sending.is_some() {
            return Err(SendError::MessageInProgress);
        }
        if payload.is_empty() {
            return self.send_whole(kind, payload, out);
        }
        let size = fragment_size.clamp(1, payload.len());
        let mask_len = if self.role == Role::Client { 4 } else { 0 };
        let frames = payload.len().div_ceil(size);
        let last_len = payload.len() - (frames - 1) * size;
        let overhead =
            |len: usize| FrameHeader::new(kind.opcode(), len as u64).encoded_len() + mask_len;
        // Saturating: no buffer holds `usize::MAX` bytes, so a sum that would overflow
        // is simply too large for `out`.
        let required = (frames - 1)
            .saturating_mul(overhead(size) + size)
            .saturating_add(overhead(last_len) + last_len);
        if out.len() < required {
            return Err(InsufficientSize { required }.into());
        }
        if kind == MessageKind::Text && simdutf8::basic::from_utf8(payload).is_err() {
            return Err(SendError::InvalidUtf8);
        }
        let mut written = 0;
        let mut chunks = payload.chunks(size).peekable();
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            written += self.send_fragment(kind, chunk, last, &mut out[written..])?;
        }
        Ok(written)
    }

    /// Encodes a Ping with up to 125 bytes of application data.
    pub fn send_ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_control(Opcode::Ping, payload, out)
    }

    /// Encodes an unsolicited Pong (a heartbeat that asks no answer, §5.5.3).
    pub fn send_pong(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_control(Opcode::Pong, payload, out)
    }

    fn send_control(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong);
        }
        // Control frames may follow our Close (§5.5.1 forbids only data), but not a
        // Close still queued, and nothing goes out once the peer's Close has arrived.
        if !matches!(self.state, CloseState::Open | CloseState::CloseSent)
            || self.pending_close.is_some()
            || self.stopped.is_some()
        {
            return Err(SendError::Closing);
        }
        Ok(self.encode_frame(opcode, true, false, payload, out)?)
    }

    /// Starts the closing handshake (§7.1.2): encodes a Close with `code` and `reason`.
    /// After this, no data may be sent; incoming data is delivered until the peer's
    /// Close arrives. Answering the peer's Close is automatic (see `poll_transmit`).
    pub fn send_close(
        &mut self,
        code: CloseCode,
        reason: &str,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let close = CloseFrame::new(code, reason).ok_or(SendError::InvalidClose)?;
        if self.state != CloseState::Open || self.pending_close.is_some() {
            return Err(SendError::Closing);
        }
        let mut body = [0u8; 2 + MAX_CLOSE_REASON];
        let len = close
            .encode(&mut body)
            .map_err(|_| SendError::InvalidClose)?;
        let n = self.encode_frame(Opcode::Close, true, false, &body[..len], out)?;
        // A Pong still queued goes out after our Close: control frames may follow it.
        self.move_close_state(CloseInput::SendClose);
        Ok(n)
    }

    /// Writes one frame, masked for a client; nothing is written if it does not fit.
    #[inline]
    fn encode_frame(
        &mut self,
        opcode: Opcode,
        fin: bool,
        rsv1: bool,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, InsufficientSize> {
        let mut header = FrameHeader::new(opcode, payload.len() as u64);
        header.fin = fin;
        header.rsv1 = rsv1;
        if self.role == Role::Client {
            header.mask = Some([0; 4]);
        }
        let header_len = header.encoded_len();
        let required = header_len + payload.len();
        if out.len() < required {
            return Err(InsufficientSize { required });
        }
        if self.role == Role::Client {
            header.mask = Some(self.keys.next_mask_key());
        }
        header.encode_unchecked(out)?;
        let body = &mut out[header_len..required];
        body.copy_from_slice(payload);
        if let Some(key) = header.mask {
            apply_mask(body, key, 0);
        }
        Ok(required)
    }
}
