//! Server-side decoding of masked client frames through the public read API, next to
//! two baselines over the same bytes in the same run: a memcpy of the input, and a plain
//! u64-word unmask walk over the frames (the physical limit for in-place unmasking).
//!
//! Every iteration starts from a fresh copy of the masked input (unmasking is in place),
//! made outside the timed section.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rfc6455::connection::{Config, Connection, Event};
use std::hint::black_box;

#[path = "common/workloads.rs"]
mod workloads;

use workloads::workloads;

/// The timed loop: what a caller that only looks at payloads does, like the walk.
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

/// Messages in a workload, checked once before timing.
fn count_messages(buf: &mut [u8]) -> u64 {
    let mut conn = Connection::server(Config::default().max_message_size(1 << 21));
    let (mut at, mut messages) = (0, 0);
    while at < buf.len() {
        let read = conn.read(&mut buf[at..]).expect("valid input");
        if let Some(Event::Data {
            message_finished: true,
            ..
        }) = read.event
        {
            messages += 1;
        }
        at += read.consumed;
    }
    messages
}

/// The physical limit: parse just enough of each header to find the payload, and
/// unmask it with a u64 loop. With `validate`, text payloads also go through
/// `simdutf8` right after, the least a decoder that checks text can do.
fn u64_walk(buf: &mut [u8], validate: bool) -> u64 {
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
        if validate && buf[at] & 0x0F == 1 {
            let text = &buf[at + head..at + head + len];
            assert!(simdutf8::basic::from_utf8(text).is_ok());
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
        assert_eq!(count_messages(&mut w.input.clone()), w.messages);
        assert_eq!(u64_walk(&mut w.input.clone(), false), w.payload_bytes);
        let mut sink = vec![0u8; w.input.len()];
        group.bench_function("memcpy", |b| {
            b.iter(|| sink.copy_from_slice(black_box(&w.input)))
        });
        group.bench_function("u64_walk", |b| {
            b.iter_batched_ref(
                || w.input.clone(),
                |buf| u64_walk(black_box(buf), false),
                BatchSize::PerIteration,
            )
        });
        if w.name.contains("text") {
            group.bench_function("u64_walk_utf8", |b| {
                b.iter_batched_ref(
                    || w.input.clone(),
                    |buf| u64_walk(black_box(buf), true),
                    BatchSize::PerIteration,
                )
            });
        }
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
