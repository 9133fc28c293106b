//! Time from the caller: the connection's timers (keepalive, close and idle deadlines)
//! run on timestamps the caller passes in, never on a clock of the crate's own.

use core::time::Duration;

/// A point on the caller's monotonic clock: the time since an epoch of the caller's
/// choosing (process start, boot, the connection's start), in nanoseconds.
///
/// Only differences between timestamps matter, so any monotonic clock works: an
/// embedded tick counter, `std::time::Instant` through [`StdClock`], a simulated clock
/// in a test.
///
/// ```
/// use core::time::Duration;
/// use rfc6455::time::Timestamp;
/// let start = Timestamp::from_duration(Duration::from_secs(5));
/// let later = start.saturating_add(Duration::from_millis(250));
/// assert_eq!(later.saturating_duration_since(start), Duration::from_millis(250));
/// assert!(later > start);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The epoch itself.
    pub const ZERO: Timestamp = Timestamp(0);

    /// `nanos` nanoseconds after the epoch.
    #[must_use]
    pub const fn from_nanos(nanos: u64) -> Self {
        Timestamp(nanos)
    }

    /// `since_epoch` after the epoch; beyond 584 years it saturates.
    #[must_use]
    pub const fn from_duration(since_epoch: Duration) -> Self {
        let nanos = since_epoch.as_nanos();
        Timestamp(if nanos > u64::MAX as u128 {
            u64::MAX
        } else {
            nanos as u64
        })
    }

    /// Nanoseconds since the epoch.
    #[must_use]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time since the epoch.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// `self + duration`, saturating at the end of time.
    #[must_use]
    pub const fn saturating_add(self, duration: Duration) -> Self {
        let nanos = duration.as_nanos();
        if nanos > u64::MAX as u128 {
            return Timestamp(u64::MAX);
        }
        Timestamp(self.0.saturating_add(nanos as u64))
    }

    /// How long after `earlier` this is; zero if it is not later.
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// `std::time::Instant` as [`Timestamp`]s: the instant it was made is the epoch.
///
/// ```
/// use rfc6455::time::StdClock;
/// let clock = StdClock::new();
/// let now = clock.now();
/// let deadline = now.saturating_add(core::time::Duration::from_secs(1));
/// assert!(clock.instant(deadline) > clock.instant(now));
/// ```
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy)]
pub struct StdClock {
    epoch: std::time::Instant,
}

#[cfg(feature = "std")]
impl StdClock {
    /// A clock whose epoch is now.
    #[must_use]
    pub fn new() -> Self {
        StdClock {
            epoch: std::time::Instant::now(),
        }
    }

    /// The current time. This reads the system's monotonic clock: call it in the IO
    /// layer, and hand the result to the connection.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.timestamp(std::time::Instant::now())
    }

    /// `instant` on this clock (the epoch if it is earlier).
    #[must_use]
    pub fn timestamp(&self, instant: std::time::Instant) -> Timestamp {
        Timestamp::from_duration(instant.saturating_duration_since(self.epoch))
    }

    /// `timestamp` as an `Instant`, to sleep until (e.g. `tokio::time::sleep_until`).
    #[must_use]
    pub fn instant(&self, timestamp: Timestamp) -> std::time::Instant {
        const A_YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
        // Past what the platform's Instant can hold, a year from the epoch is as good
        // as never for a sleep, and cannot panic the way `+` would.
        self.epoch
            .checked_add(timestamp.as_duration())
            .or_else(|| self.epoch.checked_add(A_YEAR))
            .unwrap_or(self.epoch)
    }
}

#[cfg(feature = "std")]
impl Default for StdClock {
    fn default() -> Self {
        Self::new()
    }
}
