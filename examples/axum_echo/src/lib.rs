//! What the echo server, the HTTP/2 client and the tests share: the WebSocket side of
//! hyper's upgrade through `rfc6455`'s `http` feature, with permessage-deflate when the
//! handshake agreed on it. Once hyper hands over the IO, `rfc6455-io`'s tokio driver
//! runs the connection.

use std::io;

use bytes::Bytes;
use http::{Request, Response, Version};
use http_body_util::Empty;
use hyper::ext::Protocol;
use hyper::upgrade::Upgraded;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455_io::rfc6455::extensions::deflate::{DeflateConfig, DeflateParams};
use rfc6455_io::rfc6455::handshake::{
    random_nonce, AcceptResponse, ClientRequest, HandshakeRequest, HandshakeResponse,
};
use rfc6455_io::rfc6455::OsRandom;
use rfc6455_io::tokio::{from_upgraded, from_upgraded_client, WebSocket};
use rfc6455_io::{Error, Options};
use tokio::net::TcpStream;

/// The largest message echoed: the interop peers send 1 MiB, exactly the driver's
/// default limit, which leaves them no headroom.
const MAX_MESSAGE: u64 = 64 << 20;

/// The driver's defaults (keepalive, closing timeout) with the message limit above, for
/// both roles.
pub fn options() -> Options {
    Options::default().max_message_size(MAX_MESSAGE)
}

/// The server's side of an upgrade, for any hyper-based stack (axum included): validates
/// the request, HTTP/1.1 Upgrade or HTTP/2 extended CONNECT alike, negotiates
/// permessage-deflate, and once hyper hands over the IO echoes every message on it. The
/// response is what to answer with: 101, 200, or the rejection the error names.
pub fn accept_echo<B>(request: &mut Request<B>) -> Response<()> {
    let on_upgrade = hyper::upgrade::on(&mut *request);
    let handshake = match HandshakeRequest::from_http::<Protocol, _>(request) {
        Ok(handshake) => handshake,
        Err(e) => return e.to_http(request.version()),
    };
    let deflate = DeflateConfig::default().accept(handshake.extensions());
    let answer = deflate.map(|p| p.response());
    let answers: Vec<&str> = answer.iter().map(|a| a.as_str()).collect();
    let response = match AcceptResponse::new(&handshake)
        .extensions(&answers)
        .to_http()
    {
        Ok(response) => response,
        Err(e) => {
            eprintln!("cannot answer: {e}");
            return Response::builder().status(500).body(()).unwrap_or_default();
        }
    };
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                if let Err(e) = echo(TokioIo::new(upgraded), deflate).await {
                    eprintln!("connection ended: {e}");
                }
            }
            Err(e) => eprintln!("upgrade failed: {e}"),
        }
    });
    response
}

async fn echo(io: TokioIo<Upgraded>, deflate: Option<DeflateParams>) -> Result<(), Error> {
    let options = options();
    let mut ws = from_upgraded(io, options.config.permessage_deflate(deflate), &options);
    while let Some(m) = ws.recv_owned().await? {
        if m.is_data() {
            ws.send(m).await?
        }
    }
    Ok(())
}

/// A client over hyper's HTTP/2 client: an extended CONNECT (RFC 8441) to `path` on the
/// server at `addr`, offering permessage-deflate.
pub async fn connect_h2(
    addr: &str,
    path: &str,
) -> Result<WebSocket<TokioIo<Upgraded>, OsRandom>, Error> {
    let tcp = TcpStream::connect(addr).await?;
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .map_err(io::Error::other)?;
    tokio::spawn(conn);
    let offer = DeflateConfig::default().offer();
    let offers = [offer.as_str()];
    let client = ClientRequest::new(addr, path, random_nonce())
        .scheme("http")
        .extensions(&offers);
    let request = client
        .to_http::<Protocol>(Version::HTTP_2)
        .map_err(io::Error::other)?
        .map(|()| Empty::<Bytes>::new());
    // The server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3) arrives with its first
    // SETTINGS frame; `ready` has the connection read it before the request goes out.
    sender.ready().await.map_err(io::Error::other)?;
    let mut response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let deflate = match client.check_http_response(&response)? {
        HandshakeResponse::Accepted(accepted) => DeflateConfig::default()
            .check_response(accepted.extensions())
            .map_err(Error::Deflate)?,
        HandshakeResponse::Rejected(rejected) => {
            return Err(Error::Refused {
                status: rejected.status(),
            })
        }
    };
    let upgraded = hyper::upgrade::on(&mut response)
        .await
        .map_err(io::Error::other)?;
    let io = TokioIo::new(upgraded);
    let options = options();
    let config = options.config.permessage_deflate(deflate);
    Ok(from_upgraded_client(io, config, &options))
}
