//! `wss://` in both drivers' `connect`: the TLS client configuration and the name the
//! server's certificate must carry, or, without the `rustls` feature, the error that
//! says what is missing.

#[cfg(feature = "rustls")]
use std::io;
#[cfg(feature = "rustls")]
use std::sync::{Arc, OnceLock};

#[cfg(feature = "rustls")]
use rustls::crypto::CryptoProvider;
#[cfg(feature = "rustls")]
use rustls::pki_types::ServerName;
#[cfg(feature = "rustls")]
use rustls::{ClientConfig, RootCertStore};

#[cfg(feature = "rustls")]
use crate::Options;
use crate::{Error, WsUrl};

/// The refusal of a `wss://` URL by a build that cannot speak TLS.
#[cfg(not(feature = "rustls"))]
pub(crate) fn unsupported(url: &WsUrl) -> Error {
    Error::Url(format!(
        "{url}: wss:// needs the `rustls` feature of rfc6455-io"
    ))
}

/// [`Options::tls`], or else the default: Mozilla's roots and rustls's safe defaults.
#[cfg(feature = "rustls")]
pub(crate) fn client_config(options: &Options) -> Result<Arc<ClientConfig>, Error> {
    if let Some(config) = &options.tls {
        return Ok(Arc::clone(config));
    }
    // One default for the process: its session cache lets a later connection to the
    // same host resume TLS instead of doing the full handshake again.
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = DEFAULT.get() {
        return Ok(Arc::clone(config));
    }
    // A provider the application installed (aws-lc-rs, a FIPS build) wins over ring,
    // which is only what this crate brings along.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::clone(DEFAULT.get_or_init(|| Arc::new(config))))
}

/// The URL's host as the name to send (SNI) and to verify the certificate against.
#[cfg(feature = "rustls")]
pub(crate) fn server_name(url: &WsUrl) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(url.host.clone()).map_err(|_| Error::Url(url.to_string()))
}
