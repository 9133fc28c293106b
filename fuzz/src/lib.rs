//! The drivers the fuzz targets share: a caller's read loop around a `Connection`, run
//! over the same bytes cut in different ways, with every invariant the crate promises
//! checked on the way.
//!
//! A target that finds nothing here has shown, for its inputs: no panic, no loop
//! without progress, `consumed` never past the input, every error carrying a close code
//! of 1002, 1007 or 1009 and that Close being what `poll_transmit` hands out, text
//! failing at the first byte that cannot be UTF-8, the caller never needing to hold
//! more than `MIN_READ_BUFFER` unconsumed bytes, and the same events and the same
//! replies however the bytes were split.

pub mod deflate;
pub mod handshake;

use rfc6455::connection::{
    CloseState, Config, Connection, Event, MessageKind, MessageReader, ProtocolError, Received,
    MIN_READ_BUFFER,
};
use rfc6455::frame::{CloseCode, Opcode, MAX_CLOSE_REASON};
use rfc6455::{DeterministicKeys, MaskKeySource};
use rfc6455_testkit::{split_frames, Owned, Reassembly};

/// Which end reads the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Server,
    Client,
}

/// Everything observable after one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Events up to the end of the input, before `read_eof`.
    pub seen: Vec<Owned>,
    /// How many events had been seen when the first piece of a compressed message
    /// arrived, which is where `MessageReader`, which does not inflate, gives up.
    pub first_compressed: Option<usize>,
    /// What `read_eof` reported.
    pub eof: Option<Owned>,
    /// Every byte the connection gave to send: the local Close and the drained replies.
    pub sent: Vec<u8>,
    /// The closing handshake's state when the input ran out.
    pub state: CloseState,
    pub should_close: bool,
}

/// One stream and how to treat it.
#[derive(Debug, Clone, Copy)]
pub struct Script<'a> {
    pub side: Side,
    pub config: Config,
    pub stream: &'a [u8],
    /// Send our own Close once the bytes before this offset have been read, so the
    /// `CloseSent` state gets its share of hostile input.
    pub local_close_at: Option<usize>,
}

/// The limits and options a fuzzer-chosen byte selects: the defaults, and small limits
/// that input of a few KiB can actually reach.
pub fn config_from(flags: u8) -> Config {
    let limits = match flags & 3 {
        0 => Config::default(),
        1 => Config::default().max_message_size(64).max_fragments(3),
        2 => Config::default().max_frame_size(16),
        _ => Config::default().max_message_size(1).max_fragments(1),
    };
    limits
        .auto_pong(flags & 4 == 0)
        .compressed_messages(flags & 8 != 0)
}

/// The raw-bytes targets: a small header chooses the options and the cut points, the
/// rest is what the peer sent.
///
/// Layout: `flags`, `n` (low 3 bits: number of cuts), `n` little-endian u16 offsets,
/// then the stream. Flag bits 0–3 go to [`config_from`] (bit 3 negotiates compression); bit 4 sends a local Close at
/// the first cut.
pub fn check_raw(side: Side, data: &[u8]) {
    let (flags, cuts, stream) = raw_layout(data);
    check_splits(
        &Script {
            side,
            config: config_from(flags),
            stream,
            local_close_at: local_close_at(flags, &cuts),
        },
        &cuts,
    );
}

/// Splits `check_raw`'s layout into the flags, the cuts (each within the stream) and
/// the stream.
pub(crate) fn raw_layout(data: &[u8]) -> (u8, Vec<usize>, &[u8]) {
    let flags = data.first().copied().unwrap_or(0);
    let n = data.get(1).map_or(0, |b| usize::from(b & 7));
    let header_len = (2 + 2 * n).min(data.len());
    let stream = &data[header_len..];
    let cuts = data[2.min(data.len())..header_len]
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    (flags, cuts, stream)
}

/// Flag bit 4 of the raw layout: a local Close at the first cut.
pub(crate) fn local_close_at(flags: u8, cuts: &[usize]) -> Option<usize> {
    (flags & 0x10 != 0).then(|| cuts.first().copied().unwrap_or(0))
}

/// Runs `script` whole, byte at a time and cut at `cuts`, through the frame-level API
/// and through `MessageReader`, asserts that they all agree, and returns the outcome.
pub fn check_splits(script: &Script<'_>, cuts: &[usize]) -> Outcome {
    let whole = same_however_cut(script, cuts, drive);
    let messages = drive_messages(script, cuts);
    // From the first compressed message on, the reader inflates what the frame events
    // show compressed: `deflate::agree_with_frames` compares those.
    let upto = whole.first_compressed.unwrap_or(whole.seen.len());
    let reassembled = if whole.first_compressed.is_some() {
        messages.get(..upto)
    } else {
        Some(&messages[..])
    };
    assert_eq!(
        Some(&whole.seen[..upto]),
        reassembled,
        "MessageReader disagrees with the frame events"
    );
    whole
}

/// Runs `run` over the stream in one chunk, a byte at a time and cut at `cuts`, asserts
/// that the three agree, and returns what they saw.
pub(crate) fn same_however_cut<T: PartialEq + core::fmt::Debug>(
    script: &Script<'_>,
    cuts: &[usize],
    run: impl Fn(&Script<'_>, &[usize]) -> T,
) -> T {
    let whole = run(script, &[]);
    let every: Vec<usize> = (1..script.stream.len()).collect();
    let bytewise = run(script, &every);
    assert_eq!(whole, bytewise, "one chunk and byte at a time disagree");
    let split = run(script, cuts);
    assert_eq!(whole, split, "one chunk and cuts at {cuts:?} disagree");
    whole
}

/// Where the local Close goes; past the end means after the last byte.
pub(crate) fn close_at(script: &Script<'_>) -> Option<usize> {
    script.local_close_at.map(|c| c.min(script.stream.len()))
}

pub(crate) fn chunks(script: &Script<'_>, cuts: &[usize]) -> Vec<usize> {
    let len = script.stream.len();
    let mut points: Vec<usize> = cuts.iter().map(|&c| c.min(len)).collect();
    points.extend(close_at(script));
    points.push(len);
    // Repeated points make empty chunks, which a read loop must shrug off; they also
    // let a Close placed at the very end run once every byte has been read.
    points.sort_unstable();
    points
}

fn drive(script: &Script<'_>, cuts: &[usize]) -> Outcome {
    match script.side {
        Side::Server => drive_conn(Connection::server(script.config), script, cuts),
        Side::Client => drive_conn(
            Connection::client(script.config, DeterministicKeys::default()),
            script,
            cuts,
        ),
    }
}

fn drive_conn<K: MaskKeySource>(
    mut conn: Connection<K>,
    script: &Script<'_>,
    cuts: &[usize],
) -> Outcome {
    let masked_replies = script.side == Side::Client;
    let mut seen = Vec::new();
    let mut sent = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut reassembly = Reassembly::default();
    let mut first_compressed = None;
    let mut failed = false;
    let mut at = 0;
    let points = chunks(script, cuts);
    // Every pass of the inner loop consumes a byte or ends the chunk: more passes than
    // bytes plus chunks would mean a read that makes no progress yet asks to be called.
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
            match conn.read(&mut buf) {
                Err(e) => {
                    assert!(!failed, "an error after the connection had failed");
                    check_error_code(&e);
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
                Ok(Received { consumed, event }) => {
                    assert!(consumed <= len, "consumed {consumed} of {len}");
                    if failed || matches!(before, CloseState::CloseReceived | CloseState::Closed) {
                        assert!(consumed == len && event.is_none(), "input after the end");
                    }
                    let progressed = consumed > 0 || event.is_some();
                    if let Some(event) = event {
                        assert!(consumed > 0, "an event out of no bytes");
                        let expect = expected_reply(&event, before, script.config);
                        if matches!(
                            event,
                            Event::Data {
                                compressed: true,
                                ..
                            }
                        ) {
                            first_compressed.get_or_insert(seen.len());
                        }
                        record(
                            event,
                            consumed == len,
                            script.config,
                            &mut reassembly,
                            &mut seen,
                        );
                        let replies = drain(&mut conn, &mut sent, masked_replies);
                        assert_eq!(replies, expect.into_iter().collect::<Vec<_>>());
                    } else {
                        assert!(drain(&mut conn, &mut sent, masked_replies).is_empty());
                    }
                    buf.drain(..consumed);
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
    let before = conn.close_state();
    let eof = conn.read_eof().map(|event| match event {
        Event::Close { code, reason } => Owned::Close(code.0, reason.into()),
        other => panic!("read_eof gave {other:?}"),
    });
    let abnormal = matches!(before, CloseState::Open | CloseState::CloseSent);
    assert_eq!(eof.is_some(), abnormal, "1006 iff the handshake was cut");
    if let Some(close) = &eof {
        assert_eq!(close, &Owned::Close(CloseCode::ABNORMAL.0, String::new()));
    }
    assert_eq!(conn.close_state(), CloseState::Closed);
    assert!(!conn.wants_transmit());
    Outcome {
        seen,
        first_compressed,
        eof,
        sent,
        state: before,
        should_close: conn.should_close_transport(),
    }
}

/// Does nothing once the connection is closing: `send_close` refuses, as it must.
pub(crate) fn local_close<K: MaskKeySource>(conn: &mut Connection<K>, sent: &mut Vec<u8>) {
    let mut out = [0u8; 64];
    if let Ok(n) = conn.send_close(CloseCode::GOING_AWAY, "fuzz", &mut out) {
        sent.extend_from_slice(&out[..n]);
        assert_eq!(conn.close_state(), CloseState::CloseSent);
    }
}

pub(crate) fn check_error_code(e: &ProtocolError) {
    let code = e.close_code();
    assert!(
        [
            CloseCode::PROTOCOL_ERROR,
            CloseCode::INVALID_PAYLOAD,
            CloseCode::MESSAGE_TOO_BIG
        ]
        .contains(&code),
        "{e:?} maps to {code:?}"
    );
}

/// The reply the protocol obliges for `event`, read in state `before`.
fn expected_reply(event: &Event<'_>, before: CloseState, config: Config) -> Option<Frame> {
    match *event {
        // §5.5.2: answered unless the peer's Close has arrived; ours may be out.
        Event::Ping(p)
            if config.auto_pong && matches!(before, CloseState::Open | CloseState::CloseSent) =>
        {
            Some((Opcode::Pong, p.to_vec()))
        }
        Event::Close { code, .. } if before == CloseState::Open => {
            let echo = if code == CloseCode::NO_STATUS_RECEIVED {
                Vec::new()
            } else {
                code.0.to_be_bytes().to_vec()
            };
            Some((Opcode::Close, echo))
        }
        _ => None,
    }
}

fn record(
    event: Event<'_>,
    took_everything: bool,
    config: Config,
    reassembly: &mut Reassembly,
    seen: &mut Vec<Owned>,
) {
    let text = match event {
        Event::Ping(p) | Event::Pong(p) => {
            assert!(p.len() <= 125);
            false
        }
        Event::Close { code, reason } => {
            assert!(code.is_valid_on_wire() || code == CloseCode::NO_STATUS_RECEIVED);
            assert!(reason.len() <= MAX_CLOSE_REASON);
            false
        }
        Event::Data {
            kind,
            payload,
            frame_finished,
            message_finished,
            compressed,
        } => {
            assert!(frame_finished || !message_finished);
            assert!(!compressed || config.compressed_messages);
            if !frame_finished {
                // A frame is cut short only by the end of the caller's bytes.
                assert!(took_everything && !payload.is_empty());
            }
            kind == MessageKind::Text && !compressed
        }
    };
    // A finished text message is owned as a `String`, which is the check of its end.
    seen.extend(reassembly.push(event));
    if let (true, Some(data)) = (text, reassembly.partial()) {
        // §8.1: text must fail at the first byte that cannot start valid UTF-8, so
        // whatever was delivered is always a prefix of some valid text.
        if let Err(e) = core::str::from_utf8(data) {
            assert!(e.error_len().is_none(), "invalid UTF-8 delivered");
        }
    }
}

/// One frame the connection sent: opcode and unmasked payload.
pub type Frame = (Opcode, Vec<u8>);

/// Empties `poll_transmit`, keeps the bytes in `sent`, and decodes what came out.
pub(crate) fn drain<K: MaskKeySource>(
    conn: &mut Connection<K>,
    sent: &mut Vec<u8>,
    masked: bool,
) -> Vec<Frame> {
    // Room for a full Pong and a Close together, so a second call must return 0.
    let mut out = [0u8; 2 * MIN_READ_BUFFER];
    let n = conn.poll_transmit(&mut out).expect("room for every reply");
    assert_eq!(conn.poll_transmit(&mut out), Ok(0), "replies left behind");
    sent.extend_from_slice(&out[..n]);
    decode_frames(&out[..n], masked)
}

/// Splits bytes an endpoint wrote into frames, checking they are single-frame messages
/// masked exactly when a client wrote them.
fn decode_frames(bytes: &[u8], masked: bool) -> Vec<Frame> {
    split_frames(bytes)
        .into_iter()
        .map(|(header, payload)| {
            assert_eq!(header.mask.is_some(), masked);
            assert!(header.fin && !header.rsv1 && !header.rsv2 && !header.rsv3);
            (header.opcode, payload)
        })
        .collect()
}

fn drive_messages(script: &Script<'_>, cuts: &[usize]) -> Vec<Owned> {
    match script.side {
        Side::Server => drive_reader(Connection::server(script.config), script, cuts),
        Side::Client => drive_reader(
            Connection::client(script.config, DeterministicKeys::default()),
            script,
            cuts,
        ),
    }
}

/// The same loop through `MessageReader`, checking that its buffer stays within the
/// message limit.
fn drive_reader<K: MaskKeySource>(
    mut conn: Connection<K>,
    script: &Script<'_>,
    cuts: &[usize],
) -> Vec<Owned> {
    let budget = usize::try_from(script.config.max_message_size).unwrap_or(usize::MAX);
    let mut reader = MessageReader::new();
    let mut seen = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut sink = Vec::new();
    let mut at = 0;
    for end in chunks(script, cuts) {
        if close_at(script) == Some(at) {
            local_close(&mut conn, &mut sink);
        }
        buf.extend_from_slice(&script.stream[at..end]);
        at = end;
        loop {
            let (consumed, message) = match reader.read(&mut conn, &mut buf) {
                Ok(Received {
                    consumed,
                    event: message,
                }) => (consumed, message.map(Owned::from)),
                Err(e) => {
                    check_error_code(&e);
                    seen.push(Owned::Error(e));
                    buf.clear();
                    break;
                }
            };
            assert!(
                reader.buffered() <= budget,
                "reader holds more than the limit"
            );
            let progressed = consumed > 0 || message.is_some();
            seen.extend(message);
            buf.drain(..consumed);
            let mut out = [0u8; 2 * MIN_READ_BUFFER];
            while conn.poll_transmit(&mut out).expect("room") > 0 {}
            if !progressed {
                break;
            }
        }
    }
    seen
}
