//! Frame codec baselines: header decode of tiny frames, and unmasking next to a plain
//! byte loop and a u64-word loop over the same bytes, so ratios come from one run.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rfc6455::frame::{apply_mask, FrameHeader};
use rfc6455::Status;
use rfc6455_testkit::u64_unmask;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn byte_loop(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

fn unmask(c: &mut Criterion) {
    for size in [1024usize, 1 << 20] {
        let mut group = c.benchmark_group(format!("unmask/{size}"));
        group.throughput(Throughput::Bytes(size as u64));
        let mut buf = vec![0x5Au8; size];
        group.bench_function("apply_mask", |b| {
            b.iter(|| apply_mask(black_box(&mut buf), KEY, 0))
        });
        group.bench_function("byte_loop", |b| {
            b.iter(|| byte_loop(black_box(&mut buf), KEY))
        });
        group.bench_function("u64_loop", |b| {
            b.iter(|| u64_unmask(black_box(&mut buf), KEY))
        });
        group.finish();
    }
}

fn header_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("header_decode");
    let frames: [(&str, &[u8]); 3] = [
        ("masked_7bit", &[0x82, 0x90, 1, 2, 3, 4]),
        ("masked_16bit", &[0x82, 0xFE, 0x04, 0x00, 1, 2, 3, 4]),
        ("unmasked_64bit", &[0x82, 0x7F, 0, 0, 0, 0, 0, 0x10, 0, 0]),
    ];
    for (name, bytes) in frames {
        group.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| match FrameHeader::decode(black_box(bytes)) {
                Ok(Status::Complete((h, n))) => h.payload_len as usize + n,
                _ => 0,
            })
        });
    }
    group.finish();
}

criterion_group!(benches, unmask, header_decode);
criterion_main!(benches);
