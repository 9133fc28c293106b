//! The stream of [`connect`](super::connect): TCP for `ws://`, TLS over TCP for
//! `wss://`, and opening it within `handshake_timeout`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::net::TcpStream;
use ::tokio::time::timeout;

use crate::url::WsUrl;
use crate::{Error, Options};

/// The transport of [`connect`](super::connect): TCP for `ws://`, TLS over TCP for
/// `wss://` (feature `rustls`).
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTls {
    /// `ws://`: the TCP stream.
    Plain(TcpStream),
    /// `wss://`: tokio-rustls's client over the TCP stream (boxed: the session is
    /// large).
    #[cfg(feature = "rustls")]
    Rustls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl MaybeTls {
    /// The TCP stream underneath, for its addresses and socket options.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            MaybeTls::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => tls.get_ref().0,
        }
    }
}

/// TCP to the URL's host, then for `wss` the TLS handshake, within
/// `handshake_timeout`.
pub(super) async fn open(url: &WsUrl, options: &Options) -> Result<MaybeTls, Error> {
    #[cfg(not(feature = "rustls"))]
    if url.secure {
        return Err(crate::tls::unsupported(url));
    }
    let open = async {
        let tcp = TcpStream::connect(url.socket_addr()).await?;
        tcp.set_nodelay(true)?;
        #[cfg(feature = "rustls")]
        if url.secure {
            let connector = tokio_rustls::TlsConnector::from(crate::tls::client_config(options)?);
            let tls = connector
                .connect(crate::tls::server_name(url)?, tcp)
                .await?;
            return Ok(MaybeTls::Rustls(Box::new(tls)));
        }
        Ok::<_, Error>(MaybeTls::Plain(tcp))
    };
    timeout(options.handshake_timeout, open)
        .await
        .map_err(|_| Error::HandshakeTimeout)?
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => match Pin::new(&mut **tls).poll_read(cx, buf) {
                // TCP ended without close_notify: a peer that crashed, or one that
                // skips it. The end of input it is, as over plain TCP: `read_eof`
                // makes it a 1006 Close unless the closing handshake was done, and no
                // truncation can forge a WebSocket Close.
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    Poll::Ready(Ok(()))
                }
                other => other,
            },
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => Pin::new(&mut **tls).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => Pin::new(&mut **tls).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(tcp) => tcp.is_write_vectored(),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => Pin::new(&mut **tls).poll_flush(cx),
        }
    }

    /// For TLS, `close_notify` and then the TCP FIN.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            #[cfg(feature = "rustls")]
            MaybeTls::Rustls(tls) => Pin::new(&mut **tls).poll_shutdown(cx),
        }
    }
}
