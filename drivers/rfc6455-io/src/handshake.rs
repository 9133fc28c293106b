//! The opening handshake (§4) without IO: the drivers feed head bytes in and write
//! the answer out; everything the handshake decides happens here, once for both.

use rfc6455::connection::Config;
#[cfg(feature = "deflate")]
use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::handshake::{
    AcceptResponse, ClientRequest, HandshakeRequest, HandshakeResponse, OriginPolicy, RequestError,
    RequestParser, ResponseParser,
};
use rfc6455::Status;

use crate::{Error, Options};

/// What a server learned from the request it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedRequest {
    /// The request target's path (`/stock_info/`).
    pub path: String,
    /// The query after `?`, if any (`encoding=text`).
    pub query: Option<String>,
    /// The `Host` the client asked for.
    pub host: String,
    /// The `Origin`, sent by browsers.
    pub origin: Option<String>,
    /// The subprotocol both sides agreed to.
    pub protocol: Option<String>,
    /// Whether permessage-deflate was agreed to.
    pub compressed: bool,
}

impl AcceptedRequest {
    /// The value of query parameter `name` (`encoding` in `?encoding=text`), as sent.
    ///
    /// ```
    /// # use rfc6455_io::AcceptedRequest;
    /// # fn check(request: &AcceptedRequest) {
    /// let text = request.query_param("encoding") == Some("text");
    /// # }
    /// ```
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then_some(value)
        })
    }
}

/// The server side: bytes in until a whole request head, then an answer.
pub(crate) struct ServerHandshake {
    parser: RequestParser,
    pub(crate) head: Vec<u8>,
    max: usize,
}

/// How the server handshake ended.
pub(crate) enum ServerOutcome {
    /// Write `response`, then speak WebSocket with `config`; the client's bytes after
    /// `head_len` are its first frames.
    Accept {
        response: Vec<u8>,
        accepted: Box<AcceptedRequest>,
        config: Config,
        head_len: usize,
    },
    /// Write `response` (the rejection), then close.
    Reject {
        response: Vec<u8>,
        error: RequestError,
    },
}

impl ServerHandshake {
    pub(crate) fn new(options: &Options) -> Self {
        ServerHandshake {
            parser: RequestParser::new(options.head_limits),
            head: Vec::new(),
            // One byte past the limit is enough for the parser to see it exceeded.
            max: options.head_limits.max_head_len.saturating_add(1),
        }
    }

    /// Room for the next read: never past one byte over the head limit, so an endless
    /// head costs at most that much memory.
    pub(crate) fn read_buf(&mut self) -> &mut [u8] {
        room(&mut self.head, self.max)
    }

    /// `n` bytes were read into [`read_buf`](Self::read_buf): `None` while the head is
    /// incomplete.
    pub(crate) fn filled(
        &mut self,
        read_len: usize,
        n: usize,
        options: &Options,
    ) -> Option<ServerOutcome> {
        self.head.truncate(read_len + n);
        let parsed = self.parser.parse(&self.head);
        match parsed {
            Ok(Status::Partial) => None,
            Ok(Status::Complete(request)) => Some(match decide(&request, options) {
                Ok(outcome) => outcome,
                Err(error) => reject(error),
            }),
            Err(error) => Some(reject(error)),
        }
    }

    /// The bytes after the head, once it was accepted.
    pub(crate) fn leftover(&self, head_len: usize) -> &[u8] {
        &self.head[head_len.min(self.head.len())..]
    }
}

/// Room after `head` for the next read: never past one byte over the head limit
/// (`max`), so an endless head costs at most that much memory.
fn room(head: &mut Vec<u8>, max: usize) -> &mut [u8] {
    let len = head.len();
    let want = (len + 1024).min(max).max(len + 1);
    head.resize(want, 0);
    &mut head[len..]
}

fn reject(error: RequestError) -> ServerOutcome {
    let rejection = error.rejection();
    let mut response = vec![0u8; rejection.encoded_len()];
    let n = rejection.encode(&mut response).unwrap_or(0);
    response.truncate(n);
    ServerOutcome::Reject { response, error }
}

fn decide(
    request: &HandshakeRequest<'_>,
    options: &Options,
) -> Result<ServerOutcome, RequestError> {
    if let Some(origins) = &options.allowed_origins {
        let origins: Vec<&str> = origins.iter().map(String::as_str).collect();
        OriginPolicy::new()
            .allow(&origins)
            .same_origin(options.same_origin)
            .check(request)?;
    } else if options.same_origin {
        OriginPolicy::new().same_origin(true).check(request)?;
    }
    if let Some(check) = &options.check {
        check(request)?;
    }
    let protocol = options
        .protocols
        .iter()
        .find(|ours| request.protocols().any(|theirs| theirs == ours.as_str()));
    let mut response = AcceptResponse::new(request);
    if let Some(protocol) = protocol {
        response = response.protocol(protocol);
    }
    #[cfg(feature = "deflate")]
    let deflate: Option<DeflateParams> =
        options.deflate.and_then(|d| d.accept(request.extensions()));
    #[cfg(feature = "deflate")]
    let answer = deflate.map(|p| p.response());
    #[cfg(feature = "deflate")]
    let answers: Vec<&str> = answer.iter().map(|a| a.as_str()).collect();
    #[cfg(not(feature = "deflate"))]
    let answers: Vec<&str> = Vec::new();
    response = response.extensions(&answers);
    let mut bytes = vec![0u8; response.encoded_len()];
    let n = response
        .encode(&mut bytes)
        .map_err(|_| RequestError::InvalidProtocols)?;
    bytes.truncate(n);
    #[cfg(feature = "deflate")]
    let config = options.config.permessage_deflate(deflate);
    #[cfg(not(feature = "deflate"))]
    let config = options.config;
    Ok(ServerOutcome::Accept {
        response: bytes,
        accepted: Box::new(AcceptedRequest {
            path: request.path().to_owned(),
            query: request.query().map(str::to_owned),
            host: request.host().to_owned(),
            origin: request.origin().map(str::to_owned),
            protocol: protocol.cloned(),
            #[cfg(feature = "deflate")]
            compressed: deflate.is_some(),
            #[cfg(not(feature = "deflate"))]
            compressed: false,
        }),
        config,
        head_len: request.head_len(),
    })
}

/// The client side: the request to write, then bytes in until the response head.
pub(crate) struct ClientHandshake {
    host: String,
    resource: String,
    nonce: [u8; 16],
    protocols: Vec<String>,
    #[cfg(feature = "deflate")]
    offer: Option<rfc6455::extensions::deflate::HeaderValue>,
    parser: ResponseParser,
    pub(crate) head: Vec<u8>,
    max: usize,
}

/// A server's acceptance, as the client checked it.
pub(crate) struct ClientOutcome {
    pub(crate) config: Config,
    pub(crate) protocol: Option<String>,
    pub(crate) head_len: usize,
}

impl ClientHandshake {
    pub(crate) fn new(host: &str, resource: &str, options: &Options) -> Self {
        ClientHandshake {
            host: host.to_owned(),
            resource: resource.to_owned(),
            nonce: rfc6455::handshake::random_nonce(),
            protocols: options.protocols.clone(),
            #[cfg(feature = "deflate")]
            offer: options.deflate.map(|d| d.offer()),
            parser: ResponseParser::new(options.head_limits),
            head: Vec::new(),
            max: options.head_limits.max_head_len.saturating_add(1),
        }
    }

    /// The request head to write.
    pub(crate) fn request(&self) -> Result<Vec<u8>, Error> {
        let protocols: Vec<&str> = self.protocols.iter().map(String::as_str).collect();
        #[cfg(feature = "deflate")]
        let offers: Vec<&str> = self.offer.iter().map(|o| o.as_str()).collect();
        #[cfg(not(feature = "deflate"))]
        let offers: Vec<&str> = Vec::new();
        let request = ClientRequest::new(&self.host, &self.resource, self.nonce)
            .protocols(&protocols)
            .extensions(&offers);
        let mut out = vec![0u8; request.encoded_len()];
        let n = request
            .encode(&mut out)
            .map_err(|e| Error::Url(e.to_string()))?;
        out.truncate(n);
        Ok(out)
    }

    /// Room for the next read of the response head.
    pub(crate) fn read_buf(&mut self) -> &mut [u8] {
        room(&mut self.head, self.max)
    }

    /// `n` bytes were read at `read_len`: `Ok(None)` while the head is incomplete.
    pub(crate) fn filled(
        &mut self,
        read_len: usize,
        n: usize,
        options: &Options,
    ) -> Result<Option<ClientOutcome>, Error> {
        self.head.truncate(read_len + n);
        let protocols: Vec<&str> = self.protocols.iter().map(String::as_str).collect();
        #[cfg(feature = "deflate")]
        let offers: Vec<&str> = self.offer.iter().map(|o| o.as_str()).collect();
        #[cfg(not(feature = "deflate"))]
        let offers: Vec<&str> = Vec::new();
        let request = ClientRequest::new(&self.host, &self.resource, self.nonce)
            .protocols(&protocols)
            .extensions(&offers);
        match self.parser.parse(&self.head, &request)? {
            Status::Partial => Ok(None),
            Status::Complete(HandshakeResponse::Rejected(rejected)) => Err(Error::Refused {
                status: rejected.status(),
            }),
            Status::Complete(HandshakeResponse::Accepted(accepted)) => {
                #[cfg(feature = "deflate")]
                let config = {
                    let deflate = match options.deflate {
                        Some(d) => d
                            .check_response(accepted.extensions())
                            .map_err(Error::Deflate)?,
                        None => None,
                    };
                    options.config.permessage_deflate(deflate)
                };
                #[cfg(not(feature = "deflate"))]
                let config = options.config;
                Ok(Some(ClientOutcome {
                    config,
                    protocol: accepted.protocol().map(str::to_owned),
                    head_len: accepted.head_len(),
                }))
            }
        }
    }

    /// The bytes after the response head.
    pub(crate) fn leftover(&self, head_len: usize) -> &[u8] {
        &self.head[head_len.min(self.head.len())..]
    }
}
