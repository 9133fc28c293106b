//! Properties of the opening handshake: what a client builds, a server parses back
//! unchanged (RFC 6455 §4.1, §4.2.1, §9.1), and how the bytes are split never changes
//! the result.

use proptest::collection::vec;
use proptest::prelude::*;
use rfc6455::handshake::{
    AcceptResponse, ClientRequest, HandshakeResponse, Limits, RequestParser, ResponseParser,
};
use rfc6455::Status;

/// An extension name and its parameters: (name, value, value is quoted).
type Offer = (String, Vec<(String, Option<(String, bool)>)>);

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

/// One extension offer: a name and parameters, each with no value, a token value or a
/// quoted value.
fn extension() -> impl Strategy<Value = Offer> {
    (
        token(),
        vec((token(), prop::option::of((token(), any::<bool>()))), 0..4),
    )
}

fn render(ext: &Offer) -> String {
    let mut out = ext.0.clone();
    for (name, value) in &ext.1 {
        out.push_str("; ");
        out.push_str(name);
        match value {
            Some((v, true)) => out.push_str(&format!("=\"{v}\"")),
            Some((v, false)) => out.push_str(&format!("={v}")),
            None => {}
        }
    }
    out
}

/// Extra headers whose names cannot collide with the ones the handshake manages.
fn extra_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(
        (
            "X-[A-Za-z0-9-]{1,10}",
            "([!-~]([ \t!-~\u{80}-\u{ff}]{0,30}[!-~])?)?",
        ),
        0..8,
    )
}

fn unique(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|p| seen.insert(p.clone()));
    v
}

proptest! {
    #[test]
    fn build_then_parse_round_trips(
        protocols in vec(token(), 0..6).prop_map(unique),
        extensions in vec(extension(), 0..4),
        headers in extra_headers(),
        path in "/[a-z0-9/._~-]{0,20}",
        query in prop::option::of("[a-z0-9=&%]{0,20}"),
        nonce in any::<[u8; 16]>(),
        origin in prop::option::of("https?://[a-z]{1,10}\\.example(:[0-9]{1,4})?"),
    ) {
        let resource = match &query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let protocol_refs: Vec<&str> = protocols.iter().map(String::as_str).collect();
        let rendered: Vec<String> = extensions.iter().map(render).collect();
        let extension_refs: Vec<&str> = rendered.iter().map(String::as_str).collect();
        let header_refs: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut request = ClientRequest::new("server.example.com:9001", &resource, nonce)
            .protocols(&protocol_refs)
            .extensions(&extension_refs)
            .headers(&header_refs);
        if let Some(o) = &origin {
            request = request.origin(o);
        }
        let mut wire = vec![0u8; request.encoded_len()];
        let n = request.encode(&mut wire).unwrap();
        prop_assert_eq!(n, wire.len());

        let mut parser = RequestParser::new(Limits::default());
        let Status::Complete(parsed) = parser.parse(&wire).unwrap() else {
            panic!("partial")
        };
        prop_assert_eq!(parsed.head_len(), n);
        prop_assert_eq!(parsed.path(), path.as_str());
        prop_assert_eq!(parsed.query(), query.as_deref());
        prop_assert_eq!(parsed.host(), "server.example.com:9001");
        prop_assert_eq!(parsed.origin(), origin.as_deref());
        let key = request.key();
        prop_assert_eq!(parsed.key(), key.as_str());
        prop_assert_eq!(parsed.protocols().collect::<Vec<_>>(), protocol_refs.clone());
        let got: Vec<_> = parsed
            .extensions()
            .map(|e| {
                let params: Vec<_> = e
                    .params()
                    .map(|p| (p.name.to_string(), p.value.map(|v| v.to_string())))
                    .collect();
                (e.name().to_string(), params)
            })
            .collect();
        let want: Vec<_> = extensions
            .iter()
            .map(|(name, params)| {
                let params: Vec<_> = params
                    .iter()
                    .map(|(n, v)| (n.clone(), v.as_ref().map(|(v, _)| v.clone())))
                    .collect();
                (name.clone(), params)
            })
            .collect();
        prop_assert_eq!(got, want);
        for (name, value) in &headers {
            prop_assert!(parsed
                .headers()
                .get_all(name)
                .any(|v| v == value.as_bytes()));
        }

        // The server accepts the last offered protocol and every other extension, each
        // name once (an offer may name one twice, an answer may not); the client takes
        // that answer.
        let chosen = protocol_refs.last().copied();
        let mut names_taken = Vec::new();
        let picked: Vec<usize> = (0..extensions.len())
            .step_by(2)
            .filter(|&i| {
                let name = extensions[i].0.to_ascii_lowercase();
                let fresh = !names_taken.contains(&name);
                names_taken.push(name);
                fresh
            })
            .collect();
        let accepted: Vec<&str> = picked.iter().map(|&i| extension_refs[i]).collect();
        let mut answer = AcceptResponse::new(&parsed).extensions(&accepted);
        if let Some(p) = chosen {
            answer = answer.protocol(p);
        }
        let mut reply = vec![0u8; answer.encoded_len() + 3];
        let m = answer.encode(&mut reply).unwrap();
        reply[m..].copy_from_slice(b"\x8a\x00!");
        let mut client = ResponseParser::new(Limits::default());
        let Status::Complete(HandshakeResponse::Accepted(done)) = client.parse(&reply, &request).unwrap()
        else {
            panic!("not accepted")
        };
        prop_assert_eq!(done.protocol(), chosen);
        let names: Vec<&str> = done.extensions().map(|e| e.name()).collect();
        let want: Vec<&str> = picked.iter().map(|&i| extensions[i].0.as_str()).collect();
        prop_assert_eq!(names, want);
        prop_assert_eq!(&reply[done.head_len()..], b"\x8a\x00!");
    }

    #[test]
    fn any_split_gives_the_same_request(
        headers in extra_headers(),
        cuts in vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let header_refs: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let request = ClientRequest::new("h.example", "/a?b", [5; 16]).headers(&header_refs);
        let mut wire = vec![0u8; request.encoded_len()];
        request.encode(&mut wire).unwrap();
        wire.extend_from_slice(b"\x81\x00");
        let head_len = wire.len() - 2;

        let mut whole = RequestParser::new(Limits::default());
        let expected = whole.parse(&wire).unwrap();

        let mut ends: Vec<usize> = cuts.iter().map(|c| c.index(wire.len())).collect();
        ends.sort_unstable();
        let mut parser = RequestParser::new(Limits::default());
        for end in ends {
            let status = parser.parse(&wire[..end]).unwrap();
            prop_assert_eq!(status.is_partial(), end < head_len, "at {}", end);
        }
        prop_assert_eq!(parser.parse(&wire).unwrap(), expected);
        prop_assert!(parser.bytes_scanned() <= 2 * head_len);
    }

    /// Arbitrary bytes, fed whole or in pieces, give the same outcome: the same request,
    /// the same error, or `Partial` (the h11 fuzz invariant).
    #[test]
    fn any_input_any_split_same_outcome(
        prefix in prop::sample::select(vec![
            &b""[..],
            b"GET / HTTP/1.1\r\n",
            b"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
        ]),
        tail in vec(prop::sample::select(vec![
            b'a', b' ', b':', b'\r', b'\n', b'\t', b'\0', b',', b';', b'"', b'=', 0xe9,
        ]), 0..64),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&tail);
        bytes.extend_from_slice(b"\r\n\r\n");
        let mut whole = RequestParser::new(Limits::default());
        let expected = format!("{:?}", whole.parse(&bytes));
        let mut parser = RequestParser::new(Limits::default());
        let first = parser.parse(&bytes[..cut.index(bytes.len())]);
        if let Err(err) = first {
            prop_assert_eq!(format!("{:?}", Err::<(), _>(err)), expected);
        } else {
            prop_assert_eq!(format!("{:?}", parser.parse(&bytes)), expected);
        }
    }

    #[test]
    fn any_split_gives_the_same_response(
        cut in any::<prop::sample::Index>(),
        status in prop::sample::select(vec![101u16, 200, 301, 401, 403, 500]),
    ) {
        let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
        let bytes = format!(
            "HTTP/1.1 {status} X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x01\x02"
        )
        .into_bytes();
        let head_len = bytes.len() - 2;
        let mut whole = ResponseParser::new(Limits::default());
        let expected = whole.parse(&bytes, &request).unwrap();
        let end = cut.index(bytes.len());
        let mut parser = ResponseParser::new(Limits::default());
        prop_assert_eq!(parser.parse(&bytes[..end], &request).unwrap().is_partial(), end < head_len);
        prop_assert_eq!(parser.parse(&bytes, &request).unwrap(), expected);
    }
}
