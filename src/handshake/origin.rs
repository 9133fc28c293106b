//! Deciding whether a browser origin may connect (RFC 6455 §4.2.2 /origin/, §10.2).

use super::error::RequestError;
use super::head::{default_port, is_authority, same_authority};
use super::request::HandshakeRequest;

/// Which `Origin`s a server accepts: the defence against cross-site WebSocket
/// hijacking, where a page on another site opens a socket that rides on the user's
/// cookies (§10.2).
///
/// An origin is allowed when it is on the allow-list (compared ASCII
/// case-insensitively, as serialized: `https://app.example.com`), or when the
/// same-origin check is on and the origin is an `http` or `https` one whose host and
/// port are the request's `Host` (RFC 6454 §5). The scheme itself is not compared,
/// because behind a TLS-terminating proxy a server cannot tell which one the browser
/// used, but it sets the port: a port left out, in the origin or in `Host`, is the
/// default of the origin's scheme, so `http://a.example` matches `Host: a.example` and
/// `a.example:80`, never `a.example:443`. The origin `null` (sandboxed frames, `file:`
/// pages) is only allowed when listed literally.
///
/// A request without `Origin` did not come from a browser (§4.2.1 item 7) and cannot be
/// a hijacking; it is allowed unless [`require_origin`](Self::require_origin) is set.
///
/// ```
/// use rfc6455::handshake::{Limits, OriginPolicy, RequestError, RequestParser};
/// let head = b"GET /chat HTTP/1.1\r\nHost: chat.example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// let request = parser.parse(head)?.complete().unwrap();
///
/// let policy = OriginPolicy::new().allow(&["https://app.example.com"]).same_origin(true);
/// let err = policy.check(&request).unwrap_err();
/// assert_eq!(err, RequestError::OriginRefused);
/// assert_eq!(err.rejection().status(), 403);
///
/// assert!(policy.allows(Some("HTTPS://App.Example.com"), request.host()));
/// assert!(policy.allows(Some("https://chat.example.com"), request.host()));
/// assert!(!policy.allows(Some("http://chat.example.com"), "chat.example.com:443"));
/// assert!(policy.allows(None, request.host()));
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use = "a policy refuses nothing until `check`"]
pub struct OriginPolicy<'a> {
    allowed: &'a [&'a str],
    same_origin: bool,
    require_origin: bool,
}

impl<'a> OriginPolicy<'a> {
    /// A policy that refuses every origin and allows requests without one.
    pub const fn new() -> Self {
        OriginPolicy {
            allowed: &[],
            same_origin: false,
            require_origin: false,
        }
    }

    /// Allows these serialized origins (`scheme://host[:port]`).
    #[must_use = "setters return the changed policy and leave the receiver as it was"]
    pub const fn allow(mut self, origins: &'a [&'a str]) -> Self {
        self.allowed = origins;
        self
    }

    /// Allows `http` and `https` origins whose host and port are the request's `Host`,
    /// a port left out being the default of the origin's scheme.
    #[must_use = "setters return the changed policy and leave the receiver as it was"]
    pub const fn same_origin(mut self, on: bool) -> Self {
        self.same_origin = on;
        self
    }

    /// Refuses requests without `Origin`, for servers that only serve browsers.
    #[must_use = "setters return the changed policy and leave the receiver as it was"]
    pub const fn require_origin(mut self, on: bool) -> Self {
        self.require_origin = on;
        self
    }

    /// Whether `origin` may connect to a server the client reached as `host`.
    pub fn allows(&self, origin: Option<&str>, host: &str) -> bool {
        let Some(origin) = origin else {
            return !self.require_origin;
        };
        if self
            .allowed
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
        {
            return true;
        }
        self.same_origin && same_origin(origin, host)
    }

    /// Applies the policy to a request: `Err(RequestError::OriginRefused)`, status 403,
    /// when it is refused.
    pub fn check(&self, request: &HandshakeRequest<'_>) -> Result<(), RequestError> {
        if self.allows(request.origin(), request.host()) {
            Ok(())
        } else {
            Err(RequestError::OriginRefused)
        }
    }
}

/// Whether `origin` is the origin of a page served from `host` (RFC 6454 §5: same
/// scheme, host and port). The scheme is not compared (see [`OriginPolicy`]) but gives
/// the port: `Host` without one stands for the Origin scheme's default, so
/// `http://a.example` is `Host: a.example` or `a.example:80`, never `a.example:443`.
/// An origin with anything besides scheme, host and port (a path, userinfo), or with a
/// scheme other than `http` and `https`, is nobody's same origin.
fn same_origin(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let Some(default_port) = default_port(scheme.as_bytes()) else {
        return false;
    };
    is_authority(authority.as_bytes())
        && !authority.starts_with(':')
        && same_authority(authority.as_bytes(), host.as_bytes(), default_port)
}
