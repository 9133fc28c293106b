//! A handshake request given as parts — method, target, version, pseudo-header fields
//! and header pairs — as HTTP libraries hand it over, for both forms: the HTTP/1.1
//! Upgrade (RFC 6455 §4.1) and extended CONNECT (RFC 8441 §4 over HTTP/2, RFC 9220 over
//! HTTP/3).

use super::error::RequestError;
use super::head::{check_fields, Headers};
use super::request::{start_from_parts, HandshakeRequest};

/// The HTTP version a handshake travels over.
///
/// ```
/// use rfc6455::handshake::{Form, HttpVersion};
/// assert_eq!(HttpVersion::Http2.form(), Some(Form::ExtendedConnect));
/// assert_eq!(HttpVersion::Http11.form(), Some(Form::Upgrade));
/// assert_eq!(HttpVersion::Http10.form(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/0.9.
    Http09,
    /// HTTP/1.0, which has no Upgrade (§4.2.1 item 1 asks for 1.1 or higher).
    Http10,
    /// HTTP/1.1.
    Http11,
    /// HTTP/2 (RFC 9113).
    Http2,
    /// HTTP/3 (RFC 9114).
    Http3,
}

impl HttpVersion {
    /// `(major, minor)`, the way the byte parser reads `HTTP/d.d`.
    pub(crate) const fn pair(self) -> (u8, u8) {
        match self {
            HttpVersion::Http09 => (0, 9),
            HttpVersion::Http10 => (1, 0),
            HttpVersion::Http11 => (1, 1),
            HttpVersion::Http2 => (2, 0),
            HttpVersion::Http3 => (3, 0),
        }
    }

    /// The version of a well-formed `HTTP/d.d`: every 1.x from 1.1 up is HTTP/1.1
    /// (RFC 7230 §2.6: a recipient treats a higher minor version as the highest it
    /// speaks).
    pub(crate) const fn from_pair((major, minor): (u8, u8)) -> Self {
        match (major, minor) {
            (0, _) => HttpVersion::Http09,
            (1, 0) => HttpVersion::Http10,
            (1, _) => HttpVersion::Http11,
            (2, _) => HttpVersion::Http2,
            _ => HttpVersion::Http3,
        }
    }

    /// The form a WebSocket handshake takes over this version: the Upgrade on HTTP/1.1,
    /// extended CONNECT on HTTP/2 and 3, none below 1.1.
    pub const fn form(self) -> Option<Form> {
        match self {
            HttpVersion::Http09 | HttpVersion::Http10 => None,
            HttpVersion::Http11 => Some(Form::Upgrade),
            HttpVersion::Http2 | HttpVersion::Http3 => Some(Form::ExtendedConnect),
        }
    }
}

/// The two shapes of a WebSocket opening handshake.
///
/// ```
/// use rfc6455::handshake::Form;
/// assert_eq!(Form::Upgrade.success_status(), 101);
/// assert_eq!(Form::ExtendedConnect.success_status(), 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// `GET` with `Upgrade: websocket`, `Connection: Upgrade` and `Sec-WebSocket-Key`,
    /// answered by `101 Switching Protocols` with `Sec-WebSocket-Accept` (RFC 6455 §4).
    Upgrade,
    /// `:method CONNECT` with `:protocol websocket` on one HTTP/2 or HTTP/3 stream,
    /// answered by a 2xx; no Upgrade, Connection, key or accept (RFC 8441 §4, §5;
    /// RFC 9220 §3).
    ExtendedConnect,
}

impl Form {
    /// The status a server accepts with: 101 (RFC 6455 §4.2.2), or 200 for extended
    /// CONNECT (RFC 8441 §5: any 2xx; 200 is what servers send).
    pub const fn success_status(self) -> u16 {
        match self {
            Form::Upgrade => 101,
            Form::ExtendedConnect => 200,
        }
    }
}

/// A client's opening handshake given as the parts an HTTP library parsed, checked by
/// the same §4.2.1 validator as [`RequestParser`](super::RequestParser), with the same
/// errors in the same order.
///
/// For HTTP/1.1, `target` is the request-target (`/chat?room=1`, or an absolute URI; or
/// its path with [`scheme`](Self::scheme) and [`authority`](Self::authority) given
/// apart, as `http::Uri` holds one). For HTTP/2 and HTTP/3 it is `:path`, and
/// `:scheme`, `:authority` and `:protocol` are set with their methods.
///
/// ```
/// use rfc6455::handshake::{Form, HttpVersion, RequestParts};
/// // RFC 8441 §5.1, the example request
/// let headers = [
///     ("sec-websocket-protocol", "chat, superchat"),
///     ("sec-websocket-extensions", "permessage-deflate"),
///     ("sec-websocket-version", "13"),
///     ("origin", "http://www.example.com"),
/// ];
/// let request = RequestParts::new("CONNECT", "/chat", HttpVersion::Http2, &headers)
///     .protocol("websocket")
///     .scheme("https")
///     .authority("server.example.com")
///     .validate()?;
/// assert_eq!(request.form(), Form::ExtendedConnect);
/// assert_eq!(request.host(), "server.example.com");
/// assert!(request.protocols().eq(["chat", "superchat"]));
///
/// // The same checks as the byte parser: a version other than 13 is a 426.
/// let old = [("sec-websocket-version", "8")];
/// let err = RequestParts::new("CONNECT", "/chat", HttpVersion::Http2, &old)
///     .protocol("websocket")
///     .scheme("https")
///     .authority("server.example.com")
///     .validate()
///     .unwrap_err();
/// assert_eq!(err.status(), 426);
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use = "parts are checked by `validate`"]
pub struct RequestParts<'b> {
    method: &'b str,
    target: &'b str,
    version: HttpVersion,
    scheme: Option<&'b str>,
    authority: Option<&'b str>,
    protocol: Option<&'b str>,
    headers: Headers<'b>,
}

impl<'b> RequestParts<'b> {
    /// A request with `method`, `target` and `version`, and its header fields as
    /// `(name, value)` pairs in arrival order (whitespace around values is ignored).
    pub fn new(
        method: &'b str,
        target: &'b str,
        version: HttpVersion,
        headers: &'b [(&'b str, &'b str)],
    ) -> Self {
        Self::with_headers(method, target, version, Headers::from_pairs(headers))
    }

    pub(crate) fn with_headers(
        method: &'b str,
        target: &'b str,
        version: HttpVersion,
        headers: Headers<'b>,
    ) -> Self {
        RequestParts {
            method,
            target,
            version,
            scheme: None,
            authority: None,
            protocol: None,
            headers,
        }
    }

    /// `:scheme` (RFC 8441 §4 requires it: `https` for `wss`, `http` for `ws`), or the
    /// scheme of an HTTP/1.1 absolute-form target given apart.
    pub fn scheme(mut self, scheme: &'b str) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// `:authority`, which stands for `Host` over HTTP/2 and 3, or the authority of an
    /// HTTP/1.1 absolute-form target given apart (then `Host` must agree with it).
    pub fn authority(mut self, authority: &'b str) -> Self {
        self.authority = Some(authority);
        self
    }

    /// `:protocol` (RFC 8441 §4), which must be `websocket` and comes with CONNECT only.
    pub fn protocol(mut self, protocol: &'b str) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Checks the request against §4.2.1 (and RFC 8441 §4, §5 for extended CONNECT).
    /// Header names must be tokens and values free of control characters, as the byte
    /// parser demands ([`HeadError`](super::HeadError)); limits on their size and number are the HTTP
    /// library's. Answer an error with [`RequestError::rejection`].
    pub fn validate(&self) -> Result<HandshakeRequest<'b>, RequestError> {
        let start = start_from_parts(
            self.method,
            self.target,
            self.version,
            self.scheme,
            self.authority,
            self.protocol,
        )?;
        check_fields(&self.headers)?;
        HandshakeRequest::validate(start, self.headers, &[])
    }
}
