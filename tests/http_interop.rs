//! One validator, three ways in (issue 16): HTTP/1.1 bytes ([`RequestParser`]), parts
//! ([`RequestParts`]) and `http::Request` (feature `http`) give the same §4.2.1 verdicts,
//! and every rejection the same status and headers; extended CONNECT (RFC 8441 §4, §5)
//! in the header shapes h2, hyper and h3 (RFC 9220) produce.
#![cfg(feature = "http")]

use rfc6455::handshake::{
    AcceptResponse, ClientRequest, Form, HandshakeRequest, HandshakeResponse, HeadError,
    HttpVersion, Limits, OriginPolicy, RequestError, RequestParser, RequestParts, ResponseError,
    ResponseParser,
};
use rfc6455::Status;

/// The `:protocol` extension type as h2 and h3 hand it over; theirs are opaque wrappers
/// of a string like this one.
#[derive(Clone, Debug, PartialEq)]
struct Protocol(&'static str);

impl AsRef<[u8]> for Protocol {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<&'static str> for Protocol {
    fn from(s: &'static str) -> Self {
        Protocol(s)
    }
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A valid RFC 6455 §1.3 request's fields.
fn valid() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", KEY),
        ("Sec-WebSocket-Version", "13"),
    ]
}

fn without(name: &str) -> Vec<(&'static str, &'static str)> {
    valid()
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .collect()
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields = valid();
    fields.extend_from_slice(extra);
    fields
}

fn replaced(name: &str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut fields = without(name);
    let name = valid()
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .unwrap()
        .0;
    fields.push((name, value));
    fields
}

struct Case {
    name: &'static str,
    method: &'static str,
    target: &'static str,
    version: &'static str,
    fields: Vec<(&'static str, &'static str)>,
    error: RequestError,
}

fn case(
    name: &'static str,
    method: &'static str,
    target: &'static str,
    version: &'static str,
    fields: Vec<(&'static str, &'static str)>,
    error: RequestError,
) -> Case {
    Case {
        name,
        method,
        target,
        version,
        fields,
        error,
    }
}

/// Every §4.2.1 refusal an HTTP library can hand over (those of HTTP/1.1 syntax never
/// get past one).
fn cases() -> Vec<Case> {
    use RequestError::*;
    let get = |name, fields, error| case(name, "GET", "/chat", "HTTP/1.1", fields, error);
    vec![
        case(
            "§4.2.1 item 1: POST",
            "POST",
            "/chat",
            "HTTP/1.1",
            valid(),
            MethodNotGet,
        ),
        case(
            "RFC 8441 §4: CONNECT over HTTP/1.1 is a tunnel",
            "CONNECT",
            "/chat",
            "HTTP/1.1",
            valid(),
            MethodNotGet,
        ),
        case(
            "§4.2.1 item 1: HTTP/1.0",
            "GET",
            "/chat",
            "HTTP/1.0",
            valid(),
            HttpVersionTooOld,
        ),
        case(
            "absolute target naming another host",
            "GET",
            "http://other.example/chat",
            "HTTP/1.1",
            valid(),
            HostMismatch,
        ),
        case(
            "absolute target with another scheme",
            "GET",
            "ftp://server.example.com/chat",
            "HTTP/1.1",
            valid(),
            InvalidTarget,
        ),
        get("§4.2.1 item 2: no Host", without("host"), MissingHost),
        get(
            "RFC 7230 §5.4: two Hosts",
            with(&[("Host", "server.example.com")]),
            DuplicateHost,
        ),
        get(
            "Host with userinfo",
            replaced("host", "user@server.example.com"),
            InvalidHost,
        ),
        get(
            "§4.2.1 item 3: no Upgrade",
            without("upgrade"),
            UpgradeNotWebSocket,
        ),
        get(
            "§4.2.1 item 3: Upgrade: h2c",
            replaced("upgrade", "h2c"),
            UpgradeNotWebSocket,
        ),
        get(
            "§4.2.1 item 4: no Connection",
            without("connection"),
            ConnectionNotUpgrade,
        ),
        get(
            "§4.2.1 item 6: no version",
            without("sec-websocket-version"),
            MissingVersion,
        ),
        get(
            "§4.2.1 item 6: version 8",
            replaced("sec-websocket-version", "8"),
            UnsupportedVersion,
        ),
        get(
            "§4.2.1 item 6: two versions",
            with(&[("Sec-WebSocket-Version", "13")]),
            UnsupportedVersion,
        ),
        get(
            "§4.2.1 item 5: no key",
            without("sec-websocket-key"),
            MissingKey,
        ),
        get(
            "§4.2.1 item 5: key of 15 bytes",
            replaced("sec-websocket-key", "AAAAAAAAAAAAAAAAAAAA"),
            InvalidKey,
        ),
        get(
            "§11.3.1: two keys",
            with(&[("Sec-WebSocket-Key", KEY)]),
            DuplicateKey,
        ),
        get(
            "RFC 6454 §7.3: two Origins",
            with(&[("Origin", "https://a"), ("Origin", "https://b")]),
            DuplicateOrigin,
        ),
        get(
            "§4.1 item 10: protocol not a token",
            with(&[("Sec-WebSocket-Protocol", "chat/1")]),
            InvalidProtocols,
        ),
        get(
            "§9.1: extension list broken",
            with(&[("Sec-WebSocket-Extensions", "a;;b")]),
            InvalidExtensions,
        ),
        get(
            "a body announced",
            with(&[("Content-Length", "5")]),
            UnexpectedBody,
        ),
        get(
            "a chunked body announced",
            with(&[("Transfer-Encoding", "chunked")]),
            UnexpectedBody,
        ),
        get(
            "a control character in a value",
            with(&[("X-Evil", "a\u{1}b")]),
            RequestError::Head(HeadError::InvalidHeaderValue),
        ),
    ]
}

fn bytes_of(c: &Case) -> Vec<u8> {
    let mut head = format!("{} {} {}\r\n", c.method, c.target, c.version);
    for (name, value) in &c.fields {
        head += &format!("{name}: {value}\r\n");
    }
    head += "\r\n";
    head.into_bytes()
}

fn http_of(c: &Case) -> http::Request<()> {
    let version = match c.version {
        "HTTP/1.0" => http::Version::HTTP_10,
        _ => http::Version::HTTP_11,
    };
    let mut builder = http::Request::builder()
        .method(c.method)
        .uri(c.target)
        .version(version);
    for (name, value) in &c.fields {
        // `http` keeps values as bytes; a control character is kept for the check to see.
        builder = builder.header(
            *name,
            http::HeaderValue::from_bytes(value.as_bytes())
                .unwrap_or_else(|_| http::HeaderValue::from_static("unrepresentable")),
        );
    }
    builder.body(()).unwrap()
}

fn version_of(c: &Case) -> HttpVersion {
    match c.version {
        "HTTP/1.0" => HttpVersion::Http10,
        _ => HttpVersion::Http11,
    }
}

/// The status and fields of a rejection written as HTTP/1.1 bytes, `Content-Length` left
/// out (the `http` forms leave it to the library).
fn encoded_rejection(err: RequestError) -> (u16, Vec<(String, String)>) {
    let mut out = [0u8; 512];
    let n = err.rejection().encode(&mut out).unwrap();
    let request = ClientRequest::new("a", "/", [0; 16]);
    let mut parser = ResponseParser::new(Limits::default());
    let Status::Complete(HandshakeResponse::Rejected(r)) =
        parser.parse(&out[..n], &request).unwrap()
    else {
        panic!("a rejection is not a 101")
    };
    let fields = r
        .headers()
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                String::from_utf8(v.to_vec()).unwrap(),
            )
        })
        .collect();
    (r.status(), fields)
}

fn http_rejection(response: &http::Response<()>) -> (u16, Vec<(String, String)>) {
    let fields = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    (response.status().as_u16(), fields)
}

/// RFC 6455 §4.2.1: bytes, parts and `http::Request` reach the same verdict for every
/// refusal, and its answer through the `http` API has the status and headers of the
/// bytes the byte parser's rejection writes.
#[test]
fn rfc_6455_4_2_1_every_refusal_is_the_same_through_bytes_parts_and_http() {
    for c in cases() {
        let bytes = bytes_of(&c);
        let from_bytes = RequestParser::new(Limits::default())
            .parse(&bytes)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(from_bytes, c.error, "{}: byte parser", c.name);
        let from_parts = RequestParts::new(c.method, c.target, version_of(&c), &c.fields)
            .validate()
            .unwrap_err();
        assert_eq!(from_parts, c.error, "{}: parts", c.name);
        if c.fields
            .iter()
            .all(|(_, v)| http::HeaderValue::from_str(v).is_ok())
        {
            let request = http_of(&c);
            let from_http = HandshakeRequest::from_http::<Protocol, _>(&request).unwrap_err();
            assert_eq!(from_http, c.error, "{}: http", c.name);
        }
        let response = c.error.to_http(http::Version::HTTP_11);
        assert_eq!(
            http_rejection(&response),
            encoded_rejection(c.error),
            "{}: answer",
            c.name
        );
    }
}

/// RFC 6455 §4.2.2 /origin/, RFC 6585 §5, RFC 7231 §6.6.6: the statuses that are not
/// 400 (403, 426, 431, 505) answer alike through both APIs too.
#[test]
fn rfc_6455_4_2_2_every_status_answers_alike_through_bytes_and_http() {
    let errors = [
        RequestError::OriginRefused,
        RequestError::MissingVersion,
        RequestError::UnsupportedVersion,
        RequestError::Head(HeadError::TooLarge { limit: 8192 }),
        RequestError::Head(HeadError::TooManyHeaders { limit: 64 }),
        RequestError::HttpVersionNotSupported,
        RequestError::ProtocolNotWebSocket,
        RequestError::ConnectionSpecificHeader,
    ];
    for err in errors {
        let (status, fields) = encoded_rejection(err);
        assert_eq!(status, err.status());
        assert_eq!(
            http_rejection(&err.to_http(http::Version::HTTP_11)),
            (status, fields),
            "{err:?}"
        );
    }
    let origin = OriginPolicy::new();
    let fields = with(&[("Origin", "https://evil.example")]);
    let request = RequestParts::new("GET", "/chat", HttpVersion::Http11, &fields)
        .validate()
        .unwrap();
    assert_eq!(origin.check(&request), Err(RequestError::OriginRefused));
}

/// A valid request reads the same through all three entry points, and is accepted with
/// the same 101 (§4.2.2 step 5).
#[test]
fn rfc_6455_4_2_2_accepted_alike_through_bytes_parts_and_http() {
    let c = case(
        "valid",
        "GET",
        "/chat?room=1",
        "HTTP/1.1",
        with(&[("Sec-WebSocket-Protocol", "chat, superchat")]),
        RequestError::MissingKey,
    );
    let bytes = bytes_of(&c);
    let mut parser = RequestParser::new(Limits::default());
    let from_bytes = parser.parse(&bytes).unwrap().complete().unwrap();
    let from_parts = RequestParts::new(c.method, c.target, HttpVersion::Http11, &c.fields)
        .validate()
        .unwrap();
    let request = http_of(&c);
    let from_http = HandshakeRequest::from_http::<Protocol, _>(&request).unwrap();
    for r in [&from_parts, &from_http] {
        assert_eq!(
            (r.form(), r.method(), r.path(), r.query()),
            (Form::Upgrade, "GET", "/chat", Some("room=1"))
        );
        assert_eq!((r.host(), r.key()), (from_bytes.host(), from_bytes.key()));
        assert!(r.protocols().eq(from_bytes.protocols()));
    }
    let mut out = [0u8; 256];
    let n = AcceptResponse::new(&from_bytes)
        .protocol("chat")
        .encode(&mut out)
        .unwrap();
    let response = AcceptResponse::new(&from_http)
        .protocol("chat")
        .to_http()
        .unwrap();
    assert_eq!(response.status(), 101);
    let mut written = String::from("HTTP/1.1 101 Switching Protocols\r\n");
    for (name, value) in AcceptResponse::new(&from_parts)
        .protocol("chat")
        .fields()
        .unwrap()
    {
        written += &format!("{name}: {value}\r\n");
    }
    written += "\r\n";
    assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), written);
    assert_eq!(
        response.headers()["sec-websocket-accept"],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

/// An extended CONNECT as h2 and hyper hand it over: `http::Request` with the method
/// CONNECT, version HTTP/2, an absolute URI holding `:scheme`, `:authority` and `:path`,
/// and `:protocol` in the extensions (RFC 8441 §4).
fn h2_request(version: http::Version, protocol: Option<&'static str>) -> http::Request<()> {
    let mut request = http::Request::connect("https://server.example.com/chat?room=1")
        .version(version)
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "chat, superchat")
        .header(
            "sec-websocket-extensions",
            "permessage-deflate; client_max_window_bits",
        )
        .header("origin", "https://server.example.com")
        .body(())
        .unwrap();
    if let Some(p) = protocol {
        request.extensions_mut().insert(Protocol(p));
    }
    request
}

/// RFC 8441 §4, §5 (HTTP/2) and RFC 9220 §3 (HTTP/3, the same header shape): no
/// Upgrade, Connection or key; `:authority` for Host; success is 200 without
/// Sec-WebSocket-Accept; the subprotocol, extensions and Origin as over HTTP/1.1.
#[test]
fn rfc_8441_4_and_rfc_9220_extended_connect_is_accepted_with_200() {
    for version in [http::Version::HTTP_2, http::Version::HTTP_3] {
        let request = h2_request(version, Some("websocket"));
        let handshake = HandshakeRequest::from_http::<Protocol, _>(&request).unwrap();
        assert_eq!(
            (handshake.form(), handshake.method()),
            (Form::ExtendedConnect, "CONNECT")
        );
        assert_eq!(
            (handshake.host(), handshake.path(), handshake.query()),
            ("server.example.com", "/chat", Some("room=1"))
        );
        assert_eq!(handshake.key(), "");
        OriginPolicy::new()
            .same_origin(true)
            .check(&handshake)
            .unwrap();
        let response = AcceptResponse::new(&handshake)
            .protocol("chat")
            .extensions(&["permessage-deflate"])
            .to_http()
            .unwrap();
        assert_eq!(response.status(), 200);
        let names: Vec<&str> = response.headers().keys().map(|n| n.as_str()).collect();
        assert_eq!(
            names,
            ["sec-websocket-protocol", "sec-websocket-extensions"]
        );
        let mut out = [0u8; 256];
        assert_eq!(
            AcceptResponse::new(&handshake).encode(&mut out),
            Err(rfc6455::handshake::BuildError::NotHttp11)
        );
    }
}

/// RFC 8441 §4, §5 and RFC 9113 §8.2.2, §8.3.1: what makes an extended CONNECT fail,
/// through `http` and through parts alike.
#[test]
fn rfc_8441_4_extended_connect_refusals() {
    use RequestError::*;
    let plain_connect = h2_request(http::Version::HTTP_2, None);
    assert_eq!(
        HandshakeRequest::from_http::<Protocol, _>(&plain_connect),
        Err(ProtocolNotWebSocket)
    );
    let udp = h2_request(http::Version::HTTP_2, Some("connect-udp"));
    assert_eq!(
        HandshakeRequest::from_http::<Protocol, _>(&udp),
        Err(ProtocolNotWebSocket)
    );
    let mut get = h2_request(http::Version::HTTP_2, None);
    *get.method_mut() = http::Method::GET;
    assert_eq!(
        HandshakeRequest::from_http::<Protocol, _>(&get),
        Err(HttpVersionNotSupported)
    );
    let mut upgrade = h2_request(http::Version::HTTP_2, Some("websocket"));
    upgrade
        .headers_mut()
        .insert("upgrade", "websocket".parse().unwrap());
    assert_eq!(
        HandshakeRequest::from_http::<Protocol, _>(&upgrade),
        Err(ConnectionSpecificHeader)
    );
    let mut other_host = h2_request(http::Version::HTTP_2, Some("websocket"));
    other_host
        .headers_mut()
        .insert("host", "evil.example".parse().unwrap());
    assert_eq!(
        HandshakeRequest::from_http::<Protocol, _>(&other_host),
        Err(HostMismatch)
    );
    let mut old = h2_request(http::Version::HTTP_3, Some("websocket"));
    old.headers_mut()
        .insert("sec-websocket-version", "8".parse().unwrap());
    let err = HandshakeRequest::from_http::<Protocol, _>(&old).unwrap_err();
    assert_eq!(err, UnsupportedVersion);
    // §4.4 over HTTP/2 and 3: the version header, and no connection-specific field.
    let response = err.to_http(http::Version::HTTP_3);
    assert_eq!(response.status(), 426);
    let names: Vec<&str> = response.headers().keys().map(|n| n.as_str()).collect();
    assert_eq!(names, ["sec-websocket-version"]);

    let version = [("sec-websocket-version", "13")];
    let parts = |scheme: Option<&'static str>, authority: Option<&'static str>, path| {
        let mut p =
            RequestParts::new("CONNECT", path, HttpVersion::Http2, &version).protocol("websocket");
        if let Some(s) = scheme {
            p = p.scheme(s);
        }
        if let Some(a) = authority {
            p = p.authority(a);
        }
        p.validate().map(|r| r.host())
    };
    assert_eq!(
        parts(Some("https"), Some("a.example"), "/"),
        Ok("a.example")
    );
    assert_eq!(
        parts(None, Some("a.example"), "/"),
        Err(InvalidTarget),
        ":scheme is required"
    );
    assert_eq!(
        parts(Some("ftp"), Some("a.example"), "/"),
        Err(InvalidTarget),
        "ws is http, wss https"
    );
    assert_eq!(
        parts(Some("https"), Some("a.example"), "*"),
        Err(InvalidTarget),
        ":path is a path"
    );
    assert_eq!(parts(Some("https"), None, "/"), Err(MissingHost));
    assert_eq!(
        parts(Some("https"), Some("u@a.example"), "/"),
        Err(InvalidHost)
    );
}

/// The client side of both forms through `http`: the request shapes of §4.1 and RFC 8441
/// §4, and the answers checked (§4.1 steps 1 to 6; RFC 8441 §5: a 2xx accepts).
#[test]
fn rfc_8441_5_client_request_and_response_through_http() {
    let protocols = ["chat"];
    let client = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .protocols(&protocols);
    let h2 = client.to_http::<Protocol>(http::Version::HTTP_2).unwrap();
    assert_eq!(h2.method(), http::Method::CONNECT);
    assert_eq!(h2.uri(), "https://server.example.com/chat");
    assert_eq!(
        h2.extensions().get::<Protocol>(),
        Some(&Protocol("websocket"))
    );
    for absent in ["host", "upgrade", "connection", "sec-websocket-key"] {
        assert!(!h2.headers().contains_key(absent), "{absent} over HTTP/2");
    }
    // The server's view of it is the same request.
    let seen = HandshakeRequest::from_http::<Protocol, _>(&h2).unwrap();
    assert!(seen.protocols().eq(["chat"]));

    let ok = http::Response::builder()
        .status(200)
        .version(http::Version::HTTP_2)
        .header("sec-websocket-protocol", "chat")
        .body(())
        .unwrap();
    let Ok(HandshakeResponse::Accepted(accepted)) = client.check_http_response(&ok) else {
        panic!()
    };
    assert_eq!(accepted.protocol(), Some("chat"));
    let bad = http::Response::builder()
        .status(200)
        .version(http::Version::HTTP_2)
        .header("sec-websocket-protocol", "mqtt")
        .body(())
        .unwrap();
    assert_eq!(
        client.check_http_response(&bad).unwrap_err(),
        ResponseError::UnsolicitedProtocol
    );
    let refused = http::Response::builder()
        .status(403)
        .version(http::Version::HTTP_2)
        .body(())
        .unwrap();
    let Ok(HandshakeResponse::Rejected(r)) = client.check_http_response(&refused) else {
        panic!()
    };
    assert_eq!(r.status(), 403);
    // Over HTTP/1.1 a 200 is not the 101 §4.1 step 1 asks for.
    let h1_200 = http::Response::builder().status(200).body(()).unwrap();
    assert!(matches!(
        client.check_http_response(&h1_200),
        Ok(HandshakeResponse::Rejected(_))
    ));

    let h1 = client.to_http::<Protocol>(http::Version::HTTP_11).unwrap();
    assert_eq!(
        (h1.method(), h1.uri().to_string()),
        (&http::Method::GET, "/chat".to_owned())
    );
    assert!(h1.extensions().get::<Protocol>().is_none());
    let seen = HandshakeRequest::from_http::<Protocol, _>(&h1).unwrap();
    let answer = AcceptResponse::new(&seen)
        .protocol("chat")
        .to_http()
        .unwrap();
    let Ok(HandshakeResponse::Accepted(accepted)) = client.check_http_response(&answer) else {
        panic!()
    };
    assert_eq!(accepted.protocol(), Some("chat"));
    assert_eq!(
        client
            .to_http::<Protocol>(http::Version::HTTP_10)
            .unwrap_err(),
        rfc6455::handshake::BuildError::UnsupportedVersion
    );
}

/// RFC 6455 §4.2.2 /origin/ and §10.2 over RFC 8441: a browser's extended CONNECT from
/// an origin the policy does not allow is refused with 403, through `http` as through
/// bytes, and the refusal carries no WebSocket header that could pass for an accept.
#[test]
fn rfc_6455_10_2_extended_connect_from_a_refused_origin_gets_403() {
    let mut request = h2_request(http::Version::HTTP_2, Some("websocket"));
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let handshake = HandshakeRequest::from_http::<Protocol, _>(&request).unwrap();
    let policy = OriginPolicy::new().same_origin(true);
    let refusal = policy.check(&handshake).unwrap_err();
    assert_eq!(refusal, RequestError::OriginRefused);
    let response = refusal.to_http(request.version());
    assert_eq!(response.status(), 403);
    assert!(response
        .headers()
        .keys()
        .all(|name| !name.as_str().starts_with("sec-websocket")));
    // The allowed origin passes the same policy.
    let allowed = h2_request(http::Version::HTTP_2, Some("websocket"));
    let handshake = HandshakeRequest::from_http::<Protocol, _>(&allowed).unwrap();
    assert_eq!(policy.check(&handshake), Ok(()));
}

/// RFC 6455 §4.1 steps 1–6 and RFC 8441 §5 on a response given as a status and header
/// pairs (what an HTTP library without the `http` crate hands over): the accept the
/// server's own builder made passes; a wrong accept value, a subprotocol or an
/// extension the client did not offer fail; another status is a refusal.
#[test]
fn rfc_6455_4_1_a_response_as_header_pairs_is_checked_like_bytes() {
    let protocols = ["chat"];
    let offers = ["permessage-deflate"];
    let client = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .protocols(&protocols)
        .extensions(&offers);
    let upgrade = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut fields = upgrade.to_vec();
        fields.extend_from_slice(extra);
        fields
    };
    let fine = with(&[
        ("Sec-WebSocket-Protocol", "chat"),
        ("Sec-WebSocket-Extensions", "permessage-deflate"),
    ]);
    let Ok(HandshakeResponse::Accepted(accepted)) =
        client.check_response(HttpVersion::Http11, 101, &fine)
    else {
        panic!("a correct 101 was refused")
    };
    assert_eq!(accepted.protocol(), Some("chat"));

    let mut wrong_accept = fine.clone();
    wrong_accept[2].1 = "dGhlIHNhbXBsZSBub25jZQ==";
    assert_eq!(
        client.check_response(HttpVersion::Http11, 101, &wrong_accept),
        Err(ResponseError::AcceptMismatch)
    );
    assert_eq!(
        client.check_response(
            HttpVersion::Http11,
            101,
            &with(&[("Sec-WebSocket-Protocol", "mqtt")])
        ),
        Err(ResponseError::UnsolicitedProtocol)
    );
    assert_eq!(
        client.check_response(
            HttpVersion::Http2,
            200,
            &[("sec-websocket-extensions", "x-webkit-deflate-frame")]
        ),
        Err(ResponseError::UnsolicitedExtension)
    );
    assert!(matches!(
        client.check_response(HttpVersion::Http2, 403, &[]),
        Ok(HandshakeResponse::Rejected(_))
    ));
}
