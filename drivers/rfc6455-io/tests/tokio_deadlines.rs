//! The tokio driver's deadlines and limits, against raw peers on loopback: the
//! handshake head, rejected heads, keepalive, the close timeout, a peer that never
//! reads, `recv` cancelled by `select!` in the middle of a message, and a head whose
//! start the caller read.

mod tokio_common;

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use rfc6455_io::rfc6455::connection::{Config, Message as Borrowed};
use rfc6455_io::tokio::{accept_after, accept_with, WebSocket};
use rfc6455_io::{CloseCode, Error, Message, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_common::{
    client_frame, listener, raw_client, read_head, read_server_frame, run, REQUEST,
};

/// No timers but the ones a test sets.
fn quiet() -> Config {
    Config::default()
}

async fn accept_one(
    listener: &tokio::net::TcpListener,
    options: &Options,
) -> Result<WebSocket<TcpStream>, Error> {
    let (stream, _) = listener.accept().await?;
    accept_with(stream, options).await.map(|(ws, _)| ws)
}

#[test]
fn a_head_trickled_slower_than_the_deadline_is_dropped() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            // Each byte well within any per-read timeout; the whole head far past 300 ms.
            for byte in REQUEST.bytes() {
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
            rest
        });
        let options = Options::default().handshake_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let result = accept_one(&listener, &options).await;
        let took = started.elapsed();
        assert!(
            matches!(result, Err(Error::HandshakeTimeout)),
            "{:?}",
            result.err()
        );
        assert!(took < Duration::from_millis(1000), "{took:?}");
        drop(result);
        // The client never got an answer, only the end of the stream.
        assert!(client.await.unwrap().is_empty());
    });
}

#[test]
fn an_oversized_head_gets_431_then_the_close() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            let head = format!(
                "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
                "a".repeat(32 * 1024)
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer).await;
            String::from_utf8_lossy(&answer).into_owned()
        });
        let result = accept_one(&listener, &Options::default()).await;
        assert_eq!(result.err().and_then(|e| e.status()), Some(431));
        let answer = client.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    });
}

#[test]
fn a_bare_lf_head_gets_400() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            let head = REQUEST.replace("\r\n", "\n");
            stream.write_all(head.as_bytes()).await.unwrap();
            read_head(&mut stream).await
        });
        let result = accept_one(&listener, &Options::default()).await;
        assert_eq!(result.err().and_then(|e| e.status()), Some(400));
        let answer = client.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    });
}

#[test]
fn a_silent_peer_is_dropped_with_1006_by_keepalive() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = raw_client(&addr).await;
            // Reads the Ping and the Close 1011, answers nothing.
            let mut seen = Vec::new();
            let _ = stream.read_to_end(&mut seen).await;
            seen
        });
        let interval = Duration::from_millis(200);
        let config = quiet()
            .ping_interval(Some(interval))
            .ping_timeout(Some(interval));
        let mut ws = accept_one(&listener, &Options::default().config(config))
            .await
            .unwrap();
        let started = Instant::now();
        let message = ws.recv_owned().await.unwrap();
        let took = started.elapsed();
        match message {
            Some(Message::Close { code, .. }) => assert_eq!(code, CloseCode::ABNORMAL),
            other => panic!("expected a 1006 Close, got {other:?}"),
        }
        assert!(took >= 2 * interval, "{took:?}");
        assert!(took < 2 * interval + Duration::from_millis(300), "{took:?}");
        assert_eq!(ws.recv_owned().await.unwrap(), None);
        let seen = client.await.unwrap();
        assert_eq!(seen[0], 0x89, "a Ping first: {seen:?}");
        let close = 2 + usize::from(seen[1]);
        assert_eq!(seen[close], 0x88, "then a Close: {seen:?}");
        assert_eq!(
            &seen[close + 2..close + 4],
            &1011u16.to_be_bytes(),
            "{seen:?}"
        );
    });
}

#[test]
fn close_gives_up_after_the_close_timeout() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = raw_client(&addr).await;
            let (first, payload) = read_server_frame(&mut stream).await;
            // Hold the stream open, answering nothing, until the server gives up.
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
            (first, payload)
        });
        let timeout = Duration::from_millis(300);
        let config = quiet().close_timeout(Some(timeout));
        let mut ws = accept_one(&listener, &Options::default().config(config))
            .await
            .unwrap();
        let started = Instant::now();
        let answer = ws.close(CloseCode::NORMAL, "bye").await.unwrap();
        let took = started.elapsed();
        assert_eq!(answer, CloseCode::ABNORMAL);
        assert!(
            took >= timeout && took < timeout + Duration::from_millis(300),
            "{took:?}"
        );
        let (first, payload) = client.await.unwrap();
        assert_eq!(first, 0x88);
        assert_eq!(&payload[..2], &1000u16.to_be_bytes());
    });
}

#[test]
fn a_peer_that_never_reads_fails_the_sender_with_write_timeout() {
    run(Duration::from_secs(20), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let stream = raw_client(&addr).await;
            // Never reads; keeps the stream until the server gives up.
            tokio::time::sleep(Duration::from_secs(8)).await;
            drop(stream);
        });
        let limit = 64 * 1024;
        let options = Options::default()
            .config(quiet())
            .write_buffer_limit(limit)
            .write_timeout(Duration::from_millis(300));
        let mut ws = accept_one(&listener, &options).await.unwrap();
        let message = Message::binary(vec![1u8; 16 * 1024]);
        let started = Instant::now();
        let error = loop {
            // `feed` queues without flushing: only the limit bounds the queue.
            if let Err(e) = ws.feed(message.clone()).await {
                break e;
            }
            assert!(ws.buffered() <= limit + 16 * 1024 + 14, "{}", ws.buffered());
            assert!(
                started.elapsed() < Duration::from_secs(6),
                "never timed out"
            );
        };
        assert!(matches!(error, Error::WriteTimeout), "{error:?}");
        assert!(ws.buffered() <= limit + 16 * 1024 + 14);
        // The async send path fails the same way.
        let mut ws2 = ws;
        let again = ws2.send_binary(&[0u8; 1024]).await;
        assert!(matches!(again, Err(Error::WriteTimeout)), "{again:?}");
        client.abort();
    });
}

#[test]
fn recv_cancelled_by_select_loses_no_message() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let client = tokio::spawn(async move {
            let mut stream = raw_client(&addr).await;
            for i in 0..5u8 {
                let frame = client_frame(0x81, format!("message {i}").as_bytes());
                let (a, b) = frame.split_at(frame.len() / 2);
                stream.write_all(a).await.unwrap();
                // The server's select fires in here, with half a frame read.
                tokio::time::sleep(Duration::from_millis(60)).await;
                stream.write_all(b).await.unwrap();
            }
            stream
                .write_all(&client_frame(0x88, &1000u16.to_be_bytes()))
                .await
                .unwrap();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
        });
        let mut ws = accept_one(&listener, &Options::default().config(quiet()))
            .await
            .unwrap();
        let mut got = Vec::new();
        let mut ticks = 0;
        loop {
            tokio::select! {
                message = ws.recv() => match message.unwrap() {
                    Some(Borrowed::Text(text)) => got.push(text.to_owned()),
                    Some(Borrowed::Close { .. }) => {}
                    Some(other) => panic!("unexpected {other:?}"),
                    None => break,
                },
                _ = tokio::time::sleep(Duration::from_millis(20)) => ticks += 1,
            }
        }
        let expected: Vec<String> = (0..5).map(|i| format!("message {i}")).collect();
        assert_eq!(got, expected);
        assert!(ticks >= 5, "the select fired {ticks} times");
        client.await.unwrap();
    });
}

/// A server that reads the start of a request itself to route it, then hands those
/// bytes to `accept_after`: the head whole in them (and the first frame after it), or
/// only its first line.
#[test]
fn accept_after_takes_the_bytes_the_caller_read() {
    for whole in [true, false] {
        run(Duration::from_secs(10), async {
            let (listener, addr) = listener().await;
            let client = tokio::spawn(async move {
                let mut stream = TcpStream::connect(&addr).await.unwrap();
                let mut bytes = REQUEST.as_bytes().to_vec();
                bytes.extend(client_frame(0x81, b"after the head"));
                if !whole {
                    let line = REQUEST.find('\n').unwrap() + 1;
                    stream.write_all(&bytes[..line]).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    bytes.drain(..line);
                }
                stream.write_all(&bytes).await.unwrap();
                let head = read_head(&mut stream).await;
                let mut rest = Vec::new();
                let _ = stream.read_to_end(&mut rest).await;
                head
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut start = Vec::new();
            while !start.contains(&b'\n') {
                let mut chunk = [0u8; 1024];
                let n = stream.read(&mut chunk).await.unwrap();
                start.extend_from_slice(&chunk[..n]);
            }
            assert_eq!(start.len() > REQUEST.len(), whole, "{start:?}");
            let (mut ws, accepted) = accept_after(stream, &start, &Options::default())
                .await
                .unwrap();
            assert_eq!(accepted.path, "/chat");
            assert_eq!(
                ws.recv_owned().await.unwrap(),
                Some(Message::from("after the head"))
            );
            drop(ws);
            let head = client.await.unwrap();
            assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        });
    }
}
