//! The permessage-deflate driver: a caller's read loop around `MessageReader`,
//! over peer bytes cut in different ways, next to the frame-level run of `check_splits`
//! on the same bytes; then a round trip of payloads from the same input through
//! `DeflateSender` under the agreed parameters, with streams ended by a final block
//! mixed in.

use rfc6455::connection::{
    CloseState, Config, Connection, MessageKind, MessageReader, ProtocolError, MIN_READ_BUFFER,
};
use rfc6455::extensions::deflate::{DeflateParams, DeflateSender, DEFAULT_LEVEL};
use rfc6455::frame::{Opcode, MAX_HEADER_LEN};
use rfc6455::{DeterministicKeys, MaskKeySource};

use crate::{
    check_error_code, check_splits, chunks, close_at, drain, local_close, local_close_at,
    raw_layout, same_however_cut, Outcome, Owned, Script, Side,
};

/// Small enough that a few hundred bytes of DEFLATE can inflate past it.
const LIMIT: u64 = 64 * 1024;
/// Small enough that compressed frames of a few hundred bytes meet the limit on the wire
/// too, before inflating.
const SMALL_LIMIT: u64 = 1024;

/// The compressor levels `shape` bits 3–5 pick; the default first, so that a zero byte
/// is the usual setup. 0 stores, 1 takes miniz_oxide's fast path.
const LEVELS: [u8; 8] = [DEFAULT_LEVEL, 0, 1, 2, 4, 8, 9, 10];
/// How often `shape` bits 0–1 repeat each round-trip payload: enough to carry the
/// inflater's 32 KiB history round its end, which a few KiB of input cannot do alone.
const REPEATS: [usize; 4] = [1, 4, 16, 64];
/// The cap on a repeated payload, to keep each run in milliseconds.
const MAX_PAYLOAD: usize = 48 * 1024;

/// What a caller of `MessageReader` saw, and what its connection sent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Messages {
    /// Messages with compressed ones inflated, then the error if one came.
    seen: Vec<Owned>,
    /// The local Close and every reply drained.
    sent: Vec<u8>,
    /// The closing handshake's state when the input ran out.
    state: CloseState,
}

/// How the round trip's peer compresses.
#[derive(Debug, Clone, Copy)]
struct Peer {
    params: DeflateParams,
    level: u8,
    repeats: usize,
    /// Every other message is a DEFLATE stream of its own, ended by a final block.
    bfinal: bool,
}

/// Layout: `params`, `shape`, then `check_raw`'s (`flags`, `n`, `n` u16 cuts, the
/// stream).
///
/// `params`: bits 0–2 and 3–5 add to 8 for the server's and the client's window,
/// bit 6 is `server_no_context_takeover`, bit 7 `client_no_context_takeover`. `shape`
/// (the round trip only): bits 0–1 pick from [`REPEATS`], bit 2 makes every other
/// message end with a final block, bits 3–5 pick from [`LEVELS`]. `flags`: bit 0 makes
/// the client the reader, bit 1 picks [`SMALL_LIMIT`], bit 2 turns `auto_pong` off,
/// bit 4 sends a local Close at the first cut.
pub fn check(data: &[u8]) {
    let [p, shape, rest @ ..] = data else {
        return;
    };
    let peer = Peer {
        params: DeflateParams {
            server_max_window_bits: Some(8 + (p & 7)),
            client_max_window_bits: Some(8 + (p >> 3 & 7)),
            server_no_context_takeover: p & 0x40 != 0,
            client_no_context_takeover: p & 0x80 != 0,
        },
        level: LEVELS[usize::from(shape >> 3 & 7)],
        repeats: REPEATS[usize::from(shape & 3)],
        bfinal: shape & 4 != 0,
    };
    let (flags, cuts, stream) = raw_layout(rest);
    let side = if flags & 1 == 0 {
        Side::Server
    } else {
        Side::Client
    };
    let limit = if flags & 2 == 0 { LIMIT } else { SMALL_LIMIT };
    let script = Script {
        side,
        config: Config::default()
            .max_message_size(limit)
            .auto_pong(flags & 4 == 0)
            .compressed_messages(true),
        stream,
        local_close_at: local_close_at(flags, &cuts),
    };
    let frames = check_splits(&script, &cuts);
    let messages = same_however_cut(&script, &cuts, drive);
    agree_with_frames(&messages, &frames, limit);
    round_trip(&script, &cuts, &peer);
}

/// The deflate reader's run must be the frame-level run with each compressed message
/// inflated, up to the first error; an error the frame level did not see is the
/// deflate layer's, and only such errors may make the two part.
fn agree_with_frames(messages: &Messages, frames: &Outcome, limit: u64) {
    let mut own_error = false;
    for (i, m) in messages.seen.iter().enumerate() {
        match (m, frames.seen.get(i)) {
            (Owned::Text(_), Some(Owned::Compressed(MessageKind::Text, _)))
            | (Owned::Binary(_), Some(Owned::Compressed(MessageKind::Binary, _))) => {}
            (m, Some(f)) if m == f => {}
            (Owned::Error(e), _) => {
                assert!(
                    matches!(e, ProtocolError::InvalidUtf8 | ProtocolError::Extension)
                        || *e == ProtocolError::MessageTooBig { limit },
                    "{e:?} is not a deflate error"
                );
                own_error = true;
            }
            (m, f) => panic!("message {i}: the deflate reader gave {m:?}, the frames {f:?}"),
        }
    }
    if !own_error {
        assert_eq!(
            messages.seen.len(),
            frames.seen.len(),
            "messages went missing"
        );
        assert_eq!(messages.sent, frames.sent, "different replies");
        assert_eq!(messages.state, frames.state);
    }
}

fn drive(script: &Script<'_>, cuts: &[usize]) -> Messages {
    match script.side {
        Side::Server => read_all(Connection::server(script.config), script, cuts),
        Side::Client => read_all(
            Connection::client(script.config, DeterministicKeys::default()),
            script,
            cuts,
        ),
    }
}

fn read_all<K: MaskKeySource>(
    mut conn: Connection<K>,
    script: &Script<'_>,
    cuts: &[usize],
) -> Messages {
    let limit = usize::try_from(script.config.max_message_size).unwrap_or(usize::MAX);
    let masked_replies = script.side == Side::Client;
    let mut reader = MessageReader::new();
    let mut seen = Vec::new();
    let mut sent = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut failed = false;
    let mut at = 0;
    let points = chunks(script, cuts);
    // As in `drive_conn`: a read that makes no progress yet asks to be called again
    // would take more passes than there are bytes and chunks.
    let max_reads = script.stream.len() + points.len() + 1;
    let mut reads = 0;
    for &end in &points {
        if close_at(script) == Some(at) {
            local_close(&mut conn, &mut sent);
        }
        buf.extend_from_slice(&script.stream[at..end]);
        at = end;
        loop {
            reads += 1;
            assert!(reads <= max_reads, "read loop does not make progress");
            let len = buf.len();
            let before = conn.close_state();
            // `Message::Text` is a `&str` checked by safe code, so owning it as a
            // `String` is the UTF-8 check.
            let read = reader
                .read(&mut conn, &mut buf)
                .map(|step| (step.consumed, step.event.map(Owned::from)));
            match read {
                Err(e) => {
                    assert!(!failed, "an error after the connection had failed");
                    check_error_code(&e);
                    assert_eq!(reader.buffered(), 0, "a failed message kept its buffer");
                    let replies = drain(&mut conn, &mut sent, masked_replies);
                    if before == CloseState::Open {
                        let code = e.close_code().0.to_be_bytes().to_vec();
                        assert_eq!(replies, [(Opcode::Close, code)], "{e:?}");
                    } else {
                        assert!(replies.is_empty(), "a second Close after ours");
                    }
                    assert!(conn.should_close_transport());
                    seen.push(Owned::Error(e));
                    failed = true;
                    buf.clear();
                    break;
                }
                Ok((consumed, message)) => {
                    assert!(consumed <= len, "consumed {consumed} of {len}");
                    // The documented bound is `limit + 1` while inflating, and that
                    // extra byte is what fails the message: never seen from outside.
                    assert!(
                        reader.buffered() <= limit,
                        "reader holds {} of a {limit}-byte limit",
                        reader.buffered()
                    );
                    let progressed = consumed > 0 || message.is_some();
                    assert!(message.is_none() || consumed > 0, "a message of no bytes");
                    seen.extend(message);
                    buf.drain(..consumed);
                    // The replies themselves are `check_splits`' to judge; here they
                    // only have to match its.
                    drain(&mut conn, &mut sent, masked_replies);
                    if !progressed {
                        assert!(
                            buf.len() < MIN_READ_BUFFER,
                            "stalled holding {} bytes",
                            buf.len()
                        );
                        break;
                    }
                }
            }
        }
    }
    Messages {
        seen,
        sent,
        state: conn.close_state(),
    }
}

/// The pieces of the stream between the cuts, each one message, compressed by `peer`
/// and read back, whole and in pieces, by a reader on `script.side` with room for all
/// of them.
fn round_trip(script: &Script<'_>, cuts: &[usize], peer: &Peer) {
    let mut payloads = Vec::new();
    let mut at = 0;
    for end in chunks(script, cuts) {
        let piece = &script.stream[at..end];
        let times = peer.repeats.min(MAX_PAYLOAD / piece.len().max(1)).max(1);
        payloads.push(piece.repeat(times));
        at = end;
    }
    let config = Config::default().permessage_deflate(Some(peer.params));
    let (wire, expected) = match script.side {
        Side::Server => compress(
            Connection::client(config, DeterministicKeys::default()),
            peer,
            &payloads,
        ),
        Side::Client => compress(Connection::server(config), peer, &payloads),
    };
    let back = Script {
        side: script.side,
        config,
        stream: &wire,
        local_close_at: None,
    };
    let seen = same_however_cut(&back, cuts, drive).seen;
    if seen != expected {
        // Repeated payloads run to tens of KiB: say where they part, not what they hold.
        let at = seen
            .iter()
            .zip(&expected)
            .take_while(|(s, e)| s == e)
            .count();
        panic!(
            "{peer:?}: message {at} of {} read back as {}, sent as {}",
            expected.len(),
            summary(seen.get(at)),
            summary(expected.get(at)),
        );
    }
}

fn summary(seen: Option<&Owned>) -> String {
    match seen {
        Some(Owned::Text(t)) => format!("text of {} bytes", t.len()),
        Some(Owned::Binary(b)) => format!("binary of {} bytes", b.len()),
        Some(other) => format!("{other:?}"),
        None => "nothing".into(),
    }
}

/// Sends each payload as one compressed message, text when it is UTF-8, and returns
/// the bytes and the messages a reader must see.
fn compress<K: MaskKeySource>(
    mut conn: Connection<K>,
    peer: &Peer,
    payloads: &[Vec<u8>],
) -> (Vec<u8>, Vec<Owned>) {
    let new_sender = |conn: &Connection<K>| {
        DeflateSender::with_level(conn, peer.level).expect("permessage-deflate configured")
    };
    let mut sender = new_sender(&conn);
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let (kind, message) = match core::str::from_utf8(payload) {
            Ok(text) => (MessageKind::Text, Owned::Text(text.into())),
            Err(_) => (MessageKind::Binary, Owned::Binary(payload.clone())),
        };
        let frame = if peer.bfinal && i % 2 == 1 {
            // §7.2.3.4: a message may end its DEFLATE stream with a final block. A stream
            // of its own can follow the sender's sync-flushed messages in the same
            // inflater; after the final block the inflater starts afresh, and so must
            // the sender's context.
            let stream = miniz_oxide::deflate::compress_to_vec(payload, peer.level);
            sender = new_sender(&conn);
            let mut out = vec![0u8; stream.len() + MAX_HEADER_LEN];
            let n = conn
                .send_compressed_fragment(kind, &stream, true, &mut out)
                .expect("room for the frame");
            out.truncate(n);
            out
        } else {
            let mut out = vec![0u8; sender.max_send_len(payload.len())];
            let n = sender
                .send(&mut conn, kind, payload, &mut out)
                .expect("max_send_len is enough");
            out.truncate(n);
            out
        };
        wire.extend_from_slice(&frame);
        expected.push(message);
    }
    (wire, expected)
}
