//! A deterministic in-memory client↔server pair, and a reader that mimics a caller's
//! read loop, so end-to-end tests run without sockets.

use rfc6455::connection::{Config, Connection, Event, SendError};
use rfc6455::frame::CloseCode;
use rfc6455::{DeterministicKeys, MaskKeySource};

use crate::{Owned, Reassembly};

/// The receiving half of a caller: a growing buffer, and messages reassembled from
/// frame-level events.
#[derive(Debug, Default)]
pub struct Inbox {
    buf: Vec<u8>,
    reassembly: Reassembly,
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
            reassembly,
            events,
            largest_piece,
        } = self;
        match conn.read_all(buf, |event| {
            if let Event::Data { payload, .. } = event {
                *largest_piece = (*largest_piece).max(payload.len());
            }
            events.extend(reassembly.push(event));
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

/// Reads `bytes` through `conn` given in pieces at `splits`.
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
        send(&mut self.client, &mut self.to_server, f, room)
    }

    /// Runs a send on the server and puts its bytes on the wire.
    pub fn server_send(
        &mut self,
        f: impl FnOnce(&mut Connection, &mut [u8]) -> Result<usize, SendError>,
        room: usize,
    ) -> Result<(), SendError> {
        send(&mut self.server, &mut self.to_client, f, room)
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

fn send<K: MaskKeySource>(
    conn: &mut Connection<K>,
    wire: &mut Vec<u8>,
    f: impl FnOnce(&mut Connection<K>, &mut [u8]) -> Result<usize, SendError>,
    room: usize,
) -> Result<(), SendError> {
    let mut out = vec![0u8; room];
    let n = f(conn, &mut out)?;
    wire.extend_from_slice(&out[..n]);
    Ok(())
}

pub const NORMAL: u16 = CloseCode::NORMAL.0;
