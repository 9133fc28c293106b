//! Frame sequences built from `arbitrary` values with the crate's own encoder, so the
//! fuzzer spends its time past the header checks: first the valid stream must come out
//! exactly as sent, then a mutated copy must keep every invariant of `check_splits`.
//!
//! "Valid" means valid under the configuration the reader runs with: every message is
//! cut down to fit its size, frame and fragment limits before it is sent (`fit`), or a
//! reader that rightly refuses it would be reported as the crate's bug.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::connection::{Config, Connection, MessageKind, SendError};
use rfc6455::frame::{CloseCode, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD};
use rfc6455::{DeterministicKeys, MaskKeySource};
use rfc6455_fuzz::{check_splits, config_from, Script, Side};
use rfc6455_testkit::Owned;

#[derive(Arbitrary, Debug)]
enum Piece {
    Text(String),
    Binary(Vec<u8>),
    /// A text message cut at arbitrary byte offsets, code points included.
    FragmentedText {
        text: String,
        gaps: Vec<u8>,
        ping_between: bool,
    },
    FragmentedBinary {
        parts: Vec<Vec<u8>>,
        ping_between: bool,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close {
        code: u16,
        reason: String,
    },
}

#[derive(Arbitrary, Debug)]
enum Mutation {
    Flip { at: u16, bit: u8 },
    Overwrite { at: u16, byte: u8 },
    Insert { at: u16, bytes: Vec<u8> },
    Remove { at: u16, len: u8 },
    Truncate { at: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// The server writes and the client reads, instead of the other way round.
    server_writes: bool,
    pieces: Vec<Piece>,
    mutations: Vec<Mutation>,
    /// Options for the mutated run only; the valid run uses the defaults so that
    /// every piece fits.
    flags: u8,
    cuts: Vec<u16>,
    local_close_at: Option<u16>,
}

fuzz_target!(|input: Input| {
    let valid_config = Config::default();
    let (stream, expected) = if input.server_writes {
        encode(
            Connection::server(valid_config),
            &input.pieces,
            &valid_config,
        )
    } else {
        encode(
            Connection::client(valid_config, DeterministicKeys::default()),
            &input.pieces,
            &valid_config,
        )
    };
    let side = if input.server_writes {
        Side::Client
    } else {
        Side::Server
    };
    let cuts: Vec<usize> = input.cuts.iter().map(|&c| usize::from(c)).collect();

    let valid = check_splits(
        &Script {
            side,
            config: valid_config,
            stream: &stream,
            local_close_at: None,
        },
        &cuts,
    );
    assert_eq!(valid.seen, expected, "the valid stream did not round-trip");
    let closed = matches!(expected.last(), Some(Owned::Close(..)));
    assert_eq!(valid.eof.is_none(), closed);

    if input.mutations.is_empty() && input.local_close_at.is_none() {
        return;
    }
    let mut mutated = stream;
    for m in &input.mutations {
        mutate(&mut mutated, m);
    }
    check_splits(
        &Script {
            side,
            config: config_from(input.flags),
            stream: &mutated,
            local_close_at: input.local_close_at.map(usize::from),
        },
        &cuts,
    );
});

/// Encodes `pieces` with `conn` and returns the bytes and the events a reader running
/// under `config` must see.
fn encode<K: MaskKeySource>(
    mut conn: Connection<K>,
    pieces: &[Piece],
    config: &Config,
) -> (Vec<u8>, Vec<Owned>) {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => {
                let t = &t[..text_end(t, single_frame_cap(config))];
                if send(&mut wire, t.len(), |out| conn.send_text(t, out)) {
                    expected.push(Owned::Text(t.into()));
                }
            }
            Piece::Binary(b) => {
                let b = &b[..b.len().min(single_frame_cap(config))];
                if send(&mut wire, b.len(), |out| conn.send_binary(b, out)) {
                    expected.push(Owned::Binary(b.to_vec()));
                }
            }
            Piece::FragmentedText {
                text,
                gaps,
                ping_between,
            } => {
                let text = &text[..text_end(text, message_cap(config))];
                let mut cuts = Vec::new();
                let mut at = 0;
                for &gap in gaps {
                    at = (at + usize::from(gap)).min(text.len());
                    cuts.push(at);
                }
                let parts = fit(text.as_bytes(), &cuts, config);
                let sent = fragments(
                    &mut conn,
                    &mut wire,
                    &mut expected,
                    MessageKind::Text,
                    &parts,
                    *ping_between,
                );
                if sent {
                    expected.push(Owned::Text(text.into()));
                }
            }
            Piece::FragmentedBinary {
                parts,
                ping_between,
            } => {
                let whole = parts.concat();
                let whole = &whole[..whole.len().min(message_cap(config))];
                let mut cuts = Vec::new();
                let mut at = 0;
                // The last part's end is the message's: a message has at least one
                // frame, if an empty one.
                for part in parts.iter().take(parts.len().saturating_sub(1)) {
                    at = (at + part.len()).min(whole.len());
                    cuts.push(at);
                }
                let slices = fit(whole, &cuts, config);
                let sent = fragments(
                    &mut conn,
                    &mut wire,
                    &mut expected,
                    MessageKind::Binary,
                    &slices,
                    *ping_between,
                );
                if sent {
                    expected.push(Owned::Binary(whole.to_vec()));
                }
            }
            // Control frames may follow our Close (§5.5.1), but the reader, having
            // received it, reads nothing after it.
            Piece::Ping(p) => {
                let r = try_send(&mut wire, p.len(), |out| conn.send_ping(p, out));
                control_refusal(&r, p.len());
                if r.is_ok() && !closed(&expected) {
                    expected.push(Owned::Ping(p.clone()));
                }
            }
            Piece::Pong(p) => {
                let r = try_send(&mut wire, p.len(), |out| conn.send_pong(p, out));
                control_refusal(&r, p.len());
                if r.is_ok() && !closed(&expected) {
                    expected.push(Owned::Pong(p.clone()));
                }
            }
            Piece::Close { code, reason } => {
                let code = CloseCode(*code);
                let r = try_send(&mut wire, reason.len(), |out| {
                    conn.send_close(code, reason, out)
                });
                let allowed = code.is_valid_on_wire() && reason.len() <= MAX_CLOSE_REASON;
                match r {
                    Ok(()) => {
                        assert!(allowed);
                        expected.push(Owned::Close(code.0, reason.clone()));
                    }
                    Err(SendError::InvalidClose) => assert!(!allowed),
                    Err(e) => assert_eq!(e, SendError::Closing),
                }
            }
        }
    }
    (wire, expected)
}

/// The largest unfragmented message `config` lets through (it allows one fragment:
/// the valid run's does).
fn single_frame_cap(config: &Config) -> usize {
    usize::try_from(config.max_frame_size.min(config.max_message_size)).unwrap_or(usize::MAX)
}

/// The largest message `config` lets through in any number of frames.
fn message_cap(config: &Config) -> usize {
    let frames = config
        .max_frame_size
        .saturating_mul(u64::from(config.max_fragments));
    usize::try_from(config.max_message_size.min(frames)).unwrap_or(usize::MAX)
}

/// The end of the longest prefix of `text` that is at most `cap` bytes and whole
/// characters.
fn text_end(text: &str, cap: usize) -> usize {
    let mut end = text.len().min(cap);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// `message` (already within `message_cap`) cut at the ascending offsets `cuts`, unless
/// that breaks `config`'s frame or fragment limit: then in frames as large as allowed,
/// which `message_cap` guarantees are few enough.
fn fit<'m>(message: &'m [u8], cuts: &[usize], config: &Config) -> Vec<&'m [u8]> {
    let frame = usize::try_from(config.max_frame_size).unwrap_or(usize::MAX);
    let fragments = usize::try_from(config.max_fragments).unwrap_or(usize::MAX);
    let mut parts = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain([&message.len()]) {
        parts.push(&message[at..cut]);
        at = cut;
    }
    if parts.len() <= fragments && parts.iter().all(|p| p.len() <= frame) {
        return parts;
    }
    if message.is_empty() {
        // However many cuts there were, an empty message is one empty frame. A frame
        // limit of 0 always lands here, since `message_cap` is then 0 too.
        return vec![message];
    }
    message.chunks(frame).collect()
}

/// Sends one message in `parts`, with a ping between parts if asked; false when the
/// sender refused because it is closing.
fn fragments<K: MaskKeySource>(
    conn: &mut Connection<K>,
    wire: &mut Vec<u8>,
    expected: &mut Vec<Owned>,
    kind: MessageKind,
    parts: &[&[u8]],
    ping_between: bool,
) -> bool {
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if !send(wire, part.len(), |out| {
            conn.send_fragment(kind, part, last, out)
        }) {
            // Only the first fragment can be refused: nothing else changes state.
            assert_eq!(i, 0);
            return false;
        }
        if ping_between && !last {
            let tag = [i as u8];
            assert!(send(wire, 1, |out| conn.send_ping(&tag, out)));
            expected.push(Owned::Ping(tag.to_vec()));
        }
    }
    true
}

/// Runs one send into a buffer big enough for its frame; false when the sender said it
/// is closing, the only refusal a valid piece can meet.
fn send(
    wire: &mut Vec<u8>,
    payload_len: usize,
    f: impl FnOnce(&mut [u8]) -> Result<usize, SendError>,
) -> bool {
    match try_send(wire, payload_len, f) {
        Ok(()) => true,
        Err(SendError::Closing) => false,
        Err(e) => panic!("a valid send was refused: {e:?}"),
    }
}

fn try_send(
    wire: &mut Vec<u8>,
    payload_len: usize,
    f: impl FnOnce(&mut [u8]) -> Result<usize, SendError>,
) -> Result<(), SendError> {
    // The header, plus room for a close code the caller's length leaves out.
    let mut out = vec![0u8; payload_len + 16];
    let n = f(&mut out)?;
    wire.extend_from_slice(&out[..n]);
    Ok(())
}

fn control_refusal(result: &Result<(), SendError>, len: usize) {
    match result {
        Ok(()) => assert!(len <= MAX_CONTROL_PAYLOAD),
        Err(SendError::ControlTooLong) => assert!(len > MAX_CONTROL_PAYLOAD),
        Err(e) => assert_eq!(*e, SendError::Closing),
    }
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |pos: u16, len: usize| usize::from(pos) % (len + 1);
    match *m {
        Mutation::Flip { at: pos, bit } => {
            let i = at(pos, bytes.len());
            if let Some(b) = bytes.get_mut(i) {
                *b ^= 1 << (bit % 8);
            }
        }
        Mutation::Overwrite { at: pos, byte } => {
            let i = at(pos, bytes.len());
            if let Some(b) = bytes.get_mut(i) {
                *b = byte;
            }
        }
        Mutation::Insert {
            at: pos,
            bytes: ref new,
        } => {
            let i = at(pos, bytes.len());
            bytes.splice(i..i, new.iter().copied());
        }
        Mutation::Remove { at: pos, len } => {
            let i = at(pos, bytes.len());
            let end = (i + usize::from(len)).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Truncate { at: pos } => {
            let i = at(pos, bytes.len());
            bytes.truncate(i);
        }
    }
}

/// Our Close is in the stream: the reader sees nothing after it.
fn closed(expected: &[Owned]) -> bool {
    matches!(expected.last(), Some(Owned::Close(..)))
}
