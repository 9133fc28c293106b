//! A deterministic in-memory client↔server pair, and a reader that mimics a caller's
//! read loop, so end-to-end tests run without sockets.
#![allow(dead_code)]

use rfc6455::connection::{Config, Connection, Event, MessageKind, ProtocolError, SendError};
use rfc6455::frame::CloseCode;
pub use rfc6455::DeterministicKeys;
use rfc6455::MaskKeySource;

/// An event with owned data, for comparing sequences.
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

/// The receiving half of a caller: a growing buffer, and messages reassembled from
/// frame-level events (so the comparison does not depend on how bytes were split).
#[derive(Debug, Default)]
pub struct Inbox {
    buf: Vec<u8>,
    message: Option<(MessageKind, bool, Vec<u8>)>,
    pub events: Vec<Owned>,
    /// Largest payload piece seen in one event.
    pub largest_piece: usize,
}

impl Inbox {
    /// Appends `bytes` and reads every event they complete.
    pub fn feed<K: MaskKeySource>(&mut self, conn: &mut Connection<K>, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.pump(conn);
    }

    /// Like `feed`, but the caller's buffer holds at most `cap` bytes: the rest waits.
    pub fn feed_bounded<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        bytes: &[u8],
        cap: usize,
    ) {
        let mut rest = bytes;
        loop {
            let room = cap.saturating_sub(self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..room]);
            rest = &rest[room..];
            let before = self.buf.len();
            self.pump(conn);
            if rest.is_empty() || (self.buf.len() == before && room == 0) {
                break;
            }
        }
    }

    fn pump<K: MaskKeySource>(&mut self, conn: &mut Connection<K>) {
        let Inbox {
            buf,
            message,
            events,
            largest_piece,
        } = self;
        match conn.read_all(buf, |event| {
            events.extend(own(event, message, largest_piece))
        }) {
            Ok(consumed) => {
                buf.drain(..consumed);
            }
            Err(e) => {
                events.push(Owned::Error(e));
                buf.clear();
            }
        }
    }
}

fn own(
    event: Event<'_>,
    message: &mut Option<(MessageKind, bool, Vec<u8>)>,
    largest: &mut usize,
) -> Option<Owned> {
    match event {
        Event::Ping(p) => Some(Owned::Ping(p.to_vec())),
        Event::Pong(p) => Some(Owned::Pong(p.to_vec())),
        Event::Close { code, reason } => Some(Owned::Close(code.0, reason.to_string())),
        Event::Data {
            kind,
            payload,
            message_finished,
            compressed,
            ..
        } => {
            *largest = (*largest).max(payload.len());
            let (k, c, data) = message.get_or_insert_with(|| (kind, compressed, Vec::new()));
            assert_eq!(
                (*k, *c),
                (kind, compressed),
                "flags changed inside a message"
            );
            data.extend_from_slice(payload);
            if !message_finished {
                return None;
            }
            let (kind, compressed, data) = message.take().unwrap();
            Some(match kind {
                _ if compressed => Owned::Compressed(kind, data),
                MessageKind::Text => Owned::Text(String::from_utf8(data).expect("validated")),
                MessageKind::Binary => Owned::Binary(data),
            })
        }
    }
}

/// Reads `bytes` through a fresh connection of `conn`'s kind given in pieces at `splits`.
pub fn events_split<K: MaskKeySource>(
    conn: &mut Connection<K>,
    bytes: &[u8],
    splits: &[usize],
) -> Vec<Owned> {
    let mut inbox = Inbox::default();
    let mut at = 0;
    for &s in splits.iter().chain([bytes.len()].iter()) {
        let s = s.clamp(at, bytes.len());
        inbox.feed(conn, &bytes[at..s]);
        at = s;
    }
    inbox.events
}

/// Reads all of `bytes` in one piece through a server connection with `config`.
pub fn server_events(config: Config, bytes: &[u8]) -> (Vec<Owned>, Connection) {
    let mut conn = Connection::server(config);
    let events = events_split(&mut conn, bytes, &[]);
    (events, conn)
}

/// Drains every queued reply into a byte vector.
pub fn drain<K: MaskKeySource>(conn: &mut Connection<K>) -> Vec<u8> {
    let mut out = vec![0u8; 4096];
    let mut all = Vec::new();
    loop {
        let n = conn
            .poll_transmit(&mut out)
            .expect("4 KiB holds any control frame");
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&out[..n]);
    }
}

/// Encodes one frame by hand (any opcode, flags and payload), masked with `mask`.
pub fn raw_frame(first_byte: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first_byte];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if len <= 0xFFFF {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let mut body = payload.to_vec();
    if let Some(key) = mask {
        out.extend_from_slice(&key);
        rfc6455::frame::apply_mask(&mut body, key, 0);
    }
    out.extend_from_slice(&body);
    out
}

/// A masked frame as a client would send it.
pub fn client_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(first_byte, Some([0xA1, 0xB2, 0xC3, 0xD4]), payload)
}

/// The close code in a drained Close frame sent by a server (unmasked).
pub fn close_code_of(server_bytes: &[u8]) -> Option<u16> {
    let close = server_bytes.windows(2).position(|w| w[0] == 0x88)?;
    let len = server_bytes[close + 1] as usize;
    (len >= 2).then(|| u16::from_be_bytes([server_bytes[close + 2], server_bytes[close + 3]]))
}

/// An in-memory client↔server pair; `pump` moves bytes until both sides are quiet.
pub struct Pair {
    pub client: Connection<DeterministicKeys>,
    pub server: Connection,
    pub client_inbox: Inbox,
    pub server_inbox: Inbox,
    /// Bytes in flight from client to server and back.
    pub to_server: Vec<u8>,
    pub to_client: Vec<u8>,
}

impl Pair {
    pub fn new(config: Config) -> Self {
        Pair {
            client: Connection::client(config, DeterministicKeys::default()),
            server: Connection::server(config),
            client_inbox: Inbox::default(),
            server_inbox: Inbox::default(),
            to_server: Vec::new(),
            to_client: Vec::new(),
        }
    }

    /// Runs a send on the client and puts its bytes on the wire.
    pub fn client_send(
        &mut self,
        f: impl FnOnce(&mut Connection<DeterministicKeys>, &mut [u8]) -> Result<usize, SendError>,
        room: usize,
    ) -> Result<(), SendError> {
        let mut out = vec![0u8; room];
        let n = f(&mut self.client, &mut out)?;
        self.to_server.extend_from_slice(&out[..n]);
        Ok(())
    }

    /// Runs a send on the server and puts its bytes on the wire.
    pub fn server_send(
        &mut self,
        f: impl FnOnce(&mut Connection, &mut [u8]) -> Result<usize, SendError>,
        room: usize,
    ) -> Result<(), SendError> {
        let mut out = vec![0u8; room];
        let n = f(&mut self.server, &mut out)?;
        self.to_client.extend_from_slice(&out[..n]);
        Ok(())
    }

    /// Delivers bytes both ways and drains replies until nothing moves.
    pub fn pump(&mut self) {
        for _ in 0..64 {
            let s_in = std::mem::take(&mut self.to_server);
            let c_in = std::mem::take(&mut self.to_client);
            self.server_inbox.feed(&mut self.server, &s_in);
            self.client_inbox.feed(&mut self.client, &c_in);
            self.to_client.extend(drain(&mut self.server));
            self.to_server.extend(drain(&mut self.client));
            if self.to_client.is_empty() && self.to_server.is_empty() {
                return;
            }
        }
        panic!("the pair never went quiet");
    }
}

pub const NORMAL: u16 = CloseCode::NORMAL.0;
