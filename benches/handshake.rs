//! Parsing a browser's upgrade request and building the server's answer (RFC 6455 §4).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rfc6455::handshake::{AcceptResponse, ClientRequest, Limits, RequestParser, ResponseParser};
use rfc6455::Status;

/// What Chrome sends for `new WebSocket("wss://example.com/socket")`: about 500 bytes.
const CHROME: &[u8] = b"GET /socket HTTP/1.1\r\n\
Host: example.com\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: https://example.com\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: _ga=GA1.1.123456789.1700000000; session=3f9a1c2b7d\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

fn server(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");
    group.throughput(Throughput::Bytes(CHROME.len() as u64));
    group.bench_function("parse_chrome_request", |b| {
        b.iter(|| {
            let mut parser = RequestParser::new(Limits::default());
            let Ok(Status::Complete(request)) = parser.parse(black_box(CHROME)) else {
                panic!("the request is valid")
            };
            black_box(request.head_len());
        })
    });
    group.bench_function("parse_and_accept", |b| {
        let mut out = [0u8; 512];
        b.iter(|| {
            let mut parser = RequestParser::new(Limits::default());
            let Ok(Status::Complete(request)) = parser.parse(black_box(CHROME)) else {
                panic!("the request is valid")
            };
            let n = AcceptResponse::new(&request)
                .extensions(&["permessage-deflate"])
                .encode(&mut out)
                .unwrap();
            black_box(&out[..n]);
        })
    });
    group.finish();

    let mut parser = RequestParser::new(Limits::default());
    let Ok(Status::Complete(request)) = parser.parse(CHROME) else {
        panic!("the request is valid")
    };
    let mut out = [0u8; 512];
    c.bench_function("handshake/build_accept", |b| {
        b.iter(|| {
            let n = AcceptResponse::new(black_box(&request))
                .extensions(&["permessage-deflate"])
                .encode(&mut out)
                .unwrap();
            black_box(n);
        })
    });
}

fn client(c: &mut Criterion) {
    let offers = ["permessage-deflate; client_max_window_bits"];
    let request = ClientRequest::new("example.com", "/socket", *b"the sample nonce")
        .origin("https://example.com")
        .extensions(&offers);
    let mut out = [0u8; 512];
    c.bench_function("handshake/build_client_request", |b| {
        b.iter(|| black_box(black_box(&request).encode(&mut out).unwrap()))
    });
    let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
    c.bench_function("handshake/parse_response", |b| {
        b.iter(|| {
            let mut parser = ResponseParser::new(Limits::default());
            let status = parser.parse(black_box(response), &request).unwrap();
            black_box(status.is_partial());
        })
    });
}

/// A 16 KiB head delivered one byte per call: linear, so about 16 Ki times the cost of
/// one byte, not 16 Ki squared.
fn trickle(c: &mut Criterion) {
    let mut head = CHROME[..CHROME.len() - 2].to_vec();
    while head.len() < 16 * 1024 {
        head.extend_from_slice(b"X-Pad: ppppppppppppppppppppppppppppppppppppppppppppppp\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let limits = Limits::default().max_head_len(head.len()).max_headers(400);
    c.bench_function("handshake/trickle_16k_one_byte_per_call", |b| {
        b.iter(|| {
            let mut parser = RequestParser::<512>::with_capacity(limits);
            for end in 1..head.len() {
                black_box(parser.parse(&head[..end]).unwrap().is_partial());
            }
            black_box(parser.parse(&head).unwrap().is_partial());
        })
    });
}

criterion_group!(benches, server, client, trickle);
criterion_main!(benches);
