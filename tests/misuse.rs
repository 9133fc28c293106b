//! A careless or mistaken caller: every misuse of the public API is an error, never a
//! panic, a corrupted frame or a leaked secret.
#![cfg(feature = "alloc")]

use proptest::prelude::*;
use rfc6455::time::Timestamp;
use rfc6455::{DeterministicKeys, MaskKeySource};
use std::time::Duration;

/// §10.3: masking keys must be unpredictable, so the pool of keys not yet used must not
/// be printed (logs would reveal the next frames' keys).
#[cfg(feature = "std")]
#[test]
fn s10_3_os_random_debug_does_not_print_future_mask_keys() {
    let mut rng = rfc6455::OsRandom::new();
    let _ = rng.next_mask_key();
    let printed = format!("{rng:?}");
    assert_eq!(printed, "OsRandom");
}

/// A clone must not replay the keys the original will use.
#[cfg(feature = "std")]
#[test]
fn s10_3_a_cloned_os_random_never_replays_mask_keys() {
    let mut a = rfc6455::OsRandom::new();
    let mut b = a;
    let from_a: Vec<_> = (0..200).map(|_| a.next_mask_key()).collect();
    let from_b: Vec<_> = (0..200).map(|_| b.next_mask_key()).collect();
    let mut all: Vec<_> = from_a.iter().chain(&from_b).collect();
    all.sort();
    all.dedup();
    // 400 draws of 32 random bits: a repeat has odds of about 2 in 100,000.
    assert!(all.len() >= 399, "{} distinct keys of 400", all.len());
}

#[test]
fn deterministic_keys_are_what_their_name_says() {
    let mut fixed = DeterministicKeys::repeating([9, 8, 7, 6]);
    assert_eq!(fixed.next_mask_key(), [9, 8, 7, 6]);
    assert_eq!(fixed.next_mask_key(), [9, 8, 7, 6]);
    let mut a = DeterministicKeys::sequence(42);
    let mut b = DeterministicKeys::sequence(42);
    let keys: Vec<_> = (0..64).map(|_| a.next_mask_key()).collect();
    assert!(keys.iter().all(|k| *k == b.next_mask_key()));
    assert!(keys.iter().all(|k| *k != [0; 4]));
    let distinct: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len());
    assert_ne!(DeterministicKeys::sequence(0).next_mask_key(), [0; 4]);
}

use rfc6455::connection::{
    Config, Connection, Message, MessageKind, MessageReader, ProtocolError, Received, SendError,
};
use rfc6455::frame::CloseCode;
use rfc6455_testkit::*;

/// §5.4: a message may not begin inside another. `send_text` / `send_binary` while a
/// fragmented message of the same kind is open would otherwise continue it, gluing two
/// messages into one at the peer.
#[test]
fn s5_4_whole_message_sends_refuse_while_a_fragmented_message_is_open() {
    for kind in [MessageKind::Text, MessageKind::Binary] {
        let mut conn = Connection::server(Config::default());
        let mut out = [0u8; 64];
        conn.send_fragment(kind, b"open", false, &mut out).unwrap();
        assert_eq!(
            conn.send_text("glued", &mut out),
            Err(SendError::MessageInProgress)
        );
        assert_eq!(
            conn.send_binary(b"glued", &mut out),
            Err(SendError::MessageInProgress)
        );
        for other in [MessageKind::Text, MessageKind::Binary] {
            assert_eq!(
                conn.send_message_fragmented(other, b"glued", 2, &mut out),
                Err(SendError::MessageInProgress)
            );
            assert_eq!(
                conn.send_message_fragmented(other, b"", 2, &mut out),
                Err(SendError::MessageInProgress)
            );
        }
        // The open message still ends normally, and a new one may follow.
        let n = conn.send_fragment(kind, b"", true, &mut out).unwrap();
        assert_eq!(&out[..n], [0x80, 0x00]);
        assert!(conn.send_binary(b"next", &mut out).is_ok());
    }
}

/// RFC 7692 §6.1: RSV1 on a message's first frame makes all of it compressed. A
/// compressed piece continuing a plain message (or a plain piece continuing a
/// compressed one) would hand the peer bytes of the wrong kind: found by the proptest
/// below as text that was not UTF-8.
#[test]
fn rfc7692_6_1_plain_and_compressed_pieces_do_not_mix_in_one_message() {
    let config = Config::default().compressed_messages(true);
    let mut out = [0u8; 64];
    let mut conn = Connection::server(config);
    conn.send_fragment(MessageKind::Text, b"", false, &mut out)
        .unwrap();
    assert_eq!(
        conn.send_compressed_fragment(MessageKind::Text, &[0x80, 0], false, &mut out),
        Err(SendError::MessageInProgress)
    );
    let mut conn = Connection::server(config);
    conn.send_compressed_fragment(MessageKind::Binary, &[0x80], false, &mut out)
        .unwrap();
    assert_eq!(
        conn.send_fragment(MessageKind::Binary, b"plain", true, &mut out),
        Err(SendError::MessageInProgress)
    );
    assert!(conn
        .send_compressed_fragment(MessageKind::Binary, &[0], true, &mut out)
        .is_ok());
}

#[test]
fn fragment_size_of_usize_max_is_one_frame_not_an_overflow() {
    let mut conn = Connection::server(Config::default());
    let mut out = [0u8; 64];
    let n = conn
        .send_message_fragmented(MessageKind::Binary, b"abc", usize::MAX, &mut out)
        .unwrap();
    assert_eq!(&out[..n], [0x82, 0x03, b'a', b'b', b'c']);
    let n = conn
        .send_message_fragmented(MessageKind::Binary, b"abc", 0, &mut out)
        .unwrap();
    assert_eq!(n, 3 * 3);
    let mut client = Connection::client(Config::default(), DeterministicKeys::sequence(3));
    let n = client
        .send_message_fragmented(MessageKind::Text, b"abc", usize::MAX, &mut out)
        .unwrap();
    assert_eq!(n, 6 + 3);
}

/// §5.6 / §8.1: text the peer would reject as invalid UTF-8 never leaves this side.
#[test]
fn s8_1_text_fragments_that_are_not_utf8_are_refused_before_writing() {
    let mut conn = Connection::server(Config::default());
    let mut out = [0xAAu8; 64];
    assert_eq!(
        conn.send_fragment(MessageKind::Text, b"ok \xFF", true, &mut out),
        Err(SendError::InvalidUtf8)
    );
    assert!(out.iter().all(|&b| b == 0xAA), "nothing written");
    // A code point split between fragments is fine...
    let euro = "€".as_bytes();
    conn.send_fragment(MessageKind::Text, &euro[..1], false, &mut out)
        .unwrap();
    // ... an invalid continuation is not, and leaves the message open as it was ...
    assert_eq!(
        conn.send_fragment(MessageKind::Text, b"x", false, &mut out),
        Err(SendError::InvalidUtf8)
    );
    // ... and the last piece must finish the code point.
    assert_eq!(
        conn.send_fragment(MessageKind::Text, &euro[1..2], true, &mut out),
        Err(SendError::InvalidUtf8)
    );
    conn.send_fragment(MessageKind::Text, &euro[1..], true, &mut out)
        .unwrap();
    assert_eq!(
        conn.send_message_fragmented(MessageKind::Text, b"\xC3(", 1, &mut out),
        Err(SendError::InvalidUtf8)
    );
    // Binary is not checked.
    assert!(conn
        .send_message_fragmented(MessageKind::Binary, b"\xC3(", 1, &mut out)
        .is_ok());
}

/// A reader that did not see a message's first fragment cannot deliver the message:
/// it fails the connection with 1011 (§7.4.1) instead of panicking.
#[test]
fn message_reader_given_a_message_whose_start_was_read_elsewhere_fails_with_1011() {
    let mut client = Connection::client(Config::default(), DeterministicKeys::sequence(1));
    let mut wire = vec![0u8; 64];
    let mut n = client
        .send_fragment(
            MessageKind::Text,
            "€".as_bytes()[..1].as_ref(),
            false,
            &mut wire,
        )
        .unwrap();
    n += client
        .send_fragment(
            MessageKind::Text,
            &"€".as_bytes()[1..],
            true,
            &mut wire[n..],
        )
        .unwrap();
    let mut server = Connection::server(Config::default());
    let first = server.read(&mut wire[..n]).unwrap().consumed;
    let mut reader = MessageReader::new();
    let result = reader.read(&mut server, &mut wire[first..n]);
    assert_eq!(result, Err(ProtocolError::ReaderOutOfStep));
    assert_eq!(
        close_code_in(&drain(&mut server)),
        Some(CloseCode::INTERNAL_ERROR.0)
    );
}

#[test]
fn message_reader_shared_by_two_connections_fails_instead_of_mixing_messages() {
    let mut wire = vec![0u8; 64];
    let mut client = Connection::client(Config::default(), DeterministicKeys::sequence(1));
    let n = client
        .send_fragment(MessageKind::Binary, b"from a", false, &mut wire)
        .unwrap();
    let m = client
        .send_fragment(MessageKind::Binary, b"", true, &mut wire[n..])
        .unwrap();
    // Reads unmask in place: every read below gets its own copy of the frames.
    let (first, rest) = (wire[..n].to_vec(), wire[n..n + m].to_vec());
    let mut reader = MessageReader::new();
    let mut a = Connection::server(Config::default());
    let mut b = Connection::server(Config::default());
    assert_eq!(
        reader.read(&mut a, &mut first.clone()).unwrap(),
        Received {
            consumed: n,
            event: None
        }
    );
    let mut other = raw_frame(0x82, Some([1, 2, 3, 4]), b"from b");
    assert_eq!(
        reader.read(&mut b, &mut other),
        Err(ProtocolError::ReaderOutOfStep)
    );
    // A fresh reader on `a` is out of step too; the right one is not.
    assert_eq!(
        MessageReader::new().read(&mut a, &mut rest.clone()),
        Err(ProtocolError::ReaderOutOfStep)
    );
    let mut a = Connection::server(Config::default());
    let mut reader = MessageReader::new();
    let opened = reader.read(&mut a, &mut first.clone()).unwrap().consumed;
    assert_eq!(opened, n);
    let mut rest = rest.clone();
    let Received { event: message, .. } = reader.read(&mut a, &mut rest).unwrap();
    assert_eq!(message, Some(Message::Binary(b"from a")));
}

/// The limits do not depend on the order of the setters; the frame cap in force is
/// never above the message cap.
#[test]
fn config_setters_in_either_order_give_the_same_limits() {
    let a = Config::default()
        .max_message_size(1 << 20)
        .max_frame_size(16 << 20);
    let b = Config::default()
        .max_frame_size(16 << 20)
        .max_message_size(1 << 20);
    assert_eq!(a, b);
    let (ca, cb) = (Connection::server(a), Connection::server(b));
    assert_eq!(ca.config(), cb.config());
    assert_eq!(ca.config().max_frame_size, 1 << 20);
    assert_eq!(ca.config().max_message_size, 1 << 20);
    // A 2 MiB frame is refused with the same limit either way, before any payload.
    let header = [0x82, 0xFF, 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4];
    for config in [a, b] {
        let (events, _) = server_events(config, &header);
        assert_eq!(
            events,
            [Owned::Error(ProtocolError::MessageTooBig {
                limit: 1 << 20
            })]
        );
    }
}

/// One public call, with arguments a careless caller might pass.
#[derive(Debug, Clone)]
enum Call {
    Read(Vec<u8>),
    ReadAll(Vec<u8>),
    ReadThroughReader(Vec<u8>),
    ReadEof,
    /// The caller's clock moves on by this many milliseconds, then `poll_timeout` and
    /// `handle_timeout`; a clock that stands still or a call before the deadline is as
    /// legal as one after it.
    Timeout(u64),
    PollTransmit(usize),
    SendText(String, usize),
    SendBinary(Vec<u8>, usize),
    SendFragment(bool, Vec<u8>, bool, usize),
    SendCompressed(bool, Vec<u8>, bool, usize),
    SendFragmented(bool, Vec<u8>, usize, usize),
    /// `send_header` (false) or `send_header_masking` (true): header only, the payload
    /// written after it from where it lies, as a vectored write would.
    SendHeader(bool, bool, Vec<u8>, bool, usize),
    SendPing(Vec<u8>, usize),
    SendPong(Vec<u8>, usize),
    SendClose(u16, String, usize),
}

fn kind(text: bool) -> MessageKind {
    if text {
        MessageKind::Text
    } else {
        MessageKind::Binary
    }
}

fn call() -> impl Strategy<Value = Call> {
    let bytes = || prop::collection::vec(any::<u8>(), 0..300);
    let room = || prop_oneof![0usize..20, 0usize..400, Just(usize::MAX >> 40)];
    let fragment = prop_oneof![Just(0usize), 1usize..50, Just(usize::MAX)];
    prop_oneof![
        bytes().prop_map(Call::Read),
        bytes().prop_map(Call::ReadAll),
        bytes().prop_map(Call::ReadThroughReader),
        Just(Call::ReadEof),
        prop_oneof![Just(0u64), 0u64..5_000, Just(u64::MAX >> 30)].prop_map(Call::Timeout),
        room().prop_map(Call::PollTransmit),
        (".{0,40}", room()).prop_map(|(t, r)| Call::SendText(t, r)),
        (bytes(), room()).prop_map(|(b, r)| Call::SendBinary(b, r)),
        (any::<bool>(), bytes(), any::<bool>(), room())
            .prop_map(|(t, b, l, r)| Call::SendFragment(t, b, l, r)),
        (any::<bool>(), bytes(), any::<bool>(), room())
            .prop_map(|(t, b, l, r)| Call::SendCompressed(t, b, l, r)),
        (any::<bool>(), bytes(), fragment, room())
            .prop_map(|(t, b, f, r)| Call::SendFragmented(t, b, f, r)),
        (any::<bool>(), any::<bool>(), bytes(), any::<bool>(), room())
            .prop_map(|(m, t, b, l, r)| Call::SendHeader(m, t, b, l, r)),
        (bytes(), room()).prop_map(|(b, r)| Call::SendPing(b, r)),
        (bytes(), room()).prop_map(|(b, r)| Call::SendPong(b, r)),
        (prop_oneof![Just(1000u16), any::<u16>()], ".{0,130}", room())
            .prop_map(|(c, t, r)| Call::SendClose(c, t, r)),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        prop_oneof![Just(0u64), 0u64..400, Just(u64::MAX)],
        prop_oneof![Just(0u64), 0u64..400, Just(u64::MAX)],
        prop_oneof![Just(0u32), 1u32..4, Just(u32::MAX)],
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(prop::option::of(0u64..3_000), 4),
    )
        .prop_map(|(message, frame, fragments, pong, compressed, timers)| {
            let ms = |i: usize| timers[i].map(Duration::from_millis);
            Config::default()
                .max_message_size(message)
                .max_frame_size(frame)
                .max_fragments(fragments)
                .auto_pong(pong)
                .compressed_messages(compressed)
                .ping_interval(ms(0))
                .ping_timeout(ms(1))
                .close_timeout(ms(2))
                .idle_timeout(ms(3))
        })
}

/// The messages the successful sends amount to, as the peer should see them.
#[derive(Default)]
struct Model {
    messages: Vec<Owned>,
    open: Option<(MessageKind, bool, Vec<u8>)>,
}

impl Model {
    /// A whole message stands alone, whatever is open.
    fn sent_whole(&mut self, kind: MessageKind, data: &[u8]) {
        let open = self.open.take();
        self.sent(kind, false, data, true);
        self.open = open;
    }

    fn sent(&mut self, kind: MessageKind, compressed: bool, data: &[u8], last: bool) {
        let (kind, compressed, buf) = self
            .open
            .get_or_insert_with(|| (kind, compressed, Vec::new()));
        buf.extend_from_slice(data);
        if last {
            let (kind, compressed, buf) = (*kind, *compressed, std::mem::take(buf));
            self.open = None;
            self.messages.push(match kind {
                _ if compressed => Owned::Compressed(kind, buf),
                MessageKind::Text => Owned::Text(String::from_utf8(buf).unwrap()),
                MessageKind::Binary => Owned::Binary(buf),
            });
        }
    }
}

/// Runs `calls` on `conn` and returns every byte it wrote, in order, and the messages
/// those bytes should carry.
fn run<K: MaskKeySource>(conn: &mut Connection<K>, calls: &[Call]) -> (Vec<u8>, Vec<Owned>) {
    let mut model = Model::default();
    let mut wire = Vec::new();
    let mut reader = MessageReader::new();
    let mut now = Timestamp::ZERO;
    for call in calls {
        let out = |room: usize| vec![0u8; room.min(1 << 16)];
        let sent = match call {
            Call::Read(bytes) => {
                let _ = conn.read(&mut bytes.clone());
                continue;
            }
            Call::ReadAll(bytes) => {
                let mut input = bytes.clone();
                if let Ok(used) = conn.read_all(&mut input, |_| {}) {
                    assert!(used <= input.len());
                }
                continue;
            }
            Call::Timeout(ms) => {
                now = now.saturating_add(Duration::from_millis(*ms));
                let _ = conn.poll_timeout();
                let _ = conn.handle_timeout(now);
                continue;
            }
            Call::ReadThroughReader(bytes) => {
                let _ = reader.read(conn, &mut bytes.clone());
                continue;
            }
            Call::ReadEof => {
                let _ = conn.read_eof();
                continue;
            }
            Call::PollTransmit(room) => {
                let mut buf = out(*room);
                conn.poll_transmit(&mut buf).map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendText(text, room) => {
                let mut buf = out(*room);
                let n = conn.send_text(text, &mut buf);
                if n.is_ok() {
                    model.sent_whole(MessageKind::Text, text.as_bytes());
                }
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendBinary(data, room) => {
                let mut buf = out(*room);
                let n = conn.send_binary(data, &mut buf);
                if n.is_ok() {
                    model.sent_whole(MessageKind::Binary, data);
                }
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendFragment(text, data, last, room) => {
                let mut buf = out(*room);
                let n = conn.send_fragment(kind(*text), data, *last, &mut buf);
                if n.is_ok() {
                    model.sent(kind(*text), false, data, *last);
                }
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendCompressed(text, data, last, room) => {
                let mut buf = out(*room);
                let n = conn.send_compressed_fragment(kind(*text), data, *last, &mut buf);
                if n.is_ok() {
                    model.sent(kind(*text), true, data, *last);
                }
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendFragmented(text, data, size, room) => {
                let mut buf = out(*room);
                let n = conn.send_message_fragmented(kind(*text), data, *size, &mut buf);
                if n.is_ok() {
                    model.sent_whole(kind(*text), data);
                }
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendHeader(masking, text, data, last, room) => {
                let mut buf = out(*room);
                let mut payload = data.clone();
                let n = if *masking {
                    conn.send_header_masking(kind(*text), &mut payload, *last, &mut buf)
                } else {
                    conn.send_header(kind(*text), &payload, *last, &mut buf)
                };
                if n.is_ok() {
                    model.sent(kind(*text), false, data, *last);
                }
                n.map(|n| [&buf[..n], &payload[..]].concat()).ok()
            }
            Call::SendPing(data, room) => {
                let mut buf = out(*room);
                let n = conn.send_ping(data, &mut buf);
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendPong(data, room) => {
                let mut buf = out(*room);
                let n = conn.send_pong(data, &mut buf);
                n.map(|n| buf[..n].to_vec()).ok()
            }
            Call::SendClose(code, reason, room) => {
                let mut buf = out(*room);
                let n = conn.send_close(CloseCode(*code), reason, &mut buf);
                n.map(|n| buf[..n].to_vec()).ok()
            }
        };
        wire.extend(sent.unwrap_or_default());
    }
    (wire, model.messages)
}

/// What the peer makes of everything this side wrote: it must never find a protocol
/// error, and after this side's Close only control frames may follow (§5.5.1).
fn peer_accepts<K: MaskKeySource>(peer: &mut Connection<K>, (wire, sent): (Vec<u8>, Vec<Owned>)) {
    let wire = &wire[..];
    let mut inbox = Inbox::default();
    inbox.feed(peer, wire);
    let error = inbox.events.iter().find(|e| matches!(e, Owned::Error(_)));
    assert_eq!(
        error, None,
        "the peer failed on our bytes: {:?}",
        inbox.events
    );
    let data: Vec<_> = inbox
        .events
        .iter()
        .filter(|e| matches!(e, Owned::Text(_) | Owned::Binary(_) | Owned::Compressed(..)))
        .cloned()
        .collect();
    assert_eq!(data, sent, "the peer got other messages than were sent");
    let closes = inbox
        .events
        .iter()
        .filter(|e| matches!(e, Owned::Close(..)))
        .count();
    assert!(closes <= 1, "{:?}", inbox.events);
    let mut rest = wire;
    let mut seen_close = false;
    while let Ok(rfc6455::Status::Complete((header, len))) =
        rfc6455::frame::FrameHeader::decode(rest)
    {
        let opcode = header.opcode;
        assert!(
            !seen_close || opcode.is_control(),
            "data frame after our Close"
        );
        assert!(
            !seen_close || opcode != rfc6455::frame::Opcode::Close,
            "second Close"
        );
        seen_close |= opcode == rfc6455::frame::Opcode::Close;
        rest = &rest[len + header.payload_len as usize..];
    }
    assert!(rest.is_empty(), "a frame was cut short");
}

fn lenient(compressed: bool) -> Config {
    Config::default()
        .max_message_size(u64::MAX)
        .max_frame_size(u64::MAX)
        .max_fragments(u32::MAX)
        .compressed_messages(compressed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any sequence of public calls, in either role, with any buffer sizes and limits:
    /// no panic, and every byte written is a valid stream for the peer.
    #[test]
    fn any_sequence_of_public_calls_never_panics_nor_corrupts_the_stream(
        config in config(),
        calls in prop::collection::vec(call(), 0..40),
        seed in any::<u32>(),
    ) {
        let mut server = Connection::server(config);
        let sent = run(&mut server, &calls);
        let peer = lenient(config.compressed_messages);
        peer_accepts(&mut Connection::client(peer, DeterministicKeys::sequence(seed)), sent);

        let mut client = Connection::client(config, DeterministicKeys::sequence(seed));
        let sent = run(&mut client, &calls);
        peer_accepts(&mut Connection::server(peer), sent);
    }
}

/// A reader fed one byte per call sees a frame header consumed before any payload: the
/// connection has opened the message, and the reader must follow it, not fail out of
/// step (found by the deflate_connection fuzz target).
#[test]
fn message_reader_fed_one_byte_at_a_time_stays_in_step() {
    let mut client = Connection::client(Config::default(), DeterministicKeys::sequence(9));
    let mut wire = vec![0u8; 64];
    let mut n = client
        .send_fragment(MessageKind::Text, b"h", false, &mut wire)
        .unwrap();
    n += client
        .send_fragment(MessageKind::Text, b"i", true, &mut wire[n..])
        .unwrap();
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new();
    let mut pending = Vec::new();
    let mut got = None;
    for &byte in &wire[..n] {
        pending.push(byte);
        let Received {
            consumed,
            event: message,
        } = reader.read(&mut server, &mut pending).unwrap();
        if let Some(Message::Text(text)) = message {
            got = Some(text.to_string());
        }
        pending.drain(..consumed);
    }
    assert_eq!(got.as_deref(), Some("hi"));
}
