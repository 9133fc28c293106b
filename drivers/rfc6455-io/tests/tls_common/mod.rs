//! A self-signed certificate for `localhost`, made at test time, and the rustls
//! configurations on both sides of it.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// A server that presents the certificate, and a client that trusts it alone.
pub struct Pki {
    pub server: Arc<ServerConfig>,
    pub client: Arc<ClientConfig>,
}

pub fn pki() -> Pki {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert: CertificateDer<'static> = cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Pki {
        server: Arc::new(server),
        client: Arc::new(client),
    }
}

/// The rustls error inside an `Error::Io`, where a failed TLS handshake puts it.
pub fn rustls_error(error: &rfc6455_io::Error) -> Option<&rustls::Error> {
    match error {
        rfc6455_io::Error::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            e.get_ref()?.downcast_ref()
        }
        _ => None,
    }
}

/// A client refused the server's certificate as signed by no root it trusts.
pub fn assert_unknown_issuer(error: &rfc6455_io::Error) {
    assert!(
        matches!(
            rustls_error(error),
            Some(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        ),
        "{error:?}"
    );
}
