//! Server-side decoding of masked client frames through the public read API, next to
//! two baselines over the same bytes in the same run: a memcpy of the input, and a plain
//! u64-word unmask walk over the frames (the physical limit for in-place unmasking).
//!
//! Every iteration starts from a fresh copy of the masked input (unmasking is in place),
//! made outside the timed section.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rfc6455::connection::{Config, Connection, Event};
use std::hint::black_box;

use rfc6455_testkit::u64_walk;
use rfc6455_testkit::workloads::{decode_all, workloads, MAX_MESSAGE};

/// Messages in a workload, checked once before timing.
fn count_messages(buf: &mut [u8]) -> u64 {
    let mut conn = Connection::server(Config::default().max_message_size(MAX_MESSAGE as u64));
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

/// The walk, and with `validate` text payloads through `simdutf8` right after: the
/// least a decoder that checks text can do.
fn walk(buf: &mut [u8], validate: bool) -> u64 {
    u64_walk(buf, |first_byte, payload| {
        if validate && first_byte & 0x0F == 1 {
            assert!(simdutf8::basic::from_utf8(payload).is_ok());
        }
    })
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
        assert_eq!(walk(&mut w.input.clone(), false), w.payload_bytes);
        let mut sink = vec![0u8; w.input.len()];
        group.bench_function("memcpy", |b| {
            b.iter(|| sink.copy_from_slice(black_box(&w.input)))
        });
        group.bench_function("u64_walk", |b| {
            b.iter_batched_ref(
                || w.input.clone(),
                |buf| walk(black_box(buf), false),
                BatchSize::PerIteration,
            )
        });
        if w.name.contains("text") {
            group.bench_function("u64_walk_utf8", |b| {
                b.iter_batched_ref(
                    || w.input.clone(),
                    |buf| walk(black_box(buf), true),
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
