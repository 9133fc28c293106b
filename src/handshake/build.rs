//! Writing handshake heads into the caller's buffer: the client's request (§4.1), the
//! server's acceptance (§4.2.2) and a refusal.

use super::accept::{AcceptKey, WebSocketKey};
use super::error::BuildError;
use super::extension::single_extension;
use super::head::{ascii_str, default_port, is_authority, is_token, is_value_byte, Headers};
use super::parts::{Form, HttpVersion};
use super::request::HandshakeRequest;
use crate::InsufficientSize;

/// Receives the pieces of a head. Counting and writing run the same emitter, so the
/// length reported can never disagree with the bytes written.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

struct Count(usize);

impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        // The caller's slices can repeat one long string until the sum passes
        // `usize::MAX` on a 32-bit target; a saturated count is a buffer no caller has,
        // so the overflow becomes `InsufficientSize` instead of a panic or a short count.
        self.0 = self.0.saturating_add(bytes.len());
    }
}

struct Write<'o> {
    out: &'o mut [u8],
    at: usize,
}

impl Sink for Write<'_> {
    fn put(&mut self, bytes: &[u8]) {
        // In bounds: `write_into` checked that `out` holds what the same emitter counted.
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
}

trait Emit {
    fn emit<S: Sink>(&self, sink: &mut S);

    fn encoded_len(&self) -> usize {
        let mut count = Count(0);
        self.emit(&mut count);
        count.0
    }

    /// Checks the size before writing anything, so a short buffer is left untouched.
    fn write_into(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let required = self.encoded_len();
        if out.len() < required {
            return Err(InsufficientSize { required }.into());
        }
        self.emit(&mut Write { out, at: 0 });
        Ok(required)
    }
}

fn header<S: Sink>(sink: &mut S, name: &str, value: &[u8]) {
    sink.put(name.as_bytes());
    sink.put(b": ");
    sink.put(value);
    sink.put(b"\r\n");
}

fn joined<S: Sink>(sink: &mut S, name: &str, items: &[&str]) {
    if items.is_empty() {
        return;
    }
    sink.put(name.as_bytes());
    sink.put(b": ");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            sink.put(b", ");
        }
        sink.put(item.trim().as_bytes());
    }
    sink.put(b"\r\n");
}

/// The fields both handshake sides end with: the extensions, then the caller's own.
fn extensions_and_extra_headers<S: Sink>(
    sink: &mut S,
    extensions: &[&str],
    headers: &[(&str, &str)],
) {
    joined(sink, "Sec-WebSocket-Extensions", extensions);
    extra_headers(sink, headers);
}

fn extra_headers<S: Sink>(sink: &mut S, headers: &[(&str, &str)]) {
    for (name, value) in headers {
        header(sink, name, value.as_bytes());
    }
}

fn decimal<S: Sink>(sink: &mut S, mut n: usize) {
    // 20 digits hold `u64::MAX`, so `at` never goes below 0.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    sink.put(&digits[at..]);
}

fn check_headers(headers: &[(&str, &str)], reserved: &[&str]) -> Result<(), BuildError> {
    for (name, value) in headers {
        if !is_token(name.as_bytes()) {
            return Err(BuildError::InvalidHeaderName);
        }
        if !value.bytes().all(is_value_byte) {
            return Err(BuildError::InvalidHeaderValue);
        }
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(BuildError::ReservedHeader);
        }
    }
    Ok(())
}

fn check_extensions(extensions: &[&str]) -> Result<(), BuildError> {
    if extensions.iter().all(|e| single_extension(e).is_some()) {
        Ok(())
    } else {
        Err(BuildError::InvalidExtension)
    }
}

/// A resource name (§3): a path starting with `/`, an optional query, visible ASCII,
/// no fragment.
fn is_resource(s: &str) -> bool {
    s.starts_with('/') && ascii_str(s.as_bytes()).is_some() && !s.contains('#')
}

/// The header fields of a head the builders make, as `(name, value)` pairs for an HTTP
/// library to send: the same fields, in the same order, as the bytes
/// [`encode`](AcceptResponse::encode) writes, except that each subprotocol and extension
/// is a field of its own (equivalent to one comma-separated field, RFC 7230 §3.2.2) and
/// `Content-Length` is left to the library, which frames the body.
///
/// ```
/// use rfc6455::handshake::{Form, HttpVersion, RequestParts, AcceptResponse};
/// let headers = [("sec-websocket-version", "13"), ("sec-websocket-protocol", "chat")];
/// let request = RequestParts::new("CONNECT", "/chat", HttpVersion::Http2, &headers)
///     .protocol("websocket")
///     .scheme("https")
///     .authority("example.com")
///     .validate()?;
/// let accept = AcceptResponse::new(&request).protocol("chat");
/// assert_eq!(accept.status(), 200);
/// assert!(accept.fields()?.eq([("Sec-WebSocket-Protocol", "chat")]));
/// # Ok::<(), rfc6455::handshake::HandshakeFailure>(())
/// ```
#[derive(Debug, Clone)]
pub struct HeaderFields<'a> {
    fixed: [(&'static str, &'a str); 6],
    fixed_len: usize,
    at: usize,
    protocols: core::slice::Iter<'a, &'a str>,
    extensions: core::slice::Iter<'a, &'a str>,
    extra: core::slice::Iter<'a, (&'a str, &'a str)>,
}

impl<'a> HeaderFields<'a> {
    fn new(
        fixed: &[(&'static str, &'a str)],
        protocols: &'a [&'a str],
        extensions: &'a [&'a str],
        extra: &'a [(&'a str, &'a str)],
    ) -> Self {
        let mut all = [("", ""); 6];
        all[..fixed.len()].copy_from_slice(fixed);
        HeaderFields {
            fixed: all,
            fixed_len: fixed.len(),
            at: 0,
            protocols: protocols.iter(),
            extensions: extensions.iter(),
            extra: extra.iter(),
        }
    }
}

impl<'a> Iterator for HeaderFields<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at < self.fixed_len {
            self.at += 1;
            return Some(self.fixed[self.at - 1]);
        }
        if let Some(p) = self.protocols.next() {
            return Some(("Sec-WebSocket-Protocol", p.trim()));
        }
        if let Some(e) = self.extensions.next() {
            return Some(("Sec-WebSocket-Extensions", e.trim()));
        }
        self.extra.next().copied()
    }
}

/// The parts of a client's request for an HTTP library to send (see
/// [`ClientRequest::head`]): method, target, version, the pseudo-header fields of
/// extended CONNECT, and the header fields.
#[derive(Debug, Clone)]
pub struct RequestHead<'a> {
    form: Form,
    version: HttpVersion,
    target: &'a str,
    scheme: &'a str,
    host: &'a str,
    fields: HeaderFields<'a>,
}

impl<'a> RequestHead<'a> {
    /// The form of the handshake, following from the version.
    pub fn form(&self) -> Form {
        self.form
    }

    /// `GET` (§4.1 item 2) or `CONNECT` (RFC 8441 §4).
    pub fn method(&self) -> &'static str {
        match self.form {
            Form::Upgrade => "GET",
            Form::ExtendedConnect => "CONNECT",
        }
    }

    /// The HTTP version to send with.
    pub fn version(&self) -> HttpVersion {
        self.version
    }

    /// The request-target, or `:path`: the resource name (§3).
    pub fn target(&self) -> &'a str {
        self.target
    }

    /// `:protocol`, for extended CONNECT only: `websocket` (RFC 8441 §4).
    pub fn protocol(&self) -> Option<&'static str> {
        (self.form == Form::ExtendedConnect).then_some("websocket")
    }

    /// `:scheme`, for extended CONNECT only (RFC 8441 §5: `https` for `wss`).
    pub fn scheme(&self) -> Option<&'a str> {
        (self.form == Form::ExtendedConnect).then_some(self.scheme)
    }

    /// `:authority`, for extended CONNECT only; HTTP/1.1 sends `Host` among the fields.
    pub fn authority(&self) -> Option<&'a str> {
        (self.form == Form::ExtendedConnect).then_some(self.host)
    }

    /// The header fields, in the order [`ClientRequest::encode`] writes them.
    pub fn fields(&self) -> HeaderFields<'a> {
        self.fields.clone()
    }
}

/// A client's opening handshake (RFC 6455 §4.1), ready to write into a buffer.
///
/// The request always carries `Host`, `Upgrade: websocket`, `Connection: Upgrade`,
/// `Sec-WebSocket-Key` and `Sec-WebSocket-Version: 13`; `Origin`, the subprotocols,
/// the extension offers and any extra headers are added when set. Keep the value: the
/// [`ResponseParser`](super::ResponseParser) checks the answer against it.
///
/// ```
/// use rfc6455::handshake::ClientRequest;
/// let protocols = ["chat", "superchat"];
/// let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
///     .origin("http://example.com")
///     .protocols(&protocols);
/// let mut out = [0u8; 512];
/// let n = request.encode(&mut out)?;
/// assert_eq!(
///     &out[..n],
///     &b"GET /chat HTTP/1.1\r\n\
///        Host: server.example.com\r\n\
///        Upgrade: websocket\r\n\
///        Connection: Upgrade\r\n\
///        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///        Sec-WebSocket-Version: 13\r\n\
///        Origin: http://example.com\r\n\
///        Sec-WebSocket-Protocol: chat, superchat\r\n\r\n"[..]
/// );
/// assert_eq!(n, request.encoded_len());
/// # Ok::<(), rfc6455::handshake::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use = "a builder writes nothing until `encode`"]
pub struct ClientRequest<'a> {
    host: &'a str,
    resource: &'a str,
    scheme: &'a str,
    key: WebSocketKey,
    origin: Option<&'a str>,
    protocols: &'a [&'a str],
    extensions: &'a [&'a str],
    headers: &'a [(&'a str, &'a str)],
}

impl<'a> ClientRequest<'a> {
    /// A request for `resource` (path and query, e.g. `/chat?room=1`) on `host` (with
    /// `:port` when not the default one, §4.1 item 4), keyed by `nonce`, which must be
    /// fresh and unpredictable (§4.1 item 7; with `std`,
    /// [`random_nonce`](super::random_nonce)).
    pub fn new(host: &'a str, resource: &'a str, nonce: [u8; 16]) -> Self {
        ClientRequest {
            host,
            resource,
            scheme: "https",
            key: WebSocketKey::from_nonce(&nonce),
            origin: None,
            protocols: &[],
            extensions: &[],
            headers: &[],
        }
    }

    /// The `:scheme` of an extended CONNECT: `https` (the default) for a `wss` URI,
    /// `http` for `ws` (RFC 8441 §5). An HTTP/1.1 request does not send it.
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn scheme(mut self, scheme: &'a str) -> Self {
        self.scheme = scheme;
        self
    }

    /// Sends `Origin` (§4.1 item 8), as a browser would.
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn origin(mut self, origin: &'a str) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Offers subprotocols, most preferred first (§4.1 item 10).
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn protocols(mut self, protocols: &'a [&'a str]) -> Self {
        self.protocols = protocols;
        self
    }

    /// Offers extensions, one §9.1 `extension` per string, most preferred first:
    /// `"permessage-deflate; client_max_window_bits"`.
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn extensions(mut self, extensions: &'a [&'a str]) -> Self {
        self.extensions = extensions;
        self
    }

    /// Adds header fields such as `Authorization` or `Cookie` (§4.1 item 12). The ones
    /// the builder writes itself are refused with [`BuildError::ReservedHeader`].
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The `Sec-WebSocket-Key` this request sends.
    pub fn key(&self) -> WebSocketKey {
        self.key
    }

    pub(crate) fn offered_protocols(&self) -> &'a [&'a str] {
        self.protocols
    }

    pub(crate) fn offered_extensions(&self) -> &'a [&'a str] {
        self.extensions
    }

    /// The number of bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        Emit::encoded_len(self)
    }

    /// Checks every part against the grammar, then writes the request into `out` and
    /// returns its length. On any error nothing is written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        self.check()?;
        self.write_into(out)
    }

    /// The request as parts for an HTTP library, checked as [`encode`](Self::encode)
    /// checks: an HTTP/1.1 Upgrade (§4.1), or for HTTP/2 and HTTP/3 an extended CONNECT
    /// (RFC 8441 §4, RFC 9220) without `Host`, `Upgrade`, `Connection` and the key,
    /// whose answer is checked by [`check_response`](Self::check_response) all the same.
    ///
    /// ```
    /// use rfc6455::handshake::{ClientRequest, HttpVersion};
    /// let request = ClientRequest::new("example.com", "/chat", *b"the sample nonce").scheme("http");
    /// let head = request.head(HttpVersion::Http2)?;
    /// assert_eq!((head.method(), head.target(), head.protocol()), ("CONNECT", "/chat", Some("websocket")));
    /// assert_eq!((head.scheme(), head.authority()), (Some("http"), Some("example.com")));
    /// assert!(head.fields().eq([("Sec-WebSocket-Version", "13")]));
    ///
    /// let head = request.head(HttpVersion::Http11)?;
    /// assert_eq!(head.method(), "GET");
    /// assert_eq!(head.fields().nth(3), Some(("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")));
    /// # Ok::<(), rfc6455::handshake::BuildError>(())
    /// ```
    pub fn head(&self, version: HttpVersion) -> Result<RequestHead<'_>, BuildError> {
        self.check()?;
        let form = version.form().ok_or(BuildError::UnsupportedVersion)?;
        let mut fixed = [("", ""); 6];
        let mut n = 0;
        let mut push = |field| {
            fixed[n] = field;
            n += 1;
        };
        match form {
            Form::Upgrade => {
                push(("Host", self.host));
                push(("Upgrade", "websocket"));
                push(("Connection", "Upgrade"));
                push(("Sec-WebSocket-Key", self.key.as_str()));
            }
            Form::ExtendedConnect => {
                if default_port(self.scheme.as_bytes()).is_none() {
                    return Err(BuildError::UnsupportedVersion);
                }
            }
        }
        push(("Sec-WebSocket-Version", "13"));
        if let Some(origin) = self.origin {
            push(("Origin", origin));
        }
        Ok(RequestHead {
            form,
            version,
            target: self.resource,
            scheme: self.scheme,
            host: self.host,
            fields: HeaderFields::new(&fixed[..n], self.protocols, self.extensions, self.headers),
        })
    }

    /// Checks the server's answer given as its status and header fields (for HTTP/1.1,
    /// the version the response came with; for extended CONNECT, HTTP/2 or 3): a 101
    /// over HTTP/1.1 must pass §4.1, a 2xx over HTTP/2 and 3 its subprotocol and
    /// extension checks (RFC 8441 §5); any other status comes back as
    /// [`HandshakeResponse::Rejected`](super::HandshakeResponse::Rejected).
    ///
    /// ```
    /// use rfc6455::handshake::{ClientRequest, HandshakeResponse, HttpVersion, ResponseError};
    /// let protocols = ["chat"];
    /// let request = ClientRequest::new("example.com", "/chat", *b"the sample nonce")
    ///     .protocols(&protocols);
    /// let fields = [("sec-websocket-protocol", "chat")];
    /// let answer = request.check_response(HttpVersion::Http2, 200, &fields)?;
    /// let HandshakeResponse::Accepted(accepted) = answer else { panic!() };
    /// assert_eq!(accepted.protocol(), Some("chat"));
    ///
    /// // Over HTTP/1.1 a 101 must prove it read the key (§4.1 step 4).
    /// let err = request.check_response(HttpVersion::Http11, 101, &[
    ///     ("upgrade", "websocket"),
    ///     ("connection", "upgrade"),
    /// ]);
    /// assert_eq!(err, Err(ResponseError::MissingAccept));
    /// # Ok::<(), ResponseError>(())
    /// ```
    pub fn check_response<'b>(
        &self,
        version: HttpVersion,
        status: u16,
        fields: &'b [(&'b str, &'b str)],
    ) -> Result<super::HandshakeResponse<'b>, super::ResponseError> {
        super::response::check_parts(self, version, status, Headers::from_pairs(fields))
    }

    fn check(&self) -> Result<(), BuildError> {
        if !is_authority(self.host.as_bytes()) {
            return Err(BuildError::InvalidHost);
        }
        if !is_resource(self.resource) {
            return Err(BuildError::InvalidTarget);
        }
        if self
            .origin
            .is_some_and(|o| ascii_str(o.as_bytes()).is_none())
        {
            return Err(BuildError::InvalidOrigin);
        }
        for (i, p) in self.protocols.iter().enumerate() {
            if !is_token(p.as_bytes()) {
                return Err(BuildError::InvalidProtocol);
            }
            if self.protocols[..i].contains(p) {
                return Err(BuildError::DuplicateProtocol);
            }
        }
        check_extensions(self.extensions)?;
        check_headers(
            self.headers,
            &[
                "host",
                "upgrade",
                "connection",
                "origin",
                "sec-websocket-key",
                "sec-websocket-version",
                "sec-websocket-protocol",
                "sec-websocket-extensions",
                "content-length",
                "transfer-encoding",
            ],
        )
    }
}

impl Emit for ClientRequest<'_> {
    fn emit<S: Sink>(&self, sink: &mut S) {
        sink.put(b"GET ");
        sink.put(self.resource.as_bytes());
        sink.put(b" HTTP/1.1\r\n");
        header(sink, "Host", self.host.as_bytes());
        sink.put(b"Upgrade: websocket\r\nConnection: Upgrade\r\n");
        header(sink, "Sec-WebSocket-Key", self.key.as_str().as_bytes());
        sink.put(b"Sec-WebSocket-Version: 13\r\n");
        if let Some(origin) = self.origin {
            header(sink, "Origin", origin.as_bytes());
        }
        joined(sink, "Sec-WebSocket-Protocol", self.protocols);
        extensions_and_extra_headers(sink, self.extensions, self.headers);
        sink.put(b"\r\n");
    }
}

/// The server's `101 Switching Protocols` (RFC 6455 §4.2.2 step 5) for a parsed
/// [`HandshakeRequest`], ready to write into a buffer.
///
/// The chosen subprotocol must be one the client offered and each accepted extension
/// one it offered by name; [`encode`](Self::encode) refuses anything else, since the
/// client would fail the connection over it (§4.1 steps 5 and 6).
///
/// ```
/// use rfc6455::handshake::{AcceptResponse, Limits, RequestParser};
/// let head = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// let request = parser.parse(head)?.complete().unwrap();
///
/// let mut out = [0u8; 256];
/// let n = AcceptResponse::new(&request)
///     .protocol("chat")
///     .headers(&[("Set-Cookie", "sid=1; HttpOnly")])
///     .encode(&mut out)?;
/// assert_eq!(
///     &out[..n],
///     &b"HTTP/1.1 101 Switching Protocols\r\n\
///        Upgrade: websocket\r\n\
///        Connection: Upgrade\r\n\
///        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
///        Sec-WebSocket-Protocol: chat\r\n\
///        Set-Cookie: sid=1; HttpOnly\r\n\r\n"[..]
/// );
///
/// let err = AcceptResponse::new(&request).protocol("mqtt").encode(&mut out).unwrap_err();
/// assert_eq!(err, rfc6455::handshake::BuildError::ProtocolNotOffered);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use = "a builder writes nothing until `encode`"]
pub struct AcceptResponse<'a> {
    /// `None` for extended CONNECT, which has no accept value (RFC 8441 §5).
    accept: Option<AcceptKey>,
    offered: Headers<'a>,
    protocol: Option<&'a str>,
    extensions: &'a [&'a str],
    headers: &'a [(&'a str, &'a str)],
}

impl<'a> AcceptResponse<'a> {
    /// An acceptance of `request` with no subprotocol, no extensions and no extra
    /// headers.
    pub fn new(request: &HandshakeRequest<'a>) -> Self {
        AcceptResponse {
            accept: (request.form() == Form::Upgrade).then(|| request.accept_key()),
            offered: request.headers(),
            protocol: None,
            extensions: &[],
            headers: &[],
        }
    }

    /// Selects a subprotocol, which must be one of [`HandshakeRequest::protocols`].
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn protocol(mut self, protocol: &'a str) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Accepts extensions, one §9.1 `extension` per string with the parameters the
    /// server answers with, listed in the order they apply (§9.1).
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn extensions(mut self, extensions: &'a [&'a str]) -> Self {
        self.extensions = extensions;
        self
    }

    /// Adds header fields such as `Set-Cookie`. The ones the builder writes itself are
    /// refused with [`BuildError::ReservedHeader`].
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The number of bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        Emit::encoded_len(self)
    }

    /// Checks the selection against the request and every part against the grammar,
    /// then writes the response into `out` and returns its length. On any error nothing
    /// is written. An extended CONNECT has no HTTP/1.1 head to write
    /// ([`BuildError::NotHttp11`]): send its [`fields`](Self::fields) with
    /// [`status`](Self::status) instead.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        self.check()?;
        if self.accept.is_none() {
            return Err(BuildError::NotHttp11);
        }
        self.write_into(out)
    }

    /// The status to answer with: 101 for the Upgrade (§4.2.2), 200 for extended CONNECT
    /// (RFC 8441 §5).
    pub fn status(&self) -> u16 {
        match self.accept {
            Some(_) => Form::Upgrade.success_status(),
            None => Form::ExtendedConnect.success_status(),
        }
    }

    /// The response's header fields for an HTTP library, checked as
    /// [`encode`](Self::encode) checks: `Upgrade`, `Connection` and
    /// `Sec-WebSocket-Accept` for the Upgrade, none of them for extended CONNECT; then
    /// the subprotocol, the extensions and the extra headers.
    ///
    /// ```
    /// use rfc6455::handshake::{AcceptResponse, HttpVersion, RequestParts};
    /// let headers = [
    ///     ("host", "server.example.com"),
    ///     ("upgrade", "websocket"),
    ///     ("connection", "Upgrade"),
    ///     ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ///     ("sec-websocket-version", "13"),
    /// ];
    /// let request = RequestParts::new("GET", "/chat", HttpVersion::Http11, &headers).validate()?;
    /// let accept = AcceptResponse::new(&request);
    /// assert_eq!(accept.status(), 101);
    /// assert!(accept.fields()?.eq([
    ///     ("Upgrade", "websocket"),
    ///     ("Connection", "Upgrade"),
    ///     ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    /// ]));
    /// # Ok::<(), rfc6455::handshake::HandshakeFailure>(())
    /// ```
    pub fn fields(&self) -> Result<HeaderFields<'_>, BuildError> {
        self.check()?;
        let protocol = self.protocol.map(|p| ("Sec-WebSocket-Protocol", p));
        let mut fixed = [("", ""); 4];
        let mut n = 0;
        if let Some(accept) = &self.accept {
            fixed[..3].copy_from_slice(&[
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Accept", accept.as_str()),
            ]);
            n = 3;
        }
        if let Some(p) = protocol {
            fixed[n] = p;
            n += 1;
        }
        Ok(HeaderFields::new(
            &fixed[..n],
            &[],
            self.extensions,
            self.headers,
        ))
    }

    fn check(&self) -> Result<(), BuildError> {
        if let Some(p) = self.protocol {
            if !is_token(p.as_bytes()) {
                return Err(BuildError::InvalidProtocol);
            }
            if !self
                .offered
                .list("sec-websocket-protocol")
                .any(|o| o == p.as_bytes())
            {
                return Err(BuildError::ProtocolNotOffered);
            }
        }
        check_extensions(self.extensions)?;
        let offers = super::Extensions::new(self.offered.get_all("sec-websocket-extensions"));
        // `check_extensions` passed, so every string has a name.
        let name_of = |ext: &'a str| single_extension(ext).unwrap_or_default();
        for (i, ext) in self.extensions.iter().enumerate() {
            let name = name_of(ext);
            if !offers.clone().any(|o| o.name().eq_ignore_ascii_case(name)) {
                return Err(BuildError::ExtensionNotOffered);
            }
            if self.extensions[..i]
                .iter()
                .any(|e| name_of(e).eq_ignore_ascii_case(name))
            {
                return Err(BuildError::DuplicateExtension);
            }
        }
        check_headers(
            self.headers,
            &[
                "upgrade",
                "connection",
                "sec-websocket-accept",
                "sec-websocket-protocol",
                "sec-websocket-extensions",
                "content-length",
                "transfer-encoding",
            ],
        )?;
        Ok(())
    }
}

impl Emit for AcceptResponse<'_> {
    fn emit<S: Sink>(&self, sink: &mut S) {
        sink.put(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
        );
        if let Some(accept) = &self.accept {
            header(sink, "Sec-WebSocket-Accept", accept.as_bytes());
        }
        if let Some(protocol) = self.protocol {
            header(sink, "Sec-WebSocket-Protocol", protocol.as_bytes());
        }
        extensions_and_extra_headers(sink, self.extensions, self.headers);
        sink.put(b"\r\n");
    }
}

/// A response refusing the handshake: a status, a reason phrase, extra headers and a
/// body, always with `Content-Length` so the client knows where the body ends.
///
/// [`RequestError::rejection`](super::RequestError::rejection) gives the right one for
/// a malformed handshake (400), a wrong version (426, with `Sec-WebSocket-Version: 13`
/// as §4.2.2 and §4.4 require) and a refused origin (403). A status of 426 always
/// carries `Upgrade: websocket` and `Connection: Upgrade`, as RFC 7231 §6.5.15 asks.
///
/// ```
/// use rfc6455::handshake::Rejection;
/// let mut out = [0u8; 256];
/// let n = Rejection::new(401, "Unauthorized")
///     .headers(&[("WWW-Authenticate", "Basic realm=\"ws\"")])
///     .body(b"log in first")
///     .encode(&mut out)?;
/// assert_eq!(
///     &out[..n],
///     &b"HTTP/1.1 401 Unauthorized\r\n\
///        WWW-Authenticate: Basic realm=\"ws\"\r\n\
///        Content-Length: 12\r\n\r\n\
///        log in first"[..]
/// );
/// # Ok::<(), rfc6455::handshake::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use = "a builder writes nothing until `encode`"]
pub struct Rejection<'a> {
    status: u16,
    reason: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
}

impl<'a> Rejection<'a> {
    /// A response with `status` (200–599) and `reason`, no extra headers and no body.
    pub const fn new(status: u16, reason: &'a str) -> Self {
        Rejection {
            status,
            reason,
            headers: &[],
            body: &[],
        }
    }

    /// The status code.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// Adds header fields such as `WWW-Authenticate`, `Location` or `Connection: close`.
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub const fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body; `Content-Length` follows it.
    #[must_use = "setters return the changed builder and leave the receiver as it was"]
    pub const fn body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The number of bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        Emit::encoded_len(self)
    }

    /// Checks the parts against the grammar, then writes the response into `out` and
    /// returns its length. On any error nothing is written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        self.check()?;
        self.write_into(out)
    }

    /// The response's header fields for an HTTP library answering over `version`,
    /// checked as [`encode`](Self::encode) checks; the body and its `Content-Length` are
    /// the library's. A 426 carries `Sec-WebSocket-Version: 13` (§4.4), and over
    /// HTTP/1.1 also `Upgrade` and `Connection` (RFC 7231 §6.5.15), which HTTP/2 and 3
    /// forbid (RFC 9113 §8.2.2).
    ///
    /// ```
    /// use rfc6455::handshake::{HttpVersion, RequestError};
    /// let rejection = RequestError::UnsupportedVersion.rejection();
    /// assert_eq!(rejection.status(), 426);
    /// assert!(rejection.fields(HttpVersion::Http2)?.eq([("Sec-WebSocket-Version", "13")]));
    /// assert_eq!(rejection.fields(HttpVersion::Http11)?.count(), 3);
    /// # Ok::<(), rfc6455::handshake::BuildError>(())
    /// ```
    pub fn fields(&self, version: HttpVersion) -> Result<HeaderFields<'a>, BuildError> {
        self.check()?;
        let upgrade = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Version", "13"),
        ];
        let fixed: &[(&'static str, &'a str)] = match (self.status, version.form()) {
            (426, Some(Form::ExtendedConnect)) => &upgrade[2..],
            (426, _) => &upgrade,
            _ => &[],
        };
        Ok(HeaderFields::new(fixed, &[], &[], self.headers))
    }

    fn check(&self) -> Result<(), BuildError> {
        if !(200..=599).contains(&self.status) {
            return Err(BuildError::InvalidStatus);
        }
        if !self.reason.bytes().all(is_value_byte) {
            return Err(BuildError::InvalidReason);
        }
        let mut reserved: &[&str] = &["content-length", "transfer-encoding"];
        if self.status == 426 {
            reserved = &[
                "content-length",
                "transfer-encoding",
                "upgrade",
                "connection",
                "sec-websocket-version",
            ];
        }
        check_headers(self.headers, reserved)
    }
}

impl Emit for Rejection<'_> {
    fn emit<S: Sink>(&self, sink: &mut S) {
        sink.put(b"HTTP/1.1 ");
        decimal(sink, usize::from(self.status));
        sink.put(b" ");
        sink.put(self.reason.as_bytes());
        sink.put(b"\r\n");
        if self.status == 426 {
            sink.put(b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
        }
        extra_headers(sink, self.headers);
        sink.put(b"Content-Length: ");
        decimal(sink, self.body.len());
        sink.put(b"\r\n\r\n");
        sink.put(self.body);
    }
}
