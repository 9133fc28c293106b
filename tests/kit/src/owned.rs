use rfc6455::connection::{Event, MessageKind, ProtocolError};

/// What a reader saw, owned, so that whole runs can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owned {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    Error(ProtocolError),
    /// A message with the compressed bit (RFC 7692 §6): deflate data, not UTF-8 checked.
    Compressed(MessageKind, Vec<u8>),
}

#[cfg(feature = "alloc")]
impl From<rfc6455::connection::Message<'_>> for Owned {
    fn from(message: rfc6455::connection::Message<'_>) -> Self {
        use rfc6455::connection::Message;
        match message {
            Message::Text(t) => Owned::Text(t.into()),
            Message::Binary(b) => Owned::Binary(b.to_vec()),
            Message::Ping(p) => Owned::Ping(p.to_vec()),
            Message::Pong(p) => Owned::Pong(p.to_vec()),
            Message::Close { code, reason } => Owned::Close(code.0, reason.into()),
        }
    }
}

/// Frame-level events with data messages put back together, so that what is compared
/// does not depend on how the bytes were cut.
#[derive(Debug, Default)]
pub struct Reassembly {
    /// The message being put together: its kind, compressed bit and bytes so far.
    open: Option<(MessageKind, bool, Vec<u8>)>,
}

impl Reassembly {
    /// Owns `event`; a piece of data gives nothing until the piece that ends its message.
    pub fn push(&mut self, event: Event<'_>) -> Option<Owned> {
        match event {
            Event::Ping(p) => Some(Owned::Ping(p.to_vec())),
            Event::Pong(p) => Some(Owned::Pong(p.to_vec())),
            Event::Close { code, reason } => Some(Owned::Close(code.0, reason.into())),
            Event::Data {
                kind,
                payload,
                message_finished,
                compressed,
                ..
            } => {
                let (k, c, data) = self
                    .open
                    .get_or_insert_with(|| (kind, compressed, Vec::new()));
                assert_eq!(
                    (*k, *c),
                    (kind, compressed),
                    "flags changed inside a message"
                );
                data.extend_from_slice(payload);
                if !message_finished {
                    return None;
                }
                let (kind, compressed, data) = self.open.take()?;
                Some(match kind {
                    _ if compressed => Owned::Compressed(kind, data),
                    MessageKind::Text => {
                        Owned::Text(String::from_utf8(data).expect("invalid UTF-8 delivered"))
                    }
                    MessageKind::Binary => Owned::Binary(data),
                })
            }
        }
    }

    /// The bytes so far of a message not yet finished.
    pub fn partial(&self) -> Option<&[u8]> {
        self.open.as_ref().map(|(_, _, data)| &data[..])
    }
}
