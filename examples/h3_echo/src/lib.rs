//! WebSocket over HTTP/3 (RFC 9220) on quinn, h3 and h3-quinn: the extended CONNECT
//! handshake goes through rfc6455's `http` conversions, and the WebSocket frames run
//! over the request stream's DATA frames, driven by rfc6455-io's tokio driver through
//! [`H3Io`], an `AsyncRead + AsyncWrite` view of the stream.
//!
//! [`serve`] echoes text and binary messages for every extended CONNECT with
//! `:protocol websocket`, and answers any other request with the rejection rfc6455
//! names for it. [`connect`] is the client, which sends its extended CONNECT only once
//! the server's SETTINGS enable it; [`send_request`] sends a request as given, for the
//! tests of the rejections.

use std::borrow::Cow;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use h3::error::StreamError;
use h3::ext::Protocol;
use h3::ConnectionState;
use http::{Request, Response, Version};
use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use rfc6455::extensions::deflate::DeflateConfig;
use rfc6455::handshake::{
    random_nonce, AcceptResponse, ClientRequest, HandshakeRequest, HandshakeResponse,
};
use rfc6455::OsRandom;
use rfc6455_io::tokio::{from_upgraded, from_upgraded_client, WebSocket};
use rfc6455_io::Options;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The ALPN token of HTTP/3 (RFC 9114 §3.1).
const ALPN_H3: &[u8] = b"h3";

/// How long a client waits for the server's SETTINGS before an extended CONNECT.
const SETTINGS_TIMEOUT: Duration = Duration::from_secs(5);

/// `:protocol` as rfc6455's `http` conversions read and write it. h3's own
/// [`Protocol`] has neither `AsRef<[u8]>` nor `From<&str>`, so the request carries this
/// one while rfc6455 looks at it and h3's on the wire side; see [`to_h3_protocol`].
#[derive(Clone, Debug)]
pub struct ProtocolName(String);

impl AsRef<[u8]> for ProtocolName {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<&'static str> for ProtocolName {
    fn from(name: &'static str) -> Self {
        ProtocolName(name.to_owned())
    }
}

/// Replaces a request's [`ProtocolName`] with h3's [`Protocol`], which h3 encodes as
/// `:protocol`; a name h3 does not know is an error.
pub fn to_h3_protocol<B>(request: &mut Request<B>) -> io::Result<()> {
    if let Some(ProtocolName(name)) = request.extensions_mut().remove::<ProtocolName>() {
        let protocol = Protocol::from_str(&name).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("h3 cannot send :protocol {name}"),
            )
        })?;
        request.extensions_mut().insert(protocol);
    }
    Ok(())
}

/// A QUIC server endpoint on `addr` speaking HTTP/3 with this certificate chain and key.
pub fn server_endpoint(
    addr: SocketAddr,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> io::Result<quinn::Endpoint> {
    let mut tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(io::Error::other)?;
    tls.alpn_protocols = vec![ALPN_H3.to_vec()];
    let crypto = QuicServerConfig::try_from(tls).map_err(io::Error::other)?;
    quinn::Endpoint::server(quinn::ServerConfig::with_crypto(Arc::new(crypto)), addr)
}

/// A QUIC client endpoint on an OS-chosen loopback port, trusting only `root`.
pub fn client_endpoint(root: CertificateDer<'static>) -> io::Result<quinn::Endpoint> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root).map_err(io::Error::other)?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![ALPN_H3.to_vec()];
    let crypto = QuicClientConfig::try_from(tls).map_err(io::Error::other)?;
    let mut endpoint = quinn::Endpoint::client(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    endpoint.set_default_client_config(quinn::ClientConfig::new(Arc::new(crypto)));
    Ok(endpoint)
}

/// ring, named rather than left to rustls's process-wide default, which follows the
/// crate features that anything else in a build turns on.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts connections on `endpoint` until it is closed, each on a task of its own.
/// `options.deflate` set: permessage-deflate is accepted when offered.
/// `extended_connect` is SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220 §3), without which
/// a client may not send an extended CONNECT; off only to show that refusal.
pub async fn serve(endpoint: quinn::Endpoint, options: Arc<Options>, extended_connect: bool) {
    while let Some(incoming) = endpoint.accept().await {
        let options = options.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_connection(incoming, options, extended_connect).await {
                eprintln!("h3 connection ended: {e}");
            }
        });
    }
}

async fn serve_connection(
    incoming: quinn::Incoming,
    options: Arc<Options>,
    extended_connect: bool,
) -> io::Result<()> {
    let conn = incoming.await?;
    let mut h3 = h3::server::builder()
        .enable_extended_connect(extended_connect)
        .build::<_, Bytes>(h3_quinn::Connection::new(conn))
        .await
        .map_err(io::Error::other)?;
    loop {
        match h3.accept().await {
            Ok(Some(resolver)) => {
                let options = options.clone();
                tokio::spawn(async move {
                    match resolver.resolve_request().await {
                        Ok((request, stream)) => {
                            if let Err(e) = serve_request(request, stream, &options).await {
                                eprintln!("h3 request ended: {e}");
                            }
                        }
                        Err(e) => eprintln!("h3 request refused: {e}"),
                    }
                });
            }
            Ok(None) => return Ok(()),
            Err(e) if e.is_h3_no_error() => return Ok(()),
            Err(e) => return Err(io::Error::other(e)),
        }
    }
}

type ServerStream = h3::server::RequestStream<h3_quinn::BidiStream<Bytes>, Bytes>;

async fn serve_request(
    mut request: Request<()>,
    mut stream: ServerStream,
    options: &Options,
) -> io::Result<()> {
    if let Some(protocol) = request.extensions().get::<Protocol>() {
        let name = ProtocolName(protocol.as_str().to_owned());
        request.extensions_mut().insert(name);
    }
    let (response, config) = match HandshakeRequest::from_http::<ProtocolName, _>(&request) {
        Ok(handshake) => {
            let deflate = options
                .deflate
                .as_ref()
                .and_then(|d| d.accept(handshake.extensions()));
            let answer = deflate.map(|p| p.response());
            let answers: Vec<&str> = answer.iter().map(|a| a.as_str()).collect();
            let response = AcceptResponse::new(&handshake)
                .extensions(&answers)
                .to_http()
                .map_err(io::Error::other)?;
            (response, Some(options.config.permessage_deflate(deflate)))
        }
        Err(e) => (e.to_http(Version::HTTP_3), None),
    };
    stream
        .send_response(response)
        .await
        .map_err(io::Error::other)?;
    let Some(config) = config else {
        return stream.finish().await.map_err(io::Error::other);
    };
    let (send, recv) = stream.split();
    let mut ws = from_upgraded(H3Io::new(send, recv, ()), config, options);
    while let Some(message) = ws.recv_owned().await.map_err(io::Error::other)? {
        if message.is_data() {
            ws.send(message).await.map_err(io::Error::other)?;
        }
    }
    Ok(())
}

type Requests = h3::client::SendRequest<h3_quinn::OpenStreams, Bytes>;
type ClientStream = h3::client::RequestStream<h3_quinn::BidiStream<Bytes>, Bytes>;

/// The client's view of the request stream. It holds the connection's last
/// [`h3::client::SendRequest`], since dropping that closes the connection.
pub type ClientIo = H3Io<
    h3::client::RequestStream<h3_quinn::SendStream<Bytes>, Bytes>,
    h3::client::RequestStream<h3_quinn::RecvStream, Bytes>,
    Requests,
>;

/// A request on a connection of its own, as sent, and the response to it.
pub struct Sent {
    pub response: Response<()>,
    pub stream: ClientStream,
    /// The connection's only `SendRequest`: dropping it closes the connection.
    requests: Requests,
}

/// Opens an HTTP/3 connection to `addr` (its certificate checked for `server_name`)
/// and sends `request` on it as is, after [`to_h3_protocol`]; an extended CONNECT only
/// once the server's SETTINGS allow it.
pub async fn send_request(
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
    server_name: &str,
    mut request: Request<()>,
) -> io::Result<Sent> {
    to_h3_protocol(&mut request)?;
    let extended = request.extensions().get::<Protocol>().is_some();
    let conn = endpoint
        .connect(addr, server_name)
        .map_err(io::Error::other)?
        .await?;
    let (mut driver, mut requests) = h3::client::new(h3_quinn::Connection::new(conn))
        .await
        .map_err(io::Error::other)?;
    tokio::spawn(async move {
        let closed = poll_fn(|cx| driver.poll_close(cx)).await;
        if !closed.is_h3_no_error() {
            eprintln!("h3 client connection ended: {closed}");
        }
    });
    if extended {
        extended_connect_allowed(&requests).await?;
    }
    let mut stream = requests
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let response = stream.recv_response().await.map_err(io::Error::other)?;
    Ok(Sent {
        response,
        stream,
        requests,
    })
}

/// Waits for the server's SETTINGS and checks SETTINGS_ENABLE_CONNECT_PROTOCOL = 1
/// (RFC 9220 §3). h3 stores them when its driver reads them, with nothing to wait on,
/// hence the polling; they are borrowed once stored, and a default before.
async fn extended_connect_allowed(requests: &Requests) -> io::Result<()> {
    let deadline = tokio::time::Instant::now() + SETTINGS_TIMEOUT;
    loop {
        if let Cow::Borrowed(settings) = requests.settings() {
            if settings.enable_extended_connect() {
                return Ok(());
            }
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the server did not enable extended CONNECT",
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no SETTINGS from the server",
            ));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A WebSocket client over HTTP/3: the extended CONNECT to `https://server_name/path`
/// built by rfc6455 (offering permessage-deflate when `options.deflate` is set), its
/// response checked by rfc6455, then the connection over the request stream.
pub async fn connect(
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
    server_name: &str,
    path: &str,
    options: &Options,
) -> io::Result<WebSocket<ClientIo, OsRandom>> {
    let offer = options.deflate.as_ref().map(DeflateConfig::offer);
    let offers: Vec<&str> = offer.iter().map(|o| o.as_str()).collect();
    let client = ClientRequest::new(server_name, path, random_nonce())
        .scheme("https")
        .extensions(&offers);
    let request = client
        .to_http::<ProtocolName>(Version::HTTP_3)
        .map_err(io::Error::other)?;
    let sent = send_request(endpoint, addr, server_name, request).await?;
    let deflate = match client
        .check_http_response(&sent.response)
        .map_err(io::Error::other)?
    {
        HandshakeResponse::Accepted(accepted) => match &options.deflate {
            Some(deflate) => deflate
                .check_response(accepted.extensions())
                .map_err(io::Error::other)?,
            None => None,
        },
        HandshakeResponse::Rejected(rejected) => {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!("refused with {}", rejected.status()),
            ))
        }
    };
    let config = options.config.permessage_deflate(deflate);
    let (send, recv) = sent.stream.split();
    let io = H3Io::new(send, recv, sent.requests);
    Ok(from_upgraded_client(io, config, options))
}

type Sending<S> = Pin<Box<dyn Future<Output = (S, Result<(), StreamError>)> + Send>>;

/// The sending half of an h3 request stream, owned by the future that sends on it,
/// since h3 sends only through `async fn`s.
pub trait SendHalf: Sized + Send + 'static {
    /// Sends `data` as a DATA frame.
    fn send(self, data: Bytes) -> Sending<Self>;
    /// Ends the stream (QUIC FIN), the end of the WebSocket's byte stream.
    fn finish(self) -> Sending<Self>;
}

/// The receiving half of an h3 request stream.
pub trait RecvHalf: Unpin {
    /// The next DATA frame's payload, `None` at the end of the stream.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>, StreamError>>;
}

/// The halves of the server's and of the client's request streams, which h3 types
/// apart.
macro_rules! halves {
    ($($side:ident),*) => {$(
        impl SendHalf for h3::$side::RequestStream<h3_quinn::SendStream<Bytes>, Bytes> {
            fn send(mut self, data: Bytes) -> Sending<Self> {
                Box::pin(async move {
                    let sent = self.send_data(data).await;
                    (self, sent)
                })
            }

            fn finish(mut self) -> Sending<Self> {
                Box::pin(async move {
                    let finished = h3::$side::RequestStream::finish(&mut self).await;
                    (self, finished)
                })
            }
        }

        impl RecvHalf for h3::$side::RequestStream<h3_quinn::RecvStream, Bytes> {
            fn poll_recv(
                &mut self,
                cx: &mut Context<'_>,
            ) -> Poll<Result<Option<Bytes>, StreamError>> {
                self.poll_recv_data(cx)
                    .map_ok(|data| data.map(|mut data| data.copy_to_bytes(data.remaining())))
            }
        }
    )*};
}

halves!(server, client);

enum Sender<S> {
    Idle(S),
    Sending(Sending<S>),
    Finishing(Sending<S>),
    /// Finished, or failed: nothing more can be sent.
    Done,
}

/// An h3 request stream as a byte stream: reads are the payloads of the peer's DATA
/// frames, each write goes out as one DATA frame, and shutdown finishes the stream.
/// A write is taken at once and sent in the background; the next write, flush or
/// shutdown waits for it, so at most one write is in flight. `keep` is held for as
/// long as the stream, for what must outlive it.
pub struct H3Io<S, R, K> {
    send: Sender<S>,
    recv: R,
    /// Received and not yet read.
    pending: Bytes,
    received: u64,
    _keep: K,
}

impl<S: SendHalf + Unpin, R: RecvHalf, K: Unpin> H3Io<S, R, K> {
    pub fn new(send: S, recv: R, keep: K) -> Self {
        H3Io {
            send: Sender::Idle(send),
            recv,
            pending: Bytes::new(),
            received: 0,
            _keep: keep,
        }
    }

    /// The bytes of WebSocket frames received so far, what the peer put on the wire.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Drives the write or finish in flight to its end.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (sending, finishing) = match &mut self.send {
            Sender::Idle(_) => return Poll::Ready(Ok(())),
            Sender::Sending(sending) => (sending, false),
            Sender::Finishing(sending) => (sending, true),
            Sender::Done => return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        };
        let (sender, result) = ready!(sending.as_mut().poll(cx));
        self.send = match result {
            Ok(()) if !finishing => Sender::Idle(sender),
            _ => Sender::Done,
        };
        Poll::Ready(result.map_err(io::Error::other))
    }
}

impl<S: SendHalf + Unpin, R: RecvHalf, K: Unpin> AsyncRead for H3Io<S, R, K> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.pending.is_empty() {
            match ready!(this.recv.poll_recv(cx)).map_err(io::Error::other)? {
                Some(data) => {
                    this.received += data.len() as u64;
                    this.pending = data;
                }
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = this.pending.len().min(buf.remaining());
        buf.put_slice(&this.pending.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl<S: SendHalf + Unpin, R: RecvHalf, K: Unpin> AsyncWrite for H3Io<S, R, K> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_done(cx))?;
        if let Sender::Idle(sender) = std::mem::replace(&mut this.send, Sender::Done) {
            this.send = Sender::Sending(sender.send(Bytes::copy_from_slice(buf)));
        }
        // Polled once now, so that the frame is on its way before the next call.
        if let Poll::Ready(Err(e)) = this.poll_done(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_done(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match std::mem::replace(&mut this.send, Sender::Done) {
            Sender::Done => return Poll::Ready(Ok(())),
            Sender::Idle(sender) => this.send = Sender::Finishing(sender.finish()),
            sending => {
                this.send = sending;
                if matches!(this.send, Sender::Sending(_)) {
                    ready!(this.poll_done(cx))?;
                    if let Sender::Idle(sender) = std::mem::replace(&mut this.send, Sender::Done) {
                        this.send = Sender::Finishing(sender.finish());
                    }
                }
            }
        }
        this.poll_done(cx)
    }
}
