//! The closing handshake (RFC 6455 §5.5.1, §7): every transition in one function.

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
}

impl CloseState {
    /// The state after `input`; `None` when the input is not allowed here (a second
    /// local Close, or anything from the peer after its Close).
    pub(crate) const fn next(self, input: CloseInput) -> Option<CloseState> {
        use CloseInput::*;
        use CloseState::*;
        Some(match (self, input) {
            (_, Eof) => Closed,
            (Open, SendClose | Fail) => CloseSent,
            (Open, ReceiveClose) => CloseReceived,
            (CloseSent, ReceiveClose) => Closed,
            (CloseReceived, SendClose) => Closed,
            // Failing while our Close is already out changes nothing: the peer has been told.
            (CloseSent, Fail) => CloseSent,
            (CloseSent, SendClose)
            | (CloseReceived, ReceiveClose | Fail)
            | (Closed, SendClose | ReceiveClose | Fail) => return None,
        })
    }
}
