//! Conversions to and from the `http` crate's types (feature `http`), which hyper, axum,
//! h2 and h3 use: a server validates an `http::Request` and answers with an
//! `http::Response<()>`; a client sends an `http::Request<()>` and checks the
//! `http::Response` it gets. Both handshake forms go through them: the HTTP/1.1 Upgrade
//! and extended CONNECT over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220).
//!
//! The `:protocol` pseudo-header of extended CONNECT travels in the request's
//! extensions as a type of the HTTP/2 or HTTP/3 library (`hyper::ext::Protocol`, which
//! is `h2::ext::Protocol`), which this crate cannot name without depending on that
//! library: the calls that read or write it take the type as `P` (`AsRef<[u8]>` to
//! read, `From<&'static str>` to write). h3 0.0.8's `h3::ext::Protocol` has neither and
//! does not know `websocket` yet: `examples/h3_echo` shows the conversion to a type of
//! the caller's own, and the one-line patch h3 needs.

use ::http::header::{HeaderName, HeaderValue};
use ::http::{Request, Response, Uri, Version};

use super::error::{BuildError, RequestError, ResponseError};
use super::head::Headers;
use super::parts::{Form, HttpVersion, RequestParts};
use super::response::{check_parts, HandshakeResponse};
use super::{AcceptResponse, ClientRequest, HandshakeRequest, HeaderFields, Rejection};

impl From<Version> for HttpVersion {
    /// ```
    /// use rfc6455::handshake::HttpVersion;
    /// assert_eq!(HttpVersion::from(http::Version::HTTP_2), HttpVersion::Http2);
    /// ```
    fn from(version: Version) -> Self {
        match version {
            Version::HTTP_09 => HttpVersion::Http09,
            Version::HTTP_10 => HttpVersion::Http10,
            Version::HTTP_11 => HttpVersion::Http11,
            Version::HTTP_2 => HttpVersion::Http2,
            // `http` has no version after HTTP/3.
            _ => HttpVersion::Http3,
        }
    }
}

impl From<HttpVersion> for Version {
    /// ```
    /// use rfc6455::handshake::HttpVersion;
    /// assert_eq!(http::Version::from(HttpVersion::Http3), http::Version::HTTP_3);
    /// ```
    fn from(version: HttpVersion) -> Self {
        match version {
            HttpVersion::Http09 => Version::HTTP_09,
            HttpVersion::Http10 => Version::HTTP_10,
            HttpVersion::Http11 => Version::HTTP_11,
            HttpVersion::Http2 => Version::HTTP_2,
            HttpVersion::Http3 => Version::HTTP_3,
        }
    }
}

impl<'b> RequestParts<'b> {
    /// The parts of an `http::Request`, for [`validate`](Self::validate): method,
    /// version, the target (`:path`) with the URI's scheme and authority, the header
    /// map, and `:protocol` read from the extensions as a `P`, the type the HTTP/2 or
    /// HTTP/3 library stores it as (`hyper::ext::Protocol`, `h2::ext::Protocol`; for h3
    /// see the module docs).
    ///
    /// ```
    /// use rfc6455::handshake::{Form, RequestParts};
    /// # #[derive(Clone)] struct Protocol(&'static str);
    /// # impl AsRef<[u8]> for Protocol { fn as_ref(&self) -> &[u8] { self.0.as_bytes() } }
    /// // As h2 and hyper hand over an RFC 8441 request (`Protocol` standing for
    /// // `hyper::ext::Protocol`).
    /// let mut request = http::Request::connect("https://example.com/chat")
    ///     .version(http::Version::HTTP_2)
    ///     .header("sec-websocket-version", "13")
    ///     .body(())?;
    /// request.extensions_mut().insert(Protocol("websocket"));
    /// let handshake = RequestParts::from_http::<Protocol, _>(&request).validate()?;
    /// assert_eq!((handshake.form(), handshake.host(), handshake.path()), (Form::ExtendedConnect, "example.com", "/chat"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_http<P, B>(request: &'b Request<B>) -> Self
    where
        P: AsRef<[u8]> + Send + Sync + 'static,
    {
        let uri = request.uri();
        // The request-target as HTTP/1.1 sent it: origin-form, or the authority alone
        // (authority-form, which only CONNECT uses and the checks refuse).
        let target = match (uri.path_and_query(), uri.authority()) {
            (Some(pq), _) => pq.as_str(),
            (None, Some(authority)) => authority.as_str(),
            (None, None) => "/",
        };
        let mut parts = RequestParts::with_headers(
            request.method().as_str(),
            target,
            request.version().into(),
            Headers::from_map(request.headers()),
        );
        if let Some(scheme) = uri.scheme_str() {
            parts = parts.scheme(scheme);
        }
        if let (Some(authority), Some(_)) = (uri.authority(), uri.path_and_query()) {
            parts = parts.authority(authority.as_str());
        }
        if let Some(protocol) = request.extensions().get::<P>() {
            // Not UTF-8 cannot be `websocket`; the empty string fails the same check.
            parts = parts.protocol(core::str::from_utf8(protocol.as_ref()).unwrap_or_default());
        }
        parts
    }
}

impl<'b> HandshakeRequest<'b> {
    /// Validates an `http::Request`: [`RequestParts::from_http`] then
    /// [`RequestParts::validate`]. `P` is the `:protocol` type of the HTTP/2 or HTTP/3
    /// library (`hyper::ext::Protocol`); a server on HTTP/1.1 alone may name any type.
    ///
    /// ```
    /// use rfc6455::handshake::{AcceptResponse, HandshakeRequest};
    /// # type Protocol = String;
    /// let request = http::Request::get("/chat")
    ///     .header("host", "server.example.com")
    ///     .header("upgrade", "websocket")
    ///     .header("connection", "Upgrade")
    ///     .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
    ///     .header("sec-websocket-version", "13")
    ///     .body(())?;
    /// let handshake = HandshakeRequest::from_http::<Protocol, _>(&request)?;
    /// let response = AcceptResponse::new(&handshake).to_http()?;
    /// assert_eq!(response.status(), 101);
    /// assert_eq!(response.headers()["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_http<P, B>(request: &'b Request<B>) -> Result<Self, RequestError>
    where
        P: AsRef<[u8]> + Send + Sync + 'static,
    {
        RequestParts::from_http::<P, B>(request).validate()
    }
}

fn response(status: u16, fields: HeaderFields<'_>) -> Result<Response<()>, BuildError> {
    let mut response = Response::new(());
    // 101 to 599 by construction; the check keeps a conversion failure an error.
    *response.status_mut() =
        ::http::StatusCode::from_u16(status).map_err(|_| BuildError::InvalidStatus)?;
    let headers = response.headers_mut();
    for (name, value) in fields {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| BuildError::InvalidHeaderName)?;
        let value = HeaderValue::from_str(value).map_err(|_| BuildError::InvalidHeaderValue)?;
        headers.append(name, value);
    }
    Ok(response)
}

impl AcceptResponse<'_> {
    /// The acceptance as an `http::Response<()>`: 101 with `Upgrade`, `Connection` and
    /// `Sec-WebSocket-Accept` for HTTP/1.1, 200 for extended CONNECT (RFC 8441 §5), then
    /// the subprotocol, extensions and extra headers; checked as
    /// [`encode`](Self::encode) checks. See [`HandshakeRequest::from_http`].
    pub fn to_http(&self) -> Result<Response<()>, BuildError> {
        response(self.status(), self.fields()?)
    }
}

impl Rejection<'_> {
    /// The rejection as an `http::Response<()>` for a request that came over
    /// `version`: its status and [`fields`](Self::fields); the body is the caller's to
    /// attach (`response.map(|()| body)`), and its length the HTTP library's to frame.
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    /// let response = RequestError::MissingVersion.rejection().to_http(http::Version::HTTP_2)?;
    /// assert_eq!(response.status(), 426);
    /// assert_eq!(response.headers()["sec-websocket-version"], "13");
    /// assert!(!response.headers().contains_key("upgrade"));
    /// # Ok::<(), rfc6455::handshake::BuildError>(())
    /// ```
    pub fn to_http(&self, version: Version) -> Result<Response<()>, BuildError> {
        response(self.status(), self.fields(version.into())?)
    }
}

impl RequestError {
    /// The [`rejection`](Self::rejection) as an `http::Response<()>` for a request that
    /// came over `version`.
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    /// let response = RequestError::OriginRefused.to_http(http::Version::HTTP_11);
    /// assert_eq!(response.status(), 403);
    /// ```
    pub fn to_http(&self, version: Version) -> Response<()> {
        // The standard rejections have no caller input, so they always convert.
        self.rejection()
            .to_http(version)
            .unwrap_or_else(|_| Response::new(()))
    }
}

impl ClientRequest<'_> {
    /// The request as an `http::Request<()>` over `version`: a `GET` Upgrade for
    /// HTTP/1.1 (the URI is the resource, `Host` a header), an extended CONNECT for
    /// HTTP/2 and 3 with the URI `scheme://host/resource` and `:protocol websocket`
    /// inserted into the extensions as a `P` (`hyper::ext::Protocol`).
    ///
    /// ```
    /// use rfc6455::handshake::ClientRequest;
    /// # type Protocol = String;
    /// let client = ClientRequest::new("example.com", "/chat", *b"the sample nonce").scheme("http");
    /// let request = client.to_http::<Protocol>(http::Version::HTTP_2)?;
    /// assert_eq!((request.method(), request.uri().to_string()), (&http::Method::CONNECT, "http://example.com/chat".into()));
    /// assert_eq!(request.extensions().get::<Protocol>().map(String::as_str), Some("websocket"));
    /// # Ok::<(), rfc6455::handshake::BuildError>(())
    /// ```
    pub fn to_http<P>(&self, version: Version) -> Result<Request<()>, BuildError>
    where
        P: From<&'static str> + Clone + Send + Sync + 'static,
    {
        let head = self.head(version.into())?;
        let uri = match head.form() {
            Form::Upgrade => Uri::try_from(head.target()).ok(),
            Form::ExtendedConnect => Uri::builder()
                .scheme(head.scheme().unwrap_or_default())
                .authority(head.authority().unwrap_or_default())
                .path_and_query(head.target())
                .build()
                .ok(),
        }
        .ok_or(BuildError::InvalidTarget)?;
        let mut request = Request::new(());
        *request.method_mut() = match head.form() {
            Form::Upgrade => ::http::Method::GET,
            Form::ExtendedConnect => ::http::Method::CONNECT,
        };
        *request.uri_mut() = uri;
        *request.version_mut() = version;
        if let Some(protocol) = head.protocol() {
            request.extensions_mut().insert(P::from(protocol));
        }
        let headers = request.headers_mut();
        for (name, value) in head.fields() {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| BuildError::InvalidHeaderName)?;
            let value = HeaderValue::from_str(value).map_err(|_| BuildError::InvalidHeaderValue)?;
            headers.append(name, value);
        }
        Ok(request)
    }

    /// Checks the server's `http::Response` to this request as
    /// [`check_response`](Self::check_response) does: 101 and §4.1 over HTTP/1.1, a 2xx
    /// over HTTP/2 and 3 (RFC 8441 §5), anything else a
    /// [`HandshakeResponse::Rejected`].
    ///
    /// ```
    /// use rfc6455::handshake::{ClientRequest, HandshakeResponse};
    /// let client = ClientRequest::new("example.com", "/chat", *b"the sample nonce");
    /// let response = http::Response::builder()
    ///     .status(101)
    ///     .header("upgrade", "websocket")
    ///     .header("connection", "Upgrade")
    ///     .header("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    ///     .body(())?;
    /// assert!(matches!(client.check_http_response(&response)?, HandshakeResponse::Accepted(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_http_response<'b, B>(
        &self,
        response: &'b Response<B>,
    ) -> Result<HandshakeResponse<'b>, ResponseError> {
        check_parts(
            self,
            response.version().into(),
            response.status().as_u16(),
            Headers::from_map(response.headers()),
        )
    }
}
