//! Server-side decoding of masked client frames through the public read API, next to
//! two baselines over the same bytes in the same run: a memcpy of the input, and a plain
//! u64-word unmask walk over the frames (the physical limit for in-place unmasking).
//!
//! Every iteration starts from a fresh copy of the masked input (unmasking is in place),
//! made outside the timed section.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rfc6455::connection::{Config, Connection, Event, MessageKind};
use std::hint::black_box;

struct Workload {
    name: &'static str,
    input: Vec<u8>,
    frames: u64,
    payload_bytes: u64,
}

fn keys() -> impl FnMut() -> [u8; 4] {
    let mut state = 0x9E37_79B9u32;
    move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state.to_le_bytes()
    }
}

fn encode_messages(
    kind: MessageKind,
    payload: &[u8],
    messages: usize,
    fragments: usize,
) -> Vec<u8> {
    let mut client = Connection::client(Config::default(), keys());
    let piece = payload.len() / fragments;
    let mut out = vec![0u8; (payload.len() + 14 * fragments) * messages];
    let mut at = 0;
    for _ in 0..messages {
        for (i, chunk) in payload.chunks(piece).enumerate() {
            at += client
                .send_fragment(kind, chunk, i + 1 == fragments, &mut out[at..])
                .unwrap();
        }
    }
    out.truncate(at);
    out
}

/// 1-, 2-, 3- and 4-byte UTF-8 mixed with ASCII, cut to exactly `len` bytes on a char boundary.
fn mixed_text(len: usize) -> Vec<u8> {
    let pattern = "The quick brown fox é ü ß Ωμέγα 中文字符 日本語 🎉🚀 jumps; ";
    let mut s = String::new();
    while s.len() < len {
        s.push_str(pattern);
    }
    let mut cut = len;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut bytes = s.as_bytes()[..cut].to_vec();
    bytes.resize(len, b' ');
    bytes
}

fn workloads() -> Vec<Workload> {
    let binary = |len: usize| vec![0xA5u8; len];
    let mut w = Vec::new();
    let mut add = |name, kind, payload: Vec<u8>, messages: usize, fragments: usize| {
        let input = encode_messages(kind, &payload, messages, fragments);
        w.push(Workload {
            name,
            input,
            frames: (messages * fragments) as u64,
            payload_bytes: (payload.len() * messages) as u64,
        });
    };
    add(
        "W1_1M_x_16B_binary",
        MessageKind::Binary,
        binary(16),
        1_000_000,
        1,
    );
    add(
        "W2_100k_x_1KiB_binary",
        MessageKind::Binary,
        binary(1024),
        100_000,
        1,
    );
    add(
        "W3_100_x_1MiB_binary",
        MessageKind::Binary,
        binary(1 << 20),
        100,
        1,
    );
    add(
        "W4_100k_x_1KiB_text",
        MessageKind::Text,
        mixed_text(1024),
        100_000,
        1,
    );
    add(
        "W5_1k_x_16x4KiB_fragments",
        MessageKind::Binary,
        binary(16 * 4096),
        1_000,
        16,
    );
    w
}

fn decode_all(buf: &mut [u8]) -> u64 {
    let config = Config::default().max_message_size(1 << 21);
    let mut conn = Connection::server(config);
    let mut at = 0;
    let mut total = 0u64;
    while at < buf.len() {
        let read = conn.read(&mut buf[at..]).expect("valid input");
        if let Some(Event::Data { payload, .. }) = read.event {
            total += payload.len() as u64;
        }
        at += read.consumed;
    }
    total
}

/// The physical limit: parse just enough of each header to find the payload, and
/// unmask it with a u64 loop.
fn u64_walk(buf: &mut [u8]) -> u64 {
    let mut at = 0;
    let mut total = 0u64;
    while at < buf.len() {
        let len7 = (buf[at + 1] & 0x7F) as usize;
        let (len, mut head) = match len7 {
            126 => (u16::from_be_bytes([buf[at + 2], buf[at + 3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(buf[at + 2..at + 10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n, 2),
        };
        let key: [u8; 4] = buf[at + head..at + head + 4].try_into().unwrap();
        head += 4;
        let payload = &mut buf[at + head..at + head + len];
        let word = u64::from_ne_bytes([
            key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
        ]);
        let mut chunks = payload.chunks_exact_mut(8);
        for c in &mut chunks {
            let v = u64::from_ne_bytes(c.try_into().unwrap()) ^ word;
            c.copy_from_slice(&v.to_ne_bytes());
        }
        for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
            *b ^= key[i & 3];
        }
        total += len as u64;
        at += head + len;
    }
    total
}

fn decode(c: &mut Criterion) {
    for w in workloads() {
        let mut group = c.benchmark_group(w.name);
        group.sample_size(10);
        group.throughput(if w.payload_bytes / w.frames <= 16 {
            Throughput::Elements(w.frames)
        } else {
            Throughput::Bytes(w.payload_bytes)
        });
        assert_eq!(decode_all(&mut w.input.clone()), w.payload_bytes);
        assert_eq!(u64_walk(&mut w.input.clone()), w.payload_bytes);
        let mut sink = vec![0u8; w.input.len()];
        group.bench_function("memcpy", |b| {
            b.iter(|| sink.copy_from_slice(black_box(&w.input)))
        });
        group.bench_function("u64_walk", |b| {
            b.iter_batched_ref(
                || w.input.clone(),
                |buf| u64_walk(black_box(buf)),
                BatchSize::PerIteration,
            )
        });
        group.bench_function("rfc6455", |b| {
            b.iter_batched_ref(
                || w.input.clone(),
                |buf| decode_all(black_box(buf)),
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
