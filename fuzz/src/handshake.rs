//! Drivers for the handshake targets: both parsers fed whole, a byte at a time and in
//! pieces cut at every CR, with owned summaries of what they returned so the three can
//! be compared.

use rfc6455::handshake::{
    AcceptResponse, ClientRequest, HandshakeRequest, HandshakeResponse, Headers, Limits,
    RequestError, RequestParser, ResponseError, ResponseParser, WebSocketKey,
};
use rfc6455::Status;

/// Header fields as `(name, value)` pairs, in arrival order.
pub type Fields = Vec<(String, Vec<u8>)>;

/// An accepted request, copied out of the buffer it borrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRequest {
    pub target: String,
    pub path: String,
    pub query: Option<String>,
    pub host: String,
    pub key: String,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub extensions: Vec<String>,
    pub headers: Fields,
    pub head_len: usize,
}

impl OwnedRequest {
    fn new(r: &HandshakeRequest<'_>) -> Self {
        OwnedRequest {
            target: r.target().into(),
            path: r.path().into(),
            query: r.query().map(Into::into),
            host: r.host().into(),
            key: r.key().into(),
            origin: r.origin().map(Into::into),
            protocols: r.protocols().map(Into::into).collect(),
            extensions: r.extensions().map(|e| e.name().into()).collect(),
            headers: fields(r.headers()),
            head_len: r.head_len(),
        }
    }
}

fn fields(headers: Headers<'_>) -> Fields {
    headers
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_vec()))
        .collect()
}

/// Where the pieces end when a head is fed in chunks: just before every CR, so that
/// CRLF pairs and the blank line are split in every way the fuzzer can place them.
fn cr_cuts(data: &[u8]) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..data.len()).filter(|&i| data[i] == b'\r').collect();
    cuts.push(data.len());
    cuts
}

/// Feeds growing prefixes ending at `cuts` to one parser, the way a server reading a
/// socket does, and returns the first answer that is not Partial, with the number of
/// bytes the parser examined in all.
fn request_by_prefixes(
    data: &[u8],
    cuts: &[usize],
) -> (Result<Status<OwnedRequest>, RequestError>, usize) {
    let mut parser = RequestParser::new(Limits::default());
    let mut last = Ok(Status::Partial);
    for &end in cuts {
        last = parser.parse(&data[..end]).map(|s| {
            s.complete()
                .map_or(Status::Partial, |r| Status::Complete(OwnedRequest::new(&r)))
        });
        if !matches!(last, Ok(Status::Partial)) {
            break;
        }
    }
    (last, parser.bytes_scanned())
}

/// Parses `data` as a request whole, a byte at a time and cut at every CR; asserts they
/// agree, that trickled bytes cost linear work, and that errors and acceptances are
/// sound.
pub fn check_request(data: &[u8]) {
    let (whole, _) = request_by_prefixes(data, &[data.len()]);
    let every: Vec<usize> = (1..=data.len()).collect();
    let (bytewise, scanned) = request_by_prefixes(data, &every);
    assert_eq!(whole, bytewise, "whole and byte at a time disagree");
    // The CVE-2023-43669 class: a head trickled in byte by byte must not be rescanned
    // from the start on every call.
    assert!(
        scanned <= 2 * data.len(),
        "{scanned} bytes examined for {} bytes of input",
        data.len()
    );
    let (cut, _) = request_by_prefixes(data, &cr_cuts(data));
    assert_eq!(whole, cut, "whole and cut at CRs disagree");
    match &whole {
        Ok(Status::Partial) => assert!(!contains(data, b"\r\n\r\n")),
        Ok(Status::Complete(r)) => accepted_request(data, r),
        Err(e) => {
            assert!([400, 403, 426, 431, 505].contains(&e.status()), "{e:?}");
            let rejection = e.rejection();
            let mut out = vec![0u8; rejection.encoded_len()];
            let n = rejection.encode(&mut out).expect("sized by encoded_len");
            assert_eq!(n, out.len());
            assert!(out.starts_with(format!("HTTP/1.1 {} ", e.status()).as_bytes()));
        }
    }
}

fn accepted_request(data: &[u8], r: &OwnedRequest) {
    assert!(r.head_len <= data.len());
    assert!(data[..r.head_len].ends_with(b"\r\n\r\n"));
    assert!(r.path.starts_with('/'));
    assert_eq!(r.key.len(), 24);
    // Bytes after the head belong to the frame layer and must not change the answer.
    let mut parser = RequestParser::new(Limits::default());
    let Ok(Status::Complete(request)) = parser.parse(&data[..r.head_len]) else {
        panic!("the head alone was not accepted");
    };
    assert_eq!(&OwnedRequest::new(&request), r);
    answer_round_trip(&request);
}

/// The server's 101 for an accepted request must satisfy a client that sent it: build
/// it with the first offered subprotocol and extension, and read it back.
fn answer_round_trip(request: &HandshakeRequest<'_>) {
    let Some(nonce) = decode_key(request.key()) else {
        // A key with non-zero trailing bits is accepted (§4.2.1 only asks for 16
        // bytes) but no client nonce encodes to it.
        return;
    };
    let protocol: Vec<&str> = request.protocols().take(1).collect();
    let extension: Vec<&str> = request.extensions().take(1).map(|e| e.name()).collect();
    let mut answer = AcceptResponse::new(request).extensions(&extension);
    if let Some(p) = protocol.first() {
        answer = answer.protocol(p);
    }
    let mut out = vec![0u8; answer.encoded_len()];
    let n = answer
        .encode(&mut out)
        .expect("a selection taken from the offer");
    let client = ClientRequest::new("h", "/", nonce)
        .protocols(&protocol)
        .extensions(&extension);
    let mut parser = ResponseParser::new(Limits::default());
    match parser.parse(&out[..n], &client) {
        Ok(Status::Complete(HandshakeResponse::Accepted(a))) => {
            assert_eq!(a.protocol(), protocol.first().copied());
            assert_eq!(a.head_len(), n);
        }
        other => panic!("our own 101 was refused: {other:?}"),
    }
}

/// The 16-byte nonce behind a canonical base64 key.
fn decode_key(key: &str) -> Option<[u8; 16]> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digits = key.as_bytes().strip_suffix(b"==")?;
    let (&last, first) = digits.split_last()?;
    let value = |c: u8| ALPHABET.iter().position(|&a| a == c).map(|v| v as u128);
    let mut bits: u128 = 0;
    for &c in first {
        bits = bits << 6 | value(c)?;
    }
    // 22 digits carry 132 bits: the nonce, then four padding bits that a client's
    // encoder leaves at zero.
    bits = bits << 2 | value(last)? >> 4;
    let nonce = bits.to_be_bytes();
    (WebSocketKey::from_nonce(&nonce).as_str() == key).then_some(nonce)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What the client made of a response, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedResponse {
    Accepted {
        protocol: Option<String>,
        extensions: Vec<String>,
        headers: Fields,
        head_len: usize,
    },
    Rejected {
        status: u16,
        reason: Vec<u8>,
        headers: Fields,
        head_len: usize,
    },
}

fn own_response(r: &HandshakeResponse<'_>) -> OwnedResponse {
    match r {
        HandshakeResponse::Accepted(a) => OwnedResponse::Accepted {
            protocol: a.protocol().map(Into::into),
            extensions: a.extensions().map(|e| e.name().into()).collect(),
            headers: fields(a.headers()),
            head_len: a.head_len(),
        },
        HandshakeResponse::Rejected(r) => OwnedResponse::Rejected {
            status: r.status(),
            reason: r.reason().to_vec(),
            headers: fields(r.headers()),
            head_len: r.head_len(),
        },
    }
}

fn response_by_prefixes(
    data: &[u8],
    cuts: &[usize],
    request: &ClientRequest<'_>,
) -> (Result<Status<OwnedResponse>, ResponseError>, usize) {
    let mut parser = ResponseParser::new(Limits::default());
    let mut last = Ok(Status::Partial);
    for &end in cuts {
        last = parser.parse(&data[..end], request).map(|s| {
            s.complete()
                .map_or(Status::Partial, |r| Status::Complete(own_response(&r)))
        });
        if !matches!(last, Ok(Status::Partial)) {
            break;
        }
    }
    (last, parser.bytes_scanned())
}

/// The response counterpart of [`check_request`], against the request `request`.
pub fn check_response(data: &[u8], request: &ClientRequest<'_>, offered: &[&str]) {
    let (whole, _) = response_by_prefixes(data, &[data.len()], request);
    let every: Vec<usize> = (1..=data.len()).collect();
    let (bytewise, scanned) = response_by_prefixes(data, &every, request);
    assert_eq!(whole, bytewise, "whole and byte at a time disagree");
    assert!(
        scanned <= 2 * data.len(),
        "{scanned} examined for {}",
        data.len()
    );
    let (cut, _) = response_by_prefixes(data, &cr_cuts(data), request);
    assert_eq!(whole, cut, "whole and cut at CRs disagree");
    match whole {
        Ok(Status::Partial) => assert!(!contains(data, b"\r\n\r\n")),
        Ok(Status::Complete(OwnedResponse::Accepted {
            protocol, head_len, ..
        })) => {
            assert!(data[..head_len].ends_with(b"\r\n\r\n"));
            // §4.1 step 6: only a subprotocol the client offered may come back.
            assert!(protocol.is_none_or(|p| offered.contains(&p.as_str())));
            let accept = request.key().accept();
            assert!(contains(&data[..head_len], accept.as_bytes()));
        }
        Ok(Status::Complete(OwnedResponse::Rejected {
            status, head_len, ..
        })) => {
            assert!(data[..head_len].ends_with(b"\r\n\r\n"));
            assert!((100..=999).contains(&status) && status != 101);
        }
        Err(_) => {}
    }
}
