//! `wss://` through the blocking driver on loopback: a rustls server with a
//! certificate made at test time, the driver's `accept` over it, and the driver's
//! `connect_with_options` as the client.

mod blocking_common;
mod tls_common;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use blocking_common::{join, server, BOUND};
use rfc6455::handshake::ClientRequest;
use rfc6455_io::blocking::{self, MaybeTls};
use rfc6455_io::{CloseCode, Error, Message, Options};
use rustls::{CertificateError, ClientConnection, ServerConfig, ServerConnection, StreamOwned};
use tls_common::{assert_unknown_issuer, pki, rustls_error};

/// What [`tls_echo`] learned: the path asked for and the name the client sent (SNI).
type Heard = Result<(String, String), Error>;

/// The driver's `accept` over rustls's server side: echoes data until the Close.
fn tls_echo(config: Arc<ServerConfig>) -> (SocketAddr, thread::JoinHandle<Heard>) {
    server(move |tcp| {
        tcp.set_read_timeout(Some(BOUND))?;
        let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        let sni = tls.conn.server_name().unwrap_or("").to_owned();
        let options = Options::default().handshake_timeout(BOUND);
        let (mut ws, request) = blocking::accept_with(tls, &options)?;
        while let Some(message) = ws.recv_owned()? {
            if message.is_data() {
                ws.send(message)?;
            }
        }
        Ok((request.path, sni))
    })
}

#[test]
fn wss_round_trips_text_binary_and_close() {
    let pki = pki();
    let (addr, handle) = tls_echo(pki.server.clone());
    let options = Options::default().tls(pki.client.clone());
    let url = format!("wss://localhost:{}/path", addr.port());
    let mut ws = blocking::connect_with_options(&url, &options).unwrap();
    assert!(matches!(ws.get_ref(), MaybeTls::Rustls(_)));

    ws.send_text("hello over TLS").unwrap();
    assert_eq!(
        ws.recv_owned().unwrap(),
        Some(Message::from("hello over TLS"))
    );
    // Larger than one TLS record (16 KiB): the frame spans records.
    let binary: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
    ws.send_binary(&binary).unwrap();
    assert_eq!(ws.recv_owned().unwrap(), Some(Message::binary(binary)));
    assert_eq!(
        ws.close(CloseCode::NORMAL, "done").unwrap(),
        CloseCode::NORMAL
    );

    let (path, sni) = join(handle).unwrap();
    assert_eq!(path, "/path");
    assert_eq!(sni, "localhost");

    // One TLS session cannot be driven from two handles.
    match ws.split().err() {
        Some(Error::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::Unsupported),
        other => panic!("expected an Unsupported io error, got {other:?}"),
    }
}

#[test]
fn the_default_roots_refuse_a_self_signed_server() {
    let pki = pki();
    let (addr, handle) = tls_echo(pki.server.clone());
    let options = Options::default().handshake_timeout(BOUND);
    let url = format!("wss://localhost:{}/", addr.port());
    let error = blocking::connect_with_options(&url, &options)
        .err()
        .expect("a certificate no default root signed was accepted");
    assert_unknown_issuer(&error);
    // The server learns of the refusal through the client's alert.
    assert!(matches!(join(handle), Err(Error::Io(_))));
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let pki = pki();
    let (addr, handle) = tls_echo(pki.server.clone());
    // Trusted, but issued for `localhost`, not for the address the URL names.
    let options = Options::default()
        .tls(pki.client.clone())
        .handshake_timeout(BOUND);
    let url = format!("wss://127.0.0.1:{}/", addr.port());
    let error = blocking::connect_with_options(&url, &options)
        .err()
        .expect("a certificate for another name was accepted");
    assert!(
        matches!(
            rustls_error(&error),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{error:?}"
    );
    assert!(matches!(join(handle), Err(Error::Io(_))));
}

#[test]
fn a_server_silent_in_the_tls_handshake_times_out() {
    // Accepts the connection and answers nothing: the client waits for ServerHello.
    let (addr, handle) = server(|mut tcp| {
        tcp.set_read_timeout(Some(BOUND)).unwrap();
        // Until the client gives up and closes.
        let _ = io::copy(&mut tcp, &mut io::sink());
    });
    let pki = pki();
    let options = Options::default()
        .tls(pki.client)
        .handshake_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let result =
        blocking::connect_with_options(&format!("wss://localhost:{}/", addr.port()), &options);
    let elapsed = started.elapsed();
    assert!(matches!(result.err(), Some(Error::HandshakeTimeout)));
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    join(handle);
}

#[test]
fn ws_urls_still_connect_over_plain_tcp() {
    let (addr, handle) = server(|tcp| -> Result<(), Error> {
        let mut ws = blocking::accept(tcp)?;
        while let Some(message) = ws.recv_owned()? {
            if message.is_data() {
                ws.send(message)?;
            }
        }
        Ok(())
    });
    let mut ws = blocking::connect(&format!("ws://localhost:{}/", addr.port())).unwrap();
    assert!(matches!(ws.get_ref(), MaybeTls::Plain(_)));
    ws.send_text("plain").unwrap();
    assert_eq!(ws.recv_owned().unwrap(), Some(Message::from("plain")));
    assert_eq!(ws.close(CloseCode::NORMAL, "").unwrap(), CloseCode::NORMAL);
    join(handle).unwrap();
}

/// A TLS peer that vanishes (no WebSocket Close, no close_notify: a crash) ends the
/// connection as a TCP peer does, in a 1006 Close, not in rustls's error.
#[test]
fn a_vanished_tls_server_ends_in_a_1006_close() {
    let pki = pki();
    let config = pki.server.clone();
    let (addr, handle) = server(move |tcp| -> Result<(), Error> {
        let tls = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
        let (ws, _) = blocking::accept_with(tls, &Options::default().handshake_timeout(BOUND))?;
        drop(ws);
        Ok(())
    });
    let options = Options::default().tls(pki.client.clone());
    let mut ws =
        blocking::connect_with_options(&format!("wss://localhost:{}/", addr.port()), &options)
            .unwrap();
    join(handle).unwrap();
    match ws.recv_owned().unwrap() {
        Some(Message::Close { code, .. }) => assert_eq!(code, CloseCode::ABNORMAL),
        other => panic!("expected a 1006 Close, got {other:?}"),
    }
    assert_eq!(ws.recv_owned().unwrap(), None);
}

/// The driver's TLS server ends with close_notify: a bare rustls client, for which an
/// end without it is an `UnexpectedEof` error, reads to a clean end.
#[test]
fn the_driver_ends_its_tls_with_close_notify() {
    let pki = pki();
    let (addr, handle) = tls_echo(pki.server.clone());
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(BOUND)).unwrap();
    let name = "localhost".try_into().unwrap();
    let mut tls = StreamOwned::new(ClientConnection::new(pki.client, name).unwrap(), tcp);
    let request = ClientRequest::new("localhost", "/", [7; 16]);
    let mut head = vec![0u8; request.encoded_len()];
    let n = request.encode(&mut head).unwrap();
    tls.write_all(&head[..n]).unwrap();
    // A Close (1000), masked with an all-zero key: the payload as it is.
    tls.write_all(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8])
        .unwrap();
    tls.flush().unwrap();
    let mut received = Vec::new();
    tls.read_to_end(&mut received).unwrap();
    assert!(received.starts_with(b"HTTP/1.1 101"));
    assert!(
        received.ends_with(&[0x88, 0x02, 0x03, 0xe8]),
        "{received:?}"
    );
    join(handle).unwrap();
}
