//! Limits, behaviour and timers of a connection.

use core::time::Duration;

/// Limits and behaviour, fixed for the life of a connection.
///
/// The limits are the whole memory a peer can make the reassembling layer use; the
/// frame-level API never holds more than the caller's buffer.
///
/// Each setter sets its own field and nothing else, so the order of the calls does not
/// matter. A frame is part of a message, so the frame cap in force is the smaller of
/// `max_frame_size` and `max_message_size`: [`Connection::config`](super::Connection::config) shows the limits a
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
    /// A message has at least one frame, so 0 counts as 1.
    pub max_fragments: u32,
    /// Queue a Pong for every Ping received (default true). Off, the caller answers
    /// [`Event::Ping`](super::Event::Ping) itself.
    pub auto_pong: bool,
    /// RSV1 on a message's first frame marks it compressed, as permessage-deflate
    /// defines once negotiated (RFC 7692 §6; default false). Compressed text is not
    /// checked for UTF-8 here: the extension checks what it inflates. RSV1 anywhere
    /// else, and RSV2/RSV3 always, fail the connection. Set by
    /// [`permessage_deflate`](Config::permessage_deflate); set it alone only for an
    /// extension of your own on the frame-level API.
    pub compressed_messages: bool,
    /// The permessage-deflate parameters both ends agreed to in the handshake (RFC 7692
    /// §7), which turn on `compressed_messages`: the
    /// [`MessageReader`](super::MessageReader) then inflates, and a
    /// [`DeflateSender`](crate::extensions::deflate::DeflateSender) made for the
    /// connection compresses, both under these parameters (default `None`).
    #[cfg(feature = "deflate")]
    pub permessage_deflate: Option<crate::extensions::deflate::DeflateParams>,
    /// Keepalive: after this long with nothing received, a Ping goes out (default off).
    pub ping_interval: Option<Duration>,
    /// Keepalive: how long the Pong to a keepalive Ping may take before the connection
    /// fails with 1011 (default off: a keepalive Ping is then never chased).
    pub ping_timeout: Option<Duration>,
    /// Keepalive: any frame from the peer, not only the matching Pong, proves it alive
    /// (default false: only the Pong does, which also measures the latency).
    pub keepalive_any_frame: bool,
    /// After our Close, how long the peer's may take; then the transport is closed
    /// (§7.1.7) and the application sees 1006. For a client that received the server's
    /// Close, how long the server may take to close the transport (default off).
    pub close_timeout: Option<Duration>,
    /// With no data message either way for this long, the connection closes with 1001
    /// (default off).
    pub idle_timeout: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: 1 << 20,
            max_frame_size: 1 << 20,
            max_fragments: 4096,
            auto_pong: true,
            compressed_messages: false,
            #[cfg(feature = "deflate")]
            permessage_deflate: None,
            ping_interval: None,
            ping_timeout: None,
            keepalive_any_frame: false,
            close_timeout: None,
            idle_timeout: None,
        }
    }
}

impl Config {
    /// Sets [`Config::max_message_size`].
    #[must_use]
    pub const fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`Config::max_frame_size`].
    #[must_use]
    pub const fn max_frame_size(mut self, bytes: u64) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// Sets [`Config::max_fragments`].
    #[must_use]
    pub const fn max_fragments(mut self, fragments: u32) -> Self {
        self.max_fragments = fragments;
        self
    }

    /// Sets [`Config::compressed_messages`].
    #[must_use]
    pub const fn compressed_messages(mut self, on: bool) -> Self {
        self.compressed_messages = on;
        self
    }

    /// Sets [`Config::auto_pong`].
    #[must_use]
    pub const fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// Sets [`Config::permessage_deflate`] to what the handshake agreed, `None` for no
    /// compression.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection};
    /// use rfc6455::extensions::deflate::DeflateParams;
    /// let params = DeflateParams { server_no_context_takeover: true, ..DeflateParams::default() };
    /// let server = Connection::server(Config::default().permessage_deflate(Some(params)));
    /// assert_eq!(server.permessage_deflate(), Some(params));
    /// assert!(server.config().compressed_messages);
    /// ```
    #[cfg(feature = "deflate")]
    #[must_use]
    pub const fn permessage_deflate(
        mut self,
        params: Option<crate::extensions::deflate::DeflateParams>,
    ) -> Self {
        self.permessage_deflate = params;
        self
    }

    /// Sets [`Config::ping_interval`]; `None` turns keepalive Pings off.
    #[must_use]
    pub const fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Sets [`Config::ping_timeout`].
    #[must_use]
    pub const fn ping_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// Sets [`Config::keepalive_any_frame`].
    #[must_use]
    pub const fn keepalive_any_frame(mut self, on: bool) -> Self {
        self.keepalive_any_frame = on;
        self
    }

    /// Sets [`Config::close_timeout`].
    #[must_use]
    pub const fn close_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Sets [`Config::idle_timeout`].
    #[must_use]
    pub const fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Turns on the timers most deployments want, with python-websockets' values: a
    /// Ping after 20 s of silence, 20 s for its Pong, 10 s for the closing handshake.
    /// The IO drivers start from these.
    ///
    /// ```
    /// use core::time::Duration;
    /// use rfc6455::connection::Config;
    /// let config = Config::default().recommended_timers();
    /// assert_eq!(config.ping_interval, Some(Duration::from_secs(20)));
    /// assert_eq!(config.close_timeout, Some(Duration::from_secs(10)));
    /// assert_eq!(config.idle_timeout, None);
    /// ```
    #[must_use]
    pub const fn recommended_timers(self) -> Self {
        self.ping_interval(Some(Duration::from_secs(20)))
            .ping_timeout(Some(Duration::from_secs(20)))
            .close_timeout(Some(Duration::from_secs(10)))
    }

    /// The limits as a connection applies them: the frame cap no larger than the
    /// message cap, at least one fragment.
    pub(super) const fn limits(self) -> Limits {
        Limits {
            max_message_size: self.max_message_size,
            max_frame_size: if self.max_frame_size > self.max_message_size {
                self.max_message_size
            } else {
                self.max_frame_size
            },
            max_fragments: if self.max_fragments == 0 {
                1
            } else {
                self.max_fragments
            },
            auto_pong: self.auto_pong,
            #[cfg(not(feature = "deflate"))]
            compressed_messages: self.compressed_messages,
            #[cfg(feature = "deflate")]
            compressed_messages: self.compressed_messages || self.permessage_deflate.is_some(),
            #[cfg(feature = "deflate")]
            deflate: match self.permessage_deflate {
                Some(params) => params.pack(),
                None => 0,
            },
        }
    }
}

/// The part of [`Config`] the receive and send paths consult, as a connection keeps
/// it: the timers' settings live, more compactly, with the timers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) max_message_size: u64,
    pub(super) max_frame_size: u64,
    pub(super) max_fragments: u32,
    pub(super) auto_pong: bool,
    pub(super) compressed_messages: bool,
    /// The permessage-deflate parameters, packed into the bytes the alignment leaves
    /// free (see `DeflateParams::pack`).
    #[cfg(feature = "deflate")]
    pub(super) deflate: u16,
}
