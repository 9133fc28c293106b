//! The server's request parser against httparse.
//!
//! Whenever httparse reads a complete request, ours must either read the same method,
//! request-target, header fields and head length, or refuse it for one of the stricter
//! reasons below, each checked against the input independently of our parser:
//!
//! - Bare LF line endings (`BareLf`). httparse takes the lenient reading of RFC 7230
//!   §3.5; we demand CRLF so that we and a proxy in front of us cannot disagree about
//!   where a line, or the head, ends (request smuggling).
//! - Empty lines before the request line (`MalformedRequestLine`). §3.5 lets a server
//!   skip them; a WebSocket client has no reason to send them.
//! - A request-target with bytes above 0x7F (`MalformedRequestLine`): httparse allows
//!   them, RFC 3986 does not.
//! - A target that is neither a path nor an absolute http(s) URI with an authority
//!   (`host[:port]`, no userinfo), or that has a fragment (`InvalidTarget`): RFC 6455
//!   §3 and §4.1 item 3, RFC 7230 §2.7.1.
//! - An absolute target whose authority names another host or port than `Host`
//!   (`HostMismatch`, RFC 7230 §5.4).
//! - A method other than GET or a version below 1.1 (§4.2.1 item 1), or a major version
//!   other than 1 (`HttpVersionNotSupported`), which httparse never reports complete.
//! - Anything §4.2.1 requires of the header fields (Host, Upgrade, Connection,
//!   Sec-WebSocket-Key/-Version), RFC 7230 §5.4 (one Host), RFC 6454 (one ASCII
//!   Origin), the token-list and §9.1 grammars of Sec-WebSocket-Protocol and
//!   -Extensions, and a request that announces a body (whose bytes would be read as
//!   frames by us and as HTTP by a proxy).
//! - A head over the default 8 KiB limit (`TooLarge`).
//!
//! The other way round, we accept nothing httparse refuses, except versions it does not
//! know: HTTP/1.2 to HTTP/1.9, which §4.2.1 allows as "1.1 or higher". Header counts
//! cannot differ: both tables hold 64 fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{HeadError, Limits, RequestError, RequestParser, DEFAULT_MAX_HEAD_LEN};
use rfc6455::Status;

fuzz_target!(|data: &[u8]| {
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut theirs = httparse::Request::new(&mut slots);
    let their_status = theirs.parse(data);
    let mut parser = RequestParser::new(Limits::default());
    let ours = parser.parse(data);
    let Ok(httparse::Status::Complete(their_len)) = their_status else {
        if let Ok(Status::Complete(ours)) = ours {
            let line = data[..ours.head_len()]
                .split(|&b| b == b'\r')
                .next()
                .unwrap_or_default();
            assert!(
                !line.ends_with(b"HTTP/1.1") && !line.ends_with(b"HTTP/1.0"),
                "we accepted what httparse refused ({their_status:?})"
            );
        }
        return;
    };
    let method = theirs.method.expect("complete");
    let target = theirs.path.expect("complete");
    let headers = theirs.headers;
    match ours {
        Ok(Status::Complete(ours)) => {
            assert_eq!(ours.method(), method);
            assert_eq!(ours.target(), target);
            assert_eq!(ours.head_len(), their_len);
            assert_eq!(theirs.version, Some(1));
            let our_fields: Vec<(&str, &[u8])> = ours.headers().iter().collect();
            let their_fields: Vec<(&str, &[u8])> =
                headers.iter().map(|h| (h.name, h.value)).collect();
            assert_eq!(our_fields, their_fields);
        }
        Ok(Status::Partial) => panic!("httparse found the end of a head that we did not"),
        Err(e) => {
            let view = View {
                data: &data[..their_len],
                method,
                target,
                version: theirs.version.expect("complete"),
                headers,
            };
            assert!(view.justifies(e), "refused {e:?} without a stricter reason");
        }
    }
});

/// What httparse read, to check our reasons against.
struct View<'a> {
    data: &'a [u8],
    method: &'a str,
    target: &'a str,
    version: u8,
    headers: &'a [httparse::Header<'a>],
}

impl View<'_> {
    fn justifies(&self, e: RequestError) -> bool {
        let single = |name| {
            let mut values = self.values(name);
            match (values.next(), values.next()) {
                (Some(v), None) => Some(v),
                _ => None,
            }
        };
        match e {
            RequestError::Head(HeadError::BareLf) => self.has_bare_lf(),
            RequestError::Head(HeadError::TooLarge { .. }) => {
                self.data.len() > DEFAULT_MAX_HEAD_LEN
            }
            RequestError::MalformedRequestLine => {
                matches!(self.data.first(), Some(b'\r' | b'\n')) || !self.target.is_ascii()
            }
            RequestError::MethodNotGet => self.method != "GET",
            RequestError::HttpVersionTooOld => self.version == 0,
            RequestError::InvalidTarget => !is_resource_target(self.target),
            RequestError::HostMismatch => single("host").is_some_and(|h| {
                absolute_authority(self.target)
                    .is_some_and(|(a, default)| !same_authority(a, h, default))
            }),
            RequestError::MissingHost => self.count("host") == 0,
            RequestError::DuplicateHost => self.count("host") > 1,
            RequestError::InvalidHost => single("host").is_some_and(|h| !is_authority(h)),
            RequestError::UpgradeNotWebSocket => !self.has_token("upgrade", b"websocket"),
            RequestError::ConnectionNotUpgrade => !self.has_token("connection", b"upgrade"),
            RequestError::MissingKey => self.count("sec-websocket-key") == 0,
            RequestError::DuplicateKey => self.count("sec-websocket-key") > 1,
            RequestError::InvalidKey => single("sec-websocket-key").is_some_and(|k| !is_key(k)),
            RequestError::MissingVersion => self.count("sec-websocket-version") == 0,
            RequestError::UnsupportedVersion => single("sec-websocket-version") != Some(b"13"),
            RequestError::DuplicateOrigin => self.count("origin") > 1,
            RequestError::InvalidOrigin => {
                single("origin").is_some_and(|o| !o.iter().all(u8::is_ascii_graphic))
            }
            RequestError::InvalidProtocols => self
                .values("sec-websocket-protocol")
                .any(|v| !is_token_list(v)),
            RequestError::InvalidExtensions => self
                .values("sec-websocket-extensions")
                .any(|v| !is_extension_list(v)),
            RequestError::UnexpectedBody => {
                self.count("transfer-encoding") > 0
                    || self
                        .values("content-length")
                        .any(|v| v.iter().any(|&b| b != b'0'))
            }
            _ => false,
        }
    }

    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    fn count(&self, name: &str) -> usize {
        self.values(name).count()
    }

    fn has_token(&self, name: &str, token: &[u8]) -> bool {
        self.values(name)
            .flat_map(|v| v.split(|&b| b == b','))
            .any(|item| trim(item).eq_ignore_ascii_case(token))
    }

    fn has_bare_lf(&self) -> bool {
        self.data
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || self.data[i - 1] != b'\r'))
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    &s[start..end]
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// RFC 6455 §3: an origin-form path, or an absolute http(s) URI with an authority; no
/// fragment either way.
fn is_resource_target(t: &str) -> bool {
    !t.contains('#') && (t.starts_with('/') || absolute_authority(t).is_some())
}

/// The authority of an absolute http(s) target and its scheme's default port, if it is
/// one with a `host[:port]` authority.
fn absolute_authority(t: &str) -> Option<(&[u8], &'static [u8])> {
    let (scheme, rest) = t.split_once("://")?;
    let default: &'static [u8] = match scheme.to_ascii_lowercase().as_str() {
        "http" => b"80",
        "https" => b"443",
        _ => return None,
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest.as_bytes()[..end];
    is_authority(authority).then_some((authority, default))
}

/// RFC 3986 §6.2.2.1 and §6.2.3: the same host ignoring ASCII case, and the same port
/// once an absent or empty one is read as the scheme's default.
fn same_authority(a: &[u8], b: &[u8], default: &[u8]) -> bool {
    let split = |s: &[u8]| -> (Vec<u8>, Vec<u8>) {
        // A port is the digits after the last colon, unless that colon is inside an
        // IPv6 literal.
        match s.iter().rposition(|&c| c == b':') {
            Some(i)
                if s[i + 1..].iter().all(u8::is_ascii_digit)
                    && (s[..i].ends_with(b"]") || !s[..i].contains(&b':')) =>
            {
                let port = if i + 1 == s.len() {
                    default
                } else {
                    &s[i + 1..]
                };
                (s[..i].to_ascii_lowercase(), port.to_vec())
            }
            _ => (s.to_ascii_lowercase(), default.to_vec()),
        }
    };
    split(a) == split(b)
}

/// RFC 7230 §5.4: `host[:port]`, nothing that belongs to another part of a URI.
fn is_authority(h: &[u8]) -> bool {
    !h.is_empty()
        && h.iter()
            .all(|&b| b.is_ascii_graphic() && !b"/?#@\\,".contains(&b))
}

/// §4.2.1 item 5: the base64 of 16 bytes is 22 digits and `==`.
fn is_key(k: &[u8]) -> bool {
    let digit = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    k.len() == 24 && k.ends_with(b"==") && k[..22].iter().all(digit)
}

/// `1#token`, empty elements ignored (RFC 7230 §7).
fn is_token_list(v: &[u8]) -> bool {
    let items: Vec<&[u8]> = v
        .split(|&b| b == b',')
        .map(trim)
        .filter(|i| !i.is_empty())
        .collect();
    !items.is_empty() && items.iter().all(|i| is_token(i))
}

/// §9.1: `1#( token *( ";" token [ "=" ( token / quoted-string ) ] ) )`, where a
/// quoted value must be a token once unescaped. Valid values never hold `,` or `;`
/// inside quotes, so splitting on them first loses nothing.
fn is_extension_list(v: &[u8]) -> bool {
    let items: Vec<&[u8]> = v
        .split(|&b| b == b',')
        .map(trim)
        .filter(|i| !i.is_empty())
        .collect();
    !items.is_empty()
        && items.iter().all(|item| {
            let mut parts = item.split(|&b| b == b';').map(trim);
            parts.next().is_some_and(is_token) && parts.all(is_param)
        })
}

fn is_param(p: &[u8]) -> bool {
    let Some(eq) = p.iter().position(|&b| b == b'=') else {
        return is_token(p);
    };
    let (name, value) = (trim(&p[..eq]), trim(&p[eq + 1..]));
    if !is_token(name) {
        return false;
    }
    match value {
        [b'"', inner @ .., b'"'] => {
            let mut unescaped = Vec::new();
            let mut bytes = inner.iter();
            while let Some(&b) = bytes.next() {
                match b {
                    b'\\' => match bytes.next() {
                        Some(&e) => unescaped.push(e),
                        None => return false,
                    },
                    b'"' => return false,
                    _ => unescaped.push(b),
                }
            }
            is_token(&unescaped)
        }
        _ => is_token(value),
    }
}
