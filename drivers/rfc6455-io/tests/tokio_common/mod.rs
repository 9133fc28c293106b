//! Loopback pieces the tokio tests share: a listener, a raw peer that speaks just
//! enough of the protocol by hand, and a bound on every test's time.
#![allow(dead_code)] // each test file uses its own part of these

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Runs `test` on a current-thread runtime, failing it after `limit`.
pub fn run<F: Future<Output = ()>>(limit: Duration, test: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(limit, test)
                .await
                .expect("the test took too long")
        });
}

pub async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    (listener, addr)
}

pub const REQUEST: &str = "GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\n\r\n";

/// A raw client that completed the handshake (the response head read and checked).
pub async fn raw_client(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(REQUEST.as_bytes()).await.unwrap();
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    stream
}

/// Reads up to the end of an HTTP head (byte by byte: nothing after it is taken).
pub async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if stream.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// A masked client frame (payload under 126 bytes).
pub fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut frame = vec![first, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

/// Reads one unmasked server frame with a payload under 126 bytes: (first byte, payload).
pub async fn read_server_frame(stream: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut header = [0u8; 2];
    stream.read_exact(&mut header).await.unwrap();
    assert!(header[1] < 126, "a short unmasked frame: {header:?}");
    let mut payload = vec![0u8; header[1] as usize];
    stream.read_exact(&mut payload).await.unwrap();
    (header[0], payload)
}
