//! Text messages must be UTF-8 (RFC 6455 §5.6, §8.1), checked as bytes arrive: inside
//! partial frames and across fragments, failing at the first invalid byte.

use proptest::prelude::*;
use rfc6455::connection::{Config, Connection, ProtocolError};
use rfc6455_testkit::*;

const VALID: &[&[u8]] = &[
    b"",
    b"plain ascii",
    "κόσμε".as_bytes(),
    "\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}".as_bytes(),
    "\u{D7FF}\u{E000}\u{FFFD}".as_bytes(),
    "mixed é 世 🎉 end".as_bytes(),
];

const INVALID: &[(&str, &[u8])] = &[
    ("overlong_2_byte_nul", &[0xC0, 0x80]),
    ("overlong_2_byte_slash", &[0xC1, 0xBF]),
    ("overlong_3_byte", &[0xE0, 0x80, 0xAF]),
    ("overlong_4_byte", &[0xF0, 0x80, 0x80, 0xAF]),
    ("surrogate_high", &[0xED, 0xA0, 0x80]),
    ("surrogate_low", &[0xED, 0xBF, 0xBF]),
    ("above_10ffff", &[0xF4, 0x90, 0x80, 0x80]),
    ("lead_f5", &[0xF5, 0x80, 0x80, 0x80]),
    ("lead_ff", &[0xFF]),
    ("lone_continuation", &[0x80]),
    ("lead_then_ascii", &[0xE2, 0x41]),
    (
        "autobahn_6_3_1",
        &[
            0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80,
            0x65, 0x64, 0x69, 0x74, 0x65, 0x64,
        ],
    ),
];

const TRUNCATED_AT_END: &[&[u8]] = &[&[0xC3], &[0xE2, 0x82], &[0xF0, 0x9F, 0x8E], &[b'a', 0xF4]];

fn text_fragments(pieces: &[&[u8]]) -> Vec<u8> {
    let last = pieces.len() - 1;
    pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let op = if i == 0 { 0x01 } else { 0x00 };
            let fin = if i == last { 0x80 } else { 0 };
            client_frame(op | fin, p)
        })
        .collect::<Vec<_>>()
        .concat()
}

fn read_all(bytes: &[u8], splits: &[usize]) -> Vec<Owned> {
    events_split(&mut Connection::server(Config::default()), bytes, splits)
}

#[test]
fn s8_1_valid_text_split_across_fragments_at_every_byte() {
    for text in VALID {
        for cut in 0..=text.len() {
            let bytes = text_fragments(&[&text[..cut], &text[cut..]]);
            let expected = Owned::Text(String::from_utf8(text.to_vec()).unwrap());
            assert_eq!(
                read_all(&bytes, &[]),
                std::slice::from_ref(&expected),
                "cut {cut}"
            );
            let every: Vec<usize> = (1..bytes.len()).collect();
            assert_eq!(read_all(&bytes, &every), [expected], "bytewise, cut {cut}");
        }
    }
}

#[test]
fn s8_1_invalid_text_fails_with_1007_however_it_is_split() {
    for (name, bad) in INVALID {
        for cut in 0..=bad.len() {
            let bytes = text_fragments(&[&bad[..cut], &bad[cut..]]);
            for splits in [vec![], (1..bytes.len()).collect::<Vec<_>>()] {
                let events = read_all(&bytes, &splits);
                assert_eq!(
                    events,
                    [Owned::Error(ProtocolError::InvalidUtf8)],
                    "{name} cut at {cut}"
                );
            }
        }
    }
}

#[test]
fn s8_1_truncated_code_point_at_message_end_fails_with_1007() {
    for bad in TRUNCATED_AT_END {
        let events = read_all(&client_frame(0x81, bad), &[]);
        assert_eq!(
            events,
            [Owned::Error(ProtocolError::InvalidUtf8)],
            "{bad:02x?}"
        );
    }
}

#[test]
fn s8_1_code_point_split_across_three_frames_is_valid() {
    let emoji = "🎉".as_bytes();
    let bytes = text_fragments(&[&emoji[..1], &emoji[1..3], &emoji[3..]]);
    assert_eq!(read_all(&bytes, &[]), [Owned::Text("🎉".into())]);
}

#[test]
fn s8_1_fails_fast_before_the_message_ends() {
    let mut conn = Connection::server(Config::default());
    let first = client_frame(0x01, &[b'o', b'k', 0xC0, 0xAF]);
    let events = events_split(&mut conn, &first, &[]);
    assert_eq!(events, [Owned::Error(ProtocolError::InvalidUtf8)]);
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1007));
}

#[test]
fn s8_1_fails_inside_a_partial_frame_before_the_frame_ends() {
    let mut payload = b"fine so far ".to_vec();
    payload.extend_from_slice(&[0xFF]);
    payload.extend_from_slice(&[b'x'; 1000]);
    let frame = client_frame(0x81, &payload);
    let events = read_all(&frame[..6 + 20], &[]);
    assert_eq!(events, [Owned::Error(ProtocolError::InvalidUtf8)]);
}

#[test]
fn s8_1_impossible_prefix_fails_without_waiting_for_more_bytes() {
    // F4 90 can never start a valid sequence: no need to see the rest.
    let frame = client_frame(0x01, &[0xF4, 0x90]);
    assert_eq!(
        read_all(&frame, &[]),
        [Owned::Error(ProtocolError::InvalidUtf8)]
    );
}

#[test]
fn binary_messages_are_not_checked() {
    let events = read_all(&client_frame(0x82, &[0xFF, 0xC0]), &[]);
    assert_eq!(events, [Owned::Binary(vec![0xFF, 0xC0])]);
}

proptest! {
    #[test]
    fn any_bytes_as_text_match_the_standard_library(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        points.dedup();
        let mut pieces: Vec<&[u8]> = Vec::new();
        let mut at = 0;
        for p in points.iter().chain([bytes.len()].iter()) {
            pieces.push(&bytes[at..*p]);
            at = *p;
        }
        let events = read_all(&text_fragments(&pieces), &[]);
        let expected = match String::from_utf8(bytes.clone()) {
            Ok(s) => Owned::Text(s),
            Err(_) => Owned::Error(ProtocolError::InvalidUtf8),
        };
        prop_assert_eq!(events, vec![expected]);
    }
}
