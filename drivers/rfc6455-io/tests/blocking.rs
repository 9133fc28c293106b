//! The blocking driver against a real loopback socket: the round trip, and what slow,
//! silent, oversized and malformed peers get (RFC 6455 §4.2.1, §5.5.2, §7.1.7).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

mod blocking_common;

use blocking_common::{join, server, BOUND};
use rfc6455::handshake::ClientRequest;
use rfc6455_io::{blocking, CloseCode, Error, Message, Options};

/// A raw client that completes the handshake and then does only what the test says.
fn raw_client(addr: &SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let request = ClientRequest::new("localhost", "/", [7; 16]);
    let mut out = vec![0u8; request.encoded_len()];
    let n = request.encode(&mut out).unwrap();
    stream.write_all(&out[..n]).unwrap();
    let head = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    stream
}

fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn short_timers(ms: u64) -> Options {
    let t = Some(Duration::from_millis(ms));
    let options = Options::default();
    let config = options
        .config
        .ping_interval(t)
        .ping_timeout(t)
        .close_timeout(t);
    options.config(config)
}

#[test]
fn echo_round_trip_text_binary_ping_and_close() {
    let (addr, handle) = server(|stream| -> Result<(), Error> {
        let mut ws = blocking::accept(stream)?;
        while let Some(message) = ws.recv_owned()? {
            if message.is_data() {
                ws.send(message)?;
            }
        }
        Ok(())
    });
    let mut ws = blocking::connect(&format!("ws://{addr}/echo")).unwrap();
    ws.send_text("héllo").unwrap();
    assert_eq!(ws.recv_owned().unwrap(), Some(Message::from("héllo")));
    ws.send_binary(&[0, 1, 2, 255]).unwrap();
    assert_eq!(
        ws.recv_owned().unwrap(),
        Some(Message::binary(vec![0, 1, 2, 255]))
    );
    ws.send_ping(b"are you there").unwrap();
    assert_eq!(
        ws.recv_owned().unwrap(),
        Some(Message::Pong(b"are you there"[..].into()))
    );
    assert_eq!(ws.close(CloseCode(4000), "done").unwrap(), CloseCode(4000));
    join(handle).unwrap();
}

#[test]
fn a_fragmented_message_arrives_whole_and_borrowed() {
    let (addr, handle) = server(|stream| -> Result<String, Error> {
        let mut ws = blocking::accept(stream)?;
        let text = match ws.recv()? {
            Some(rfc6455::connection::Message::Text(t)) => t.to_owned(),
            other => panic!("{other:?}"),
        };
        ws.close(CloseCode::NORMAL, "")?;
        Ok(text)
    });
    let mut ws = blocking::connect(&format!("ws://{addr}/")).unwrap();
    ws.send_fragment(rfc6455_io::MessageKind::Text, b"one ", false)
        .unwrap();
    ws.send_fragment(rfc6455_io::MessageKind::Text, b"two", true)
        .unwrap();
    while ws.recv().unwrap().is_some() {}
    assert_eq!(join(handle).unwrap(), "one two");
}

#[test]
fn a_head_trickled_past_the_deadline_is_dropped() {
    let (addr, handle) = server(|stream| {
        let options = Options::default().handshake_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let result = blocking::accept_with(stream, &options).map(drop);
        (result, started.elapsed())
    });
    let mut stream = TcpStream::connect(addr).unwrap();
    // One byte every 100 ms: each read succeeds, the whole head never comes in time.
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\n" {
        if stream.write_all(&[*byte]).is_err() {
            break;
        }
        thread::sleep(Duration::from_millis(100));
        if handle.is_finished() {
            break;
        }
    }
    let (result, elapsed) = join(handle);
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn an_oversized_head_gets_431_then_close() {
    let (addr, handle) = server(|stream| blocking::accept(stream).map(drop));
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let mut head = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    while head.len() < 20_000 {
        head.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    // The server stops reading at its limit; the rest may meet a closed socket.
    let _ = stream.write_all(&head);
    let answer = read_head(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let status = join(handle).unwrap_err().status();
    assert_eq!(status, Some(431));
}

#[test]
fn a_bare_lf_head_gets_400_not_a_hang() {
    let (addr, handle) = server(|stream| blocking::accept(stream).map(drop));
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\nHost: x\nUpgrade: websocket\n\n")
        .unwrap();
    let answer = read_head(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(join(handle).unwrap_err().status(), Some(400));
}

#[test]
fn a_refused_origin_gets_403() {
    let (addr, handle) = server(|stream| {
        let options = Options::default().allowed_origins(["https://good.example"]);
        blocking::accept_with(stream, &options).map(drop)
    });
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let request = ClientRequest::new("localhost", "/", [7; 16]).origin("https://evil.example");
    let mut out = vec![0u8; request.encoded_len()];
    let n = request.encode(&mut out).unwrap();
    stream.write_all(&out[..n]).unwrap();
    assert!(read_head(&mut stream).starts_with("HTTP/1.1 403"));
    assert_eq!(join(handle).unwrap_err().status(), Some(403));
}

#[test]
fn a_silent_peer_is_dropped_by_keepalive_with_1006() {
    let (addr, handle) = server(|stream| {
        let (mut ws, _) = blocking::accept_with(stream, &short_timers(200)).unwrap();
        let started = Instant::now();
        let close = ws.recv_owned().unwrap();
        let after = ws.recv_owned().unwrap();
        (close, after, started.elapsed())
    });
    // Completes the handshake, then neither reads nor answers the Ping.
    let _silent = raw_client(&addr);
    let (close, after, elapsed) = join(handle);
    match close {
        Some(Message::Close { code, reason }) => {
            assert_eq!(code, CloseCode::ABNORMAL);
            assert_eq!(&*reason, "keepalive timeout");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(after, None);
    // A Ping after 200 ms of silence, 200 ms for its Pong, and the linger.
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn a_close_without_the_peers_answer_ends_at_the_close_timeout() {
    let (addr, handle) = server(|stream| {
        let (mut ws, _) = blocking::accept_with(stream, &short_timers(200)).unwrap();
        let started = Instant::now();
        let code = ws.close(CloseCode::NORMAL, "bye");
        (code.unwrap(), started.elapsed())
    });
    let _silent = raw_client(&addr);
    let (code, elapsed) = join(handle);
    assert_eq!(code, CloseCode::ABNORMAL);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn a_peer_that_never_reads_fails_the_sender_with_write_timeout() {
    let (addr, handle) = server(|stream| {
        let options = Options::default().write_timeout(Duration::from_millis(300));
        let (mut ws, _) = blocking::accept_with(stream, &options).unwrap();
        let chunk = vec![7u8; 1 << 20];
        let started = Instant::now();
        let mut sent = 0usize;
        let error = loop {
            if let Err(e) = ws.send_binary(&chunk) {
                break e;
            }
            sent += 1;
            assert!(sent < 1024, "1 GiB went into a peer that reads nothing");
        };
        (error, started.elapsed())
    });
    let _deaf = raw_client(&addr);
    let (error, elapsed) = join(handle);
    assert!(matches!(error, Error::WriteTimeout), "{error:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
}

#[test]
fn split_halves_answer_pings_while_the_writer_is_idle() {
    let (addr, handle) = server(|stream| -> Result<Vec<Message>, Error> {
        let ws = blocking::accept(stream)?;
        let (mut reader, _writer) = ws.split()?;
        let mut seen = Vec::new();
        while let Some(message) = reader.recv_owned()? {
            seen.push(message);
        }
        Ok(seen)
    });
    let mut ws = blocking::connect(&format!("ws://{addr}/")).unwrap();
    ws.send_ping(b"split").unwrap();
    assert_eq!(
        ws.recv_owned().unwrap(),
        Some(Message::Pong(b"split"[..].into()))
    );
    ws.send_text("after the pong").unwrap();
    assert_eq!(ws.close(CloseCode::NORMAL, "").unwrap(), CloseCode::NORMAL);
    let seen = join(handle).unwrap();
    assert_eq!(seen[0], Message::Ping(b"split"[..].into()));
    assert_eq!(seen[1], Message::from("after the pong"));
}

#[test]
fn sending_after_close_is_an_error_not_a_frame() {
    let (addr, handle) = server(|stream| -> Result<(), Error> {
        let mut ws = blocking::accept(stream)?;
        while ws.recv()?.is_some() {}
        Ok(())
    });
    let mut ws = blocking::connect(&format!("ws://{addr}/")).unwrap();
    ws.close(CloseCode::NORMAL, "").unwrap();
    assert!(matches!(ws.send_text("late"), Err(Error::Closed)));
    join(handle).unwrap();
}

/// A build without TLS refuses `wss://` before it opens a socket (nothing listens on
/// the port: a connection attempt would be an `Error::Io`), and says what is missing.
#[cfg(not(feature = "rustls"))]
#[test]
fn wss_without_the_rustls_feature_is_a_url_error() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = unused.local_addr().unwrap();
    drop(unused);
    match blocking::connect(&format!("wss://{addr}/")).err() {
        Some(Error::Url(message)) => assert!(message.contains("`rustls` feature"), "{message}"),
        other => panic!("expected Error::Url, got {other:?}"),
    }
}

#[test]
fn the_split_reader_drains_a_failed_connection_without_holding_up_the_writer() {
    let (addr, handle) = server(|stream| {
        let (mut reader, mut writer) = blocking::accept(stream).unwrap().split().unwrap();
        let reading = thread::spawn(move || reader.recv_owned().map(drop));
        let mut slowest = Duration::ZERO;
        let refused = loop {
            let started = Instant::now();
            let sent = writer.send_text("tick");
            slowest = slowest.max(started.elapsed());
            if let Err(e) = sent {
                break e;
            }
            thread::sleep(Duration::from_millis(5));
        };
        (refused, slowest, reading.join().unwrap())
    });
    let mut client = raw_client(&addr);
    // Unmasked: the reader fails the connection and lingers, the client neither
    // closes nor sends more.
    client.write_all(&[0x81, 0x02, b'h', b'i']).unwrap();
    let (refused, slowest, read) = join(handle);
    assert!(matches!(refused, Error::Closed), "{refused:?}");
    assert!(slowest < Duration::from_millis(300), "{slowest:?}");
    assert!(matches!(read, Err(Error::Protocol(_))), "{read:?}");
}

/// Both halves of a handshake done by other code (an HTTP server's upgrade, a proxy's
/// client): the bytes that follow each head are frames, and `from_upgraded` and
/// `from_upgraded_client` carry on from there.
#[test]
fn from_upgraded_carries_on_after_a_handshake_done_elsewhere() {
    use rfc6455::handshake::{AcceptResponse, Limits, RequestParser};
    let (addr, handle) = server(|mut stream| -> Result<(), Error> {
        stream.set_read_timeout(Some(BOUND))?;
        let head = read_head(&mut stream);
        let mut parser = RequestParser::new(Limits::default());
        let request = parser.parse(head.as_bytes()).unwrap().complete().unwrap();
        let mut out = [0u8; 256];
        let n = AcceptResponse::new(&request).encode(&mut out).unwrap();
        stream.write_all(&out[..n])?;
        let options = Options::default();
        let mut ws = blocking::from_upgraded(stream, options.config, &options)?;
        while let Some(message) = ws.recv_owned()? {
            if message.is_data() {
                ws.send(message)?;
            }
        }
        Ok(())
    });
    let stream = raw_client(&addr);
    let options = Options::default();
    let mut ws = blocking::from_upgraded_client(stream, options.config, &options).unwrap();
    ws.send_text("upgraded elsewhere").unwrap();
    assert_eq!(
        ws.recv_owned().unwrap(),
        Some(Message::from("upgraded elsewhere"))
    );
    assert_eq!(ws.close(CloseCode(1000), "").unwrap(), CloseCode(1000));
    join(handle).unwrap();
}
