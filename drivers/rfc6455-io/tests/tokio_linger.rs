//! What the tokio driver does after it failed a connection: its Close reaches a peer
//! that is still sending, instead of being discarded by the reset that closing a
//! socket with unread bytes makes the kernel send.
//!
//! On Linux a reset does not discard what the peer already received, only what our
//! side had not sent yet: so the server queues megabytes ahead of its Close, which the
//! peer reads only after the server finished.

mod tokio_common;

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use rfc6455_io::rfc6455::connection::Config;
use rfc6455_io::tokio::{accept_with, WebSocket};
use rfc6455_io::{Error, Message, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_common::{client_frame, listener, raw_client, run};

/// Ahead of the Close: far more than the loopback socket buffers hold.
const QUEUED: usize = 8 << 20;
const CHUNK: usize = 64 * 1024;

async fn accept_one(listener: &TcpListener) -> WebSocket<TcpStream> {
    let (stream, _) = listener.accept().await.unwrap();
    let options = Options::default()
        .config(Config::default())
        .write_buffer_limit(2 * QUEUED);
    accept_with(stream, &options).await.unwrap().0
}

/// An unmasked frame (a protocol error: clients must mask), then data frames the
/// server never reads.
fn bad_frame_then_burst() -> Vec<u8> {
    let mut bytes = vec![0x81, 0x02, b'h', b'i'];
    for _ in 0..512 {
        bytes.extend(client_frame(0x82, &[0x5a; 125]));
    }
    bytes
}

/// Sends [`bad_frame_then_burst`], reads nothing until the server has given up, then
/// reads to the end: what came, and the error that ended it, if any.
async fn failing_client(addr: String) -> (Vec<u8>, Option<io::Error>) {
    let mut stream = raw_client(&addr).await;
    stream.write_all(&bad_frame_then_burst()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut seen = Vec::new();
    let error = stream.read_to_end(&mut seen).await.err();
    (seen, error)
}

/// The last of the unmasked server frames in `bytes`: (first byte, payload).
fn last_frame(bytes: &[u8]) -> (u8, &[u8]) {
    let mut at = 0;
    let mut last = None;
    while at < bytes.len() {
        let (len, header) = match bytes[at + 1] {
            126 => (
                usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
                4,
            ),
            127 => {
                let mut len = [0u8; 8];
                len.copy_from_slice(&bytes[at + 2..at + 10]);
                (u64::from_be_bytes(len) as usize, 10)
            }
            n => (usize::from(n), 2),
        };
        let payload = at + header;
        assert!(payload + len <= bytes.len(), "a frame cut short at {at}");
        last = Some((bytes[at], &bytes[payload..payload + len]));
        at = payload + len;
    }
    last.expect("no frame at all")
}

fn assert_got_close_1002(seen: &[u8], error: Option<io::Error>) {
    assert!(error.is_none(), "{error:?} after {} bytes", seen.len());
    assert!(seen.len() > QUEUED, "{} bytes", seen.len());
    let (first, payload) = last_frame(seen);
    assert_eq!(first, 0x88, "the last frame is not a Close");
    assert_eq!(&payload[..2], &1002u16.to_be_bytes());
}

#[test]
fn a_peer_still_sending_after_a_protocol_error_gets_the_close_not_a_reset() {
    run(Duration::from_secs(20), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(failing_client(addr));
        let mut ws = accept_one(&listener).await;
        for _ in 0..QUEUED / CHUNK {
            ws.feed(Message::binary(vec![7u8; CHUNK])).await.unwrap();
        }
        let error = ws.recv().await.err();
        assert!(matches!(error, Some(Error::Protocol(_))), "{error:?}");
        drop(ws);
        let (seen, error) = client.await.unwrap();
        assert_got_close_1002(&seen, error);
    });
}

#[test]
fn split_halves_too() {
    run(Duration::from_secs(20), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(failing_client(addr));
        let (mut reader, mut writer) = accept_one(&listener).await.split();
        for _ in 0..QUEUED / CHUNK {
            writer
                .feed(Message::binary(vec![7u8; CHUNK]))
                .await
                .unwrap();
        }
        let error = reader.recv().await.err();
        assert!(matches!(error, Some(Error::Protocol(_))), "{error:?}");
        drop((reader, writer));
        let (seen, error) = client.await.unwrap();
        assert_got_close_1002(&seen, error);
    });
}

#[test]
fn a_peer_that_never_stops_sending_is_drained_for_a_second_without_holding_the_thread() {
    run(Duration::from_secs(20), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = raw_client(&addr).await;
            let burst = bad_frame_then_burst();
            while stream.write_all(&burst).await.is_ok() {}
        });
        let ticks = Arc::new(AtomicU32::new(0));
        let ticker = tokio::spawn({
            let ticks = Arc::clone(&ticks);
            async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        let mut ws = accept_one(&listener).await;
        let started = Instant::now();
        let error = ws.recv().await.err();
        let took = started.elapsed();
        assert!(matches!(error, Some(Error::Protocol(_))), "{error:?}");
        assert!(took >= Duration::from_millis(900), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
        // The drain yields: a task on the same thread kept near its 10 ms pace.
        let ticks = ticks.load(Ordering::Relaxed);
        assert!(ticks >= 50, "{ticks} ticks in {took:?}");
        ticker.abort();
        drop(ws);
        client.await.unwrap();
    });
}
