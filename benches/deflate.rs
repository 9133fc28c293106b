//! permessage-deflate on a JSON workload: small quote messages as a ticker pushes them,
//! sent through `DeflateSender` and read back through `MessageReader`, with
//! context takeover (the default) and without. The ratio is printed once per setting.
//! Then one large message, read whole.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rfc6455::connection::{Config, Connection, MessageKind, MessageReader, Received};
use rfc6455::extensions::deflate::{DeflateParams, DeflateSender};

fn quotes(n: usize) -> Vec<String> {
    const SYMBOLS: [&str; 5] = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"];
    (0..n)
        .map(|i| {
            format!(
                r#"{{"type":"quote","symbol":"{}","price":{}.{:02},"volume":{},"exchange":"NASDAQ","timestamp":"2024-05-{:02}T12:{:02}:{:02}Z","bid":{}.{:02},"ask":{}.{:02},"meta":{{"seq":{},"source":"feed-a","delayed":false}}}}"#,
                SYMBOLS[i % 5],
                100 + i % 50,
                i % 100,
                1000 + i * 7 % 5000,
                1 + i % 28,
                i % 24,
                i % 60,
                100 + i % 50,
                i % 97,
                100 + i % 50,
                (i + 3) % 97,
                i
            )
        })
        .collect()
}

fn json(c: &mut Criterion) {
    let messages = quotes(1000);
    let bytes: usize = messages.iter().map(String::len).sum();
    for (name, params) in [
        ("takeover", DeflateParams::default()),
        (
            "no_takeover",
            DeflateParams {
                server_no_context_takeover: true,
                ..DeflateParams::default()
            },
        ),
    ] {
        let config = Config::default().permessage_deflate(Some(params));
        for level in [1u8, 6] {
            let mut group = c.benchmark_group(format!("deflate/json/{name}/level{level}"));
            group.throughput(Throughput::Bytes(bytes as u64));
            let mut out = vec![0u8; 4096];
            let mut server = Connection::server(config);
            let mut sender = DeflateSender::with_level(&server, level).unwrap();
            let mut wire = Vec::new();
            for m in &messages {
                let n = sender
                    .send(&mut server, MessageKind::Text, m.as_bytes(), &mut out)
                    .unwrap();
                wire.push(out[..n].to_vec());
            }
            let sent: usize = wire.iter().map(Vec::len).sum();
            println!(
                "{name}/level{level}: {bytes} B of JSON in {} messages -> {sent} B on the wire (ratio {:.3})",
                messages.len(),
                sent as f64 / bytes as f64
            );
            group.bench_function("send", |b| {
                b.iter(|| {
                    let mut server = Connection::server(config);
                    let mut sender = DeflateSender::with_level(&server, level).unwrap();
                    for m in &messages {
                        black_box(
                            sender
                                .send(&mut server, MessageKind::Text, m.as_bytes(), &mut out)
                                .unwrap(),
                        );
                    }
                })
            });
            group.bench_function("read", |b| {
                b.iter(|| {
                    let mut client = Connection::client(
                        config,
                        rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]),
                    );
                    let mut reader = MessageReader::new();
                    for frame in &wire {
                        let mut frame = frame.clone();
                        let Received { event: message, .. } =
                            reader.read(&mut client, &mut frame).unwrap();
                        black_box(message);
                    }
                })
            });
            group.finish();
        }
    }
}

/// One large message (about 1 MiB of the same quotes, as a snapshot would carry), read
/// in one piece: inflating speed without the per-message overhead.
fn large(c: &mut Criterion) {
    let text = format!("[{}]", quotes(5000).join(","));
    let config = Config::default()
        .permessage_deflate(Some(DeflateParams::default()))
        .max_message_size(4 << 20);
    let mut server = Connection::server(config);
    let mut sender = DeflateSender::new(&server).unwrap();
    let mut frame = vec![0u8; sender.max_send_len(text.len())];
    let n = sender
        .send(&mut server, MessageKind::Text, text.as_bytes(), &mut frame)
        .unwrap();
    frame.truncate(n);
    let mut group = c.benchmark_group("deflate/large");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("read", |b| {
        // One connection and reader for all iterations, so the buffer is reused as it is
        // from message to message; the frame starts a stream and refers to nothing earlier.
        let mut client =
            Connection::client(config, rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]));
        let mut reader = MessageReader::new();
        b.iter(|| {
            let mut frame = frame.clone();
            let Received { event: message, .. } = reader.read(&mut client, &mut frame).unwrap();
            black_box(message);
        })
    });
    group.finish();
}

criterion_group!(benches, json, large);
criterion_main!(benches);
