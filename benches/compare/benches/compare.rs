//! W1–W5 of `benches/decode.rs`, decoded server-side by rfc6455 and its peers from the
//! same bytes in one run, next to the u64-walk and memcpy baselines.
//!
//! Every implementation gets a fresh copy of the masked input per iteration, made outside
//! the timed section, so all of them start from the same cache state. The sans-IO
//! decoders unmask that copy in place; the stream-based ones read it through an
//! in-memory stream (`MemStream`) and so pay for copying it into their own buffers,
//! which is what they would pay reading from a socket.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use rfc6455_testkit::workloads::{decode_all, workloads, MAX_MESSAGE};

/// websocket-sans-io is a frame-level push parser: no UTF-8 validation, no reassembly, no
/// protocol checks beyond the header layout.
fn websocket_sans_io(buf: &mut [u8]) -> u64 {
    use websocket_sans_io::{WebsocketFrameDecoder, WebsocketFrameEvent};
    let mut decoder = WebsocketFrameDecoder::new();
    let mut at = 0;
    let mut total = 0u64;
    while at < buf.len() {
        let r = decoder
            .add_data(&mut buf[at..])
            .expect("infallible with large_frames");
        if let Some(WebsocketFrameEvent::PayloadChunk { .. }) = r.event {
            black_box(&buf[at..at + r.consumed_bytes]);
            total += r.consumed_bytes as u64;
        }
        at += r.consumed_bytes;
    }
    total
}

/// tungstenite reassembles whole messages into owned buffers and validates text; it reads
/// until the expected number of messages, since the end of the stream without a close
/// frame is an error for it.
fn tungstenite(buf: &mut [u8], messages: u64) -> u64 {
    use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let mut ws = WebSocket::from_raw_socket(MemStream::new(buf), Role::Server, Some(config));
    let mut total = 0u64;
    for _ in 0..messages {
        let message = ws.read().expect("valid input");
        total += message.len() as u64;
        black_box(message);
    }
    total
}

/// fastwebsockets' frame-level `WebSocket` (no `FragmentCollector`, to match rfc6455's
/// frame-level read); it validates unfragmented text frames, copies payloads into its own
/// buffer, and is async, driven here by polling once per frame since `MemStream` is never
/// pending.
fn fastwebsockets(buf: &mut [u8], frames: u64) -> u64 {
    use fastwebsockets::{Role, WebSocket};
    let mut ws = WebSocket::after_handshake(MemStream::new(buf), Role::Server);
    ws.set_max_message_size(MAX_MESSAGE);
    let mut total = 0u64;
    for _ in 0..frames {
        let frame = ready(ws.read_frame()).expect("valid input");
        total += frame.payload.len() as u64;
        black_box(&frame.payload[..]);
    }
    total
}

fn ready<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("MemStream never blocks"),
    }
}

/// The u64-word unmask walk of benches/decode.rs, with no work per payload.
fn u64_walk(buf: &mut [u8]) -> u64 {
    rfc6455_testkit::u64_walk(buf, |_, _| {})
}

/// A socket stand-in over the input: reads hand out as much as asked, writes (pongs,
/// close replies) vanish.
struct MemStream<'a> {
    data: &'a [u8],
}

impl<'a> MemStream<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl io::Read for MemStream<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        io::Read::read(&mut self.data, out)
    }
}

impl io::Write for MemStream<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for MemStream<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        out: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = out.remaining().min(self.data.len());
        out.put_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemStream<'_> {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn compare(c: &mut Criterion) {
    for w in workloads() {
        let (messages, frames) = (w.messages, w.frames);
        let decoders: [(&str, Box<dyn Fn(&mut [u8]) -> u64>); 5] = [
            ("u64_walk", Box::new(u64_walk)),
            ("rfc6455", Box::new(decode_all)),
            ("websocket-sans-io", Box::new(websocket_sans_io)),
            ("tungstenite", Box::new(move |b| tungstenite(b, messages))),
            (
                "fastwebsockets",
                Box::new(move |b| fastwebsockets(b, frames)),
            ),
        ];
        // A decoder that silently skipped frames would look fast; check each one sees every
        // payload byte, and that the unmasked bytes agree with the baseline's.
        let mut reference = w.input.clone();
        u64_walk(&mut reference);
        for (name, decode) in &decoders {
            let mut buf = w.input.clone();
            assert_eq!(decode(&mut buf), w.payload_bytes, "{name} on {}", w.name);
            if matches!(*name, "rfc6455" | "websocket-sans-io") {
                assert!(
                    buf == reference,
                    "{name} unmasked differently on {}",
                    w.name
                );
            }
        }

        let mut group = c.benchmark_group(w.name);
        group.sample_size(10);
        group.throughput(if w.payload_bytes / w.frames <= 16 {
            Throughput::Elements(w.frames)
        } else {
            Throughput::Bytes(w.payload_bytes)
        });
        let mut sink = vec![0u8; w.input.len()];
        group.bench_function("memcpy", |b| {
            b.iter(|| sink.copy_from_slice(black_box(&w.input)))
        });
        for (name, decode) in &decoders {
            group.bench_function(*name, |b| {
                b.iter_batched_ref(
                    || w.input.clone(),
                    |buf| decode(black_box(buf)),
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }
}

criterion_group!(benches, compare);
criterion_main!(benches);
