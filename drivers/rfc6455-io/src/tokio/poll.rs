//! The poll functions under both shapes of the tokio driver (whole and split): all
//! state lives in these structs between polls, so that a dropped future loses
//! nothing but its place in the queue.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};
use std::time::{Duration, Instant};

use ::tokio::io::{AsyncWrite, ReadBuf};
use ::tokio::time::Sleep;
use rfc6455::connection::{CloseState, Connection, MessageKind};
use rfc6455::MaskKeySource;

use crate::session::{self, Found, ReadSide, Step, WriteSide};
use crate::{Error, Message, Options};

/// The receiving task's slot in [`Core::waiting`].
pub(super) const READER: usize = 0;
/// The sending task's slot.
pub(super) const WRITER: usize = 1;

/// A deadline to wait for, allocated only once a deadline is asked for: a connection
/// without timers holds no timer entry.
#[derive(Default)]
pub(super) struct Timer {
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Timer {
    /// Ready once `deadline` has passed; with `None`, never.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> Poll<()> {
        let Some(at) = deadline else {
            return Poll::Pending;
        };
        let at = ::tokio::time::Instant::from_std(at);
        let sleep = match &mut self.sleep {
            Some(sleep) => {
                // An earlier wake-up still to come is kept: it costs one spurious poll,
                // where moving the entry on every call (the keepalive deadline moves
                // with every frame) costs a trip through the timer wheel each time.
                if sleep.is_elapsed() || sleep.deadline() > at {
                    sleep.as_mut().reset(at);
                }
                sleep
            }
            None => self.sleep.insert(Box::pin(::tokio::time::sleep_until(at))),
        };
        sleep.as_mut().poll(cx)
    }
}

/// The earlier of two optional deadlines.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The protocol state and the send side: what the halves of a split connection share.
pub(super) struct Core<W, K: MaskKeySource> {
    pub(super) io: W,
    pub(super) conn: Connection<K>,
    pub(super) write: WriteSide,
    pub(super) protocol: Option<String>,
    limit: usize,
    write_timeout: Duration,
    /// Since when queued bytes wait for a transport that took none of them.
    stalled: Option<Instant>,
    /// Tasks that found the transport full. The transport remembers only the last
    /// task that polled it, so whoever moves bytes wakes the other.
    waiting: [Option<Waker>; 2],
    /// Our direction of the transport is shut: nothing more goes out.
    pub(super) finished: bool,
}

impl<W: AsyncWrite + Unpin, K: MaskKeySource> Core<W, K> {
    pub(super) fn new(io: W, conn: Connection<K>, options: &Options) -> Self {
        let write = WriteSide::new(&conn);
        Core {
            io,
            conn,
            write,
            protocol: None,
            limit: options.write_buffer_limit,
            write_timeout: options.write_timeout,
            stalled: None,
            waiting: [None, None],
            finished: false,
        }
    }

    /// The same state over the write half of the transport `split` makes of it.
    pub(super) fn split_io<R, V>(self, split: impl FnOnce(W) -> (R, V)) -> (Core<V, K>, R) {
        let (read, io) = split(self.io);
        let core = Core {
            io,
            conn: self.conn,
            write: self.write,
            protocol: self.protocol,
            limit: self.limit,
            write_timeout: self.write_timeout,
            stalled: self.stalled,
            waiting: self.waiting,
            finished: self.finished,
        };
        (core, read)
    }

    /// When a stalled transport fails the connection.
    pub(super) fn write_deadline(&self) -> Option<Instant> {
        self.stalled.map(|since| since + self.write_timeout)
    }

    /// Writes queued bytes until at most `max` remain.
    fn poll_write_until(
        &mut self,
        cx: &mut Context<'_>,
        who: usize,
        max: usize,
    ) -> Poll<Result<(), Error>> {
        while self.write.output.len() > max {
            match Pin::new(&mut self.io).poll_write(cx, self.write.output.unwritten()) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero).into()))
                }
                Poll::Ready(Ok(n)) => {
                    self.write.output.advance(n);
                    self.moved(who);
                }
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Pending => return self.stall(cx, who),
            }
        }
        if self.write.output.is_empty() {
            self.stalled = None;
        }
        Poll::Ready(Ok(()))
    }

    /// The transport took bytes: whoever waited on it may go on.
    fn moved(&mut self, who: usize) {
        self.stalled = None;
        if let Some(other) = self.waiting[1 - who].take() {
            other.wake();
        }
    }

    /// The transport took nothing: fail once it has taken nothing for the write timeout.
    fn stall(&mut self, cx: &mut Context<'_>, who: usize) -> Poll<Result<(), Error>> {
        let since = *self.stalled.get_or_insert_with(Instant::now);
        if since.elapsed() >= self.write_timeout {
            return Poll::Ready(Err(Error::WriteTimeout));
        }
        let slot = &mut self.waiting[who];
        if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        // The reader just took the transport's one write wake-up from a writer that may
        // be waiting on it: the writer polls again and takes it back.
        if who == READER {
            if let Some(writer) = self.waiting[WRITER].take() {
                writer.wake();
            }
        }
        Poll::Pending
    }

    /// Writes everything queued and flushes the transport.
    pub(super) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        who: usize,
    ) -> Poll<Result<(), Error>> {
        ready!(self.poll_write_until(cx, who, 0))?;
        Pin::new(&mut self.io).poll_flush(cx).map_err(Error::from)
    }

    /// Ends our direction of the transport (TCP FIN); errors do not matter any more.
    pub(super) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.finished {
            let _ = ready!(Pin::new(&mut self.io).poll_shutdown(cx));
            self.finished = true;
        }
        Poll::Ready(())
    }

    /// Sends are still allowed; the frames the connection owes go first.
    pub(super) fn check_open(&mut self) -> Result<(), Error> {
        if self.finished {
            return Err(Error::Closed);
        }
        self.write.drain_transmit(&mut self.conn);
        Ok(())
    }

    /// Queues `message` (copied). A Close once the closing handshake is under way is
    /// dropped: the connection answers the peer's Close itself, and a `Stream`
    /// forwarded into this `Sink` hands it back.
    pub(super) fn queue(&mut self, message: &Message) -> Result<(), Error> {
        if message.is_close() && (self.finished || self.conn.close_state() != CloseState::Open) {
            return Ok(());
        }
        self.check_open()?;
        let conn = &mut self.conn;
        match message {
            Message::Text(t) => self.write.message(conn, MessageKind::Text, t.as_bytes()),
            Message::Binary(b) => self.write.message(conn, MessageKind::Binary, b),
            Message::Ping(p) => self.write.control(conn, false, p),
            Message::Pong(p) => self.write.control(conn, true, p),
            Message::Close { code, reason } => self.write.close(conn, *code, reason),
        }
    }

    /// Queues our Close unless one was sent or received already (the Sink's close).
    pub(super) fn queue_close_once(&mut self) -> Result<(), Error> {
        if self.finished || self.conn.close_state() != CloseState::Open {
            return Ok(());
        }
        self.check_open()?;
        self.write
            .close(&mut self.conn, rfc6455::frame::CloseCode::NORMAL, "")
    }

    /// Sends a whole data message. A server with nothing queued writes the frame
    /// header and the caller's payload in one vectored write, without a copy; what
    /// the transport does not take now is queued.
    pub(super) fn send_now(
        &mut self,
        cx: &mut Context<'_>,
        kind: MessageKind,
        payload: &[u8],
    ) -> Result<(), Error> {
        self.check_open()?;
        let Some((header, n)) = self.write.header_only(&mut self.conn, kind, payload)? else {
            return self.write.message(&mut self.conn, kind, payload);
        };
        let header = &header[..n];
        let (mut h, mut p) = (0, 0);
        while h < header.len() || p < payload.len() {
            let bufs = [
                io::IoSlice::new(&header[h..]),
                io::IoSlice::new(&payload[p..]),
            ];
            match Pin::new(&mut self.io).poll_write_vectored(cx, &bufs) {
                Poll::Ready(Ok(0)) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Poll::Ready(Ok(k)) => {
                    let from_header = k.min(header.len() - h);
                    h += from_header;
                    p += k - from_header;
                    self.moved(WRITER);
                }
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Err(e.into()),
                Poll::Pending => {
                    // The frame is committed (the connection counted it): its rest
                    // must follow before anything else.
                    self.write.output.extend(&header[h..]);
                    self.write.output.extend(&payload[p..]);
                    break;
                }
            }
        }
        Ok(())
    }
}

/// How the send functions reach the [`Core`]: directly, or through the lock a split
/// connection shares (never held across an await: every use is inside one poll).
pub(super) trait Access<W, K: MaskKeySource> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Core<W, K>) -> R) -> R;
}

impl<W, K: MaskKeySource> Access<W, K> for Core<W, K> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Core<W, K>) -> R) -> R {
        f(self)
    }
}

impl<W, K: MaskKeySource> Access<W, K> for Arc<Mutex<Core<W, K>>> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Core<W, K>) -> R) -> R {
        // A task that panicked while sending left the protocol state whole: it changes
        // only between polls.
        let mut core = self.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut core)
    }
}

/// Ready when the output queue is at or below the write buffer limit. A closed
/// connection is ready too: the send itself reports [`Error::Closed`].
pub(super) fn poll_ready<W: AsyncWrite + Unpin, K: MaskKeySource>(
    core: &mut impl Access<W, K>,
    timer: &mut Timer,
    cx: &mut Context<'_>,
    who: usize,
) -> Poll<Result<(), Error>> {
    poll_write_step(core, timer, cx, |c, cx| {
        let limit = c.limit;
        c.poll_write_until(cx, who, limit)
    })
}

/// Ready when everything queued is written and flushed.
pub(super) fn poll_flush<W: AsyncWrite + Unpin, K: MaskKeySource>(
    core: &mut impl Access<W, K>,
    timer: &mut Timer,
    cx: &mut Context<'_>,
    who: usize,
) -> Poll<Result<(), Error>> {
    poll_write_step(core, timer, cx, |c, cx| c.poll_flush(cx, who))
}

/// Polls `step` under the write deadline: while it is pending, the timer for the
/// deadline is polled too, and a deadline that has passed makes `step` run again (it
/// then reports the write timeout).
fn poll_write_step<W: AsyncWrite + Unpin, K: MaskKeySource>(
    core: &mut impl Access<W, K>,
    timer: &mut Timer,
    cx: &mut Context<'_>,
    mut step: impl FnMut(&mut Core<W, K>, &mut Context<'_>) -> Poll<Result<(), Error>>,
) -> Poll<Result<(), Error>> {
    loop {
        let (result, deadline) = core.with(|c| (step(c, cx), c.write_deadline()));
        if result.is_ready() || timer.poll(cx, deadline).is_pending() {
            return result;
        }
    }
}

/// The receive side: the read buffers and the timer the connection's deadlines run on.
#[derive(Default)]
pub(super) struct Reader {
    pub(super) read: ReadSide,
    pub(super) timer: Timer,
    /// The protocol error that failed the connection, handed out once the transport
    /// is closed.
    failed: Option<Error>,
    linger: Linger,
}

/// How long a finished connection still reads (and drops) what the peer sends.
pub(super) const LINGER: Duration = Duration::from_secs(1);

/// Where the drain of a transport shut on our side stands. Closing a socket with
/// unread bytes makes the kernel send RST and discard what it has not sent yet, our
/// Close among it: so read until the peer's end of stream, for [`LINGER`] at most.
#[derive(Default)]
enum Linger {
    #[default]
    NotYet,
    Until(Instant),
    Over,
}

/// Rounds of the receive loop in one poll before it yields: a timer that keeps
/// answering "now" must not starve the other tasks on the thread.
const ROUNDS: usize = 32;

impl Reader {
    pub(super) fn new(leftover: &[u8]) -> Self {
        Reader {
            read: ReadSide::new(leftover),
            ..Reader::default()
        }
    }

    /// The receive loop: step the reader; flush what the step queued (Pongs, the Close
    /// echo); when input is needed, run the timers and wait for input or for their
    /// deadline. `source` reads from the transport (the whole stream through the
    /// core, or the split reader's own half).
    pub(super) fn poll_found<W, K>(
        &mut self,
        cx: &mut Context<'_>,
        core: &mut Core<W, K>,
        mut source: impl FnMut(
            &mut Context<'_>,
            &mut Core<W, K>,
            &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>>,
    ) -> Poll<Result<Option<Found>, Error>>
    where
        W: AsyncWrite + Unpin,
        K: MaskKeySource,
    {
        for _ in 0..ROUNDS {
            let step = self.read.step(&mut core.conn);
            core.write.drain_transmit(&mut core.conn);
            match step {
                Err(e) => {
                    // The reader now steps to `Done`, which closes the transport the
                    // way a closing handshake does, and then hands the error out.
                    self.failed = Some(e);
                    continue;
                }
                Ok(Step::Message(found)) => {
                    // Replies and echoes queued meanwhile go out together once the
                    // input runs dry (many messages in flight, one write); the Close
                    // echo at once, as the caller may stop receiving after the Close.
                    if found.is_close() {
                        if let Poll::Ready(Err(e)) = core.poll_flush(cx, READER) {
                            return Poll::Ready(Err(e));
                        }
                    }
                    if core.conn.should_close_transport() && core.write.output.is_empty() {
                        let _ = core.poll_shutdown(cx);
                    }
                    return Poll::Ready(Ok(Some(found)));
                }
                Ok(Step::Done) => {
                    // What is still queued gets the write timeout to go out, no more.
                    if core.poll_flush(cx, READER).is_pending() {
                        if self.timer.poll(cx, core.write_deadline()).is_ready() {
                            continue;
                        }
                        return Poll::Pending;
                    }
                    ready!(core.poll_shutdown(cx));
                    ready!(self.poll_linger(cx, core, &mut source));
                    return Poll::Ready(self.failed.take().map_or(Ok(None), Err));
                }
                Ok(Step::NeedInput) => {}
            }
            if let Poll::Ready(Err(e)) = core.poll_flush(cx, READER) {
                core.finished = true;
                return Poll::Ready(Err(e));
            }
            if core.conn.should_close_transport() && core.write.output.is_empty() {
                ready!(core.poll_shutdown(cx));
            }
            if core.finished {
                self.read.ended = true;
                continue;
            }
            let next = session::run_timers(&mut core.conn, &mut self.read, &mut core.write);
            if self.read.has_pending() {
                continue;
            }
            if let Poll::Ready(Err(e)) = core.poll_flush(cx, READER) {
                core.finished = true;
                return Poll::Ready(Err(e));
            }
            // A peer that sends Pings and reads nothing would grow the queue of Pongs
            // without end: stop reading until the queue drains.
            let read = if core.write.output.len() > core.limit {
                Poll::Pending
            } else {
                let input = &mut self.read.input;
                let read = session::read_via_scratch(input, |buf| {
                    let mut buf = ReadBuf::new(buf);
                    match source(cx, core, &mut buf) {
                        Poll::Ready(Ok(())) => Ok((buf.filled().len(), true)),
                        // wstest, among others, aborts with RST after the closing
                        // handshake: the stream has ended all the same, and
                        // `read_eof` judges how.
                        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::ConnectionReset => {
                            Ok((0, true))
                        }
                        Poll::Ready(Err(e)) => Err(e),
                        Poll::Pending => Ok((0, false)),
                    }
                });
                match read {
                    Ok((n, true)) => Poll::Ready(n),
                    Ok((_, false)) => Poll::Pending,
                    Err(e) => return Poll::Ready(Err(e.into())),
                }
            };
            match read {
                Poll::Ready(0) => self.read.ended = true,
                // What the read brought is turned into times by the next round's
                // `run_timers`, or the next receive's: one clock read serves the read
                // and the replies sent in between.
                Poll::Ready(_) => {}
                Poll::Pending => {
                    let deadline = earliest(next, core.write_deadline());
                    if self.timer.poll(cx, deadline).is_pending() {
                        return Poll::Pending;
                    }
                }
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Drains the transport after our direction of it was shut: ready at the peer's
    /// end of stream, on a read error, or after [`LINGER`].
    fn poll_linger<W, K>(
        &mut self,
        cx: &mut Context<'_>,
        core: &mut Core<W, K>,
        source: &mut impl FnMut(
            &mut Context<'_>,
            &mut Core<W, K>,
            &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>>,
    ) -> Poll<()>
    where
        K: MaskKeySource,
    {
        let until = match self.linger {
            Linger::NotYet => {
                let until = Instant::now() + LINGER;
                self.linger = Linger::Until(until);
                until
            }
            Linger::Until(until) => until,
            Linger::Over => return Poll::Ready(()),
        };
        for _ in 0..ROUNDS {
            let read = session::with_scratch(|scratch| {
                let mut buf = ReadBuf::new(scratch);
                source(cx, core, &mut buf).map_ok(|()| buf.filled().len())
            });
            match read {
                Poll::Ready(Ok(1..)) if Instant::now() < until => {}
                Poll::Pending if self.timer.poll(cx, Some(until)).is_pending() => {
                    return Poll::Pending
                }
                _ => {
                    self.linger = Linger::Over;
                    return Poll::Ready(());
                }
            }
        }
        // A peer that keeps sending must not hold the thread: yield, go on next poll.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
