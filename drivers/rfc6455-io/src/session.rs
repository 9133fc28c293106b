//! The plumbing every driver needs and no driver should write twice, without IO:
//! where read bytes go and how long they stay, how a found message is handed out,
//! what waits to be written, and the timers on the process clock. A driver moves
//! bytes between these buffers and its transport, nothing more.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::OnceLock;
use std::time::Instant;

use rfc6455::connection::{Connection, Event, Message, MessageKind, MessageReader};
#[cfg(feature = "deflate")]
use rfc6455::extensions::deflate::DeflateSender;
use rfc6455::frame::{CloseCode, MAX_HEADER_LEN};
use rfc6455::time::{StdClock, Timestamp};
use rfc6455::MaskKeySource;

use crate::Error;

/// The transport is read in chunks of this size, into a buffer shared by every
/// connection on the thread: an idle connection holds no read buffer at all.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Control frames are at most 131 bytes (§5.5): the room `poll_transmit` needs.
const CONTROL_FRAME: usize = 2 + 4 + 125;

/// Output above this is released once written, so that one large message does not
/// pin its size for the life of the connection.
const KEEP_OUTPUT: usize = 16 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `read` on the thread's read buffer and keeps what it read: the bytes are
/// appended to `input` only when something arrived.
pub(crate) fn read_via_scratch<T, E>(
    input: &mut Input,
    read: impl FnOnce(&mut [u8]) -> Result<(usize, T), E>,
) -> Result<(usize, T), E> {
    with_scratch(|scratch| {
        let (n, extra) = read(scratch)?;
        input.push(&scratch[..n]);
        Ok((n, extra))
    })
}

/// Runs `f` on the thread's read buffer, for reads whose bytes are not kept.
pub(crate) fn with_scratch<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.len() < READ_CHUNK {
            scratch.resize(READ_CHUNK, 0);
        }
        f(&mut scratch[..])
    })
}

/// The process's monotonic clock, as the core's timestamps.
pub(crate) fn clock() -> &'static StdClock {
    static CLOCK: OnceLock<StdClock> = OnceLock::new();
    CLOCK.get_or_init(StdClock::new)
}

/// Bytes read and not yet consumed: after a read is processed, at most the start of
/// the next frame (the core hands out payloads as they arrive; only a header, or a
/// control frame, must be whole).
#[derive(Debug, Default)]
pub(crate) struct Input {
    bytes: Vec<u8>,
    start: usize,
}

impl Input {
    pub(crate) fn push(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.start == self.bytes.len() {
            self.bytes.clear();
            self.start = 0;
        } else if self.start > 0 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        self.bytes.extend_from_slice(data);
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.bytes.len());
    }

    /// With nothing pending, lets the memory go, so an idle connection holds none.
    /// Not in `consume`: a message just found may still lie in these bytes.
    fn release_if_empty(&mut self) {
        if self.start == self.bytes.len() {
            self.bytes = Vec::new();
            self.start = 0;
        }
    }

    pub(crate) fn pending(&self) -> usize {
        self.bytes.len() - self.start
    }

    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }
}

/// Where a found message's bytes are, so that it can be handed out after the loop
/// that found it has let go of its borrows.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    kind: FoundKind,
    at: Where,
}

#[derive(Debug, Clone, Copy)]
enum FoundKind {
    Text,
    Binary,
    Ping,
    Pong,
    Close(CloseCode),
}

#[derive(Debug, Clone)]
enum Where {
    Input(Range<usize>),
    Reader,
    Static(&'static str),
}

impl Found {
    pub(crate) fn is_close(&self) -> bool {
        matches!(self.kind, FoundKind::Close(_))
    }
}

/// What the receive side found.
pub(crate) enum Step {
    /// A message: hand it out with [`ReadSide::message`].
    Message(Found),
    /// The input holds no whole event: read more (or, after the transport ended,
    /// nothing more will come).
    NeedInput,
    /// The connection is over: nothing more to read.
    Done,
}

/// The receive side of a connection.
#[derive(Debug, Default)]
pub(crate) struct ReadSide {
    pub(crate) input: Input,
    reader: MessageReader,
    /// A Close the timers or the transport's end produced, to hand out next.
    pending: Option<Event<'static>>,
    /// The transport ended (read returned 0).
    pub(crate) ended: bool,
    /// The Close (peer's or 1006) was handed out: the application has its answer.
    pub(crate) closed: bool,
}

impl ReadSide {
    pub(crate) fn new(leftover: &[u8]) -> Self {
        let mut side = ReadSide::default();
        side.input.push(leftover);
        side
    }

    /// Notes a Close the timers produced, handed out by the next [`step`](Self::step).
    pub(crate) fn note(&mut self, event: Option<Event<'static>>) {
        if event.is_some() && !self.closed {
            self.pending = event;
        }
    }

    /// Whether a Close the timers produced waits to be handed out: a driver that ran
    /// the timers then steps again instead of waiting for input.
    #[cfg(feature = "tokio")]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Reads what the input holds through `conn` until a message or the end of the
    /// input.
    pub(crate) fn step<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
    ) -> Result<Step, Error> {
        if let Some(event) = self.pending.take() {
            return Ok(Step::Message(self.found_static(event)));
        }
        if self.closed {
            return Ok(Step::Done);
        }
        loop {
            let input = &mut self.input;
            let (base, len) = (input.bytes.as_ptr() as usize, input.bytes.len());
            let start = input.start;
            let read = match self.reader.read(conn, &mut input.bytes[start..]) {
                Ok(read) => read,
                Err(e) => {
                    // The connection failed and queued its Close; nothing after the
                    // error means anything.
                    let all = input.pending();
                    input.consume(all);
                    self.closed = true;
                    return Err(e.into());
                }
            };
            let consumed = read.consumed;
            let found = read.event.map(|message| locate(message, base, len));
            self.input.consume(consumed);
            if let Some(found) = found {
                if found.is_close() {
                    self.closed = true;
                }
                return Ok(Step::Message(found));
            }
            if consumed > 0 {
                continue;
            }
            self.input.release_if_empty();
            if self.ended {
                let event = conn.read_eof();
                return Ok(match event {
                    Some(event) => Step::Message(self.found_static(event)),
                    None => {
                        self.closed = true;
                        Step::Done
                    }
                });
            }
            return Ok(Step::NeedInput);
        }
    }

    fn found_static(&mut self, event: Event<'static>) -> Found {
        self.closed = true;
        match event {
            Event::Close { code, reason } => Found {
                kind: FoundKind::Close(code),
                at: Where::Static(reason),
            },
            // The timers and `read_eof` only ever report a Close.
            _ => Found {
                kind: FoundKind::Close(CloseCode::ABNORMAL),
                at: Where::Static(""),
            },
        }
    }

    /// The message `found` describes; valid until the next [`step`](Self::step).
    pub(crate) fn message(&self, found: &Found) -> Message<'_> {
        let bytes: &[u8] = match &found.at {
            Where::Input(range) => self.input.bytes.get(range.clone()).unwrap_or_default(),
            Where::Reader => self.reader.reassembled().unwrap_or_default(),
            Where::Static(s) => s.as_bytes(),
        };
        // The core validated the text already; the check runs again because the
        // unchecked conversion needs `unsafe`.
        let text = || core::str::from_utf8(bytes).unwrap_or_default();
        match found.kind {
            FoundKind::Text => Message::Text(text()),
            FoundKind::Binary => Message::Binary(bytes),
            FoundKind::Ping => Message::Ping(bytes),
            FoundKind::Pong => Message::Pong(bytes),
            FoundKind::Close(code) => Message::Close {
                code,
                reason: text(),
            },
        }
    }
}

/// Notes where `message` lies: in the input (`base..base + len`, which does not move
/// until the next step), or in the reader's buffer.
fn locate(message: Message<'_>, base: usize, len: usize) -> Found {
    let (kind, bytes) = match message {
        Message::Text(t) => (FoundKind::Text, t.as_bytes()),
        Message::Binary(b) => (FoundKind::Binary, b),
        Message::Ping(p) => (FoundKind::Ping, p),
        Message::Pong(p) => (FoundKind::Pong, p),
        Message::Close { code, reason } => (FoundKind::Close(code), reason.as_bytes()),
    };
    let offset = (bytes.as_ptr() as usize).wrapping_sub(base);
    let at = if bytes.is_empty() {
        Where::Static("")
    } else if offset < len && bytes.len() <= len - offset {
        Where::Input(offset..offset + bytes.len())
    } else {
        Where::Reader
    };
    Found { kind, at }
}

/// Bytes waiting for the transport: encoded frames, in order.
#[derive(Debug, Default)]
pub(crate) struct Output {
    bytes: Vec<u8>,
    written: usize,
}

impl Output {
    /// What is still to be written.
    pub(crate) fn unwritten(&self) -> &[u8] {
        &self.bytes[self.written..]
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.written
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues bytes already encoded: the rest of a frame a vectored write began.
    #[cfg(feature = "tokio")]
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The transport took `n` more bytes.
    pub(crate) fn advance(&mut self, n: usize) {
        self.written = (self.written + n).min(self.bytes.len());
        if self.written == self.bytes.len() {
            if self.bytes.capacity() > KEEP_OUTPUT {
                self.bytes = Vec::new();
            } else {
                self.bytes.clear();
            }
            self.written = 0;
        }
    }

    /// Appends what `encode` writes into at most `max` bytes.
    fn append<E>(
        &mut self,
        max: usize,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<(), E> {
        let at = self.bytes.len();
        self.bytes.resize(at + max, 0);
        let result = encode(&mut self.bytes[at..]);
        let n = *result.as_ref().unwrap_or(&0);
        self.bytes.truncate(at + n);
        result.map(drop)
    }
}

/// The send side of a connection: the encoder state the core does not hold.
#[derive(Debug, Default)]
pub(crate) struct WriteSide {
    pub(crate) output: Output,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateSender>,
}

impl WriteSide {
    pub(crate) fn new<K: MaskKeySource>(conn: &Connection<K>) -> Self {
        let _ = conn;
        WriteSide {
            output: Output::default(),
            #[cfg(feature = "deflate")]
            deflate: DeflateSender::new(conn),
        }
    }

    /// Queues every frame the connection wants sent (Pongs, keepalive Pings, the Close
    /// echo), in the order `poll_transmit` gives them.
    pub(crate) fn drain_transmit<K: MaskKeySource>(&mut self, conn: &mut Connection<K>) {
        while conn.wants_transmit() {
            let mut wrote = 0;
            // A control frame always fits in its room, so this cannot fail.
            let _ = self.output.append(CONTROL_FRAME, |out| {
                conn.poll_transmit(out).inspect(|&n| wrote = n)
            });
            if wrote == 0 {
                break;
            }
        }
    }

    /// Queues a whole data message (compressed when permessage-deflate was agreed).
    pub(crate) fn message<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        kind: MessageKind,
        payload: &[u8],
    ) -> Result<(), Error> {
        #[cfg(feature = "deflate")]
        if let Some(sender) = &mut self.deflate {
            let max = sender.max_send_len(payload.len());
            return Ok(self
                .output
                .append(max, |out| sender.send(conn, kind, payload, out))?);
        }
        self.fragment(conn, kind, payload, true)
    }

    /// Queues one frame of a fragmented message (never compressed).
    pub(crate) fn fragment<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
    ) -> Result<(), Error> {
        let max = conn.frame_len(payload.len());
        Ok(self
            .output
            .append(max, |out| conn.send_fragment(kind, payload, last, out))?)
    }

    /// The header of a whole uncompressed message whose payload the driver writes
    /// from the caller's buffer (a server, nothing queued, no compression): `None`
    /// when it must be queued instead.
    pub(crate) fn header_only<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        kind: MessageKind,
        payload: &[u8],
    ) -> Result<Option<([u8; MAX_HEADER_LEN], usize)>, Error> {
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            return Ok(None);
        }
        if !self.output.is_empty() || conn.role() == rfc6455::connection::Role::Client {
            return Ok(None);
        }
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = conn.send_header(kind, payload, true, &mut header)?;
        Ok(Some((header, n)))
    }

    /// Queues a Ping (`pong` false) or an unsolicited Pong.
    pub(crate) fn control<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        pong: bool,
        payload: &[u8],
    ) -> Result<(), Error> {
        Ok(self.output.append(CONTROL_FRAME, |out| {
            if pong {
                conn.send_pong(payload, out)
            } else {
                conn.send_ping(payload, out)
            }
        })?)
    }

    /// Queues our Close.
    pub(crate) fn close<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        code: CloseCode,
        reason: &str,
    ) -> Result<(), Error> {
        Ok(self
            .output
            .append(CONTROL_FRAME, |out| conn.send_close(code, reason, out))?)
    }
}

/// Runs the connection's timers now and reports when they next need a call, as an
/// `Instant`; a Close they produced goes to `read`.
pub(crate) fn run_timers<K: MaskKeySource>(
    conn: &mut Connection<K>,
    read: &mut ReadSide,
    write: &mut WriteSide,
) -> Option<Instant> {
    let clock = clock();
    // Twice at most: the first call turns what happened into times, the second can
    // only be needed when the first's answer is already due.
    for _ in 0..2 {
        let next = conn.poll_timeout()?;
        let now = clock.now();
        if next > now {
            return Some(clock.instant(next));
        }
        read.note(conn.handle_timeout(now));
        write.drain_transmit(conn);
    }
    conn.poll_timeout()
        .map(|t| clock.instant(t.max(Timestamp::ZERO)))
}
