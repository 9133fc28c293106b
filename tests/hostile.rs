//! The hostile-input catalogue: what a malicious or broken peer can send, one named case
//! each, with the exact error and the exact close code (or HTTP status) it must produce.
//!
//! Connection cases are read whole and, when small, a byte at a time, since an attack
//! that only works when the bytes arrive in a certain rhythm is still an attack.

use rfc6455::connection::{CloseState, Config, Connection, Event, ProtocolError, Received};
#[cfg(feature = "alloc")]
use rfc6455::connection::{Message, MessageReader};
use rfc6455::frame::{CloseCode, FrameError};
use rfc6455::handshake::{
    ClientRequest, HandshakeResponse, HeadError, Limits, RequestError, RequestParser,
    ResponseError, ResponseParser,
};
use rfc6455::{MaskKeySource, Status};
use rfc6455_testkit::*;

/// A header written by hand with any 7-bit length and extended length bytes, masked.
fn crafted(first_byte: u8, len7: u8, extended: &[u8]) -> Vec<u8> {
    let mut out = vec![first_byte, 0x80 | len7];
    out.extend_from_slice(extended);
    out.extend_from_slice(&CLIENT_KEY);
    out
}

/// Reads `bytes` through `new()` whole and (for small inputs) a byte at a time: both
/// must end in `error`, which maps to `code`, and the Close that goes out must carry it.
fn fails_with<K: MaskKeySource>(
    new: impl Fn() -> Connection<K>,
    bytes: &[u8],
    error: ProtocolError,
    code: u16,
) {
    assert_eq!(error.close_code().0, code, "{error:?}");
    let mut splits = vec![Vec::new()];
    if bytes.len() <= 4096 {
        splits.push((1..bytes.len()).collect());
    }
    for split in splits {
        let mut conn = new();
        let events = events_split(&mut conn, bytes, &split);
        assert_eq!(events.last(), Some(&Owned::Error(error)), "{events:?}");
        assert_eq!(close_code_in(&drain(&mut conn)), Some(code));
        assert!(conn.should_close_transport());
        assert!(
            events_split(&mut conn, &client_frame(0x81, b"later"), &[]).is_empty(),
            "a failed connection delivered more"
        );
    }
}

fn server_fails(bytes: &[u8], error: ProtocolError, code: u16) {
    server_fails_with(Config::default(), bytes, error, code);
}

fn server_fails_with(config: Config, bytes: &[u8], error: ProtocolError, code: u16) {
    fails_with(|| Connection::server(config), bytes, error, code);
}

fn frame_error(e: FrameError) -> ProtocolError {
    ProtocolError::Frame(e)
}

/// A text message in fragments, each masked.
fn text_fragments(pieces: &[&[u8]]) -> Vec<u8> {
    let last = pieces.len() - 1;
    pieces
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let op = if i == 0 { 0x01 } else { 0x00 };
            let fin = if i == last { 0x80 } else { 0 };
            client_frame(op | fin, p)
        })
        .collect()
}

/// `count` one-byte binary fragments, written straight into one buffer.
fn one_byte_fragments(count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * 7);
    for i in 0..count {
        let op = if i == 0 { 0x02 } else { 0x00 };
        let fin = if i + 1 == count { 0x80 } else { 0 };
        out.extend_from_slice(&[op | fin, 0x81]);
        out.extend_from_slice(&CLIENT_KEY);
        out.push(b'x' ^ CLIENT_KEY[0]);
    }
    out
}

/// What a long stream did, counted without keeping its events.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    reads: usize,
    data_events: usize,
    pings: usize,
    messages: usize,
    message_bytes: usize,
    consumed: usize,
    error: Option<ProtocolError>,
}

/// Reads all of `bytes` in place, advancing an offset instead of shifting a buffer, so
/// that millions of frames cost linear time in the test as well.
fn tally(conn: &mut Connection, bytes: &mut [u8]) -> Tally {
    let mut t = Tally::default();
    let mut out = [0u8; 512];
    loop {
        t.reads += 1;
        match conn.read(&mut bytes[t.consumed..]) {
            Err(e) => {
                t.error = Some(e);
                return t;
            }
            Ok(Received { consumed, event }) => {
                t.consumed += consumed;
                match event {
                    Some(Event::Data {
                        payload,
                        message_finished,
                        ..
                    }) => {
                        t.data_events += 1;
                        t.message_bytes += payload.len();
                        t.messages += message_finished as usize;
                    }
                    Some(Event::Ping(_)) => t.pings += 1,
                    Some(_) => {}
                    None if consumed == 0 => return t,
                    None => {}
                }
                while conn.poll_transmit(&mut out).unwrap() > 0 {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Frames: lengths (§5.2)
// ---------------------------------------------------------------------------------

#[test]
fn length_2_pow_63_is_rejected_before_any_payload() {
    server_fails(
        &crafted(0x82, 127, &(1u64 << 63).to_be_bytes()),
        frame_error(FrameError::LengthTopBit),
        1002,
    );
}

#[test]
fn length_2_pow_64_minus_1_is_rejected() {
    server_fails(
        &crafted(0x82, 127, &u64::MAX.to_be_bytes()),
        frame_error(FrameError::LengthTopBit),
        1002,
    );
}

#[test]
fn length_2_pow_63_minus_1_exceeds_the_frame_limit() {
    server_fails(
        &crafted(0x82, 127, &(i64::MAX as u64).to_be_bytes()),
        ProtocolError::MessageTooBig { limit: 1 << 20 },
        1009,
    );
}

#[test]
fn length_2_pow_63_on_a_continuation_is_rejected() {
    let bytes = [
        client_frame(0x02, b"a"),
        crafted(0x80, 127, &(1u64 << 63).to_be_bytes()),
    ]
    .concat();
    server_fails(&bytes, frame_error(FrameError::LengthTopBit), 1002);
}

#[test]
fn sixteen_bit_length_of_125_is_not_minimal() {
    server_fails(
        &crafted(0x82, 126, &125u16.to_be_bytes()),
        frame_error(FrameError::NonMinimalLength(125)),
        1002,
    );
}

#[test]
fn sixteen_bit_length_of_0_is_not_minimal() {
    server_fails(
        &crafted(0x82, 126, &[0, 0]),
        frame_error(FrameError::NonMinimalLength(0)),
        1002,
    );
}

#[test]
fn sixty_four_bit_length_of_65535_is_not_minimal() {
    server_fails(
        &crafted(0x82, 127, &65535u64.to_be_bytes()),
        frame_error(FrameError::NonMinimalLength(65535)),
        1002,
    );
}

#[test]
fn sixty_four_bit_length_of_0_is_not_minimal() {
    server_fails(
        &crafted(0x82, 127, &0u64.to_be_bytes()),
        frame_error(FrameError::NonMinimalLength(0)),
        1002,
    );
}

#[test]
fn frame_one_byte_over_the_frame_limit_fails_at_its_header() {
    server_fails(
        &client_header(0x82, (1 << 20) + 1),
        ProtocolError::MessageTooBig { limit: 1 << 20 },
        1009,
    );
}

#[test]
fn frame_exactly_at_the_frame_limit_is_read() {
    let payload = vec![7u8; 1 << 20];
    let (events, _) = server_events(Config::default(), &client_frame(0x82, &payload));
    assert_eq!(events, [Owned::Binary(payload)]);
}

// ---------------------------------------------------------------------------------
// Frames: opcodes, reserved bits, masking (§5.1, §5.2)
// ---------------------------------------------------------------------------------

macro_rules! reserved_opcode_cases {
    ($($name:ident: $op:expr;)*) => {$(
        #[test]
        fn $name() {
            server_fails(
                &client_frame(0x80 | $op, b""),
                frame_error(FrameError::ReservedOpcode($op)),
                1002,
            );
        }
    )*};
}

reserved_opcode_cases! {
    reserved_opcode_0x3: 0x3;
    reserved_opcode_0x4: 0x4;
    reserved_opcode_0x5: 0x5;
    reserved_opcode_0x6: 0x6;
    reserved_opcode_0x7: 0x7;
    reserved_opcode_0xb: 0xB;
    reserved_opcode_0xc: 0xC;
    reserved_opcode_0xd: 0xD;
    reserved_opcode_0xe: 0xE;
    reserved_opcode_0xf: 0xF;
}

#[test]
fn reserved_opcode_without_fin_inside_a_message() {
    let bytes = [client_frame(0x01, b"a"), client_frame(0x03, b"b")].concat();
    server_fails(&bytes, frame_error(FrameError::ReservedOpcode(3)), 1002);
}

#[test]
fn rsv1_without_an_extension() {
    server_fails(
        &client_frame(0xC1, b"x"),
        ProtocolError::ReservedBits(0b100),
        1002,
    );
}

#[test]
fn rsv2_without_an_extension() {
    server_fails(
        &client_frame(0xA1, b"x"),
        ProtocolError::ReservedBits(0b010),
        1002,
    );
}

#[test]
fn rsv3_without_an_extension() {
    server_fails(
        &client_frame(0x91, b"x"),
        ProtocolError::ReservedBits(0b001),
        1002,
    );
}

#[test]
fn all_rsv_bits_on_a_ping() {
    server_fails(
        &client_frame(0xF9, b""),
        ProtocolError::ReservedBits(0b111),
        1002,
    );
}

#[test]
fn rsv2_is_refused_even_when_rsv1_is_negotiated() {
    server_fails_with(
        Config::default().compressed_messages(true),
        &client_frame(0xE1, b"x"),
        ProtocolError::ReservedBits(0b110),
        1002,
    );
}

#[test]
fn rsv1_on_a_continuation_even_when_negotiated() {
    let bytes = [client_frame(0xC1, b"x"), client_frame(0xC0, b"y")].concat();
    server_fails_with(
        Config::default().compressed_messages(true),
        &bytes,
        ProtocolError::ReservedBits(0b100),
        1002,
    );
}

#[test]
fn rsv1_on_a_ping_even_when_negotiated() {
    server_fails_with(
        Config::default().compressed_messages(true),
        &client_frame(0xC9, b""),
        ProtocolError::ReservedBits(0b100),
        1002,
    );
}

#[test]
fn unmasked_frame_to_a_server() {
    server_fails(
        &raw_frame(0x81, None, b"hi"),
        ProtocolError::UnmaskedFrame,
        1002,
    );
}

#[test]
fn unmasked_empty_close_to_a_server() {
    server_fails(
        &raw_frame(0x88, None, b""),
        ProtocolError::UnmaskedFrame,
        1002,
    );
}

#[test]
fn masked_frame_to_a_client() {
    fails_with(
        || Connection::client(Config::default(), DeterministicKeys::default()),
        &client_frame(0x82, b"x"),
        ProtocolError::MaskedFrame,
        1002,
    );
}

#[test]
fn masked_ping_to_a_client() {
    fails_with(
        || Connection::client(Config::default(), DeterministicKeys::default()),
        &client_frame(0x89, b""),
        ProtocolError::MaskedFrame,
        1002,
    );
}

// ---------------------------------------------------------------------------------
// Frames: control frames and fragmentation (§5.4, §5.5)
// ---------------------------------------------------------------------------------

#[test]
fn ping_without_fin() {
    server_fails(
        &client_frame(0x09, b""),
        frame_error(FrameError::FragmentedControl),
        1002,
    );
}

#[test]
fn close_without_fin() {
    server_fails(
        &client_frame(0x08, &[0x03, 0xE8]),
        frame_error(FrameError::FragmentedControl),
        1002,
    );
}

#[test]
fn pong_without_fin_between_fragments() {
    let bytes = [client_frame(0x01, b"a"), client_frame(0x0A, b"")].concat();
    server_fails(&bytes, frame_error(FrameError::FragmentedControl), 1002);
}

#[test]
fn ping_of_126_bytes() {
    server_fails(
        &client_header(0x89, 126),
        frame_error(FrameError::ControlTooLong(126)),
        1002,
    );
}

#[test]
fn close_with_a_64_bit_length() {
    server_fails(
        &crafted(0x88, 127, &(1u64 << 40).to_be_bytes()),
        frame_error(FrameError::ControlTooLong(127)),
        1002,
    );
}

#[test]
fn ping_of_125_bytes_is_answered_whole() {
    let (events, mut conn) = server_events(Config::default(), &client_frame(0x89, &[9; 125]));
    assert_eq!(events, [Owned::Ping(vec![9; 125])]);
    assert_eq!(drain(&mut conn), raw_frame(0x8A, None, &[9; 125]));
}

#[test]
fn continuation_with_no_message_open() {
    server_fails(
        &client_frame(0x80, b"x"),
        ProtocolError::UnexpectedContinuation,
        1002,
    );
}

#[test]
fn continuation_after_the_message_ended() {
    let bytes = [client_frame(0x81, b"done"), client_frame(0x80, b"more")].concat();
    server_fails(&bytes, ProtocolError::UnexpectedContinuation, 1002);
}

#[test]
fn text_frame_inside_a_fragmented_text() {
    let bytes = [client_frame(0x01, b"a"), client_frame(0x81, b"b")].concat();
    server_fails(&bytes, ProtocolError::MessageInProgress, 1002);
}

#[test]
fn binary_frame_inside_a_fragmented_text() {
    let bytes = [client_frame(0x01, b"a"), client_frame(0x02, b"b")].concat();
    server_fails(&bytes, ProtocolError::MessageInProgress, 1002);
}

#[test]
fn a_ping_between_every_fragment_is_answered_and_the_message_completes() {
    let fragments = 1000;
    let mut bytes = Vec::new();
    for i in 0..fragments {
        let op = if i == 0 { 0x02 } else { 0x00 };
        let fin = if i + 1 == fragments { 0x80 } else { 0 };
        bytes.extend(client_frame(op | fin, &[i as u8]));
        bytes.extend(client_frame(0x89, &(i as u32).to_be_bytes()));
    }
    let mut conn = Connection::server(Config::default());
    let t = tally(&mut conn, &mut bytes);
    assert_eq!(t.error, None);
    assert_eq!((t.pings, t.messages, t.message_bytes), (1000, 1, 1000));
    assert_eq!(t.consumed, bytes.len());
}

#[test]
fn pings_between_fragments_do_not_count_as_fragments() {
    let config = Config::default().max_fragments(2);
    let mut bytes = client_frame(0x01, b"a");
    for _ in 0..100 {
        bytes.extend(client_frame(0x89, b""));
    }
    bytes.extend(client_frame(0x80, b"b"));
    let (events, _) = server_events(config, &bytes);
    assert_eq!(events.len(), 101);
    assert_eq!(events.last(), Some(&Owned::Text("ab".into())));
}

#[test]
fn close_inside_a_fragmented_message_ends_it_unfinished() {
    let bytes = [
        client_frame(0x01, b"Hel"),
        client_frame(0x88, &[0x03, 0xE8]),
        client_frame(0x80, b"lo"),
    ]
    .concat();
    let (events, mut conn) = server_events(Config::default(), &bytes);
    assert_eq!(events, [Owned::Close(1000, String::new())]);
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1000));
    assert!(conn.should_close_transport());
    assert_eq!(conn.read_eof(), None);
}

#[test]
fn one_million_one_byte_fragments_fail_at_the_fragment_limit() {
    let mut bytes = one_byte_fragments(1_000_000);
    let mut conn = Connection::server(Config::default());
    let t = tally(&mut conn, &mut bytes);
    assert_eq!(
        t.error,
        Some(ProtocolError::TooManyFragments { limit: 4096 })
    );
    assert_eq!(
        t.data_events, 4096,
        "the 4097th fragment is the one refused"
    );
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1009));
}

#[test]
fn one_million_one_byte_fragments_complete_under_a_raised_limit_in_linear_work() {
    let config = Config::default()
        .max_fragments(1_000_000)
        .max_message_size(1_000_000);
    let mut bytes = one_byte_fragments(1_000_000);
    let mut conn = Connection::server(config);
    let t = tally(&mut conn, &mut bytes);
    assert_eq!(t.error, None);
    assert_eq!((t.messages, t.message_bytes), (1, 1_000_000));
    // One read per fragment, plus the one that finds the input exhausted.
    assert_eq!(t.reads, 1_000_001);
    assert_eq!(t.consumed, bytes.len());
}

#[test]
fn one_fragment_over_a_raised_limit_is_refused() {
    let config = Config::default()
        .max_fragments(1_000)
        .max_message_size(1 << 20);
    let mut bytes = one_byte_fragments(1_001);
    let mut conn = Connection::server(config);
    let t = tally(&mut conn, &mut bytes);
    assert_eq!(
        t.error,
        Some(ProtocolError::TooManyFragments { limit: 1000 })
    );
    assert_eq!(t.data_events, 1000);
}

#[test]
fn empty_fragments_count_toward_the_fragment_limit() {
    let mut bytes = client_frame(0x02, b"");
    for _ in 0..5000 {
        bytes.extend(client_frame(0x00, b""));
    }
    let mut conn = Connection::server(Config::default());
    let t = tally(&mut conn, &mut bytes);
    assert_eq!(
        t.error,
        Some(ProtocolError::TooManyFragments { limit: 4096 })
    );
    assert_eq!(t.message_bytes, 0);
}

// ---------------------------------------------------------------------------------
// Limits (§10.4)
// ---------------------------------------------------------------------------------

#[test]
fn fragments_summing_one_byte_over_the_message_limit() {
    let config = Config::default().max_message_size(100);
    let bytes = [client_frame(0x02, &[0; 60]), client_frame(0x80, &[0; 41])].concat();
    server_fails_with(
        config,
        &bytes,
        ProtocolError::MessageTooBig { limit: 100 },
        1009,
    );
}

#[test]
fn fragments_summing_exactly_to_the_message_limit() {
    let config = Config::default().max_message_size(100);
    let bytes = [client_frame(0x02, &[0; 60]), client_frame(0x80, &[0; 40])].concat();
    let (events, _) = server_events(config, &bytes);
    assert_eq!(events, [Owned::Binary(vec![0; 100])]);
}

#[test]
fn message_limit_of_zero_refuses_one_byte() {
    let config = Config::default().max_message_size(0);
    server_fails_with(
        config,
        &client_frame(0x81, b"x"),
        ProtocolError::MessageTooBig { limit: 0 },
        1009,
    );
}

#[test]
fn frame_limit_below_the_message_limit() {
    let config = Config::default().max_frame_size(10);
    server_fails_with(
        config,
        &client_header(0x02, 11),
        ProtocolError::MessageTooBig { limit: 10 },
        1009,
    );
}

#[test]
fn continuation_announcing_gigabytes_fails_at_its_header() {
    let bytes = [client_frame(0x02, b"a"), client_header(0x80, 4 << 30)].concat();
    server_fails(
        &bytes,
        ProtocolError::MessageTooBig { limit: 1 << 20 },
        1009,
    );
}

#[test]
fn control_payloads_do_not_count_toward_the_message_limit() {
    let config = Config::default().max_message_size(2);
    let bytes = [
        client_frame(0x01, b"a"),
        client_frame(0x89, &[0; 125]),
        client_frame(0x80, b"b"),
    ]
    .concat();
    let (events, _) = server_events(config, &bytes);
    assert_eq!(events.last(), Some(&Owned::Text("ab".into())));
}

// ---------------------------------------------------------------------------------
// UTF-8 (§8.1): a code point split at each position, then broken
// ---------------------------------------------------------------------------------

const CODE_POINTS: [&str; 3] = ["é", "€", "𝄞"];

/// Opens a text message with the first `at` bytes of `cp`, then continues it with a
/// byte that cannot follow them. The first fragment must be delivered without
/// complaint; the breaking byte must fail the connection with 1007.
fn broken_after_split(cp: &str, at: usize) {
    let first = client_frame(0x01, &cp.as_bytes()[..at]);
    let second = client_frame(0x80, b"A");
    let mut conn = Connection::server(Config::default());
    let mut inbox = Inbox::default();
    inbox.feed(&mut conn, &first);
    assert!(
        inbox.events.is_empty(),
        "{cp:?} split at {at}: {:?}",
        inbox.events
    );
    inbox.feed(&mut conn, &second);
    assert_eq!(inbox.events, [Owned::Error(ProtocolError::InvalidUtf8)]);
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1007));
    server_fails(&[first, second].concat(), ProtocolError::InvalidUtf8, 1007);
}

#[test]
fn two_byte_code_point_split_after_byte_1_then_broken() {
    broken_after_split(CODE_POINTS[0], 1);
}

#[test]
fn three_byte_code_point_split_after_byte_1_then_broken() {
    broken_after_split(CODE_POINTS[1], 1);
}

#[test]
fn three_byte_code_point_split_after_byte_2_then_broken() {
    broken_after_split(CODE_POINTS[1], 2);
}

#[test]
fn four_byte_code_point_split_after_byte_1_then_broken() {
    broken_after_split(CODE_POINTS[2], 1);
}

#[test]
fn four_byte_code_point_split_after_byte_2_then_broken() {
    broken_after_split(CODE_POINTS[2], 2);
}

#[test]
fn four_byte_code_point_split_after_byte_3_then_broken() {
    broken_after_split(CODE_POINTS[2], 3);
}

#[test]
fn code_points_split_at_every_position_across_fragments_are_accepted() {
    for cp in CODE_POINTS {
        let bytes = cp.as_bytes();
        for at in 1..bytes.len() {
            let (events, _) = server_events(
                Config::default(),
                &text_fragments(&[b"<", &bytes[..at], &bytes[at..], b">"]),
            );
            assert_eq!(events, [Owned::Text(format!("<{cp}>"))]);
        }
    }
}

#[test]
fn message_ending_inside_a_code_point_at_every_position() {
    for cp in CODE_POINTS {
        let bytes = cp.as_bytes();
        for at in 1..bytes.len() {
            server_fails(
                &client_frame(0x81, &[b"ok", &bytes[..at]].concat()),
                ProtocolError::InvalidUtf8,
                1007,
            );
        }
    }
}

#[test]
fn invalid_byte_fails_before_the_rest_of_the_frame_arrives() {
    let mut payload = vec![b'a'; 10_000];
    payload[100] = 0xFF;
    let bytes = client_frame(0x81, &payload);
    let mut conn = Connection::server(Config::default());
    let mut inbox = Inbox::default();
    inbox.feed(&mut conn, &bytes[..200]);
    assert_eq!(inbox.events, [Owned::Error(ProtocolError::InvalidUtf8)]);
}

#[test]
fn invalid_first_fragment_fails_without_waiting_for_the_last() {
    let mut conn = Connection::server(Config::default());
    let events = events_split(&mut conn, &client_frame(0x01, &[0xC0, 0x80]), &[]);
    assert_eq!(events, [Owned::Error(ProtocolError::InvalidUtf8)]);
}

#[test]
fn overlong_nul() {
    server_fails(
        &client_frame(0x81, &[0xC0, 0x80]),
        ProtocolError::InvalidUtf8,
        1007,
    );
}

#[test]
fn utf16_surrogate() {
    server_fails(
        &client_frame(0x81, &[0xED, 0xA0, 0x80]),
        ProtocolError::InvalidUtf8,
        1007,
    );
}

#[test]
fn code_point_above_u10ffff() {
    server_fails(
        &client_frame(0x81, &[0xF4, 0x90, 0x80, 0x80]),
        ProtocolError::InvalidUtf8,
        1007,
    );
}

#[test]
fn surrogate_split_across_fragments_fails_at_its_second_byte() {
    let bytes = text_fragments(&[&[0xED], &[0xA0], &[0x80]]);
    let mut conn = Connection::server(Config::default());
    let mut inbox = Inbox::default();
    let first_two = client_frame(0x01, &[0xED]).len() + client_frame(0x00, &[0xA0]).len();
    inbox.feed(&mut conn, &bytes[..first_two]);
    assert_eq!(inbox.events, [Owned::Error(ProtocolError::InvalidUtf8)]);
}

#[test]
fn invalid_utf8_in_binary_and_ping_is_fine() {
    let bytes = [
        client_frame(0x82, &[0xFF, 0xC0]),
        client_frame(0x89, &[0xFF]),
    ]
    .concat();
    let (events, _) = server_events(Config::default(), &bytes);
    assert_eq!(
        events,
        [Owned::Binary(vec![0xFF, 0xC0]), Owned::Ping(vec![0xFF])]
    );
}

// ---------------------------------------------------------------------------------
// Close (§5.5.1, §7.4)
// ---------------------------------------------------------------------------------

#[test]
fn close_of_one_byte() {
    server_fails(
        &client_frame(0x88, &[0x03]),
        frame_error(FrameError::CloseTooShort),
        1002,
    );
}

#[test]
fn close_reason_not_utf8() {
    server_fails(
        &client_frame(0x88, &[0x03, 0xE8, 0xFF]),
        frame_error(FrameError::CloseReasonNotUtf8),
        1007,
    );
}

#[test]
fn close_reason_ending_inside_a_code_point() {
    server_fails(
        &client_frame(0x88, &[0x03, 0xE8, 0xE2, 0x82]),
        frame_error(FrameError::CloseReasonNotUtf8),
        1007,
    );
}

macro_rules! invalid_close_code_cases {
    ($($name:ident: $code:expr;)*) => {$(
        #[test]
        fn $name() {
            let code: u16 = $code;
            server_fails(
                &client_frame(0x88, &code.to_be_bytes()),
                frame_error(FrameError::InvalidCloseCode(code)),
                1002,
            );
        }
    )*};
}

invalid_close_code_cases! {
    close_code_0: 0;
    close_code_999: 999;
    close_code_1004_reserved: 1004;
    close_code_1005_local_only: 1005;
    close_code_1006_local_only: 1006;
    close_code_1015_local_only: 1015;
    close_code_1016_unassigned: 1016;
    close_code_2999_reserved: 2999;
    close_code_5000: 5000;
    close_code_65535: 65535;
}

#[test]
fn every_code_valid_on_the_wire_is_echoed() {
    for code in (1000..=1003)
        .chain(1007..=1014)
        .chain([3000, 3999, 4000, 4999])
    {
        let (events, mut conn) = server_events(
            Config::default(),
            &client_frame(0x88, &u16::to_be_bytes(code)),
        );
        assert_eq!(events, [Owned::Close(code, String::new())]);
        assert_eq!(close_code_in(&drain(&mut conn)), Some(code));
    }
}

#[test]
fn close_with_the_longest_reason() {
    let reason = "r".repeat(123);
    let body = [&[0x03, 0xE8][..], reason.as_bytes()].concat();
    let (events, _) = server_events(Config::default(), &client_frame(0x88, &body));
    assert_eq!(events, [Owned::Close(1000, reason)]);
}

#[test]
fn anything_after_the_peers_close_is_ignored() {
    let bytes = [
        client_frame(0x88, &[0x03, 0xE8]),
        client_frame(0x81, b"late"),
        client_frame(0x83, b""),
        client_frame(0x88, &[0x00, 0x00]),
    ]
    .concat();
    let (events, mut conn) = server_events(Config::default(), &bytes);
    assert_eq!(events, [Owned::Close(1000, String::new())]);
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1000));
}

#[test]
fn protocol_error_after_our_close_sends_no_second_close() {
    let mut conn = Connection::server(Config::default());
    conn.send_close(CloseCode::NORMAL, "", &mut [0; 16])
        .unwrap();
    let events = events_split(&mut conn, &client_frame(0x83, b""), &[]);
    assert_eq!(
        events,
        [Owned::Error(frame_error(FrameError::ReservedOpcode(3)))]
    );
    assert!(drain(&mut conn).is_empty());
    assert!(conn.should_close_transport());
    assert_eq!(conn.close_state(), CloseState::CloseSent);
}

#[test]
fn eof_in_the_middle_of_a_frame_is_abnormal() {
    let mut conn = Connection::server(Config::default());
    let bytes = client_frame(0x82, &[1; 100]);
    let events = events_split(&mut conn, &bytes[..50], &[]);
    assert!(events.is_empty());
    assert!(matches!(
        conn.read_eof(),
        Some(Event::Close { code, .. }) if code.0 == 1006
    ));
}

#[test]
fn eof_in_the_middle_of_a_header_is_abnormal() {
    let mut conn = Connection::server(Config::default());
    let events = events_split(&mut conn, &client_header(0x82, 70_000)[..5], &[]);
    assert!(events.is_empty());
    assert!(matches!(
        conn.read_eof(),
        Some(Event::Close { code, .. }) if code.0 == 1006
    ));
}

// ---------------------------------------------------------------------------------
// MessageReader under the same attacks
// ---------------------------------------------------------------------------------

#[cfg(feature = "alloc")]
#[test]
fn message_reader_refuses_the_fragment_flood_and_lets_go_of_its_buffer() {
    let mut bytes = one_byte_fragments(10_000);
    let mut conn = Connection::server(Config::default());
    let mut reader = MessageReader::new();
    let mut at = 0;
    let error = loop {
        match reader.read(&mut conn, &mut bytes[at..]) {
            Ok(Received { consumed, event: _ }) => at += consumed,
            Err(e) => break e,
        }
    };
    assert_eq!(error, ProtocolError::TooManyFragments { limit: 4096 });
    assert_eq!(error.close_code().0, 1009);
    assert_eq!(reader.buffered(), 0);
}

#[cfg(feature = "alloc")]
#[test]
fn message_reader_refuses_compressed_text_that_is_not_utf8() {
    // Found by the fuzzer (fuzz/regressions/*/compressed-text-not-utf8): the connection
    // leaves compressed text unchecked, since only its inflated form must be UTF-8, and
    // the reader used to assume it had been checked and reached an `unreachable!`.
    let mut conn = Connection::server(Config::default().compressed_messages(true));
    let mut bytes = client_frame(0xC1, &[0xFF]);
    let mut reader = MessageReader::new();
    let result = reader
        .read(&mut conn, &mut bytes)
        .map(|step| (step.consumed, step.event.is_some()));
    assert_eq!(result, Err(ProtocolError::Extension));
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1007));
}

#[cfg(feature = "alloc")]
#[test]
fn message_reader_delivers_a_message_of_exactly_the_limit() {
    let config = Config::default().max_message_size(4096);
    let mut bytes: Vec<u8> = (0..64)
        .flat_map(|i| {
            let op = if i == 0 { 0x02 } else { 0x00 };
            let fin = if i == 63 { 0x80 } else { 0 };
            client_frame(op | fin, &[i as u8; 64])
        })
        .collect();
    let mut conn = Connection::server(config);
    let mut reader = MessageReader::new();
    let mut at = 0;
    loop {
        let Received {
            consumed,
            event: message,
        } = reader.read(&mut conn, &mut bytes[at..]).unwrap();
        at += consumed;
        if let Some(Message::Binary(data)) = message {
            assert_eq!(data.len(), 4096);
            break;
        }
    }
    assert!(reader.buffered() <= 4096);
}

// ---------------------------------------------------------------------------------
// The opening handshake (§4, RFC 7230)
// ---------------------------------------------------------------------------------

const REQUEST: &str = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
    Sec-WebSocket-Version: 13\r\n\r\n";

/// The §1.3 request with one substitution.
fn request_with(from: &str, to: &str) -> Vec<u8> {
    assert!(REQUEST.contains(from), "{from:?}");
    REQUEST.replacen(from, to, 1).into_bytes()
}

/// Parses `head` whole and a byte at a time: both must fail with `error`, answered with
/// `status`, and trickling must cost linear work.
fn request_fails(head: &[u8], error: RequestError, status: u16) {
    assert_eq!(error.status(), status, "{error:?}");
    let mut whole = RequestParser::new(Limits::default());
    assert_eq!(whole.parse(head).map(|_| ()), Err(error));
    let mut trickled = RequestParser::new(Limits::default());
    let mut got = Ok(());
    for end in 1..=head.len() {
        match trickled.parse(&head[..end]) {
            Ok(Status::Partial) => continue,
            other => {
                got = other.map(|_| ());
                break;
            }
        }
    }
    assert_eq!(got, Err(error), "trickled");
    assert!(trickled.bytes_scanned() <= 2 * head.len());
    let mut out = [0u8; 256];
    let n = error.rejection().encode(&mut out).unwrap();
    assert!(out[..n].starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
}

#[test]
fn the_rfc_request_itself_is_accepted() {
    let mut parser = RequestParser::new(Limits::default());
    assert!(matches!(
        parser.parse(REQUEST.as_bytes()),
        Ok(Status::Complete(_))
    ));
}

#[test]
fn nul_in_a_header_value() {
    request_fails(
        &request_with("Origin: http://example.com", "Origin: http://exa\0mple.com"),
        RequestError::Head(HeadError::InvalidHeaderValue),
        400,
    );
}

#[test]
fn nul_in_a_header_name() {
    request_fails(
        &request_with("Origin:", "Ori\0gin:"),
        RequestError::Head(HeadError::InvalidHeaderName),
        400,
    );
}

#[test]
fn nul_in_the_request_target() {
    request_fails(
        &request_with("GET /chat", "GET /ch\0at"),
        RequestError::MalformedRequestLine,
        400,
    );
}

#[test]
fn head_of_one_mebibyte_stops_at_the_limit() {
    let mut head = b"GET /chat HTTP/1.1\r\nX-Pad: ".to_vec();
    head.resize(1 << 20, b'a');
    let mut parser = RequestParser::new(Limits::default());
    assert_eq!(
        parser.parse(&head).map(|_| ()),
        Err(RequestError::Head(HeadError::TooLarge { limit: 8192 }))
    );
    assert!(parser.bytes_scanned() <= 2 * 8192);
    assert_eq!(
        RequestError::Head(HeadError::TooLarge { limit: 8192 }).status(),
        431
    );
}

#[test]
fn head_of_one_mebibyte_trickled_costs_linear_work() {
    let mut head = b"GET /chat HTTP/1.1\r\nX-Pad: ".to_vec();
    head.resize(1 << 20, b'a');
    let mut parser = RequestParser::new(Limits::default());
    let mut end = 0;
    let error = loop {
        end += 1;
        match parser.parse(&head[..end]) {
            Ok(Status::Partial) => continue,
            other => break other.map(|_| ()),
        }
    };
    assert_eq!(
        error,
        Err(RequestError::Head(HeadError::TooLarge { limit: 8192 }))
    );
    assert_eq!(end, 8192, "refused as soon as the limit is reached");
    assert!(parser.bytes_scanned() <= 2 * 8192);
}

#[test]
fn sixty_five_header_fields() {
    let extra: String = (0..58).map(|i| format!("X-{i}: v\r\n")).collect();
    request_fails(
        &request_with("\r\n\r\n", &format!("\r\n{extra}\r\n")),
        RequestError::Head(HeadError::TooManyHeaders { limit: 64 }),
        431,
    );
}

#[test]
fn key_of_15_bytes() {
    request_fails(
        &request_with("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25j"),
        RequestError::InvalidKey,
        400,
    );
}

#[test]
fn key_of_17_bytes_in_24_characters() {
    // base64 of 17 bytes is 24 characters too: only the padding gives it away.
    request_fails(
        &request_with("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZSE="),
        RequestError::InvalidKey,
        400,
    );
}

#[test]
fn key_that_is_not_base64() {
    request_fails(
        &request_with("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ!!"),
        RequestError::InvalidKey,
        400,
    );
}

#[test]
fn two_keys() {
    request_fails(
        &request_with(
            "Origin:",
            "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\nOrigin:",
        ),
        RequestError::DuplicateKey,
        400,
    );
}

#[test]
fn obsolete_line_folding() {
    request_fails(
        &request_with(
            "Origin: http://example.com\r\n",
            "Origin: http://\r\n example.com\r\n",
        ),
        RequestError::Head(HeadError::ObsFold),
        400,
    );
}

#[test]
fn whitespace_before_a_colon() {
    request_fails(
        &request_with("Upgrade: websocket", "Upgrade : websocket"),
        RequestError::Head(HeadError::WhitespaceBeforeColon),
        400,
    );
}

#[test]
fn bare_lf_line_ending() {
    request_fails(
        &request_with("Upgrade: websocket\r\n", "Upgrade: websocket\n"),
        RequestError::Head(HeadError::BareLf),
        400,
    );
}

#[test]
fn carriage_return_inside_a_header_value() {
    request_fails(
        &request_with("Origin: http://example.com", "Origin: http://exa\rmple.com"),
        RequestError::Head(HeadError::InvalidHeaderValue),
        400,
    );
}

#[test]
fn header_line_without_a_colon() {
    request_fails(
        &request_with("Origin: http://example.com", "Origin http://example.com"),
        RequestError::Head(HeadError::InvalidHeaderName),
        400,
    );
}

#[test]
fn version_8() {
    request_fails(
        &request_with("Version: 13", "Version: 8"),
        RequestError::UnsupportedVersion,
        426,
    );
}

#[test]
fn no_version() {
    request_fails(
        &request_with("Sec-WebSocket-Version: 13\r\n", ""),
        RequestError::MissingVersion,
        426,
    );
}

#[test]
fn post_instead_of_get() {
    request_fails(
        &request_with("GET /chat", "POST /chat"),
        RequestError::MethodNotGet,
        400,
    );
}

#[test]
fn http_1_0() {
    request_fails(
        &request_with("HTTP/1.1", "HTTP/1.0"),
        RequestError::HttpVersionTooOld,
        400,
    );
}

#[test]
fn two_hosts() {
    request_fails(
        &request_with("Origin:", "Host: evil.example\r\nOrigin:"),
        RequestError::DuplicateHost,
        400,
    );
}

#[test]
fn host_with_userinfo() {
    request_fails(
        &request_with("Host: server.example.com", "Host: user@server.example.com"),
        RequestError::InvalidHost,
        400,
    );
}

#[test]
fn transfer_encoding_announces_a_body() {
    request_fails(
        &request_with("Origin:", "Transfer-Encoding: chunked\r\nOrigin:"),
        RequestError::UnexpectedBody,
        400,
    );
}

#[test]
fn content_length_announces_a_body() {
    request_fails(
        &request_with("Origin:", "Content-Length: 5\r\nOrigin:"),
        RequestError::UnexpectedBody,
        400,
    );
}

#[test]
fn target_with_a_fragment() {
    request_fails(
        &request_with("GET /chat", "GET /chat#frag"),
        RequestError::InvalidTarget,
        400,
    );
}

#[test]
fn two_origins() {
    request_fails(
        &request_with("Origin:", "Origin: http://evil.example\r\nOrigin:"),
        RequestError::DuplicateOrigin,
        400,
    );
}

#[test]
fn connection_without_the_upgrade_token() {
    request_fails(
        &request_with("Connection: Upgrade", "Connection: keep-alive"),
        RequestError::ConnectionNotUpgrade,
        400,
    );
}

#[test]
fn upgrade_to_something_else() {
    request_fails(
        &request_with("Upgrade: websocket", "Upgrade: h2c"),
        RequestError::UpgradeNotWebSocket,
        400,
    );
}

#[test]
fn subprotocol_that_is_not_a_token() {
    request_fails(
        &request_with("chat, superchat", "chat, super chat"),
        RequestError::InvalidProtocols,
        400,
    );
}

const RESPONSE: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

fn response_result(head: &[u8]) -> Result<Status<()>, ResponseError> {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .protocols(&["chat"]);
    let mut parser = ResponseParser::new(Limits::default());
    parser.parse(head, &request).map(|s| match s {
        Status::Complete(HandshakeResponse::Accepted(_)) => Status::Complete(()),
        Status::Complete(HandshakeResponse::Rejected(r)) => panic!("rejected with {}", r.status()),
        Status::Partial => Status::Partial,
    })
}

#[test]
fn the_rfc_response_itself_is_accepted() {
    assert_eq!(
        response_result(RESPONSE.as_bytes()),
        Ok(Status::Complete(()))
    );
}

#[test]
fn response_with_a_wrong_accept() {
    let head = RESPONSE.replace("s3pPLM", "s3pPLN");
    assert_eq!(
        response_result(head.as_bytes()),
        Err(ResponseError::AcceptMismatch)
    );
}

#[test]
fn response_with_two_accepts() {
    let head = RESPONSE.replace(
        "\r\n\r\n",
        "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
    );
    assert_eq!(
        response_result(head.as_bytes()),
        Err(ResponseError::AcceptMismatch)
    );
}

#[test]
fn response_selecting_a_subprotocol_never_offered() {
    let head = RESPONSE.replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
    assert_eq!(
        response_result(head.as_bytes()),
        Err(ResponseError::UnsolicitedProtocol)
    );
}

#[test]
fn response_accepting_an_extension_never_offered() {
    let head = RESPONSE.replace(
        "\r\n\r\n",
        "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    );
    assert_eq!(
        response_result(head.as_bytes()),
        Err(ResponseError::UnsolicitedExtension)
    );
}

#[test]
fn response_head_of_one_mebibyte() {
    let mut head = b"HTTP/1.1 101 Switching Protocols\r\nX-Pad: ".to_vec();
    head.resize(1 << 20, b'a');
    assert_eq!(
        response_result(&head),
        Err(ResponseError::Head(HeadError::TooLarge { limit: 8192 }))
    );
}

#[test]
fn response_with_a_nul_in_a_header() {
    let head = RESPONSE.replace("Upgrade: websocket", "Upgrade: web\0socket");
    assert_eq!(
        response_result(head.as_bytes()),
        Err(ResponseError::Head(HeadError::InvalidHeaderValue))
    );
}

#[test]
fn frames_glued_to_the_handshake_are_left_for_the_connection() {
    let mut bytes = REQUEST.as_bytes().to_vec();
    bytes.extend(client_frame(0x81, b"early"));
    let mut parser = RequestParser::new(Limits::default());
    let Ok(Status::Complete(request)) = parser.parse(&bytes) else {
        panic!("refused");
    };
    let head_len = request.head_len();
    let mut conn = Connection::server(Config::default());
    let events = events_split(&mut conn, &bytes[head_len..], &[]);
    assert_eq!(events, [Owned::Text("early".into())]);
}
