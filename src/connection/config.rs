//! Limits and behaviour of a connection.

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
    pub max_fragments: u32,
    /// Queue a Pong for every Ping received (default true). Off, the caller answers
    /// [`Event::Ping`](super::Event::Ping) itself.
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

    /// The limits as a connection applies them: the frame cap no larger than the
    /// message cap.
    pub(super) const fn in_force(mut self) -> Self {
        if self.max_frame_size > self.max_message_size {
            self.max_frame_size = self.max_message_size;
        }
        self
    }
}
