//! WebSocket over HTTP/3 (RFC 9220), live on loopback: the echo server and the client of
//! this package on quinn + h3, with a certificate made here for `localhost`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use h3::ext::Protocol;
use http::{HeaderValue, Method, Version};
use rfc6455::extensions::deflate::DeflateConfig;
use rfc6455::handshake::{random_nonce, ClientRequest, RequestError};
use rfc6455_io::{CloseCode, Message, Options};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use h3_echo::{client_endpoint, connect, send_request, serve, server_endpoint, ProtocolName};

/// Runs `test` on a runtime of its own, failing it after ten seconds.
fn run<F: Future<Output = ()>>(test: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(10), test)
                .await
                .expect("the test took too long")
        });
}

/// The echo server on an OS-chosen loopback port, and a client endpoint that trusts
/// its certificate.
fn start(options: Options) -> (SocketAddr, quinn::Endpoint) {
    start_with(options, true)
}

fn start_with(options: Options, extended_connect: bool) -> (SocketAddr, quinn::Endpoint) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let der = CertificateDer::from(cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(signing_key.serialize_der().into());
    let server = server_endpoint(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        vec![der.clone()],
        key,
    )
    .unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(serve(server, Arc::new(options), extended_connect));
    (addr, client_endpoint(der).unwrap())
}

fn deflate_options() -> Options {
    Options::default().deflate(Some(DeflateConfig::default()))
}

#[test]
fn text_and_binary_are_echoed_and_the_close_completes() {
    run(async {
        let (addr, client) = start(Options::default());
        let mut ws = connect(&client, addr, "localhost", "/echo", &Options::default())
            .await
            .unwrap();
        assert!(ws.connection().permessage_deflate().is_none());
        ws.send_text("hello over h3").await.unwrap();
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::text("hello over h3"))
        );
        // Larger than a QUIC packet and than one read, so it crosses DATA frames.
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        ws.send_binary(&data).await.unwrap();
        assert_eq!(ws.recv_owned().await.unwrap(), Some(Message::binary(data)));
        assert_eq!(
            ws.close(CloseCode::NORMAL, "done").await.unwrap(),
            CloseCode::NORMAL
        );
        assert_eq!(ws.recv_owned().await.unwrap(), None);
    });
}

#[test]
fn a_ping_is_answered_with_its_pong() {
    run(async {
        let (addr, client) = start(Options::default());
        let mut ws = connect(&client, addr, "localhost", "/echo", &Options::default())
            .await
            .unwrap();
        ws.send_ping(b"are you there").await.unwrap();
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::Pong(bytes::Bytes::from_static(b"are you there")))
        );
        assert_eq!(
            ws.close(CloseCode::NORMAL, "").await.unwrap(),
            CloseCode::NORMAL
        );
    });
}

#[test]
fn the_servers_close_answers_ours_and_the_stream_ends() {
    run(async {
        let (addr, client) = start(Options::default());
        let mut ws = connect(&client, addr, "localhost", "/echo", &Options::default())
            .await
            .unwrap();
        ws.send(Message::Close {
            code: CloseCode::GOING_AWAY,
            reason: "bye".into(),
        })
        .await
        .unwrap();
        // The server's Close echoes our code (its reason is its own), then it finishes
        // the request stream, which ends ours.
        match ws.recv_owned().await.unwrap() {
            Some(Message::Close { code, .. }) => assert_eq!(code, CloseCode::GOING_AWAY),
            other => panic!("expected the server's Close, got {other:?}"),
        }
        assert_eq!(ws.recv_owned().await.unwrap(), None);
    });
}

#[test]
fn permessage_deflate_is_negotiated_through_the_http_types() {
    run(async {
        let (addr, client) = start(deflate_options());
        let mut ws = connect(&client, addr, "localhost", "/echo", &deflate_options())
            .await
            .unwrap();
        assert!(ws.connection().permessage_deflate().is_some());
        let text = "compress me ".repeat(10_000);
        ws.send_text(&text).await.unwrap();
        assert_eq!(ws.recv_owned().await.unwrap(), Some(Message::text(text)));
        // The echo of 120,000 bytes came compressed.
        let received = ws.get_ref().received();
        assert!(received < 2_000, "{received} bytes on the wire");
        ws.send_binary(&[0u8; 50_000]).await.unwrap();
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::binary(vec![0u8; 50_000]))
        );
        assert_eq!(
            ws.close(CloseCode::NORMAL, "").await.unwrap(),
            CloseCode::NORMAL
        );
    });
}

#[test]
fn the_accept_response_on_the_wire_is_200_with_the_deflate_answer() {
    run(async {
        let (addr, client) = start(deflate_options());
        let offer = DeflateConfig::default().offer();
        let offers = [offer.as_str()];
        let request = ClientRequest::new("localhost", "/echo", random_nonce())
            .scheme("https")
            .extensions(&offers)
            .to_http::<ProtocolName>(Version::HTTP_3)
            .unwrap();
        assert_eq!(request.method(), Method::CONNECT);
        let sent = send_request(&client, addr, "localhost", request)
            .await
            .unwrap();
        assert_eq!(sent.response.status(), 200);
        let extensions = sent.response.headers()["sec-websocket-extensions"]
            .to_str()
            .unwrap();
        assert!(extensions.starts_with("permessage-deflate"), "{extensions}");
        // RFC 8441 §5: no Sec-WebSocket-Accept on extended CONNECT.
        assert!(!sent.response.headers().contains_key("sec-websocket-accept"));
    });
}

/// An extended CONNECT as rfc6455 builds it, for the tests to spoil.
fn websocket_request() -> http::Request<()> {
    ClientRequest::new("localhost", "/echo", random_nonce())
        .scheme("https")
        .to_http::<ProtocolName>(Version::HTTP_3)
        .unwrap()
}

#[test]
fn a_connect_without_protocol_is_refused_with_400() {
    run(async {
        let (addr, client) = start(Options::default());
        let mut request = websocket_request();
        assert!(request.extensions_mut().remove::<ProtocolName>().is_some());
        let sent = send_request(&client, addr, "localhost", request)
            .await
            .unwrap();
        let expected = RequestError::ProtocolNotWebSocket.to_http(Version::HTTP_3);
        assert_eq!(sent.response.status(), expected.status());
        assert_eq!(sent.response.status(), 400);
    });
}

#[test]
fn a_connect_with_another_protocol_is_refused_with_400() {
    run(async {
        let (addr, client) = start(Options::default());
        let mut request = websocket_request();
        request.extensions_mut().remove::<ProtocolName>();
        request.extensions_mut().insert(Protocol::WEB_TRANSPORT);
        let sent = send_request(&client, addr, "localhost", request)
            .await
            .unwrap();
        assert_eq!(sent.response.status(), 400);
    });
}

#[test]
fn a_wrong_websocket_version_is_refused_with_426_and_the_supported_one() {
    run(async {
        let (addr, client) = start(Options::default());
        let mut request = websocket_request();
        request
            .headers_mut()
            .insert("sec-websocket-version", HeaderValue::from_static("8"));
        let sent = send_request(&client, addr, "localhost", request)
            .await
            .unwrap();
        let expected = RequestError::UnsupportedVersion.to_http(Version::HTTP_3);
        assert_eq!(sent.response.status(), expected.status());
        assert_eq!(sent.response.status(), 426);
        assert_eq!(sent.response.headers()["sec-websocket-version"], "13");
    });
}

#[test]
fn a_server_without_extended_connect_gets_no_websocket_request() {
    run(async {
        let (addr, client) = start_with(Options::default(), false);
        let refused = connect(&client, addr, "localhost", "/echo", &Options::default()).await;
        let error = refused.err().expect("the client to refuse");
        assert_eq!(error.kind(), std::io::ErrorKind::Unsupported, "{error}");
    });
}
