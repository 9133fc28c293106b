//! hyper 1.x without axum, both ways: an HTTP/1.1 upgrade (RFC 6455 §4) and an HTTP/2
//! extended CONNECT (RFC 8441 §4, §5), each with a hyper server whose service is
//! `accept_echo` and a hyper client built from `ClientRequest::to_http`; and a server
//! that never sent SETTINGS_ENABLE_CONNECT_PROTOCOL, which the client must be refused by
//! cleanly (RFC 8441 §3).

use std::convert::Infallible;
use std::time::Duration;

use axum_echo::{accept_echo, connect_h2, options};
use bytes::Bytes;
use http::{Request, Response, Version};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::ext::Protocol;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455_io::rfc6455::extensions::deflate::DeflateConfig;
use rfc6455_io::rfc6455::handshake::{random_nonce, ClientRequest, HandshakeResponse};
use rfc6455_io::rfc6455::OsRandom;
use rfc6455_io::tokio::{from_upgraded_client, WebSocket};
use rfc6455_io::{CloseCode, Message};
use tokio::net::{TcpListener, TcpStream};

async fn service(mut request: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
    Ok(accept_echo(&mut request).map(|()| Empty::new()))
}

/// A hyper server on 127.0.0.1 speaking `version` only, with or without extended
/// CONNECT; its address.
async fn serve(version: Version, connect_protocol: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let io = TokioIo::new(tcp);
            tokio::spawn(async move {
                let served = if version == Version::HTTP_2 {
                    let mut builder =
                        hyper::server::conn::http2::Builder::new(TokioExecutor::new());
                    if connect_protocol {
                        builder.enable_connect_protocol();
                    }
                    builder.serve_connection(io, service_fn(service)).await
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service_fn(service))
                        .with_upgrades()
                        .await
                };
                let _ = served;
            });
        }
    });
    addr
}

async fn round_trips(ws: &mut WebSocket<TokioIo<hyper::upgrade::Upgraded>, OsRandom>) {
    ws.send(Message::text("hello ✓")).await.unwrap();
    assert_eq!(
        ws.recv_owned().await.unwrap(),
        Some(Message::text("hello ✓"))
    );
    let data: Vec<u8> = (0..=255).collect();
    ws.send(Message::binary(data.clone())).await.unwrap();
    assert_eq!(ws.recv_owned().await.unwrap(), Some(Message::binary(data)));
    ws.send_ping(b"are you there?").await.unwrap();
    assert_eq!(
        ws.recv_owned().await.unwrap(),
        Some(Message::Pong(Bytes::from_static(b"are you there?")))
    );
    // `close` returns the code of the peer's Close, 1006 if none came: ours echoed.
    assert_eq!(
        ws.close(CloseCode::NORMAL, "done").await.unwrap(),
        CloseCode::NORMAL
    );
    assert_eq!(ws.recv_owned().await.unwrap(), None);
}

/// RFC 6455 §4.1, §4.2.2 over hyper's HTTP/1.1 server and client: 101, the accept
/// value checked from the `http::Response`, then frames over `hyper::upgrade::on`.
#[tokio::test]
async fn rfc_6455_http11_upgrade_through_hyper_both_ways() {
    let addr = serve(Version::HTTP_11, false).await;
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn.with_upgrades());
    let offer = DeflateConfig::default().offer();
    let offers = [offer.as_str()];
    let client = ClientRequest::new(&addr, "/ws", random_nonce()).extensions(&offers);
    let request = client
        .to_http::<Protocol>(Version::HTTP_11)
        .unwrap()
        .map(|()| Empty::<Bytes>::new());
    let mut response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 101);
    let deflate = match client.check_http_response(&response).unwrap() {
        HandshakeResponse::Accepted(accepted) => DeflateConfig::default()
            .check_response(accepted.extensions())
            .unwrap(),
        HandshakeResponse::Rejected(r) => panic!("refused with {}", r.status()),
    };
    assert!(
        deflate.is_some(),
        "permessage-deflate negotiated through the http types"
    );
    let upgraded = hyper::upgrade::on(&mut response).await.unwrap();
    let options = options();
    let config = options.config.permessage_deflate(deflate);
    let mut ws = from_upgraded_client(TokioIo::new(upgraded), config, &options);
    tokio::time::timeout(Duration::from_secs(10), round_trips(&mut ws))
        .await
        .unwrap();
}

/// RFC 6455 §4.2.1 through hyper: a request that fails a check gets the error's status
/// and headers, here 426 with `Sec-WebSocket-Version: 13` (§4.4).
#[tokio::test]
async fn rfc_6455_4_4_wrong_version_gets_426_through_hyper() {
    let addr = serve(Version::HTTP_11, false).await;
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut request = ClientRequest::new(&addr, "/ws", random_nonce())
        .to_http::<Protocol>(Version::HTTP_11)
        .unwrap()
        .map(|()| Empty::<Bytes>::new());
    request
        .headers_mut()
        .insert("sec-websocket-version", "8".parse().unwrap());
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 426);
    assert_eq!(response.headers()["sec-websocket-version"], "13");
}

/// RFC 8441 §4, §5 over hyper's HTTP/2 server (`enable_connect_protocol`) and client:
/// CONNECT with `:protocol websocket`, 200, frames over the h2 stream.
#[tokio::test]
async fn rfc_8441_extended_connect_through_hyper_h2_both_ways() {
    let addr = serve(Version::HTTP_2, true).await;
    let mut ws = connect_h2(&addr, "/ws").await.unwrap();
    assert!(
        ws.connection().permessage_deflate().is_some(),
        "permessage-deflate negotiated over HTTP/2"
    );
    tokio::time::timeout(Duration::from_secs(10), round_trips(&mut ws))
        .await
        .unwrap();
}

/// RFC 8441 §3: a client must not send `:protocol` to a server that did not send
/// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1; hyper's client refuses with an error, no
/// hang and no panic.
#[tokio::test]
async fn rfc_8441_3_server_without_the_setting_is_refused_cleanly() {
    let addr = serve(Version::HTTP_2, false).await;
    let refused = tokio::time::timeout(Duration::from_secs(10), connect_h2(&addr, "/ws"))
        .await
        .expect("refused promptly");
    assert!(
        refused.is_err(),
        "extended CONNECT went through without the setting"
    );
}
