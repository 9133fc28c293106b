//! W1–W5 of `benches/decode.rs` encoded (the send path) by rfc6455 and its peers in one
//! run: as a client, masking, and as a server, next to copy baselines.
//!
//! The payloads are recovered from the decode bench's input, so both benches carry the
//! same bytes. Every implementation writes every frame of the workload back to back
//! into one output buffer, allocated once per workload and reused by every iteration,
//! so none of them is timed growing or faulting in its output.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rfc6455::connection::{Config, Connection, Event, MessageKind};
use rfc6455::{DeterministicKeys, MaskKeySource};
use std::hint::black_box;
use std::io;

use rfc6455_testkit::workloads::{workloads, Workload, SEED};

/// Largest message in any workload is 1 MiB; the checking decoder gets room above that.
const MAX_MESSAGE: u64 = rfc6455_testkit::workloads::MAX_MESSAGE as u64;

fn keys() -> DeterministicKeys {
    DeterministicKeys::sequence(SEED)
}

/// One message's frames, sent `messages` times.
struct Plan {
    kind: MessageKind,
    pieces: Vec<Vec<u8>>,
    /// The single piece of a text message as `&str`, for the APIs that take text so.
    text: Option<String>,
    /// The pieces as tungstenite takes them; cloning one is a reference count.
    bytes: Vec<tungstenite::Bytes>,
    /// Each piece's server header length: where the baselines leave a gap, so they
    /// write to the same addresses as the encoders.
    heads: Vec<usize>,
    messages: usize,
}

impl Plan {
    /// Reads the first message back out of the decode bench's input.
    fn new(w: &Workload) -> Plan {
        let fragments = (w.frames / w.messages) as usize;
        let mut input = w.input.clone();
        let mut server = Connection::server(Config::default().max_message_size(MAX_MESSAGE));
        let (mut kind, mut pieces, mut piece) = (MessageKind::Binary, Vec::new(), Vec::new());
        let mut at = 0;
        while pieces.len() < fragments {
            let read = server.read(&mut input[at..]).expect("valid input");
            if let Some(Event::Data {
                kind: k,
                payload,
                frame_finished,
                ..
            }) = read.event
            {
                kind = k;
                piece.extend_from_slice(payload);
                if frame_finished {
                    pieces.push(std::mem::take(&mut piece));
                }
            }
            at += read.consumed;
        }
        let text = (kind == MessageKind::Text && fragments == 1)
            .then(|| String::from_utf8(pieces[0].clone()).expect("text"));
        let bytes = pieces
            .iter()
            .map(|p| tungstenite::Bytes::from(p.clone()))
            .collect();
        let heads = pieces
            .iter()
            .map(|p| Connection::server(Config::default()).header_len(p.len()))
            .collect();
        Plan {
            kind,
            pieces,
            text,
            bytes,
            heads,
            messages: w.messages as usize,
        }
    }

    /// Every frame in sending order: its piece's index, payload, and whether it ends
    /// its message.
    fn frames(&self) -> impl Iterator<Item = (usize, &[u8], bool)> {
        let last = self.pieces.len() - 1;
        (0..self.messages).flat_map(move |_| {
            self.pieces
                .iter()
                .enumerate()
                .map(move |(i, p)| (i, p.as_slice(), i == last))
        })
    }

    fn payload(&self) -> Vec<u8> {
        self.pieces.concat().repeat(self.messages)
    }
}

/// Whole messages through `send_text`/`send_binary`, fragments through `send_fragment`;
/// a client masks with `K`.
fn rfc6455<K: MaskKeySource>(mut conn: Connection<K>, p: &Plan, out: &mut [u8]) -> usize {
    let mut at = 0;
    if p.pieces.len() == 1 {
        for _ in 0..p.messages {
            let n = match &p.text {
                Some(text) => conn.send_text(text, &mut out[at..]),
                None => conn.send_binary(&p.pieces[0], &mut out[at..]),
            };
            at += n.expect("room");
        }
    } else {
        for (_, piece, last) in p.frames() {
            at += conn
                .send_fragment(p.kind, piece, last, &mut out[at..])
                .expect("room");
        }
    }
    at
}

/// The zero-copy server path: only the headers are written, back to back; each payload
/// would go out from where it lies, in the same vectored write as its header.
fn rfc6455_header_only(p: &Plan, out: &mut [u8]) -> usize {
    let mut conn = Connection::server(Config::default());
    let mut at = 0;
    for (_, piece, last) in p.frames() {
        at += conn
            .send_header(p.kind, piece, last, &mut out[at..])
            .expect("room");
    }
    at
}

/// websocket-sans-io's `WebsocketFrameEncoder` gives a header and masks in place; the
/// payload is copied into the output first.
fn websocket_sans_io(p: &Plan, out: &mut [u8], mut keys: Option<DeterministicKeys>) -> usize {
    use websocket_sans_io::{FrameInfo, Opcode, WebsocketFrameEncoder};
    let first = match p.kind {
        MessageKind::Text => Opcode::Text,
        MessageKind::Binary => Opcode::Binary,
    };
    let mut encoder = WebsocketFrameEncoder::new();
    let mut at = 0;
    for (i, piece, last) in p.frames() {
        let head = encoder.start_frame(&FrameInfo {
            opcode: if i == 0 { first } else { Opcode::Continuation },
            payload_length: piece.len() as u64,
            mask: keys.as_mut().map(MaskKeySource::next_mask_key),
            fin: last,
            reserved: 0,
        });
        out[at..at + head.len()].copy_from_slice(&head);
        at += head.len();
        let payload = &mut out[at..at + piece.len()];
        payload.copy_from_slice(piece);
        encoder.transform_frame_payload(payload);
        at += piece.len();
    }
    at
}

/// fastwebsockets' `Frame::write` always writes at the start of its `Vec`, so frames go
/// out through what it is made of: `fmt_head` at the frame's offset, the payload copied
/// after it, and the client's payload masked with the crate's own `unmask`. Its
/// `WebSocket::write_frame` would instead copy a borrowed payload into a new `Vec` to
/// mask it.
fn fastwebsockets(p: &Plan, out: &mut [u8], mut keys: Option<DeterministicKeys>) -> usize {
    use fastwebsockets::{Frame, OpCode, Payload};
    let first = match p.kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    };
    let mut at = 0;
    for (i, piece, last) in p.frames() {
        let opcode = if i == 0 { first } else { OpCode::Continuation };
        let mask = keys.as_mut().map(MaskKeySource::next_mask_key);
        let mut frame = Frame::new(last, opcode, mask, Payload::Borrowed(piece));
        at += frame.fmt_head(&mut out[at..]);
        let payload = &mut out[at..at + piece.len()];
        payload.copy_from_slice(piece);
        if let Some(key) = mask {
            fastwebsockets::unmask(payload, key);
        }
        at += piece.len();
    }
    at
}

/// tungstenite's message write path: `WebSocket::write` formats each frame into its
/// write buffer and hands the buffer to the stream once it holds 128 KiB, so the payload
/// is copied twice. Fragments go as `Message::Frame`. A client's masks come from
/// `rand`, which its API does not let the caller replace.
fn tungstenite(p: &Plan, out: &mut [u8], role: tungstenite::protocol::Role) -> usize {
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    use tungstenite::protocol::frame::{Frame, Utf8Bytes};
    use tungstenite::protocol::WebSocket;
    use tungstenite::Message;
    let mut ws = WebSocket::from_raw_socket(SliceSink { out, at: 0 }, role, None);
    if p.pieces.len() == 1 {
        let text = p.text.as_ref().map(|t| Utf8Bytes::from(t.clone()));
        for _ in 0..p.messages {
            let message = match &text {
                Some(t) => Message::Text(t.clone()),
                None => Message::Binary(p.bytes[0].clone()),
            };
            ws.write(message).expect("room");
        }
    } else {
        let first = match p.kind {
            MessageKind::Text => Data::Text,
            MessageKind::Binary => Data::Binary,
        };
        for (i, _, last) in p.frames() {
            let opcode = OpCode::Data(if i == 0 { first } else { Data::Continue });
            let frame = Frame::message(p.bytes[i].clone(), opcode, last);
            ws.write(Message::Frame(frame)).expect("room");
        }
    }
    ws.flush().expect("room");
    ws.get_ref().at
}

/// The stream tungstenite writes to: the output buffer. Nothing is ever read.
struct SliceSink<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl io::Read for SliceSink<'_> {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

impl io::Write for SliceSink<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.out[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The payloads alone, one copy per frame, each where its frame's payload goes: after
/// a gap of the server's header length plus `key_len`. Packed back to back instead, the
/// 1 KiB copies of W2 ran slower than the encoders' own copies.
fn memcpy(p: &Plan, out: &mut [u8], key_len: usize) -> usize {
    let mut at = 0;
    for (i, piece, _) in p.frames() {
        at += p.heads[i] + key_len;
        out[at..at + piece.len()].copy_from_slice(piece);
        at += piece.len();
    }
    at
}

/// The payloads copied and masked in one pass, eight bytes at a time, with a key per
/// frame from the same source as the client encoders, at the client's payload offsets:
/// the least a masking client does.
fn memcpy_xor(p: &Plan, out: &mut [u8]) -> usize {
    let mut keys = keys();
    let mut at = 0;
    for (i, piece, _) in p.frames() {
        at += p.heads[i] + 4;
        let key = keys.next_mask_key();
        let word = u64::from_ne_bytes([
            key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
        ]);
        let dst = &mut out[at..at + piece.len()];
        let mut d = dst.chunks_exact_mut(8);
        let mut s = piece.chunks_exact(8);
        for (d, s) in (&mut d).zip(&mut s) {
            let v = u64::from_ne_bytes(s.try_into().unwrap()) ^ word;
            d.copy_from_slice(&v.to_ne_bytes());
        }
        for (i, (d, s)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
            *d = s ^ key[i & 3];
        }
        at += piece.len();
    }
    at
}

/// Decodes `wire` once with rfc6455 and returns the frames and the payload bytes seen,
/// so an encoder that wrote something else cannot pass.
fn decode<K: MaskKeySource>(mut conn: Connection<K>, wire: &[u8]) -> (u64, Vec<u8>) {
    let mut wire = wire.to_vec();
    let (mut frames, mut payload) = (0, Vec::new());
    let mut at = 0;
    while at < wire.len() {
        let read = conn.read(&mut wire[at..]).expect("valid frames");
        assert!(read.consumed > 0, "truncated frame");
        if let Some(Event::Data {
            payload: piece,
            frame_finished,
            ..
        }) = read.event
        {
            payload.extend_from_slice(piece);
            frames += u64::from(frame_finished);
        }
        at += read.consumed;
    }
    (frames, payload)
}

type Encoder<'a> = Box<dyn Fn(&mut [u8]) -> usize + 'a>;

fn encode(c: &mut Criterion) {
    use tungstenite::protocol::Role;
    let config = || Config::default().max_message_size(MAX_MESSAGE);
    for w in workloads() {
        let p = Plan::new(&w);
        let payload = p.payload();
        // The client's frames are the larger, so this holds either role's output.
        let mut out = vec![0u8; w.input.len()];

        let client: [(&str, Encoder); 6] = [
            ("memcpy", Box::new(|o| memcpy(&p, o, 4))),
            ("memcpy+xor", Box::new(|o| memcpy_xor(&p, o))),
            (
                "rfc6455",
                Box::new(|o| rfc6455(Connection::client(Config::default(), keys()), &p, o)),
            ),
            (
                "websocket-sans-io",
                Box::new(|o| websocket_sans_io(&p, o, Some(keys()))),
            ),
            (
                "tungstenite",
                Box::new(|o| tungstenite(&p, o, Role::Client)),
            ),
            (
                "fastwebsockets",
                Box::new(|o| fastwebsockets(&p, o, Some(keys()))),
            ),
        ];
        for (name, enc) in &client[2..] {
            let n = enc(&mut out);
            let wire = &out[..n];
            if *name == "tungstenite" {
                // Its own random masks: equal once unmasked.
                let (frames, seen) = decode(Connection::server(config()), wire);
                assert_eq!(frames, w.frames, "{name} client on {}", w.name);
                assert!(seen == payload, "{name} client payload on {}", w.name);
            } else {
                assert!(wire == w.input, "{name} client bytes on {}", w.name);
            }
        }

        let server: [(&str, Encoder); 6] = [
            ("memcpy", Box::new(|o| memcpy(&p, o, 0))),
            (
                "rfc6455",
                Box::new(|o| rfc6455(Connection::server(Config::default()), &p, o)),
            ),
            (
                "rfc6455_header_only",
                Box::new(|o| rfc6455_header_only(&p, o)),
            ),
            (
                "websocket-sans-io",
                Box::new(|o| websocket_sans_io(&p, o, None)),
            ),
            (
                "tungstenite",
                Box::new(|o| tungstenite(&p, o, Role::Server)),
            ),
            ("fastwebsockets", Box::new(|o| fastwebsockets(&p, o, None))),
        ];
        let n = server[1].1(&mut out);
        let reference = out[..n].to_vec();
        let (frames, seen) = decode(
            Connection::client(config(), DeterministicKeys::default()),
            &reference,
        );
        assert_eq!(frames, w.frames, "rfc6455 server on {}", w.name);
        assert!(seen == payload, "rfc6455 server payload on {}", w.name);
        let n = rfc6455_header_only(&p, &mut out);
        let mut joined = Vec::with_capacity(reference.len());
        let mut heads = out[..n].iter();
        for (_, piece, _) in p.frames() {
            let head_len = Connection::server(Config::default()).header_len(piece.len());
            joined.extend((&mut heads).take(head_len));
            joined.extend_from_slice(piece);
        }
        assert!(joined == reference, "rfc6455 headers on {}", w.name);
        for (name, enc) in &server[3..] {
            let n = enc(&mut out);
            assert!(out[..n] == reference, "{name} server bytes on {}", w.name);
        }

        for (role, encoders) in [("client", &client), ("server", &server)] {
            let mut group = c.benchmark_group(format!("encode_{role}_{}", w.name));
            group.sample_size(10);
            group.throughput(Throughput::Bytes(w.payload_bytes));
            for (name, enc) in encoders {
                group.bench_function(*name, |b| b.iter(|| enc(black_box(&mut out))));
            }
            group.finish();
        }
    }
}

criterion_group!(benches, encode);
criterion_main!(benches);
