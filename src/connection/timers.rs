//! Keepalive, close and idle deadlines on the caller's clock.
//!
//! The connection never reads a clock. The hot paths only note, in one byte, that
//! something happened (a frame arrived, a data message went either way, the keepalive
//! Pong came back, a close began); [`Connection::handle_timeout`] turns the notes into
//! times with the `now` the caller passes, and [`Connection::poll_timeout`] says when
//! it next needs a call. A call early, late or twice is harmless: every rule compares
//! against the times it recorded.

use core::time::Duration;

use super::state::{CloseInput, Incoming, Phase};
use super::{Config, Connection, Event, QueuedClose, Role};
use crate::frame::CloseCode;
use crate::random::MaskKeySource;
use crate::time::Timestamp;

/// A time not set.
const NEVER: u64 = u64::MAX;

/// The bits of [`Timers::noted`].
pub(crate) mod noted {
    /// A frame arrived.
    pub(crate) const RECEIVED: u8 = 1;
    /// A data message went in or out (idle timeout).
    pub(crate) const DATA: u8 = 2;
    /// The Pong to the keepalive Ping arrived.
    pub(crate) const PONG: u8 = 4;
    /// A close began that the close timeout bounds.
    pub(crate) const CLOSING: u8 = 8;
}

/// The timers' settings, in whole milliseconds (0: off), and their state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timers {
    ping_interval: u32,
    ping_timeout: u32,
    close_timeout: u32,
    idle_timeout: u32,
    any_frame: bool,
    /// What happened since the last `handle_timeout`: [`noted`] bits.
    pub(crate) noted: u8,
    /// `handle_timeout` has run once: the times below are the caller's.
    started: bool,
    /// The keepalive Ping waits in the queue for `poll_transmit`.
    pub(crate) ping_queued: bool,
    /// When a frame last arrived (nanoseconds on the caller's clock).
    last_received: u64,
    /// When a data message last went either way.
    last_data: u64,
    /// While open: when the outstanding keepalive Ping was sent (its payload is this
    /// time), `NEVER` when none is out. Once closing, keepalive is over and this is when
    /// the close that `close_timeout` bounds began. One field for both keeps the
    /// connection within its 256 bytes.
    since: u64,
    /// The last keepalive round trip, in microseconds.
    latency_us: u32,
}

/// Why the connection gave up; the reason is sent in its Close, or shown in the 1006
/// event, so that logs on both ends say what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimedOut {
    Keepalive,
    Idle,
    Close,
}

impl TimedOut {
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            TimedOut::Keepalive => "keepalive timeout",
            TimedOut::Idle => "idle timeout",
            TimedOut::Close => "close timeout",
        }
    }
}

/// Whole milliseconds, rounded up so no deadline comes early; 0 is off.
fn millis(duration: Option<Duration>) -> u32 {
    match duration {
        None => 0,
        Some(d) => {
            let ms = d.as_nanos().div_ceil(1_000_000);
            ms.clamp(1, u32::MAX as u128) as u32
        }
    }
}

fn duration(ms: u32) -> Option<Duration> {
    (ms != 0).then(|| Duration::from_millis(ms.into()))
}

/// `at + ms`, in nanoseconds.
fn after(at: u64, ms: u32) -> u64 {
    at.saturating_add(u64::from(ms) * 1_000_000)
}

impl Timers {
    pub(crate) fn new(config: &Config) -> Self {
        Timers {
            ping_interval: millis(config.ping_interval),
            ping_timeout: millis(config.ping_timeout),
            close_timeout: millis(config.close_timeout),
            idle_timeout: millis(config.idle_timeout),
            any_frame: config.keepalive_any_frame,
            noted: 0,
            started: false,
            ping_queued: false,
            last_received: NEVER,
            last_data: NEVER,
            since: NEVER,
            latency_us: u32::MAX,
        }
    }

    /// Writes the settings back into `config`.
    pub(crate) fn settings(&self, config: Config) -> Config {
        config
            .ping_interval(duration(self.ping_interval))
            .ping_timeout(duration(self.ping_timeout))
            .close_timeout(duration(self.close_timeout))
            .idle_timeout(duration(self.idle_timeout))
            .keepalive_any_frame(self.any_frame)
    }

    fn enabled(&self) -> bool {
        self.ping_interval | self.close_timeout | self.idle_timeout != 0
    }

    /// A keepalive Ping is out and its Pong is being waited for.
    fn awaiting_pong(&self) -> bool {
        self.since != NEVER && self.ping_timeout != 0
    }

    /// The payload of the keepalive Ping, which its Pong must echo (§5.5.3): the time
    /// it was sent, so pings of the application's own are not taken for it.
    pub(crate) fn keepalive_payload(&self) -> [u8; 8] {
        self.since.to_be_bytes()
    }

    /// Notes a Pong: the keepalive's if it echoes the keepalive payload.
    pub(crate) fn pong(&mut self, payload: &[u8]) {
        if self.since != NEVER && payload == self.keepalive_payload() {
            self.noted |= noted::PONG;
        }
    }
}

impl<K: MaskKeySource> Connection<K> {
    /// When the connection next needs [`handle_timeout`](Self::handle_timeout); `None`
    /// while no timer is set (always, for a [`Config`] without timers).
    ///
    /// The answer changes with every call that reads or sends: ask again after them.
    /// [`Timestamp::ZERO`] means "now": something happened since the last
    /// `handle_timeout` that it has to turn into a time.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let t = &self.timers;
        if !t.enabled() {
            return None;
        }
        if !t.started || t.noted != 0 {
            return Some(Timestamp::ZERO);
        }
        let mut next = NEVER;
        let close_bounded = match self.phase {
            Phase::CloseSent => true,
            Phase::Closed => self.role == Role::Client,
            _ => false,
        };
        if close_bounded && t.close_timeout != 0 && t.since != NEVER {
            next = next.min(after(t.since, t.close_timeout));
        }
        if self.phase == Phase::Open {
            if t.awaiting_pong() {
                next = next.min(after(t.since, t.ping_timeout));
            } else if t.ping_interval != 0 && !t.ping_queued {
                next = next.min(after(t.last_received, t.ping_interval));
            }
            if t.idle_timeout != 0 {
                next = next.min(after(t.last_data, t.idle_timeout));
            }
        }
        (next != NEVER).then_some(Timestamp::from_nanos(next))
    }

    /// Runs the timers at `now`, on the caller's monotonic clock. Call it when
    /// [`poll_timeout`](Self::poll_timeout)'s time has come, and after reads and sends
    /// (poll_timeout then answers "now"); calls at other times are harmless.
    ///
    /// - **Keepalive**: after `ping_interval` with nothing received, a Ping is queued
    ///   for `poll_transmit`. If its Pong (or, with `keepalive_any_frame`, any frame)
    ///   does not come within `ping_timeout`, the connection fails: a Close 1011 is
    ///   queued and the returned event is a 1006 Close, "keepalive timeout".
    /// - **Close**: `close_timeout` after our Close, without the peer's, the connection
    ///   gives up (§7.1.7): [`should_close_transport`](Self::should_close_transport)
    ///   turns true and the returned event is a 1006 Close, "close timeout". A client
    ///   that has seen both Close frames gives the server as long to close the
    ///   transport, then closes it itself.
    /// - **Idle**: `idle_timeout` without a data message either way starts the closing
    ///   handshake with 1001, "idle timeout".
    ///
    /// ```
    /// use core::time::Duration;
    /// use rfc6455::connection::{Config, Connection, Event};
    /// use rfc6455::time::Timestamp;
    ///
    /// let config = Config::default().ping_interval(Some(Duration::from_secs(20)))
    ///     .ping_timeout(Some(Duration::from_secs(20)));
    /// let mut server = Connection::server(config);
    /// let at = |s| Timestamp::from_duration(Duration::from_secs(s));
    /// server.handle_timeout(at(0));
    /// assert_eq!(server.poll_timeout(), Some(at(20)));
    /// assert_eq!(server.handle_timeout(at(20)), None); // silence: a Ping is queued
    /// let mut out = [0u8; 16];
    /// let n = server.poll_transmit(&mut out)?;
    /// assert_eq!(out[..n][0], 0x89);
    /// assert_eq!(server.poll_timeout(), Some(at(40)));
    /// let event = server.handle_timeout(at(40)); // no Pong: the peer is gone
    /// assert!(matches!(event, Some(Event::Close { reason: "keepalive timeout", .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle_timeout(&mut self, now: Timestamp) -> Option<Event<'static>> {
        if !self.timers.enabled() {
            return None;
        }
        let now = now.as_nanos();
        let t = &mut self.timers;
        if !t.started {
            t.started = true;
            t.last_received = now;
            t.last_data = now;
        }
        let noted = core::mem::take(&mut t.noted);
        if noted & noted::RECEIVED != 0 {
            t.last_received = t.last_received.max(now);
            if t.any_frame && self.phase == Phase::Open {
                t.since = NEVER;
            }
        }
        if noted & noted::PONG != 0 && t.since != NEVER {
            let rtt = now.saturating_sub(t.since) / 1_000;
            t.latency_us = rtt.min(u64::from(u32::MAX - 1)) as u32;
            t.since = NEVER;
        }
        if noted & noted::DATA != 0 {
            t.last_data = t.last_data.max(now);
        }
        if noted & noted::CLOSING != 0 {
            t.since = now;
        }

        if self.phase != Phase::Open
            && t.close_timeout != 0
            && t.since != NEVER
            && now >= after(t.since, t.close_timeout)
        {
            match self.phase {
                Phase::CloseSent => return Some(self.give_up(TimedOut::Close)),
                Phase::Closed if self.role == Role::Client => {
                    self.give_up(TimedOut::Close);
                    return None;
                }
                _ => {}
            }
        }
        if self.phase != Phase::Open {
            return None;
        }
        let t = &mut self.timers;
        if t.awaiting_pong() {
            if now >= after(t.since, t.ping_timeout) {
                let reason = TimedOut::Keepalive;
                self.queue_close(QueuedClose::new(CloseCode::INTERNAL_ERROR, Some(reason)));
                self.move_close_state(CloseInput::Fail);
                self.incoming = Incoming::Idle;
                return Some(abnormal(reason));
            }
        } else if t.ping_interval != 0
            && !t.ping_queued
            && now >= after(t.last_received, t.ping_interval)
        {
            t.ping_queued = true;
            t.since = now;
            if t.ping_timeout == 0 {
                // Nothing to wait for: the next Ping is another interval of silence away.
                t.last_received = now;
            }
        }
        if t.idle_timeout != 0 && now >= after(t.last_data, t.idle_timeout) {
            self.queue_close(QueuedClose::new(
                CloseCode::GOING_AWAY,
                Some(TimedOut::Idle),
            ));
            self.move_close_state(CloseInput::SendClose);
            // The close begins now: no need for another call to learn it.
            self.timers.noted &= !noted::CLOSING;
            self.timers.since = now;
        }
        None
    }

    /// The round trip of the last keepalive Ping, from its sending to its Pong, as the
    /// caller's timestamps measured it; `None` before the first Pong.
    pub fn latency(&self) -> Option<Duration> {
        let us = self.timers.latency_us;
        (us != u32::MAX).then(|| Duration::from_micros(us.into()))
    }

    /// Stops waiting: nothing more is read or sent, and the transport closes.
    fn give_up(&mut self, why: TimedOut) -> Event<'static> {
        self.pending_close = None;
        self.pending_pong = None;
        self.timers.ping_queued = false;
        self.move_close_state(CloseInput::TimeOut);
        abnormal(why)
    }

    /// The timers' half of [`Connection::config`].
    pub(crate) fn timer_settings(&self, config: Config) -> Config {
        self.timers.settings(config)
    }
}

/// The event of a connection that ended without the peer's Close: 1006 (§7.1.5).
fn abnormal(why: TimedOut) -> Event<'static> {
    Event::Close {
        code: CloseCode::ABNORMAL,
        reason: why.reason(),
    }
}
