//! What a connection is allowed and expected to do, for both drivers and both roles.

use std::sync::Arc;
use std::time::Duration;

use rfc6455::connection::Config;
#[cfg(feature = "deflate")]
use rfc6455::extensions::deflate::DeflateConfig;
use rfc6455::handshake::{HandshakeRequest, Limits, RequestError};

/// A check on a handshake request beyond the protocol's own, e.g. a path or a cookie:
/// an `Err` refuses the request with that error's status.
pub type RequestCheck =
    Arc<dyn Fn(&HandshakeRequest<'_>) -> Result<(), RequestError> + Send + Sync>;

/// Settings for [`accept_with`](crate::blocking::accept_with) and
/// [`connect_with`](crate::blocking::connect_with) in either driver.
///
/// The defaults are what a server on the open internet wants: the core's 1 MiB message
/// limit, keepalive (a Ping after 20 s of silence, 20 s for its Pong), 10 s for the
/// closing handshake, 10 s for the whole handshake head, a 1 MiB write buffer that a
/// peer has 30 s to drain, no permessage-deflate, any Origin.
///
/// ```
/// use std::time::Duration;
/// use rfc6455_io::Options;
/// let options = Options::default()
///     .max_message_size(16 << 20)
///     .allowed_origins(["https://quotes.example"])
///     .protocols(["quotes.v1"])
///     .handshake_timeout(Duration::from_secs(5));
/// assert_eq!(options.config.ping_interval, Some(Duration::from_secs(20)));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Options {
    /// The core's limits and timers.
    pub config: Config,
    /// Limits on the handshake head (size, header count).
    pub head_limits: Limits,
    /// The whole handshake head, sent or received, must complete in this time.
    pub handshake_timeout: Duration,
    /// The most bytes queued for the transport; a sender past it waits (tokio) or
    /// blocks (std) until the transport takes them.
    pub write_buffer_limit: usize,
    /// How long queued bytes may wait for a transport that takes none before the
    /// connection is dropped with [`Error::WriteTimeout`](crate::Error::WriteTimeout).
    pub write_timeout: Duration,
    /// Server: the Origins allowed (`scheme://host[:port]`), `None` for any. A request
    /// from another Origin is refused with 403.
    pub allowed_origins: Option<Vec<String>>,
    /// Server: also allow the Origin whose host is the request's `Host`.
    pub same_origin: bool,
    /// Subprotocols, in order of preference. A server picks the first of these the
    /// client offers; a client offers them all.
    pub protocols: Vec<String>,
    /// Server: a check of its own on every request.
    pub check: Option<RequestCheck>,
    /// permessage-deflate (RFC 7692): offered (client) or accepted (server) with these
    /// parameters; `None` (the default) for no compression.
    #[cfg(feature = "deflate")]
    pub deflate: Option<DeflateConfig>,
    /// Client, `wss://`: the TLS configuration `connect` and `connect_with_options`
    /// use, in either driver. `None` (the default): Mozilla's root certificates
    /// (`webpki-roots`), rustls's safe defaults, and the process's default crypto
    /// provider if one is installed, else ring.
    #[cfg(feature = "rustls")]
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: Config::default().recommended_timers(),
            head_limits: Limits::default(),
            handshake_timeout: Duration::from_secs(10),
            write_buffer_limit: 1 << 20,
            write_timeout: Duration::from_secs(30),
            allowed_origins: None,
            same_origin: false,
            protocols: Vec::new(),
            check: None,
            #[cfg(feature = "deflate")]
            deflate: None,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }
}

impl core::fmt::Debug for Options {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Options")
            .field("config", &self.config)
            .field("head_limits", &self.head_limits)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("write_buffer_limit", &self.write_buffer_limit)
            .field("write_timeout", &self.write_timeout)
            .field("allowed_origins", &self.allowed_origins)
            .field("same_origin", &self.same_origin)
            .field("protocols", &self.protocols)
            .field("check", &self.check.as_ref().map(|_| "Fn"))
            .finish_non_exhaustive()
    }
}

impl Options {
    /// Sets [`Options::config`].
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets the core's message (and frame) size limit.
    #[must_use]
    pub fn max_message_size(mut self, bytes: u64) -> Self {
        self.config = self.config.max_message_size(bytes).max_frame_size(bytes);
        self
    }

    /// Sets [`Options::handshake_timeout`].
    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets [`Options::write_buffer_limit`].
    #[must_use]
    pub fn write_buffer_limit(mut self, bytes: usize) -> Self {
        self.write_buffer_limit = bytes;
        self
    }

    /// Sets [`Options::write_timeout`].
    #[must_use]
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Sets [`Options::allowed_origins`].
    #[must_use]
    pub fn allowed_origins<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        origins: I,
    ) -> Self {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Sets [`Options::same_origin`].
    #[must_use]
    pub fn same_origin(mut self, on: bool) -> Self {
        self.same_origin = on;
        self
    }

    /// Sets [`Options::protocols`].
    #[must_use]
    pub fn protocols<I: IntoIterator<Item = S>, S: Into<String>>(mut self, protocols: I) -> Self {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`Options::check`].
    #[must_use]
    pub fn check(
        mut self,
        check: impl Fn(&HandshakeRequest<'_>) -> Result<(), RequestError> + Send + Sync + 'static,
    ) -> Self {
        self.check = Some(Arc::new(check));
        self
    }

    /// Sets [`Options::deflate`].
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate(mut self, deflate: Option<DeflateConfig>) -> Self {
        self.deflate = deflate;
        self
    }

    /// Sets [`Options::tls`]: a TLS configuration of the caller's (its own roots, a
    /// client certificate, ALPN) instead of the default.
    #[cfg(feature = "rustls")]
    #[must_use]
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }
}
