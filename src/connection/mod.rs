//! The connection state machine after the handshake (RFC 6455 §5–§7).
//!
//! One [`Connection`] serves both roles. It turns the bytes the caller read into
//! [`Event`]s that borrow from the caller's buffer (payloads unmasked in place), queues
//! the replies the protocol obliges (pong, close echo, the close that fails the
//! connection), and encodes the caller's messages into the caller's write buffer.
//!
//! # The loop
//!
//! 1. Read bytes from the transport into a buffer, after what was left unconsumed.
//! 2. Call [`Connection::read_all`] on them (or [`Connection::read`] one event at a
//!    time, or [`MessageReader::read_all`] for whole messages); handle each event; drop
//!    the consumed prefix.
//! 3. Call [`Connection::handle_timeout`] with the time the bytes arrived, if timers
//!    are on.
//! 4. Drain [`Connection::poll_transmit`] into the write buffer until it returns 0, and
//!    write those bytes out. Do this after every read, also after an error.
//! 5. When [`Connection::should_close_transport`] is true, close the transport. Else
//!    wait for input, or until [`Connection::poll_timeout`].
//! 6. At end of stream, call [`Connection::read_eof`].
//!
//! Memory is bounded by the caller's buffer: a frame bigger than the buffer is
//! delivered in pieces, and between calls the connection keeps a fixed-size state.
//! The read buffer must hold at least [`MIN_READ_BUFFER`] bytes, the largest control
//! frame, because control frames are delivered whole.

#[cfg(feature = "alloc")]
pub(crate) mod buffer;
mod config;
mod error;
mod event;
#[cfg(feature = "alloc")]
mod message;
mod receive;
mod send;
mod state;
mod timers;
mod utf8;

pub use config::Config;
pub use error::{ProtocolError, SendError};
pub use event::{Event, MessageKind, Received};
#[cfg(feature = "alloc")]
pub use message::{Message, MessageReader};
pub use state::CloseState;

use crate::frame::{CloseCode, MAX_CONTROL_PAYLOAD};
use crate::random::MaskKeySource;
use config::Limits;
use state::{CloseInput, Incoming, Phase};
use timers::{noted, TimedOut, Timers};
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

/// The outgoing fragmented message: its continuations must match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OutgoingMessage {
    kind: MessageKind,
    /// RSV1 on its first frame: the payload is an extension's, not checked as text.
    compressed: bool,
}

/// The one Close frame this side queues for `poll_transmit`: the echo of the peer's
/// (§5.5.1: its status code, or an empty body for an empty Close), or the Close that
/// fails the connection. A Close the caller asks for is written at once instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QueuedClose {
    /// `None` for the echo of an empty Close.
    code: Option<CloseCode>,
    /// A timer's Close says which timer.
    reason: Option<TimedOut>,
}

impl QueuedClose {
    const fn new(code: CloseCode, reason: Option<TimedOut>) -> Self {
        QueuedClose {
            code: Some(code),
            reason,
        }
    }
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
    limits: Limits,
    timers: Timers,
    keys: K,
    phase: Phase,
    incoming: Incoming,
    /// Where the incoming text message stands in UTF-8.
    utf8: Utf8Validator,
    /// Kind of the outgoing fragmented message, if one is open.
    sending: Option<OutgoingMessage>,
    /// Where the outgoing text message stands in UTF-8: pieces may split code points.
    sending_utf8: Utf8Validator,
    /// The Pong that answers the latest Ping (§5.5.3), until drained.
    pending_pong: Option<ControlPayload>,
    /// The Close to send, until drained.
    pending_close: Option<QueuedClose>,
}

impl Connection<NoMasking> {
    /// A server-side connection.
    #[must_use]
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, NoMasking(()))
    }
}

impl<K: MaskKeySource> Connection<K> {
    /// A client-side connection that takes a fresh masking key from `keys` for every
    /// frame it sends. [`crate::OsRandom`] is a ready source with `std`.
    #[must_use]
    pub fn client(config: Config, keys: K) -> Self {
        Self::new(Role::Client, config, keys)
    }

    fn new(role: Role, config: Config, keys: K) -> Self {
        let limits = config.limits();
        Connection {
            role,
            limits,
            timers: Timers::new(&config),
            keys,
            phase: Phase::Open,
            incoming: Incoming::Idle,
            utf8: Utf8Validator::default(),
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
    /// the message cap, and the timers in whole milliseconds (rounded up).
    pub fn config(&self) -> Config {
        let limits = self.limits;
        let config = Config::default()
            .max_message_size(limits.max_message_size)
            .max_frame_size(limits.max_frame_size)
            .max_fragments(limits.max_fragments)
            .auto_pong(limits.auto_pong)
            .compressed_messages(limits.compressed_messages);
        #[cfg(feature = "deflate")]
        let config = config.permessage_deflate(self.permessage_deflate());
        self.timer_settings(config)
    }

    /// Where the closing handshake stands.
    pub fn close_state(&self) -> CloseState {
        self.phase.close_state()
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
        match self.phase {
            Phase::Failed | Phase::TransportEnded | Phase::TimedOut => true,
            Phase::Closed => self.role == Role::Server,
            Phase::Open | Phase::CloseSent | Phase::CloseReceived => false,
        }
    }

    /// The permessage-deflate parameters this connection was configured with
    /// ([`Config::permessage_deflate`]).
    #[cfg(feature = "deflate")]
    pub fn permessage_deflate(&self) -> Option<crate::extensions::deflate::DeflateParams> {
        crate::extensions::deflate::DeflateParams::unpack(self.limits.deflate)
    }

    /// Whether an incoming data message has begun and not ended: message readers check
    /// that they saw its start.
    #[cfg(feature = "alloc")]
    pub(crate) fn message_open(&self) -> bool {
        !matches!(self.incoming, Incoming::Idle)
    }

    /// Whether [`poll_transmit`](Connection::poll_transmit) has bytes to hand out.
    pub fn wants_transmit(&self) -> bool {
        self.pending_pong.is_some() || self.pending_close.is_some() || self.timers.ping_queued
    }

    /// Fails the connection (§7.1.7): queue a Close with the error's code, stop reading.
    /// Extensions above the connection call it for messages they reject.
    #[cold]
    pub(crate) fn fail(&mut self, error: ProtocolError) -> ProtocolError {
        if self.phase == Phase::Open {
            self.queue_close(QueuedClose::new(error.close_code(), None));
        }
        self.move_close_state(CloseInput::Fail);
        self.incoming = Incoming::Idle;
        error
    }

    /// Queues the one Close this side sends on its own; a Pong not yet sent is dropped,
    /// as the Close ends what it would answer.
    fn queue_close(&mut self, close: QueuedClose) {
        self.pending_close = Some(close);
        self.pending_pong = None;
        self.timers.ping_queued = false;
    }

    fn move_close_state(&mut self, input: CloseInput) {
        if let Some(next) = self.phase.next(input) {
            self.phase = next;
            // The close timeout bounds the wait for the peer's Close, and a client's
            // wait for the server to close the transport (§7.1.1).
            if next == Phase::CloseSent || (next == Phase::Closed && self.role == Role::Client) {
                self.timers.noted |= noted::CLOSING;
            }
        }
    }
}
