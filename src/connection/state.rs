//! The connection's state: the closing handshake (RFC 6455 §5.5.1, §7) with failure and
//! the transport's end inside it, and the incoming message. Every transition of the
//! closing handshake is in [`Phase::next`].

use super::MessageKind;

/// Where the connection stands in the closing handshake.
///
/// ```text
///            our Close             peer's Close
///   Open ───────────────► CloseSent ────────────► Closed
///     │                                             ▲
///     │ peer's Close                  our Close     │
///     └───────────────► CloseReceived ──────────────┘
///
///   any state ── transport EOF ──► Closed
///   any state ── protocol error ─► CloseSent (failing: close the transport once sent)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseState {
    /// Data flows both ways.
    Open,
    /// We sent (or queued) a Close; waiting for the peer's. Incoming data is still
    /// delivered until the peer's Close arrives.
    CloseSent,
    /// The peer sent a Close; our echo is queued. Incoming bytes are ignored.
    CloseReceived,
    /// Both Close frames have crossed, or the transport ended.
    Closed,
}

/// The closing handshake as the connection tracks it: [`CloseState`] plus the two ways
/// a connection stops short of it, so that no flag beside it can disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Open,
    CloseSent,
    CloseReceived,
    Closed,
    /// We failed the connection (§7.1.7): our Close is queued or out, nothing more is
    /// read, and the transport closes once the Close is drained.
    Failed,
    /// The transport reached end of stream: nothing is left to do.
    TransportEnded,
    /// The closing handshake ran out of time (§7.1.7): the transport closes.
    TimedOut,
}

/// What moves the closing handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseInput {
    /// The local side sends a Close (its own, or the echo of the peer's).
    SendClose,
    /// A valid Close frame from the peer.
    ReceiveClose,
    /// The peer broke the protocol: a Close with the error's code goes out.
    Fail,
    /// The transport reached end of stream.
    Eof,
    /// The close timeout passed.
    TimeOut,
}

impl Phase {
    /// The phase after `input`; `None` when the input is not allowed here (a second
    /// local Close, or anything from the peer after its Close).
    pub(crate) const fn next(self, input: CloseInput) -> Option<Phase> {
        use CloseInput::*;
        use Phase::*;
        Some(match (self, input) {
            (_, Eof) => TransportEnded,
            (CloseSent | Closed, TimeOut) => TimedOut,
            (Open, SendClose) => CloseSent,
            (Open | CloseSent, Fail) => Failed,
            (Open, ReceiveClose) => CloseReceived,
            (CloseSent, ReceiveClose) => Closed,
            (CloseReceived, SendClose) => Closed,
            (CloseSent, SendClose)
            | (CloseReceived, ReceiveClose | Fail)
            | (Closed | Failed | TransportEnded | TimedOut, SendClose | ReceiveClose | Fail)
            | (Open | CloseReceived | Failed | TransportEnded | TimedOut, TimeOut) => return None,
        })
    }

    /// The public view: a failed connection has its Close out and waits for nothing.
    pub(crate) const fn close_state(self) -> CloseState {
        match self {
            Phase::Open => CloseState::Open,
            Phase::CloseSent | Phase::Failed => CloseState::CloseSent,
            Phase::CloseReceived => CloseState::CloseReceived,
            Phase::Closed | Phase::TransportEnded | Phase::TimedOut => CloseState::Closed,
        }
    }

    /// Frames from the peer are still read: its Close has not arrived (§5.5.1), and we
    /// have not given up on it.
    #[inline(always)]
    pub(crate) const fn reads(self) -> bool {
        matches!(self, Phase::Open | Phase::CloseSent)
    }
}

/// A frame whose payload is still arriving.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameInProgress {
    pub(crate) remaining: u64,
    /// The masking key rotated to the next payload byte, little-endian; 0 when
    /// unmasked, which unmasks to the same bytes.
    pub(crate) mask: u32,
    pub(crate) fin: bool,
}

/// An incoming message whose last frame has not arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageInProgress {
    pub(crate) kind: MessageKind,
    pub(crate) compressed: bool,
    pub(crate) len: u64,
    pub(crate) frames: u32,
}

/// The receive side between two reads. Control frames are delivered whole, so a frame
/// in progress is always a data frame, and always belongs to a message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Incoming {
    /// Between messages.
    Idle,
    /// Between two frames of a fragmented message.
    Message(MessageInProgress),
    /// Inside a data frame of a message.
    Frame(MessageInProgress, FrameInProgress),
}
