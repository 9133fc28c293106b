//! `wss://` through the tokio driver on loopback: a `tokio_rustls::TlsAcceptor` with a
//! certificate made at test time, the driver's `accept` over it, and the driver's
//! `connect_with_options` as the client.

mod tls_common;
mod tokio_common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rfc6455_io::tokio::{self as ws_tokio, MaybeTls};
use rfc6455_io::{CloseCode, Error, Message, Options};
use rustls::ServerConfig;
use tls_common::{assert_unknown_issuer, pki};
use tokio::net::TcpListener;
use tokio_common::{listener, run};
use tokio_rustls::TlsAcceptor;

/// Every test ends well within this, or fails.
const BOUND: Duration = Duration::from_secs(10);

fn port(addr: &str) -> u16 {
    addr.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// The driver's `accept` over tokio-rustls's server side, for one connection: echoes
/// data until the Close, and returns the path asked for and the name the client sent
/// (SNI).
async fn tls_echo(
    listener: TcpListener,
    config: Arc<ServerConfig>,
) -> Result<(String, String), Error> {
    let (tcp, _) = listener.accept().await?;
    let tls = TlsAcceptor::from(config).accept(tcp).await?;
    let sni = tls.get_ref().1.server_name().unwrap_or("").to_owned();
    let (mut ws, request) = ws_tokio::accept_with(tls, &Options::default()).await?;
    while let Some(message) = ws.recv_owned().await? {
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok((request.path, sni))
}

#[test]
fn wss_round_trips_text_binary_and_close() {
    run(BOUND, async {
        let pki = pki();
        let (listener, addr) = listener().await;
        let server = tokio::spawn(tls_echo(listener, pki.server.clone()));
        let options = Options::default().tls(pki.client.clone());
        let url = format!("wss://localhost:{}/path", port(&addr));
        let mut ws = ws_tokio::connect_with_options(&url, &options)
            .await
            .unwrap();
        assert!(matches!(ws.get_ref(), MaybeTls::Rustls(_)));

        ws.send_text("hello over TLS").await.unwrap();
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::from("hello over TLS"))
        );
        // Larger than one TLS record (16 KiB): the frame spans records.
        let binary: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
        ws.send_binary(&binary).await.unwrap();
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::binary(binary))
        );
        assert_eq!(
            ws.close(CloseCode::NORMAL, "done").await.unwrap(),
            CloseCode::NORMAL
        );

        let (path, sni) = server.await.unwrap().unwrap();
        assert_eq!(path, "/path");
        assert_eq!(sni, "localhost");
    });
}

#[test]
fn the_default_roots_refuse_a_self_signed_server() {
    run(BOUND, async {
        let pki = pki();
        let (listener, addr) = listener().await;
        let server = tokio::spawn(tls_echo(listener, pki.server));
        let url = format!("wss://localhost:{}/", port(&addr));
        let error = ws_tokio::connect_with_options(&url, &Options::default())
            .await
            .err()
            .expect("a certificate no default root signed was accepted");
        assert_unknown_issuer(&error);
        // The server learns of the refusal through the client's alert.
        assert!(matches!(server.await.unwrap(), Err(Error::Io(_))));
    });
}

#[test]
fn a_server_silent_in_the_tls_handshake_times_out() {
    run(BOUND, async {
        let (listener, addr) = listener().await;
        // Accepts the connection and answers nothing: the client waits for ServerHello.
        let server = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            // Until the client gives up and closes.
            let _ = tokio::io::copy(&mut tcp, &mut tokio::io::sink()).await;
        });
        let options = Options::default()
            .tls(pki().client)
            .handshake_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let url = format!("wss://localhost:{}/", port(&addr));
        let result = ws_tokio::connect_with_options(&url, &options).await;
        let elapsed = started.elapsed();
        assert!(matches!(result.err(), Some(Error::HandshakeTimeout)));
        assert!(
            elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1500),
            "{elapsed:?}"
        );
        server.await.unwrap();
    });
}

/// A TLS peer that vanishes (no WebSocket Close, no close_notify: a crash) ends the
/// connection as a TCP peer does, in a 1006 Close, not in rustls's error.
#[test]
fn a_vanished_tls_server_ends_in_a_1006_close() {
    run(BOUND, async {
        let pki = pki();
        let (listener, addr) = listener().await;
        let config = pki.server.clone();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await?;
            let tls = TlsAcceptor::from(config).accept(tcp).await?;
            let (ws, _) = ws_tokio::accept_with(tls, &Options::default()).await?;
            drop(ws);
            Ok::<_, Error>(())
        });
        let options = Options::default().tls(pki.client.clone());
        let url = format!("wss://localhost:{}/", port(&addr));
        let mut ws = ws_tokio::connect_with_options(&url, &options)
            .await
            .unwrap();
        server.await.unwrap().unwrap();
        match ws.recv_owned().await.unwrap() {
            Some(Message::Close { code, .. }) => assert_eq!(code, CloseCode::ABNORMAL),
            other => panic!("expected a 1006 Close, got {other:?}"),
        }
        assert_eq!(ws.recv_owned().await.unwrap(), None);
    });
}
