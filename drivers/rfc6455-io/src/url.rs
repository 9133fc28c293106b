//! `ws://` and `wss://` URLs (RFC 6455 §3), split into what the handshake needs.

use core::fmt;

use crate::Error;

/// A parsed WebSocket URL.
///
/// ```
/// use rfc6455_io::WsUrl;
/// let url = WsUrl::parse("ws://quotes.example:8080/stock_info/?encoding=text")?;
/// assert_eq!(url.host, "quotes.example");
/// assert_eq!(url.port, 8080);
/// assert_eq!(url.resource, "/stock_info/?encoding=text");
/// assert!(!url.secure);
/// # Ok::<(), rfc6455_io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WsUrl {
    /// `wss`.
    pub secure: bool,
    /// The host, without brackets for IPv6.
    pub host: String,
    /// The port (80 for `ws`, 443 for `wss` when not given).
    pub port: u16,
    /// Path and query, `/` at least (§3: the fragment is not allowed).
    pub resource: String,
    explicit_port: bool,
}

impl WsUrl {
    /// Parses `url`; the scheme is case-insensitive.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let bad = || Error::Url(url.to_owned());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let secure = if scheme.eq_ignore_ascii_case("ws") {
            false
        } else if scheme.eq_ignore_ascii_case("wss") {
            true
        } else {
            return Err(bad());
        };
        if rest.contains('#') {
            return Err(bad());
        }
        let (authority, resource) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        if authority.contains('@') {
            return Err(bad());
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(bad)?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        let explicit_port = port.is_some();
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if secure => 443,
            None => 80,
        };
        Ok(WsUrl {
            secure,
            host: host.to_owned(),
            port,
            resource,
            explicit_port,
        })
    }

    /// `host:port` for connecting a socket.
    pub fn socket_addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The `Host` header: the port only when the URL gave one.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.explicit_port {
            format!("{host}:{}", self.port)
        } else {
            host
        }
    }
}

impl fmt::Display for WsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "wss" } else { "ws" };
        write!(f, "{scheme}://{}{}", self.host_header(), self.resource)
    }
}
