//! The opening handshake (RFC 6455 §4) against the RFC's examples, every §4.2.1 and
//! §4.1 violation, hostile HTTP and the parser limits.

use rfc6455::handshake::{
    accept_key, AcceptResponse, BuildError, ClientRequest, HandshakeRequest, HandshakeResponse,
    HeadError, Limits, OriginPolicy, Rejection, RequestError, RequestParser, ResponseError,
    ResponseParser, WebSocketKey, MAX_HEAD_LEN,
};
use rfc6455::Status;

const KEY_LINE: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
const BASE: [&str; 5] = [
    "Host: server.example.com",
    "Upgrade: websocket",
    "Connection: Upgrade",
    KEY_LINE,
    "Sec-WebSocket-Version: 13",
];

fn head(start: &str, lines: &[&str]) -> Vec<u8> {
    let mut out = format!("{start}\r\n");
    for line in lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// The base request with the header called `name` replaced by `line` (or removed when
/// `line` is empty).
fn base_with(name: &str, line: &str) -> Vec<u8> {
    let mut lines: Vec<&str> = BASE
        .iter()
        .copied()
        .filter(|l| {
            !l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .collect();
    assert_eq!(lines.len(), BASE.len() - 1, "{name} is not a base header");
    if !line.is_empty() {
        lines.push(line);
    }
    head("GET /chat HTTP/1.1", &lines)
}

/// The base header lines with `Host` replaced by `host_line`.
fn base_lines_with_host(host_line: &str) -> Vec<&str> {
    let mut lines = BASE.to_vec();
    lines[0] = host_line;
    lines
}

fn base_plus(extra: &[&str]) -> Vec<u8> {
    let mut lines = BASE.to_vec();
    lines.extend_from_slice(extra);
    head("GET /chat HTTP/1.1", &lines)
}

fn parsed<'b>(parser: &'b mut RequestParser, bytes: &'b [u8]) -> HandshakeRequest<'b> {
    match parser.parse(bytes) {
        Ok(Status::Complete(r)) => r,
        other => panic!("expected a complete request, got {other:?}"),
    }
}

fn refuse(bytes: &[u8]) -> RequestError {
    match RequestParser::new(Limits::default()).parse(bytes) {
        Err(err) => err,
        Ok(status) => panic!("expected an error, got {status:?}"),
    }
}

fn rejection_bytes(err: RequestError) -> Vec<u8> {
    let mut out = vec![0u8; 512];
    let n = err.rejection().encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------
// RFC examples

const RFC_1_3_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

const RFC_1_3_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

#[test]
fn rfc_1_3_client_handshake_is_read() {
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, RFC_1_3_REQUEST);
    assert_eq!(r.method(), "GET");
    assert_eq!(r.target(), "/chat");
    assert_eq!(r.path(), "/chat");
    assert_eq!(r.query(), None);
    assert_eq!(r.host(), "server.example.com");
    assert_eq!(r.origin(), Some("http://example.com"));
    assert_eq!(r.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(r.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    assert_eq!(r.extensions().count(), 0);
    assert_eq!(r.headers().len(), 7);
    assert_eq!(r.head_len(), RFC_1_3_REQUEST.len());
    assert_eq!(r.accept_key().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#[test]
fn rfc_1_3_accept_key_vector() {
    let accept = accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(accept.as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(
        WebSocketKey::from_nonce(b"the sample nonce").as_str(),
        "dGhlIHNhbXBsZSBub25jZQ=="
    );
    assert_ne!(
        accept_key(b"dGhlIHNhbXBsZSBub25jZQ=").as_str(),
        accept.as_str()
    );
}

#[test]
fn rfc_1_3_server_handshake_is_written_exactly() {
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, RFC_1_3_REQUEST);
    let mut out = [0u8; 256];
    let n = AcceptResponse::new(&r).encode(&mut out).unwrap();
    assert_eq!(&out[..n], RFC_1_3_RESPONSE);
    let n = AcceptResponse::new(&r)
        .protocol("chat")
        .encode(&mut out)
        .unwrap();
    assert!(contains(&out[..n], b"\r\nSec-WebSocket-Protocol: chat\r\n"));
}

#[test]
fn rfc_1_3_server_handshake_is_accepted_by_client() {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    let mut parser = ResponseParser::new(Limits::default());
    let Ok(Status::Complete(HandshakeResponse::Accepted(a))) =
        parser.parse(RFC_1_3_RESPONSE, &request)
    else {
        panic!("rejected")
    };
    assert_eq!(a.protocol(), None);
    assert_eq!(a.head_len(), RFC_1_3_RESPONSE.len());
}

#[test]
fn rfc_4_1_client_request_is_written_exactly() {
    let protocols = ["chat", "superchat"];
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .origin("http://example.com")
        .protocols(&protocols);
    let mut out = [0u8; 512];
    let n = request.encode(&mut out).unwrap();
    let expected = head(
        "GET /chat HTTP/1.1",
        &[
            "Host: server.example.com",
            "Upgrade: websocket",
            "Connection: Upgrade",
            KEY_LINE,
            "Sec-WebSocket-Version: 13",
            "Origin: http://example.com",
            "Sec-WebSocket-Protocol: chat, superchat",
        ],
    );
    assert_eq!(&out[..n], &expected[..]);
    assert_eq!(request.encoded_len(), n);
}

#[test]
fn rfc_4_1_item_7_example_key_with_trailing_bits_is_16_bytes() {
    // The RFC's own example nonce 01..10 is written with non-zero padding bits.
    let bytes = base_with(
        "sec-websocket-key",
        "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEC==",
    );
    let mut parser = RequestParser::new(Limits::default());
    assert_eq!(
        parsed(&mut parser, &bytes).key(),
        "AQIDBAUGBwgJCgsMDQ4PEC=="
    );
}

#[test]
fn rfc_4_1_item_3_absolute_uri_target() {
    let bytes = head(
        "GET http://server.example.com:8080/chat?x=1 HTTP/1.1",
        &base_lines_with_host("Host: server.example.com:8080"),
    );
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    assert_eq!(r.path(), "/chat");
    assert_eq!(r.query(), Some("x=1"));
    assert_eq!(r.target(), "http://server.example.com:8080/chat?x=1");
    assert_eq!(r.host(), "server.example.com:8080");

    let bytes = head("GET HTTPS://server.example.com HTTP/1.1", &BASE);
    let mut parser = RequestParser::new(Limits::default());
    assert_eq!(parsed(&mut parser, &bytes).path(), "/");
}

#[test]
fn rfc_9_1_split_extension_fields_equal_one_list() {
    let split = base_plus(&[
        "Sec-WebSocket-Extensions: foo",
        "Sec-WebSocket-Extensions: bar; baz=2",
    ]);
    let joined = base_plus(&["Sec-WebSocket-Extensions: foo, bar; baz=2"]);
    let names = |bytes: &[u8]| {
        let mut parser = RequestParser::new(Limits::default());
        let r = parsed(&mut parser, bytes);
        r.extensions()
            .map(|e| {
                let params: Vec<String> = e
                    .params()
                    .map(|p| {
                        format!(
                            "{}={}",
                            p.name,
                            p.value.map(|v| v.to_string()).unwrap_or_default()
                        )
                    })
                    .collect();
                format!("{}[{}]", e.name(), params.join(","))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&split), ["foo[]", "bar[baz=2]"]);
    assert_eq!(names(&split), names(&joined));
}

#[test]
fn rfc_9_1_extension_params_quoted_and_spaced() {
    let bytes = base_plus(&[
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; server_max_window_bits = \"10\" , x-mux ;max-channels=4;flow-control",
    ]);
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    let exts: Vec<_> = r.extensions().collect();
    assert_eq!(exts.len(), 2);
    assert_eq!(exts[0].name(), "permessage-deflate");
    let p: Vec<_> = exts[0].params().collect();
    assert_eq!(p[0].name, "client_max_window_bits");
    assert!(p[0].value.is_none());
    assert_eq!(p[1].name, "server_max_window_bits");
    assert_eq!(p[1].value.unwrap().as_str(), Some("10"));
    assert_eq!(exts[1].name(), "x-mux");
    let p: Vec<_> = exts[1].params().map(|p| p.name).collect();
    assert_eq!(p, ["max-channels", "flow-control"]);
}

// ---------------------------------------------------------------------------------------
// Browser-style requests

fn stock_info(sep: &str) -> Vec<u8> {
    let lines = [
        format!("Host{sep}server.example.com"),
        format!("Upgrade{sep}websocket"),
        format!("Connection{sep}Upgrade"),
        format!("Sec-WebSocket-Key{sep}dGhlIHNhbXBsZSBub25jZQ=="),
        format!("Origin{sep}http://example.com"),
        format!("Cookie{sep}session=abc123; theme=dark"),
        format!("Sec-WebSocket-Version{sep}13"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    head("GET /stock_info/?encoding=text HTTP/1.1", &lines)
}

#[test]
fn browser_request_stock_info_with_and_without_space_after_colon() {
    for sep in [": ", ":", ":\t ", ":  "] {
        let bytes = stock_info(sep);
        let mut parser = RequestParser::new(Limits::default());
        let r = parsed(&mut parser, &bytes);
        assert_eq!(r.path(), "/stock_info/", "{sep:?}");
        assert_eq!(r.query(), Some("encoding=text"));
        assert_eq!(r.host(), "server.example.com");
        assert_eq!(r.origin(), Some("http://example.com"));
        assert_eq!(r.cookie(), Some(&b"session=abc123; theme=dark"[..]));
        let cookies: Vec<_> = r.cookies().collect();
        assert_eq!(
            cookies,
            [
                (&b"session"[..], &b"abc123"[..]),
                (&b"theme"[..], &b"dark"[..])
            ]
        );
        assert_eq!(r.header("COOKIE"), r.cookie());
        assert_eq!(r.head_len(), bytes.len());
    }
}

#[test]
fn upgrade_and_connection_tokens_in_mixed_case() {
    let bytes = head(
        "GET / HTTP/1.1",
        &[
            "host: a.example",
            "UPGRADE: WebSocket",
            "connection: keep-alive, UPGRADE",
            "SEC-WEBSOCKET-KEY: dGhlIHNhbXBsZSBub25jZQ==",
            "sec-websocket-version: 13",
        ],
    );
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    assert_eq!(r.host(), "a.example");
    assert_eq!(r.key(), "dGhlIHNhbXBsZSBub25jZQ==");
}

#[test]
fn connection_keep_alive_upgrade_list_and_split_fields() {
    for lines in [
        &["Connection: keep-alive, Upgrade"][..],
        &["Connection: keep-alive,Upgrade"][..],
        &["Connection: keep-alive", "Connection: Upgrade"][..],
        &["Connection: , ,Upgrade,"][..],
    ] {
        let mut all: Vec<&str> = BASE
            .iter()
            .copied()
            .filter(|l| !l.starts_with("Connection"))
            .collect();
        all.extend_from_slice(lines);
        let bytes = head("GET / HTTP/1.1", &all);
        let mut parser = RequestParser::new(Limits::default());
        assert!(
            matches!(parser.parse(&bytes), Ok(Status::Complete(_))),
            "{lines:?}"
        );
    }
    assert_eq!(
        refuse(&base_with("connection", "Connection: keep-alive, Upgraded")),
        RequestError::ConnectionNotUpgrade
    );
}

#[test]
fn request_followed_by_frame_bytes_reports_head_len() {
    let mut bytes = RFC_1_3_REQUEST.to_vec();
    bytes.extend_from_slice(b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    assert_eq!(r.head_len(), RFC_1_3_REQUEST.len());
    assert_eq!(r.head(), RFC_1_3_REQUEST);
}

// ---------------------------------------------------------------------------------------
// §4.2.1 violations: each its own error and the response the server sends

#[test]
fn rfc_4_2_1_every_violation_has_its_error_and_status() {
    let cases: Vec<(&str, Vec<u8>, RequestError, u16)> = vec![
        (
            "method POST",
            head("POST /chat HTTP/1.1", &BASE),
            RequestError::MethodNotGet,
            400,
        ),
        (
            "method lowercase get",
            head("get /chat HTTP/1.1", &BASE),
            RequestError::MethodNotGet,
            400,
        ),
        (
            "HTTP/1.0",
            head("GET /chat HTTP/1.0", &BASE),
            RequestError::HttpVersionTooOld,
            400,
        ),
        (
            "HTTP/0.9",
            head("GET /chat HTTP/0.9", &BASE),
            RequestError::HttpVersionTooOld,
            400,
        ),
        (
            "relative target",
            head("GET chat HTTP/1.1", &BASE),
            RequestError::InvalidTarget,
            400,
        ),
        (
            "asterisk target",
            head("GET * HTTP/1.1", &BASE),
            RequestError::InvalidTarget,
            400,
        ),
        (
            "fragment",
            head("GET /chat#x HTTP/1.1", &BASE),
            RequestError::InvalidTarget,
            400,
        ),
        (
            "ws scheme",
            head("GET ws://a/chat HTTP/1.1", &BASE),
            RequestError::InvalidTarget,
            400,
        ),
        (
            "no authority",
            head("GET http:///chat HTTP/1.1", &BASE),
            RequestError::InvalidTarget,
            400,
        ),
        (
            "double space",
            head("GET  /chat HTTP/1.1", &BASE),
            RequestError::MalformedRequestLine,
            400,
        ),
        (
            "no version",
            head("GET /chat", &BASE),
            RequestError::MalformedRequestLine,
            400,
        ),
        (
            "bad version",
            head("GET /chat HTTP/1.1x", &BASE),
            RequestError::MalformedRequestLine,
            400,
        ),
        (
            "NUL in target",
            head("GET /ch\0at HTTP/1.1", &BASE),
            RequestError::MalformedRequestLine,
            400,
        ),
        (
            "empty start line",
            head("", &BASE),
            RequestError::MalformedRequestLine,
            400,
        ),
        (
            "missing Host",
            base_with("host", ""),
            RequestError::MissingHost,
            400,
        ),
        (
            "duplicate Host",
            base_plus(&["Host: other.example"]),
            RequestError::DuplicateHost,
            400,
        ),
        (
            "empty Host",
            base_with("host", "Host:"),
            RequestError::InvalidHost,
            400,
        ),
        (
            "Host with path",
            base_with("host", "Host: a.example/x"),
            RequestError::InvalidHost,
            400,
        ),
        (
            "Host with userinfo",
            base_with("host", "Host: u@a.example"),
            RequestError::InvalidHost,
            400,
        ),
        (
            "missing Upgrade",
            base_with("upgrade", ""),
            RequestError::UpgradeNotWebSocket,
            400,
        ),
        (
            "Upgrade h2c",
            base_with("upgrade", "Upgrade: h2c"),
            RequestError::UpgradeNotWebSocket,
            400,
        ),
        (
            "Upgrade websockets",
            base_with("upgrade", "Upgrade: websockets"),
            RequestError::UpgradeNotWebSocket,
            400,
        ),
        (
            "missing Connection",
            base_with("connection", ""),
            RequestError::ConnectionNotUpgrade,
            400,
        ),
        (
            "Connection keep-alive",
            base_with("connection", "Connection: keep-alive"),
            RequestError::ConnectionNotUpgrade,
            400,
        ),
        (
            "missing key",
            base_with("sec-websocket-key", ""),
            RequestError::MissingKey,
            400,
        ),
        (
            "key of 15 bytes",
            base_with(
                "sec-websocket-key",
                "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0O",
            ),
            RequestError::InvalidKey,
            400,
        ),
        (
            "key of 17 bytes",
            base_with(
                "sec-websocket-key",
                "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODxA=",
            ),
            RequestError::InvalidKey,
            400,
        ),
        (
            "key not base64",
            base_with(
                "sec-websocket-key",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ!=",
            ),
            RequestError::InvalidKey,
            400,
        ),
        (
            "key unpadded",
            base_with(
                "sec-websocket-key",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ",
            ),
            RequestError::InvalidKey,
            400,
        ),
        (
            "key empty",
            base_with("sec-websocket-key", "Sec-WebSocket-Key:"),
            RequestError::InvalidKey,
            400,
        ),
        (
            "duplicate key",
            base_plus(&[KEY_LINE]),
            RequestError::DuplicateKey,
            400,
        ),
        (
            "missing version",
            base_with("sec-websocket-version", ""),
            RequestError::MissingVersion,
            426,
        ),
        (
            "version 8",
            base_with("sec-websocket-version", "Sec-WebSocket-Version: 8"),
            RequestError::UnsupportedVersion,
            426,
        ),
        (
            "version 25 (§4.4)",
            base_with("sec-websocket-version", "Sec-WebSocket-Version: 25"),
            RequestError::UnsupportedVersion,
            426,
        ),
        (
            "version 013",
            base_with("sec-websocket-version", "Sec-WebSocket-Version: 013"),
            RequestError::UnsupportedVersion,
            426,
        ),
        (
            "version twice",
            base_plus(&["Sec-WebSocket-Version: 13"]),
            RequestError::UnsupportedVersion,
            426,
        ),
        (
            "protocol with space",
            base_plus(&["Sec-WebSocket-Protocol: chat, super chat"]),
            RequestError::InvalidProtocols,
            400,
        ),
        (
            "protocol with slash",
            base_plus(&["Sec-WebSocket-Protocol: chat/1"]),
            RequestError::InvalidProtocols,
            400,
        ),
        (
            "protocol empty",
            base_plus(&["Sec-WebSocket-Protocol: "]),
            RequestError::InvalidProtocols,
            400,
        ),
        (
            "extension param without name",
            base_plus(&["Sec-WebSocket-Extensions: foo; =1"]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "extension empty param",
            base_plus(&["Sec-WebSocket-Extensions: foo;;bar"]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "extension quoted non-token",
            base_plus(&["Sec-WebSocket-Extensions: foo; a=\"b c\""]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "extension unterminated quote",
            base_plus(&["Sec-WebSocket-Extensions: foo; a=\"bc"]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "extension empty quote",
            base_plus(&["Sec-WebSocket-Extensions: foo; a=\"\""]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "extension missing comma",
            base_plus(&["Sec-WebSocket-Extensions: foo bar"]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "extension empty",
            base_plus(&["Sec-WebSocket-Extensions:"]),
            RequestError::InvalidExtensions,
            400,
        ),
        (
            "two Origins",
            base_plus(&["Origin: https://a.example", "Origin: https://b.example"]),
            RequestError::DuplicateOrigin,
            400,
        ),
        (
            "non-ASCII Origin",
            base_plus(&["Origin: https://\u{e9}.example"]),
            RequestError::InvalidOrigin,
            400,
        ),
        (
            "Content-Length",
            base_plus(&["Content-Length: 5"]),
            RequestError::UnexpectedBody,
            400,
        ),
        (
            "Transfer-Encoding",
            base_plus(&["Transfer-Encoding: chunked"]),
            RequestError::UnexpectedBody,
            400,
        ),
    ];
    for (what, bytes, expected, status) in cases {
        let err = refuse(&bytes);
        assert_eq!(err, expected, "{what}");
        assert_eq!(err.status(), status, "{what}");
        let sent = rejection_bytes(err);
        let line = format!("HTTP/1.1 {status} ");
        assert!(sent.starts_with(line.as_bytes()), "{what}");
        assert_eq!(
            contains(&sent, b"\r\nSec-WebSocket-Version: 13\r\n"),
            status == 426,
            "{what}"
        );
    }
}

/// RFC 7230 §2.6: `HTTP-version = HTTP-name "/" DIGIT "." DIGIT`. The upgrade is
/// HTTP/1.1's (RFC 7230 §6.7), so a request line claiming another major version is
/// answered 505 (RFC 7231 §6.6.6), not read as if it were 1.1.
#[test]
fn rfc_7230_2_6_major_version_other_than_1_is_505() {
    for version in ["HTTP/2.0", "HTTP/3.0", "HTTP/9.9", "HTTP/2.1"] {
        let err = refuse(&head(&format!("GET /chat {version}"), &BASE));
        assert_eq!(err, RequestError::HttpVersionNotSupported, "{version}");
        assert_eq!(err.status(), 505, "{version}");
        assert!(
            rejection_bytes(err).starts_with(b"HTTP/1.1 505 HTTP Version Not Supported\r\n"),
            "{version}"
        );
    }
}

/// RFC 7230 §2.6: one digit each side of the dot, `HTTP` case-sensitive; anything else
/// is not a version at all, hence a malformed request line (400).
#[test]
fn rfc_7230_2_6_version_not_digit_dot_digit_is_malformed() {
    for version in [
        "HTTP/1.10",
        "HTTP/10.1",
        "HTTP/01.1",
        "http/1.1",
        "Http/1.1",
        "HTTP/1",
        "HTTP/1.",
        "HTTP/1.1 ",
        "HTTP/1,1",
        "HTTP/١.١",
    ] {
        let err = refuse(&head(&format!("GET /chat {version}"), &BASE));
        assert_eq!(err, RequestError::MalformedRequestLine, "{version:?}");
        assert_eq!(err.status(), 400, "{version:?}");
    }
    // §4.2.1 item 1 asks for "HTTP/1.1 or higher": a later 1.x minor is read as 1.1
    // (RFC 7230 §2.6).
    let bytes = head("GET /chat HTTP/1.2", &BASE);
    let mut parser = RequestParser::new(Limits::default());
    assert_eq!(parsed(&mut parser, &bytes).path(), "/chat");
}

/// RFC 7230 §5.4/§5.5: with an absolute-form target, the authority requested is the
/// target's, not `Host`'s. A server that routes or checks origins on `host()` must not
/// see one host while the client asked for another, so the two must agree.
#[test]
fn rfc_7230_5_4_absolute_target_authority_must_agree_with_host() {
    let agree = [
        ("http://a.example/chat", "a.example"),
        ("http://A.Example/chat", "a.EXAMPLE"),
        ("http://a.example:80/chat", "a.example"),
        ("http://a.example/chat", "a.example:80"),
        ("http://a.example:/chat", "a.example"),
        ("https://a.example/chat", "a.example:443"),
        ("HTTPS://a.example:443?x", "a.example"),
        ("http://a.example:8080/chat", "a.example:8080"),
        ("http://192.0.2.1:8080/", "192.0.2.1:8080"),
        ("http://[::1]:9000/chat", "[::1]:9000"),
        ("http://[::1]/chat", "[::1]:80"),
        ("http://[::1]/chat", "[::1]"),
    ];
    for (target, host) in agree {
        let bytes = head(
            &format!("GET {target} HTTP/1.1"),
            &base_lines_with_host(&format!("Host: {host}")),
        );
        let mut parser = RequestParser::new(Limits::default());
        let r = parsed(&mut parser, &bytes);
        assert_eq!((r.target(), r.host()), (target, host));
    }
    let disagree = [
        ("http://a.example/chat", "b.example"),
        ("http://a.example/chat", "a.example.evil"),
        ("http://a.example.evil/chat", "a.example"),
        ("http://a.example/chat", "a.example:8080"),
        ("http://a.example:8080/chat", "a.example"),
        // The default port is the target's scheme's: 443 is not http's.
        ("http://a.example:443/chat", "a.example"),
        ("https://a.example/chat", "a.example:80"),
        ("http://a.example:080/chat", "a.example"),
        ("http://[::1]:9000/chat", "[::1]"),
        ("http://[::1]/chat", "[::2]"),
    ];
    for (target, host) in disagree {
        let bytes = head(
            &format!("GET {target} HTTP/1.1"),
            &base_lines_with_host(&format!("Host: {host}")),
        );
        let err = refuse(&bytes);
        assert_eq!(err, RequestError::HostMismatch, "{target} with Host {host}");
        assert_eq!(err.status(), 400);
    }
}

/// §4.1 item 3 and §4.2.1 item 1 allow an absolute http or https URI as the
/// request-target. `ws`/`wss` name the WebSocket URI (§3), which is never sent as an
/// HTTP request-target; userinfo in an http URI is an error (RFC 7230 §2.7.1).
#[test]
fn rfc_4_2_1_item_1_absolute_target_schemes() {
    for target in [
        "ws://server.example.com/chat",
        "wss://server.example.com/chat",
        "WS://server.example.com/chat",
        "ftp://server.example.com/chat",
        "httpx://server.example.com/chat",
        "http:/server.example.com/chat",
        "http:server.example.com/chat",
        "http://user@server.example.com/chat",
        "http://user:pw@server.example.com/chat",
        "http://server.example.com,evil.example/chat",
        "http://server.example.com\\@evil.example/chat",
    ] {
        let err = refuse(&head(&format!("GET {target} HTTP/1.1"), &BASE));
        assert_eq!(err, RequestError::InvalidTarget, "{target}");
    }
    for target in [
        "http://server.example.com/chat",
        "HtTp://server.example.com/chat",
        "https://server.example.com/chat",
    ] {
        let bytes = head(&format!("GET {target} HTTP/1.1"), &BASE);
        let mut parser = RequestParser::new(Limits::default());
        assert_eq!(parsed(&mut parser, &bytes).path(), "/chat", "{target}");
    }
}

#[test]
fn rfc_4_2_1_content_length_zero_is_no_body() {
    let mut parser = RequestParser::new(Limits::default());
    parsed(&mut parser, &base_plus(&["Content-Length: 0"]));
}

#[test]
fn rfc_4_4_version_rejection_is_written_exactly() {
    let err = refuse(&base_with(
        "sec-websocket-version",
        "Sec-WebSocket-Version: 25",
    ));
    assert_eq!(
        rejection_bytes(err),
        b"HTTP/1.1 426 Upgrade Required\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Version: 13\r\n\
Content-Length: 0\r\n\r\n"
    );
    assert_eq!(
        rejection_bytes(RequestError::MissingKey),
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn errors_are_final_and_reset_starts_over() {
    let mut parser = RequestParser::new(Limits::default());
    let bad = head("GET / HTTP/1.1", &["Bad Name: x"]);
    assert!(parser.parse(&bad[..bad.len() - 2]).is_err());
    assert!(parser.parse(&bad).is_err());
    parser.reset();
    assert!(matches!(
        parser.parse(RFC_1_3_REQUEST),
        Ok(Status::Complete(_))
    ));
    // A complete parse is repeatable.
    assert!(matches!(
        parser.parse(RFC_1_3_REQUEST),
        Ok(Status::Complete(_))
    ));
}

#[test]
fn a_shorter_buffer_after_completion_restarts_the_parse() {
    let mut parser = RequestParser::new(Limits::default());
    parsed(&mut parser, RFC_1_3_REQUEST);
    assert!(parser.parse(&RFC_1_3_REQUEST[..30]).unwrap().is_partial());
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    let mut parser = ResponseParser::new(Limits::default());
    assert!(parser.parse(RFC_1_3_RESPONSE, &request).is_ok());
    assert!(parser
        .parse(&RFC_1_3_RESPONSE[..30], &request)
        .unwrap()
        .is_partial());
    assert!(parser.parse(b"HTTP/1.1 101\r\n\n", &request).is_err());
    assert!(
        parser.parse(b"", &request).unwrap().is_partial(),
        "an empty buffer starts over"
    );
}

#[test]
fn a_shorter_buffer_restarts_the_parse() {
    let mut parser = RequestParser::new(Limits::default());
    let mut abandoned = b"GET /nothing-like-this HTTP/1.1\r\nX-A: 1\r\nX-B: ".to_vec();
    abandoned.resize(RFC_1_3_REQUEST.len() + 100, b'b');
    assert!(parser.parse(&abandoned).unwrap().is_partial());
    let r = parsed(&mut parser, RFC_1_3_REQUEST);
    assert_eq!(r.path(), "/chat");
    assert_eq!(r.headers().len(), 7);
}

// ---------------------------------------------------------------------------------------
// Hostile HTTP

#[test]
fn header_grammar_violations() {
    let cases: [(&str, Vec<u8>, HeadError); 11] = [
        (
            "NUL in value",
            base_plus(&["X-A: a\0b"]),
            HeadError::InvalidHeaderValue,
        ),
        (
            "DEL in value",
            base_plus(&["X-A: a\x7fb"]),
            HeadError::InvalidHeaderValue,
        ),
        (
            "bare CR in value",
            base_plus(&["X-A: a\rb"]),
            HeadError::InvalidHeaderValue,
        ),
        (
            "ESC in value",
            base_plus(&["X-A: \x1b[31m"]),
            HeadError::InvalidHeaderValue,
        ),
        (
            "obs-fold",
            base_plus(&["X-A: a", " continued"]),
            HeadError::ObsFold,
        ),
        (
            "obs-fold tab",
            base_plus(&["X-A: a", "\tcontinued"]),
            HeadError::ObsFold,
        ),
        (
            "space before colon",
            base_plus(&["Host : evil.example"]),
            HeadError::WhitespaceBeforeColon,
        ),
        (
            "tab before colon",
            base_plus(&["X-A\t: b"]),
            HeadError::WhitespaceBeforeColon,
        ),
        (
            "no colon",
            base_plus(&["X-A b"]),
            HeadError::InvalidHeaderName,
        ),
        (
            "bracket in name",
            base_plus(&["X[A]: b"]),
            HeadError::InvalidHeaderName,
        ),
        (
            "empty name",
            base_plus(&[": b"]),
            HeadError::InvalidHeaderName,
        ),
    ];
    for (what, bytes, expected) in cases {
        let err = refuse(&bytes);
        assert_eq!(err, RequestError::Head(expected), "{what}");
        assert_eq!(err.status(), 400, "{what}");
    }
    assert_eq!(
        refuse(&base_plus(&["XA"])),
        RequestError::Head(HeadError::MissingColon)
    );
}

#[test]
fn obs_text_in_values_is_allowed() {
    let bytes = base_plus(&["User-Agent: caf\u{e9}"]);
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    assert_eq!(r.header("user-agent"), Some("caf\u{e9}".as_bytes()));
}

#[test]
fn bare_lf_line_endings_are_refused() {
    let bytes = b"GET / HTTP/1.1\nHost: a\n\n";
    assert_eq!(refuse(bytes), RequestError::Head(HeadError::BareLf));
    let mixed = String::from_utf8(base_plus(&[]))
        .unwrap()
        .replace("websocket\r\n", "websocket\n");
    assert_eq!(
        refuse(mixed.as_bytes()),
        RequestError::Head(HeadError::BareLf)
    );
    assert_eq!(
        refuse(b"\nGET / HTTP/1.1\r\n"),
        RequestError::Head(HeadError::BareLf)
    );
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn oversized_head_of_one_mebibyte_is_refused_after_the_limit() {
    let mut bytes = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    bytes.resize(1 << 20, b'a');
    let mut parser = RequestParser::new(Limits::default());
    let err = parser.parse(&bytes).unwrap_err();
    assert_eq!(err, RequestError::Head(HeadError::TooLarge { limit: 8192 }));
    assert_eq!(err.status(), 431);
    assert!(
        parser.bytes_scanned() <= 2 * 8192,
        "{}",
        parser.bytes_scanned()
    );
    assert!(rejection_bytes(err).starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

#[test]
fn oversized_head_made_of_many_short_lines() {
    let mut bytes = b"GET / HTTP/1.1\r\n".to_vec();
    while bytes.len() < 20_000 {
        bytes.extend_from_slice(b"X: y\r\n");
    }
    let limits = Limits::default().max_headers(10_000);
    let err = RequestParser::<4096>::with_capacity(limits)
        .parse(&bytes)
        .unwrap_err();
    assert_eq!(err, RequestError::Head(HeadError::TooLarge { limit: 8192 }));
}

#[test]
fn head_exactly_at_the_limit_passes_and_one_byte_over_fails() {
    let bytes = RFC_1_3_REQUEST;
    let exact = Limits::default().max_head_len(bytes.len());
    let mut parser = RequestParser::new(exact);
    assert!(matches!(parser.parse(bytes), Ok(Status::Complete(_))));
    let short = Limits::default().max_head_len(bytes.len() - 1);
    let mut parser = RequestParser::new(short);
    assert_eq!(
        parser.parse(bytes).unwrap_err(),
        RequestError::Head(HeadError::TooLarge {
            limit: bytes.len() - 1
        })
    );
}

/// A limit above `MAX_HEAD_LEN` acts as `MAX_HEAD_LEN`; the error must name the limit
/// that stopped the head, not the unreachable one that was asked for.
#[test]
fn too_large_reports_the_limit_applied_not_the_one_configured() {
    let mut bytes = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    bytes.resize(MAX_HEAD_LEN + 1, b'a');
    for asked in [usize::MAX, MAX_HEAD_LEN + 1, 1 << 20] {
        let limits = Limits::default().max_head_len(asked);
        let err = RequestParser::new(limits).parse(&bytes).unwrap_err();
        assert_eq!(
            err,
            RequestError::Head(HeadError::TooLarge {
                limit: MAX_HEAD_LEN
            }),
            "asked for {asked}"
        );
        assert_eq!(err.to_string(), "head exceeds 65536 bytes");
        let request = ClientRequest::new("a", "/", [0; 16]);
        let mut response = b"HTTP/1.1 101 Switching Protocols\r\nX: ".to_vec();
        response.resize(MAX_HEAD_LEN + 1, b'x');
        assert_eq!(
            ResponseParser::new(limits)
                .parse(&response, &request)
                .unwrap_err(),
            ResponseError::Head(HeadError::TooLarge {
                limit: MAX_HEAD_LEN
            }),
            "asked for {asked}"
        );
    }
    // The sibling: a header limit above the parser's capacity reports the capacity.
    let extra: Vec<String> = (0..60).map(|i| format!("X-{i}: {i}")).collect();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let limits = Limits::default().max_headers(usize::MAX);
    assert_eq!(
        RequestParser::new(limits)
            .parse(&base_plus(&extra))
            .unwrap_err(),
        RequestError::Head(HeadError::TooManyHeaders { limit: 64 })
    );
    // At the cap itself, the configured and applied limits are the same.
    let limits = Limits::default().max_head_len(MAX_HEAD_LEN);
    assert_eq!(
        RequestParser::new(limits).parse(&bytes).unwrap_err(),
        RequestError::Head(HeadError::TooLarge {
            limit: MAX_HEAD_LEN
        })
    );
}

#[test]
fn head_of_the_largest_length_is_read_whole() {
    // The header offsets are u16: a head of exactly MAX_HEAD_LEN bytes must still
    // index correctly, its last field ending at the top of the range.
    let mut bytes = base_plus(&[]);
    bytes.truncate(bytes.len() - 2);
    let pad = MAX_HEAD_LEN - bytes.len() - "X-Pad: \r\n\r\n".len();
    bytes.extend_from_slice(format!("X-Pad: {}\r\n\r\n", "p".repeat(pad)).as_bytes());
    assert_eq!(bytes.len(), MAX_HEAD_LEN);
    let mut parser = RequestParser::new(Limits::default().max_head_len(usize::MAX));
    let r = parsed(&mut parser, &bytes);
    assert_eq!(r.header("x-pad").map(<[u8]>::len), Some(pad));
    assert_eq!(r.head_len(), MAX_HEAD_LEN);
}

#[test]
fn too_many_headers() {
    let extra: Vec<String> = (0..60).map(|i| format!("X-{i}: {i}")).collect();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let bytes = base_plus(&extra);
    let err = refuse(&bytes);
    assert_eq!(
        err,
        RequestError::Head(HeadError::TooManyHeaders { limit: 64 })
    );
    assert_eq!(err.status(), 431);

    // 65 fields fail, 64 pass.
    let mut parser = RequestParser::new(Limits::default());
    assert!(matches!(
        parser.parse(&base_plus(&extra[..59])),
        Ok(Status::Complete(_))
    ));

    let strict = Limits::default().max_headers(5);
    assert_eq!(
        RequestParser::new(strict)
            .parse(&base_plus(&["X: 1"]))
            .unwrap_err(),
        RequestError::Head(HeadError::TooManyHeaders { limit: 5 })
    );

    // A larger table lifts the cap when the limit allows it.
    let roomy = Limits::default().max_headers(100);
    let mut parser = RequestParser::<100>::with_capacity(roomy);
    assert!(matches!(parser.parse(&bytes), Ok(Status::Complete(_))));
}

fn trickle_sixteen_kib(extra: &[&str]) -> (Vec<u8>, usize) {
    let bytes = base_plus(extra);
    let limits = Limits::default().max_head_len(bytes.len());
    let mut parser = RequestParser::new(limits);
    for end in 0..bytes.len() {
        assert!(
            parser.parse(&bytes[..end]).unwrap().is_partial(),
            "at {end}"
        );
    }
    assert!(matches!(parser.parse(&bytes), Ok(Status::Complete(_))));
    (bytes, parser.bytes_scanned())
}

#[test]
fn head_trickled_one_byte_at_a_time_is_scanned_linearly() {
    // 16 KiB in 40 header lines.
    let lines: Vec<String> = (0..40)
        .map(|i| format!("X-Pad-{i}: {}", "p".repeat(400)))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (bytes, scanned) = trickle_sixteen_kib(&lines);
    assert!(bytes.len() >= 16 * 1024);
    assert!(scanned <= 2 * bytes.len(), "{scanned} for {}", bytes.len());
    assert!(scanned >= bytes.len(), "every byte must be looked at");
}

#[test]
fn single_long_line_trickled_one_byte_at_a_time_is_scanned_linearly() {
    let cookie = format!("Cookie: {}", "c".repeat(16 * 1024));
    let (bytes, scanned) = trickle_sixteen_kib(&[&cookie]);
    assert!(scanned <= 2 * bytes.len(), "{scanned} for {}", bytes.len());
}

#[test]
fn trickled_response_is_scanned_linearly() {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    let pad = format!("X-Pad: {}", "p".repeat(8000));
    let bytes = head(
        "HTTP/1.1 101 Switching Protocols",
        &[
            "Upgrade: websocket",
            "Connection: Upgrade",
            &pad,
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ],
    );
    let mut parser = ResponseParser::new(Limits::default().max_head_len(bytes.len()));
    for end in 0..bytes.len() {
        assert!(parser.parse(&bytes[..end], &request).unwrap().is_partial());
    }
    assert!(matches!(
        parser.parse(&bytes, &request),
        Ok(Status::Complete(HandshakeResponse::Accepted(_)))
    ));
    assert!(parser.bytes_scanned() <= 2 * bytes.len());
}

// ---------------------------------------------------------------------------------------
// Server building

#[test]
fn accept_response_with_protocol_extensions_and_cookie() {
    let bytes = base_plus(&[
        "Sec-WebSocket-Protocol: v2.chat, v1.chat",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-webkit-deflate-frame",
    ]);
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    let mut out = [0u8; 512];
    let n = AcceptResponse::new(&r)
        .protocol("v1.chat")
        .extensions(&["permessage-deflate; server_no_context_takeover; client_max_window_bits=10"])
        .headers(&[("Set-Cookie", "sid=1; Secure"), ("Server", "rfc6455")])
        .encode(&mut out)
        .unwrap();
    let expected = head(
        "HTTP/1.1 101 Switching Protocols",
        &[
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "Sec-WebSocket-Protocol: v1.chat",
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
            "Set-Cookie: sid=1; Secure",
            "Server: rfc6455",
        ],
    );
    assert_eq!(
        std::str::from_utf8(&out[..n]).unwrap(),
        std::str::from_utf8(&expected).unwrap()
    );
}

#[test]
fn accept_response_refuses_what_was_not_offered() {
    let bytes = base_plus(&[
        "Sec-WebSocket-Protocol: chat",
        "Sec-WebSocket-Extensions: permessage-deflate",
    ]);
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    let mut out = [0xAAu8; 512];
    let cases = [
        (
            AcceptResponse::new(&r).protocol("superchat"),
            BuildError::ProtocolNotOffered,
        ),
        (
            AcceptResponse::new(&r).protocol("Chat"),
            BuildError::ProtocolNotOffered,
        ),
        (
            AcceptResponse::new(&r).protocol(""),
            BuildError::InvalidProtocol,
        ),
        (
            AcceptResponse::new(&r).protocol("chat, x"),
            BuildError::InvalidProtocol,
        ),
        (
            AcceptResponse::new(&r).extensions(&["x-foo"]),
            BuildError::ExtensionNotOffered,
        ),
        (
            AcceptResponse::new(&r).extensions(&["permessage-deflate, x"]),
            BuildError::InvalidExtension,
        ),
        (
            AcceptResponse::new(&r).extensions(&["permessage-deflate; a=\"b c\""]),
            BuildError::InvalidExtension,
        ),
        (
            AcceptResponse::new(&r).headers(&[("Sec-WebSocket-Accept", "x")]),
            BuildError::ReservedHeader,
        ),
        (
            AcceptResponse::new(&r).headers(&[("connection", "close")]),
            BuildError::ReservedHeader,
        ),
        (
            AcceptResponse::new(&r).headers(&[("X-A", "1\r\nX-B: 2")]),
            BuildError::InvalidHeaderValue,
        ),
        (
            AcceptResponse::new(&r).headers(&[("X A", "1")]),
            BuildError::InvalidHeaderName,
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(response.encode(&mut out).unwrap_err(), expected);
    }
    assert!(out.iter().all(|&b| b == 0xAA), "nothing written on error");
    let n = AcceptResponse::new(&r)
        .protocol("chat")
        .extensions(&["PerMessage-Deflate"])
        .encode(&mut out)
        .unwrap();
    assert!(contains(
        &out[..n],
        b"Sec-WebSocket-Extensions: PerMessage-Deflate\r\n"
    ));
}

/// §9.1: the server lists the extensions in use. A client's several offers of one
/// extension are alternatives (RFC 7692 §5); accepting two of them would put two
/// instances in use, which the client refuses, so the builder refuses to write it.
#[test]
fn accept_response_refuses_the_same_extension_twice() {
    let bytes = base_plus(&[
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
        "Sec-WebSocket-Extensions: permessage-deflate, x-foo",
    ]);
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &bytes);
    let mut out = [0xAAu8; 512];
    let twice: [&[&str]; 4] = [
        &["permessage-deflate", "permessage-deflate"],
        &[
            "permessage-deflate; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits=10",
        ],
        &["permessage-deflate", "x-foo", "PerMessage-Deflate"],
        &["x-foo", "x-foo"],
    ];
    for extensions in twice {
        assert_eq!(
            AcceptResponse::new(&r)
                .extensions(extensions)
                .encode(&mut out),
            Err(BuildError::DuplicateExtension),
            "{extensions:?}"
        );
    }
    assert!(out.iter().all(|&b| b == 0xAA), "nothing written on error");
    // Two different extensions, each offered, are fine.
    let n = AcceptResponse::new(&r)
        .extensions(&["x-foo", "permessage-deflate"])
        .encode(&mut out)
        .unwrap();
    assert!(contains(
        &out[..n],
        b"Sec-WebSocket-Extensions: x-foo, permessage-deflate\r\n"
    ));
}

#[test]
fn too_small_buffers_are_left_untouched() {
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, RFC_1_3_REQUEST);
    let response = AcceptResponse::new(&r);
    let need = response.encoded_len();
    assert_eq!(need, RFC_1_3_RESPONSE.len());
    let mut out = vec![0x55u8; need - 1];
    assert_eq!(
        response.encode(&mut out).unwrap_err(),
        BuildError::InsufficientSize(rfc6455::InsufficientSize { required: need })
    );
    assert!(out.iter().all(|&b| b == 0x55));

    let request = ClientRequest::new("a", "/", [0; 16]);
    let mut out = vec![0x55u8; request.encoded_len() - 1];
    assert!(matches!(
        request.encode(&mut out),
        Err(BuildError::InsufficientSize(_))
    ));
    assert!(out.iter().all(|&b| b == 0x55));

    let rejection = Rejection::new(404, "Not Found").body(b"gone");
    let mut out = vec![0x55u8; rejection.encoded_len() - 1];
    assert!(matches!(
        rejection.encode(&mut out),
        Err(BuildError::InsufficientSize(_))
    ));
    assert!(out.iter().all(|&b| b == 0x55));
}

#[test]
fn rejection_with_headers_and_body() {
    let mut out = [0u8; 256];
    let n = Rejection::new(404, "Not Found")
        .headers(&[("Content-Type", "text/plain"), ("Connection", "close")])
        .body(b"no such endpoint")
        .encode(&mut out)
        .unwrap();
    assert_eq!(
        &out[..n],
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\
Content-Length: 16\r\n\r\nno such endpoint"
    );
    for (status, reason, headers, expected) in [
        (
            101,
            "Switching Protocols",
            &[][..],
            BuildError::InvalidStatus,
        ),
        (600, "Nope", &[][..], BuildError::InvalidStatus),
        (400, "Bad\r\nX: y", &[][..], BuildError::InvalidReason),
        (
            400,
            "Bad",
            &[("Content-Length", "9")][..],
            BuildError::ReservedHeader,
        ),
        (
            426,
            "Upgrade Required",
            &[("Sec-WebSocket-Version", "8")][..],
            BuildError::ReservedHeader,
        ),
    ] {
        let err = Rejection::new(status, reason)
            .headers(headers)
            .encode(&mut out)
            .unwrap_err();
        assert_eq!(err, expected, "{status} {reason}");
    }
}

// ---------------------------------------------------------------------------------------
// Origin policy (§10.2)

fn origin_request(origin: Option<&str>, host: &str) -> Vec<u8> {
    let host = format!("Host: {host}");
    let origin = origin.map(|o| format!("Origin: {o}"));
    let mut lines: Vec<&str> = BASE
        .iter()
        .copied()
        .filter(|l| !l.starts_with("Host"))
        .collect();
    lines.push(&host);
    if let Some(o) = &origin {
        lines.push(o);
    }
    head("GET /chat HTTP/1.1", &lines)
}

#[test]
fn origin_policy_same_origin_and_allow_list() {
    let same = OriginPolicy::new().same_origin(true);
    let listed = OriginPolicy::new().allow(&["https://app.example.com", "null"]);
    let strict = OriginPolicy::new()
        .allow(&["https://app.example.com"])
        .require_origin(true);
    let cases = [
        (
            same,
            Some("https://chat.example.com"),
            "chat.example.com",
            true,
        ),
        (
            same,
            Some("http://chat.example.com"),
            "chat.example.com",
            true,
        ),
        (
            same,
            Some("HTTPS://CHAT.Example.COM"),
            "chat.example.com",
            true,
        ),
        (
            same,
            Some("https://chat.example.com"),
            "chat.example.com:443",
            true,
        ),
        (
            same,
            Some("https://chat.example.com:8443"),
            "chat.example.com:8443",
            true,
        ),
        (
            same,
            Some("https://chat.example.com:8443"),
            "chat.example.com",
            false,
        ),
        (
            same,
            Some("https://chat.example.com"),
            "chat.example.com:8443",
            false,
        ),
        (
            same,
            Some("https://evil.example"),
            "chat.example.com",
            false,
        ),
        (
            same,
            Some("https://chat.example.com.evil.example"),
            "chat.example.com",
            false,
        ),
        (same, Some("https://[::1]:9000"), "[::1]:9000", true),
        (same, Some("https://[::1]"), "[::1]:9000", false),
        (same, Some("null"), "chat.example.com", false),
        (same, None, "chat.example.com", true),
        (
            listed,
            Some("https://APP.example.com"),
            "chat.example.com",
            true,
        ),
        (
            listed,
            Some("https://app.example.com:444"),
            "chat.example.com",
            false,
        ),
        (
            listed,
            Some("http://app.example.com"),
            "chat.example.com",
            false,
        ),
        (listed, Some("null"), "chat.example.com", true),
        (
            listed,
            Some("https://chat.example.com"),
            "chat.example.com",
            false,
        ),
        (strict, None, "chat.example.com", false),
        (
            strict,
            Some("https://app.example.com"),
            "chat.example.com",
            true,
        ),
        (
            OriginPolicy::new(),
            Some("https://chat.example.com"),
            "chat.example.com",
            false,
        ),
    ];
    for (policy, origin, host, allowed) in cases {
        let bytes = origin_request(origin, host);
        let mut parser = RequestParser::new(Limits::default());
        let r = parsed(&mut parser, &bytes);
        assert_eq!(policy.allows(origin, host), allowed, "{origin:?} at {host}");
        let checked = policy.check(&r);
        assert_eq!(checked.is_ok(), allowed, "{origin:?} at {host}");
        if let Err(err) = checked {
            assert_eq!(err, RequestError::OriginRefused);
            assert_eq!(err.status(), 403);
            assert_eq!(
                rejection_bytes(err),
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
            );
        }
    }
}

/// RFC 6454 §5: two origins are the same only with the same scheme, host and port, and
/// §4 gives a URI without a port its scheme's default. Host carries no scheme, so a
/// Host without a port stands for the Origin's default port; a Host with one must name
/// exactly the port the Origin's scheme implies.
#[test]
fn rfc_6454_same_origin_is_the_port_the_origins_scheme_implies() {
    let same = OriginPolicy::new().same_origin(true);
    let cases = [
        // The default port of the Origin's scheme, not of any scheme.
        ("http://chat.example.com", "chat.example.com:443", false),
        ("https://chat.example.com", "chat.example.com:80", false),
        ("http://chat.example.com", "chat.example.com:80", true),
        ("https://chat.example.com", "chat.example.com:443", true),
        ("http://chat.example.com:443", "chat.example.com:443", true),
        ("https://chat.example.com:80", "chat.example.com:80", true),
        ("https://chat.example.com:443", "chat.example.com", true),
        (
            "https://chat.example.com:0443",
            "chat.example.com:443",
            false,
        ),
        // Scheme and host compare ASCII case-insensitively (RFC 3986 §3.1, §3.2.2).
        ("HTTP://Chat.Example.COM", "chat.example.com:80", true),
        ("HTTP://chat.example.com", "chat.example.com:443", false),
        // A trailing dot names another host as far as origins go (§4 compares hosts
        // as strings).
        ("https://chat.example.com", "chat.example.com.", false),
        ("https://chat.example.com.", "chat.example.com", false),
        ("https://chat.example.com.", "chat.example.com.", true),
        // IPv6 literals keep their colons; the port follows the bracket.
        ("http://[::1]", "[::1]:80", true),
        ("http://[::1]", "[::1]:443", false),
        ("https://[::1]:8443", "[::1]:8443", true),
        ("https://[::1]", "[::1]", true),
        // Only http and https have a default port, and only they are pages' origins.
        ("ws://chat.example.com", "chat.example.com", false),
        ("wss://chat.example.com", "chat.example.com", false),
        (
            "chrome-extension://chat.example.com",
            "chat.example.com",
            false,
        ),
        ("file://chat.example.com", "chat.example.com", false),
        // A serialized origin is scheme, host and port: nothing else (§6.2).
        ("null", "chat.example.com", false),
        ("https://chat.example.com/", "chat.example.com", false),
        ("https://chat.example.com/chat", "chat.example.com", false),
        ("https://chat.example.com?x", "chat.example.com", false),
        ("https://user@chat.example.com", "chat.example.com", false),
        (
            "https://chat.example.com:443@evil.example",
            "chat.example.com",
            false,
        ),
        ("https://", "chat.example.com", false),
        ("https://:443", ":443", false),
        ("https:chat.example.com", "chat.example.com", false),
    ];
    for (origin, host, allowed) in cases {
        assert_eq!(
            same.allows(Some(origin), host),
            allowed,
            "{origin} at {host}"
        );
        let bytes = origin_request(Some(origin), host);
        let mut parser = RequestParser::new(Limits::default());
        let request = parsed(&mut parser, &bytes);
        assert_eq!(same.check(&request).is_ok(), allowed, "{origin} at {host}");
    }
}

// ---------------------------------------------------------------------------------------
// Client building

#[test]
fn client_request_with_everything_round_trips_through_the_server() {
    let protocols = ["graphql-ws", "graphql-transport-ws"];
    let extensions = [
        "permessage-deflate; client_max_window_bits",
        "x-custom; a=\"1\"",
    ];
    let headers = [("Authorization", "Bearer abc.def"), ("Cookie", "a=b")];
    let request = ClientRequest::new("api.example.com:8443", "/gql?token=x&v=2", [9; 16])
        .origin("https://app.example.com")
        .protocols(&protocols)
        .extensions(&extensions)
        .headers(&headers);
    let mut out = [0u8; 1024];
    let n = request.encode(&mut out).unwrap();
    let mut parser = RequestParser::new(Limits::default());
    let r = parsed(&mut parser, &out[..n]);
    assert_eq!(r.host(), "api.example.com:8443");
    assert_eq!(r.path(), "/gql");
    assert_eq!(r.query(), Some("token=x&v=2"));
    assert_eq!(r.origin(), Some("https://app.example.com"));
    assert_eq!(r.key(), request.key().as_str());
    assert_eq!(r.protocols().collect::<Vec<_>>(), protocols);
    assert_eq!(
        r.extensions().map(|e| e.name()).collect::<Vec<_>>(),
        ["permessage-deflate", "x-custom"]
    );
    assert_eq!(r.header("authorization"), Some(&b"Bearer abc.def"[..]));
    assert_eq!(r.cookies().next(), Some((&b"a"[..], &b"b"[..])));
}

#[test]
fn client_request_refuses_invalid_parts() {
    let mut out = [0x11u8; 1024];
    let base = ClientRequest::new("a.example", "/", [0; 16]);
    let cases = [
        (
            ClientRequest::new("", "/", [0; 16]),
            BuildError::InvalidHost,
        ),
        (
            ClientRequest::new("a b", "/", [0; 16]),
            BuildError::InvalidHost,
        ),
        (
            ClientRequest::new("a\r\nX: y", "/", [0; 16]),
            BuildError::InvalidHost,
        ),
        (
            ClientRequest::new("a", "chat", [0; 16]),
            BuildError::InvalidTarget,
        ),
        (
            ClientRequest::new("a", "/a b", [0; 16]),
            BuildError::InvalidTarget,
        ),
        (
            ClientRequest::new("a", "/a#b", [0; 16]),
            BuildError::InvalidTarget,
        ),
        (
            ClientRequest::new("a", "/caf\u{e9}", [0; 16]),
            BuildError::InvalidTarget,
        ),
        (base.origin("http://a b"), BuildError::InvalidOrigin),
        (
            base.protocols(&["chat", "chat"]),
            BuildError::DuplicateProtocol,
        ),
        (
            base.protocols(&["chat", "a,b"]),
            BuildError::InvalidProtocol,
        ),
        (base.protocols(&[""]), BuildError::InvalidProtocol),
        (base.extensions(&["a, b"]), BuildError::InvalidExtension),
        (base.extensions(&[""]), BuildError::InvalidExtension),
        (base.extensions(&["a;"]), BuildError::InvalidExtension),
        (
            base.headers(&[("Sec-WebSocket-Key", "x")]),
            BuildError::ReservedHeader,
        ),
        (base.headers(&[("HOST", "x")]), BuildError::ReservedHeader),
        (
            base.headers(&[("X-A", "a\nb")]),
            BuildError::InvalidHeaderValue,
        ),
        (
            base.headers(&[("X-A", "a\0b")]),
            BuildError::InvalidHeaderValue,
        ),
        (base.headers(&[("X:A", "b")]), BuildError::InvalidHeaderName),
    ];
    for (request, expected) in cases {
        assert_eq!(
            request.encode(&mut out).unwrap_err(),
            expected,
            "{request:?}"
        );
    }
    assert!(out.iter().all(|&b| b == 0x11));
}

#[cfg(feature = "std")]
#[test]
fn random_keys_differ() {
    assert_ne!(WebSocketKey::random(), WebSocketKey::random());
    assert_ne!(rfc6455::handshake::random_nonce(), [0; 16]);
}

// ---------------------------------------------------------------------------------------
// Client reading the response (§4.1)

fn respond(lines: &[&str]) -> Vec<u8> {
    head("HTTP/1.1 101 Switching Protocols", lines)
}

const ACCEPT_LINE: &str = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn client_result(request: &ClientRequest<'_>, bytes: &[u8]) -> Result<Option<u16>, ResponseError> {
    let mut parser = ResponseParser::new(Limits::default());
    match parser.parse(bytes, request)? {
        Status::Complete(HandshakeResponse::Accepted(_)) => Ok(None),
        Status::Complete(HandshakeResponse::Rejected(r)) => Ok(Some(r.status())),
        Status::Partial => panic!("partial"),
    }
}

#[test]
fn rfc_4_1_every_response_violation_fails_the_connection() {
    let protocols = ["chat", "superchat"];
    let extensions = ["permessage-deflate; client_max_window_bits"];
    let offered = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .protocols(&protocols)
        .extensions(&extensions);
    let bare = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    let up = "Upgrade: websocket";
    let conn = "Connection: Upgrade";
    let cases: Vec<(&str, ClientRequest<'_>, Vec<u8>, ResponseError)> = vec![
        (
            "wrong accept",
            bare,
            respond(&[up, conn, "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ=="]),
            ResponseError::AcceptMismatch,
        ),
        (
            "accept for another nonce",
            ClientRequest::new("a", "/", [1; 16]),
            respond(&[up, conn, ACCEPT_LINE]),
            ResponseError::AcceptMismatch,
        ),
        (
            "accept in lowercase",
            bare,
            respond(&[
                up,
                conn,
                "Sec-WebSocket-Accept: s3pplmbitxaq9kygzzhzrbk+xoo=",
            ]),
            ResponseError::AcceptMismatch,
        ),
        (
            "accept twice",
            bare,
            respond(&[up, conn, ACCEPT_LINE, ACCEPT_LINE]),
            ResponseError::AcceptMismatch,
        ),
        (
            "missing accept",
            bare,
            respond(&[up, conn]),
            ResponseError::MissingAccept,
        ),
        (
            "missing Upgrade",
            bare,
            respond(&[conn, ACCEPT_LINE]),
            ResponseError::UpgradeNotWebSocket,
        ),
        (
            "Upgrade h2c",
            bare,
            respond(&["Upgrade: h2c", conn, ACCEPT_LINE]),
            ResponseError::UpgradeNotWebSocket,
        ),
        (
            "missing Connection",
            bare,
            respond(&[up, ACCEPT_LINE]),
            ResponseError::ConnectionNotUpgrade,
        ),
        (
            "Connection close",
            bare,
            respond(&[up, "Connection: close", ACCEPT_LINE]),
            ResponseError::ConnectionNotUpgrade,
        ),
        (
            "unsolicited subprotocol",
            bare,
            respond(&[up, conn, ACCEPT_LINE, "Sec-WebSocket-Protocol: chat"]),
            ResponseError::UnsolicitedProtocol,
        ),
        (
            "subprotocol not offered",
            offered,
            respond(&[up, conn, ACCEPT_LINE, "Sec-WebSocket-Protocol: mqtt"]),
            ResponseError::UnsolicitedProtocol,
        ),
        (
            "subprotocol in other case",
            offered,
            respond(&[up, conn, ACCEPT_LINE, "Sec-WebSocket-Protocol: Chat"]),
            ResponseError::UnsolicitedProtocol,
        ),
        (
            "two subprotocols in a list",
            offered,
            respond(&[
                up,
                conn,
                ACCEPT_LINE,
                "Sec-WebSocket-Protocol: chat, superchat",
            ]),
            ResponseError::MultipleProtocols,
        ),
        (
            "two subprotocol fields",
            offered,
            respond(&[
                up,
                conn,
                ACCEPT_LINE,
                "Sec-WebSocket-Protocol: chat",
                "Sec-WebSocket-Protocol: chat",
            ]),
            ResponseError::MultipleProtocols,
        ),
        (
            "empty subprotocol",
            offered,
            respond(&[up, conn, ACCEPT_LINE, "Sec-WebSocket-Protocol:"]),
            ResponseError::InvalidProtocol,
        ),
        (
            "unsolicited extension",
            bare,
            respond(&[
                up,
                conn,
                ACCEPT_LINE,
                "Sec-WebSocket-Extensions: permessage-deflate",
            ]),
            ResponseError::UnsolicitedExtension,
        ),
        (
            "extension not offered",
            offered,
            respond(&[
                up,
                conn,
                ACCEPT_LINE,
                "Sec-WebSocket-Extensions: permessage-deflate, x-mux",
            ]),
            ResponseError::UnsolicitedExtension,
        ),
        (
            "malformed extension",
            offered,
            respond(&[
                up,
                conn,
                ACCEPT_LINE,
                "Sec-WebSocket-Extensions: permessage-deflate;",
            ]),
            ResponseError::InvalidExtensions,
        ),
        (
            "HTTP/1.0 101",
            bare,
            head("HTTP/1.0 101 Switching Protocols", &[up, conn, ACCEPT_LINE]),
            ResponseError::HttpVersionTooOld,
        ),
        (
            "status of two digits",
            bare,
            head("HTTP/1.1 11 Hi", &[up, conn, ACCEPT_LINE]),
            ResponseError::MalformedStatusLine,
        ),
        (
            "status with letters",
            bare,
            head("HTTP/1.1 1o1 Hi", &[up, conn, ACCEPT_LINE]),
            ResponseError::MalformedStatusLine,
        ),
        (
            "no space before reason",
            bare,
            head("HTTP/1.1 101Hi", &[up, conn, ACCEPT_LINE]),
            ResponseError::MalformedStatusLine,
        ),
        (
            "not HTTP",
            bare,
            head("ICY 200 OK", &[]),
            ResponseError::MalformedStatusLine,
        ),
        (
            "NUL in reason",
            bare,
            head("HTTP/1.1 101 A\0B", &[up, conn, ACCEPT_LINE]),
            ResponseError::MalformedStatusLine,
        ),
        (
            "obs-fold",
            bare,
            respond(&[up, conn, ACCEPT_LINE, " folded"]),
            ResponseError::Head(HeadError::ObsFold),
        ),
        (
            "space before colon",
            bare,
            respond(&[up, "Connection : Upgrade", ACCEPT_LINE]),
            ResponseError::Head(HeadError::WhitespaceBeforeColon),
        ),
    ];
    for (what, request, bytes, expected) in cases {
        assert_eq!(client_result(&request, &bytes), Err(expected), "{what}");
    }
}

/// §4.1: the server's answer is an HTTP/1.1 response; a status line that claims another
/// major version is no upgrade, and no other status of it is framed as HTTP/1.x either.
#[test]
fn rfc_4_1_status_line_with_major_version_other_than_1_is_refused() {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    let lines = ["Upgrade: websocket", "Connection: Upgrade", ACCEPT_LINE];
    for start in [
        "HTTP/2.0 101 Switching Protocols",
        "HTTP/3.0 101 Switching Protocols",
        "HTTP/2 101 Switching Protocols",
        "HTTP/2.0 403 Forbidden",
        "HTTP/9.9 302 Found",
    ] {
        let expected = if start.starts_with("HTTP/2 ") {
            ResponseError::MalformedStatusLine
        } else {
            ResponseError::HttpVersionNotSupported
        };
        assert_eq!(
            client_result(&request, &head(start, &lines)),
            Err(expected),
            "{start}"
        );
    }
    for start in [
        "HTTP/1.10 101 Switching Protocols",
        "http/1.1 101 Switching Protocols",
        "HTTP/01.1 101 Switching Protocols",
    ] {
        assert_eq!(
            client_result(&request, &head(start, &lines)),
            Err(ResponseError::MalformedStatusLine),
            "{start}"
        );
    }
    assert_eq!(
        client_result(&request, &head("HTTP/1.2 101 Switching Protocols", &lines)),
        Ok(None)
    );
}

/// §9.1: the response lists the extensions in use, each one the client offered
/// (§4.1 step 5). Naming one twice, in one field or split across two, would put two
/// instances of it in use.
#[test]
fn rfc_4_1_response_naming_an_extension_twice_fails_the_connection() {
    let offers = [
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate",
        "x-foo",
    ];
    let request =
        ClientRequest::new("server.example.com", "/chat", *b"the sample nonce").extensions(&offers);
    let up = "Upgrade: websocket";
    let conn = "Connection: Upgrade";
    let twice: [&[&str]; 4] = [
        &["Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"],
        &["Sec-WebSocket-Extensions: permessage-deflate, x-foo, PERMESSAGE-DEFLATE"],
        &[
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9",
        ],
        &["Sec-WebSocket-Extensions: x-foo,,x-foo"],
    ];
    for fields in twice {
        let mut lines = vec![up, conn, ACCEPT_LINE];
        lines.extend_from_slice(fields);
        assert_eq!(
            client_result(&request, &respond(&lines)),
            Err(ResponseError::DuplicateExtension),
            "{fields:?}"
        );
    }
    // An extension the client did not offer is refused whether or not it repeats.
    let lines = [
        up,
        conn,
        ACCEPT_LINE,
        "Sec-WebSocket-Extensions: x-bar, x-bar",
    ];
    assert_eq!(
        client_result(&request, &respond(&lines)),
        Err(ResponseError::UnsolicitedExtension)
    );
    let lines = [
        up,
        conn,
        ACCEPT_LINE,
        "Sec-WebSocket-Extensions: x-foo, permessage-deflate",
    ];
    assert_eq!(client_result(&request, &respond(&lines)), Ok(None));
}

#[test]
fn rfc_4_1_offered_subprotocol_and_extension_are_in_use() {
    let protocols = ["chat", "superchat"];
    let extensions = ["permessage-deflate; client_max_window_bits", "x-mux"];
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .protocols(&protocols)
        .extensions(&extensions);
    let bytes = head(
        "HTTP/1.1 101 Whatever You Like",
        &[
            "upgrade: WEBSOCKET",
            "connection: upgrade",
            "sec-websocket-accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "Sec-WebSocket-Protocol: superchat",
            "Sec-WebSocket-Extensions: x-mux",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=\"12\"",
            "Set-Cookie: a=b",
        ],
    );
    let mut parser = ResponseParser::new(Limits::default());
    let Status::Complete(HandshakeResponse::Accepted(a)) = parser.parse(&bytes, &request).unwrap()
    else {
        panic!()
    };
    assert_eq!(a.protocol(), Some("superchat"));
    let names: Vec<_> = a.extensions().map(|e| e.name()).collect();
    assert_eq!(names, ["x-mux", "permessage-deflate"]);
    let bits = a
        .extensions()
        .nth(1)
        .unwrap()
        .params()
        .next()
        .unwrap()
        .value
        .unwrap();
    assert!(bits == "12");
    assert_eq!(a.headers().get("set-cookie"), Some(&b"a=b"[..]));
}

#[test]
fn rfc_4_1_any_reason_phrase_is_accepted() {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    for line in [
        "HTTP/1.1 101",
        "HTTP/1.1 101 ",
        "HTTP/1.1 101 OK",
        "HTTP/1.1 101 Web Socket Protocol Handshake",
        "HTTP/1.1 101 Schalte \u{fc}m",
    ] {
        let bytes = head(
            line,
            &["Upgrade: websocket", "Connection: Upgrade", ACCEPT_LINE],
        );
        assert_eq!(client_result(&request, &bytes), Ok(None), "{line}");
    }
}

#[test]
fn rfc_4_1_step_1_non_101_is_a_rejection_not_an_error() {
    let request = ClientRequest::new("server.example.com", "/chat", [3; 16]);
    let cases = [
        (
            "HTTP/1.1 401 Unauthorized",
            "WWW-Authenticate",
            "Basic realm=\"chat\"",
        ),
        ("HTTP/1.1 403 Forbidden", "X-Reason", "origin"),
        (
            "HTTP/1.1 302 Found",
            "Location",
            "https://login.example.com/?next=/chat",
        ),
        ("HTTP/1.0 404 Not Found", "Server", "old"),
        (
            "HTTP/1.1 426 Upgrade Required",
            "Sec-WebSocket-Version",
            "13",
        ),
    ];
    for (line, name, value) in cases {
        let field = format!("{name}: {value}");
        let mut bytes = head(line, &[&field, "Content-Length: 4"]);
        let head_len = bytes.len();
        bytes.extend_from_slice(b"body");
        let mut parser = ResponseParser::new(Limits::default());
        let Status::Complete(HandshakeResponse::Rejected(r)) =
            parser.parse(&bytes, &request).unwrap()
        else {
            panic!("{line}")
        };
        assert_eq!(r.status().to_string(), line[9..12]);
        assert_eq!(r.reason(), &line.as_bytes()[13..]);
        assert_eq!(r.header(name), Some(value.as_bytes()));
        assert_eq!(r.head_len(), head_len);
        assert_eq!(&bytes[r.head_len()..], b"body");
        assert_eq!(HandshakeResponse::Rejected(r).headers().len(), 2);
    }
}

#[test]
fn response_split_across_reads_with_frames_behind_it() {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
    let mut bytes = RFC_1_3_RESPONSE.to_vec();
    let frames = b"\x81\x05Hello\x89\x00";
    bytes.extend_from_slice(frames);
    for split in 0..bytes.len() {
        let mut parser = ResponseParser::new(Limits::default());
        let first = parser.parse(&bytes[..split], &request).unwrap();
        if split < RFC_1_3_RESPONSE.len() {
            assert!(first.is_partial(), "split at {split}");
        }
        let Status::Complete(response) = parser.parse(&bytes, &request).unwrap() else {
            panic!("split at {split}")
        };
        assert!(matches!(response, HandshakeResponse::Accepted(_)));
        assert_eq!(&bytes[response.head_len()..], frames, "split at {split}");
    }
}

#[test]
fn request_split_at_every_point_gives_the_same_parse() {
    let bytes = stock_info(": ");
    let mut whole = RequestParser::new(Limits::default());
    let expected = parsed(&mut whole, &bytes);
    for split in 0..bytes.len() {
        let mut parser = RequestParser::new(Limits::default());
        assert!(
            parser.parse(&bytes[..split]).unwrap().is_partial(),
            "split at {split}"
        );
        assert_eq!(parsed(&mut parser, &bytes), expected, "split at {split}");
    }
}

#[test]
fn response_limits_apply() {
    let request = ClientRequest::new("a", "/", [0; 16]);
    let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\nX: ".to_vec();
    bytes.resize(1 << 20, b'x');
    let mut parser = ResponseParser::new(Limits::default());
    assert_eq!(
        parser.parse(&bytes, &request).unwrap_err(),
        ResponseError::Head(HeadError::TooLarge { limit: 8192 })
    );
    let many: Vec<String> = (0..65).map(|i| format!("X-{i}: 1")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        client_result(&request, &respond(&many)),
        Err(ResponseError::Head(HeadError::TooManyHeaders { limit: 64 }))
    );
}
