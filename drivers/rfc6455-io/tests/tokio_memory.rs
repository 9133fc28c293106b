//! What an idle connection costs on the tokio driver: 2,000 loopback connections
//! accepted on a current-thread runtime, each in a task of its own waiting in
//! `recv_owned`, counted by a global allocator that tracks live heap bytes.
//!
//! The clients are blocking std sockets on a thread of their own: a std `TcpStream`
//! owns no heap memory, so what grows is the server side (task, WebSocket, timer
//! entry, tokio's IO registration) and the clients' one `Vec` of streams.

mod counting;
mod tokio_common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rfc6455_io::tokio::{accept_with, connect};
use rfc6455_io::{CloseCode, Options};

use counting::LIVE;

const CONNECTIONS: usize = 2_000;
/// The budget per idle server-side connection.
const BUDGET: usize = 2 * 1024;

#[test]
fn an_idle_connection_costs_at_most_2_kib() {
    tokio_common::run(Duration::from_secs(120), async {
        let (listener, addr) = tokio_common::listener().await;
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        tokio::spawn(async move {
            // The defaults: keepalive armed, so every connection holds its timer.
            let options = Arc::new(Options::default());
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (options, counter) = (Arc::clone(&options), Arc::clone(&counter));
                tokio::spawn(async move {
                    let (mut ws, _) = accept_with(stream, &options).await?;
                    counter.fetch_add(1, Ordering::SeqCst);
                    while let Some(message) = ws.recv_owned().await? {
                        if message.is_data() {
                            ws.send(message).await?;
                        }
                    }
                    Ok::<(), rfc6455_io::Error>(())
                });
            }
        });

        // One whole connection first, so that what every connection shares (the read
        // scratch, the runtime's lazily grown tables) is in the baseline.
        let mut warm = connect(&format!("ws://{addr}/")).await.unwrap();
        warm.send_text("warm").await.unwrap();
        assert!(warm.recv().await.unwrap().is_some());
        warm.close(CloseCode::NORMAL, "").await.unwrap();
        drop(warm);
        wait_for(&accepted, 1).await;
        tokio::time::sleep(Duration::from_millis(100)).await;

        let baseline = LIVE.load(Ordering::SeqCst);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let client_addr = addr.clone();
        let clients = std::thread::spawn(move || {
            let mut streams = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                let mut stream = std::net::TcpStream::connect(&client_addr).unwrap();
                stream.write_all(tokio_common::REQUEST.as_bytes()).unwrap();
                let mut tail = [0u8; 4];
                let mut byte = [0u8; 1];
                while &tail != b"\r\n\r\n" {
                    stream.read_exact(&mut byte).unwrap();
                    tail.rotate_left(1);
                    tail[3] = byte[0];
                }
                streams.push(stream);
            }
            ready_tx.send(()).unwrap();
            let _ = done_rx.recv();
            drop(streams);
        });
        // The client thread blocks; this runtime keeps serving while it waits.
        while ready_rx.try_recv().is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        wait_for(&accepted, 1 + CONNECTIONS).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let live = LIVE.load(Ordering::SeqCst);
        let per_connection = (live - baseline) / CONNECTIONS as isize;
        println!(
            "{CONNECTIONS} idle connections: {} bytes live above the baseline, {per_connection} \
             bytes each (the WebSocket itself: {} bytes)",
            live - baseline,
            std::mem::size_of::<rfc6455_io::tokio::WebSocket<tokio::net::TcpStream>>()
        );
        done_tx.send(()).unwrap();
        tokio::task::spawn_blocking(move || clients.join().unwrap())
            .await
            .unwrap();
        assert!(
            per_connection <= BUDGET as isize,
            "{per_connection} bytes per idle connection, over {BUDGET}"
        );
    });
}

async fn wait_for(counter: &AtomicUsize, n: usize) {
    while counter.load(Ordering::SeqCst) < n {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
