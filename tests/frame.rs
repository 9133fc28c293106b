//! The stateless frame codec against RFC 6455 §5.

use proptest::prelude::*;
use rfc6455::frame::{
    apply_mask, CloseCode, CloseFrame, EncodeError, FrameError, FrameHeader, Opcode, MAX_HEADER_LEN,
};
use rfc6455::{InsufficientSize, Status};

fn decode_complete(bytes: &[u8]) -> (FrameHeader, usize) {
    match FrameHeader::decode(bytes) {
        Ok(Status::Complete(c)) => c,
        other => panic!("expected a complete header, got {other:?}"),
    }
}

fn encode(header: FrameHeader) -> Vec<u8> {
    let mut out = [0u8; MAX_HEADER_LEN];
    let n = header.encode(&mut out).unwrap();
    out[..n].to_vec()
}

/// Decodes a whole frame and returns its header and unmasked payload.
fn decode_frame(bytes: &[u8]) -> (FrameHeader, Vec<u8>) {
    let (header, len) = decode_complete(bytes);
    let mut payload = bytes[len..len + header.payload_len as usize].to_vec();
    if let Some(key) = header.mask {
        apply_mask(&mut payload, key, 0);
    }
    (header, payload)
}

// §5.7 examples, byte for byte.

const UNMASKED_HELLO: &[u8] = &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const MASKED_HELLO: &[u8] = &[
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];
const FRAGMENT_HEL: &[u8] = &[0x01, 0x03, 0x48, 0x65, 0x6c];
const FRAGMENT_LO: &[u8] = &[0x80, 0x02, 0x6c, 0x6f];
const UNMASKED_PING_HELLO: &[u8] = &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const MASKED_PONG_HELLO: &[u8] = &[
    0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];

#[test]
fn s5_7_single_frame_unmasked_text() {
    let (h, payload) = decode_frame(UNMASKED_HELLO);
    assert_eq!(h, FrameHeader::new(Opcode::Text, 5));
    assert_eq!(payload, b"Hello");
    let mut frame = encode(h);
    frame.extend_from_slice(b"Hello");
    assert_eq!(frame, UNMASKED_HELLO);
}

#[test]
fn s5_7_single_frame_masked_text() {
    let (h, payload) = decode_frame(MASKED_HELLO);
    assert_eq!(h.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
    assert_eq!((h.opcode, h.fin, h.payload_len), (Opcode::Text, true, 5));
    assert_eq!(payload, b"Hello");
    let mut frame = encode(h);
    let mut body = *b"Hello";
    apply_mask(&mut body, h.mask.unwrap(), 0);
    frame.extend_from_slice(&body);
    assert_eq!(frame, MASKED_HELLO);
}

#[test]
fn s5_7_fragmented_unmasked_text() {
    let (first, p1) = decode_frame(FRAGMENT_HEL);
    let (last, p2) = decode_frame(FRAGMENT_LO);
    assert_eq!((first.opcode, first.fin), (Opcode::Text, false));
    assert_eq!((last.opcode, last.fin), (Opcode::Continuation, true));
    assert_eq!([p1, p2].concat(), b"Hello");
    let first_header = FrameHeader {
        fin: false,
        ..FrameHeader::new(Opcode::Text, 3)
    };
    assert_eq!(encode(first_header), FRAGMENT_HEL[..2]);
    assert_eq!(
        encode(FrameHeader::new(Opcode::Continuation, 2)),
        FRAGMENT_LO[..2]
    );
}

#[test]
fn s5_7_unmasked_ping_and_masked_pong() {
    let (ping, p) = decode_frame(UNMASKED_PING_HELLO);
    assert_eq!((ping.opcode, p.as_slice()), (Opcode::Ping, &b"Hello"[..]));
    let (pong, p) = decode_frame(MASKED_PONG_HELLO);
    assert_eq!((pong.opcode, p.as_slice()), (Opcode::Pong, &b"Hello"[..]));
    assert_eq!(encode(pong), MASKED_PONG_HELLO[..6]);
}

#[test]
fn s5_7_256_bytes_binary_16_bit_length() {
    let bytes = [0x82, 0x7E, 0x01, 0x00];
    assert_eq!(
        decode_complete(&bytes),
        (FrameHeader::new(Opcode::Binary, 256), 4)
    );
    assert_eq!(encode(FrameHeader::new(Opcode::Binary, 256)), bytes);
}

#[test]
fn s5_7_64_kib_binary_64_bit_length() {
    let bytes = [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00];
    assert_eq!(
        decode_complete(&bytes),
        (FrameHeader::new(Opcode::Binary, 65536), 10)
    );
    assert_eq!(encode(FrameHeader::new(Opcode::Binary, 65536)), bytes);
}

#[test]
fn s5_2_length_boundaries_use_minimal_form() {
    for (len, header_len) in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
        let h = FrameHeader::new(Opcode::Binary, len);
        assert_eq!(h.encoded_len(), header_len, "length {len}");
        assert_eq!(decode_complete(&encode(h)), (h, header_len));
    }
    let max = FrameHeader::new(Opcode::Binary, i64::MAX as u64);
    assert_eq!(decode_complete(&encode(max)), (max, 10));
}

#[test]
fn s5_2_rsv_bits_are_reported_not_judged() {
    let (h, _) = decode_complete(&[0xF1, 0x00]);
    assert!(h.rsv1 && h.rsv2 && h.rsv3 && h.fin);
    let (h, _) = decode_complete(&[0x22, 0x00]);
    assert!(h.rsv2 && !h.rsv1 && !h.rsv3 && !h.fin);
    assert_eq!(encode(h), [0x22, 0x00]);
}

#[test]
fn encode_into_too_small_buffer_reports_size_and_writes_nothing() {
    let h = FrameHeader {
        mask: Some([1, 2, 3, 4]),
        ..FrameHeader::new(Opcode::Binary, 1 << 20)
    };
    let mut out = [0xAAu8; 13];
    assert_eq!(
        h.encode(&mut out),
        Err(EncodeError::InsufficientSize(InsufficientSize {
            required: 14
        }))
    );
    assert_eq!(out, [0xAA; 13]);
}

#[test]
fn missing_bytes_are_partial_never_an_error() {
    let masked_64 = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9, 9, 9];
    for cut in 0..masked_64.len() {
        assert_eq!(FrameHeader::decode(&masked_64[..cut]), Ok(Status::Partial));
    }
    assert_eq!(decode_complete(&masked_64).1, 14);
}

// Hostile headers: each gives its error and the close code the connection must send.

fn decode_err(bytes: &[u8]) -> FrameError {
    match FrameHeader::decode(bytes) {
        Err(e) => e,
        other => panic!("expected an error for {bytes:02x?}, got {other:?}"),
    }
}

#[test]
fn s5_2_every_reserved_opcode_is_a_protocol_error() {
    for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        let e = decode_err(&[0x80 | op, 0x00]);
        assert_eq!(e, FrameError::ReservedOpcode(op));
        assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
    }
}

#[test]
fn s5_5_fragmented_control_frames_are_protocol_errors() {
    for op in [0x8u8, 0x9, 0xA] {
        let e = decode_err(&[op, 0x00]);
        assert_eq!(e, FrameError::FragmentedControl);
        assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
    }
}

#[test]
fn s5_5_control_frames_of_126_bytes_or_more_are_protocol_errors() {
    for op in [0x88u8, 0x89, 0x8A] {
        assert_eq!(decode_err(&[op, 126]), FrameError::ControlTooLong(126));
        assert_eq!(decode_err(&[op, 127]), FrameError::ControlTooLong(127));
        assert_eq!(
            decode_err(&[op, 127]).close_code(),
            CloseCode::PROTOCOL_ERROR
        );
    }
    assert_eq!(decode_complete(&[0x89, 125]).0.payload_len, 125);
}

#[test]
fn s5_2_64_bit_length_with_top_bit_set() {
    let e = decode_err(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(e, FrameError::LengthTopBit);
    assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
    let e = decode_err(&[0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(e, FrameError::LengthTopBit);
}

#[test]
fn s5_2_non_minimal_16_bit_length() {
    for len in [0u16, 1, 125] {
        let [hi, lo] = len.to_be_bytes();
        let e = decode_err(&[0x82, 0x7E, hi, lo]);
        assert_eq!(e, FrameError::NonMinimalLength(len as u64));
        assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
    }
}

#[test]
fn s5_2_non_minimal_64_bit_length() {
    for len in [0u64, 125, 126, 65535] {
        let mut bytes = vec![0x82, 0x7F];
        bytes.extend_from_slice(&len.to_be_bytes());
        assert_eq!(decode_err(&bytes), FrameError::NonMinimalLength(len));
    }
}

// §5.5.1 and §7.4: close payloads.

#[test]
fn s5_5_1_empty_close_payload_has_no_code() {
    assert_eq!(CloseFrame::parse(&[]), Ok(None));
}

#[test]
fn s5_5_1_one_byte_close_payload_is_a_protocol_error() {
    let e = CloseFrame::parse(&[0x03]).unwrap_err();
    assert_eq!(e, FrameError::CloseTooShort);
    assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
}

#[test]
fn s7_4_every_invalid_close_code_is_rejected() {
    let invalid = (0u16..1000)
        .chain(1004..=1006)
        .chain([1015])
        .chain(1016..3000)
        .chain(5000..=u16::MAX);
    for code in invalid {
        let e = CloseFrame::parse(&code.to_be_bytes()).unwrap_err();
        assert_eq!(e, FrameError::InvalidCloseCode(code));
        assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
        assert!(CloseFrame::new(CloseCode(code), "").is_none());
    }
}

#[test]
fn s7_4_every_valid_close_code_is_accepted() {
    for code in (1000u16..=1003).chain(1007..=1014).chain(3000..5000) {
        let bytes = code.to_be_bytes();
        let parsed = CloseFrame::parse(&bytes).unwrap().unwrap();
        assert_eq!((parsed.code, parsed.reason), (CloseCode(code), ""));
    }
}

#[test]
fn s5_5_1_close_reason_must_be_utf8() {
    let e = CloseFrame::parse(&[0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]).unwrap_err();
    assert_eq!(e, FrameError::CloseReasonNotUtf8);
    assert_eq!(e.close_code(), CloseCode::INVALID_PAYLOAD);
    let ok = CloseFrame::parse(&[0x03, 0xE8, 0xCE, 0xBA])
        .unwrap()
        .unwrap();
    assert_eq!(ok.reason, "κ");
}

#[test]
fn s5_5_close_reason_longer_than_123_bytes_cannot_be_sent() {
    let reason = "x".repeat(124);
    assert!(CloseFrame::new(CloseCode::NORMAL, &reason).is_none());
    let frame = CloseFrame::new(CloseCode::NORMAL, &reason[..123]).unwrap();
    let mut out = [0u8; 125];
    assert_eq!(frame.encode(&mut out), Ok(125));
    assert_eq!(
        frame.encode(&mut out[..124]),
        Err(EncodeError::InsufficientSize(InsufficientSize {
            required: 125
        }))
    );
}

// Masking (§5.3) against a byte-by-byte reference.

fn reference_mask(data: &[u8], key: [u8; 4], phase: usize) -> Vec<u8> {
    data.iter()
        .enumerate()
        .map(|(i, b)| b ^ key[(phase + i) % 4])
        .collect()
}

#[test]
fn s5_3_masking_every_length_alignment_and_phase() {
    let key = [0x12, 0x34, 0x56, 0x78];
    let backing: Vec<u8> = (0..200u8).collect();
    for offset in 0..8 {
        for len in 0..(200 - offset) {
            for phase in 0..4 {
                let mut data = backing.clone();
                apply_mask(&mut data[offset..offset + len], key, phase);
                let expected = reference_mask(&backing[offset..offset + len], key, phase);
                assert_eq!(&data[offset..offset + len], &expected[..]);
                assert_eq!(&data[..offset], &backing[..offset]);
                assert_eq!(&data[offset + len..], &backing[offset + len..]);
            }
        }
    }
}

fn arb_opcode() -> impl Strategy<Value = Opcode> {
    prop_oneof![
        Just(Opcode::Continuation),
        Just(Opcode::Text),
        Just(Opcode::Binary),
        Just(Opcode::Close),
        Just(Opcode::Ping),
        Just(Opcode::Pong),
    ]
}

fn arb_header() -> impl Strategy<Value = FrameHeader> {
    (
        arb_opcode(),
        any::<[bool; 4]>(),
        proptest::option::of(any::<[u8; 4]>()),
        prop_oneof![0u64..126, 126u64..=65535, 65536u64..=i64::MAX as u64],
    )
        .prop_map(|(opcode, [fin, rsv1, rsv2, rsv3], mask, len)| {
            let control = opcode.is_control();
            FrameHeader {
                fin: fin || control,
                rsv1,
                rsv2,
                rsv3,
                opcode,
                mask,
                payload_len: if control { len % 126 } else { len },
            }
        })
}

proptest! {
    #[test]
    fn encode_then_decode_round_trips(h in arb_header()) {
        let bytes = encode(h);
        prop_assert_eq!(bytes.len(), h.encoded_len());
        prop_assert_eq!(decode_complete(&bytes), (h, bytes.len()));
    }

    #[test]
    fn header_in_two_pieces_is_partial_then_the_same(h in arb_header(), tail in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut bytes = encode(h);
        let header_len = bytes.len();
        bytes.extend_from_slice(&tail);
        for split in 0..header_len {
            prop_assert_eq!(FrameHeader::decode(&bytes[..split]), Ok(Status::Partial));
        }
        for end in header_len..=bytes.len() {
            prop_assert_eq!(decode_complete(&bytes[..end]), (h, header_len));
        }
    }

    #[test]
    fn unmasking_in_pieces_equals_at_once_equals_reference(
        data in proptest::collection::vec(any::<u8>(), 0..600),
        key in any::<[u8; 4]>(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
    ) {
        let reference = reference_mask(&data, key, 0);
        let mut at_once = data.clone();
        apply_mask(&mut at_once, key, 0);
        prop_assert_eq!(&at_once, &reference);

        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(data.len() + 1)).collect();
        points.push(0);
        points.push(data.len());
        points.sort_unstable();
        let mut pieces = data.clone();
        for w in points.windows(2) {
            apply_mask(&mut pieces[w[0]..w[1]], key, w[0]);
        }
        prop_assert_eq!(&pieces, &reference);
    }
}

proptest! {
    /// §5.2, §5.5: the encoder refuses exactly the headers the decoder would reject, so
    /// no header it writes fails the peer's connection, and no length is silently
    /// clamped.
    #[test]
    fn s5_2_encode_refuses_what_decode_would_reject(
        opcode in arb_opcode(),
        fin in any::<bool>(),
        mask in proptest::option::of(any::<[u8; 4]>()),
        payload_len in prop_oneof![0u64..300, any::<u64>(), (i64::MAX as u64)..=u64::MAX],
    ) {
        let header = FrameHeader { fin, mask, payload_len, ..FrameHeader::new(opcode, 0) };
        let mut out = [0x5Au8; MAX_HEADER_LEN];
        let control = opcode.is_control();
        match header.encode(&mut out) {
            Ok(n) => {
                prop_assert_eq!(decode_complete(&out[..n]), (header, n));
            }
            Err(EncodeError::Invalid(e)) => {
                let expected = if control && !fin {
                    FrameError::FragmentedControl
                } else if control && payload_len > 125 {
                    FrameError::ControlTooLong(payload_len)
                } else {
                    FrameError::LengthTopBit
                };
                prop_assert_eq!(e, expected);
                prop_assert!(out.iter().all(|&b| b == 0x5A), "a refused encode wrote");
            }
            Err(e) => prop_assert!(false, "{e:?}"),
        }
    }
}

/// A Close body built field by field is checked like one built with `CloseFrame::new`.
#[test]
fn s7_4_forged_close_bodies_are_refused_by_encode() {
    let mut out = [0u8; 200];
    let reserved = CloseFrame {
        code: CloseCode(1006),
        reason: "",
    };
    assert_eq!(
        reserved.encode(&mut out),
        Err(EncodeError::Invalid(FrameError::InvalidCloseCode(1006)))
    );
    let long = "x".repeat(124);
    let too_long = CloseFrame {
        code: CloseCode::NORMAL,
        reason: &long,
    };
    assert_eq!(
        too_long.encode(&mut out),
        Err(EncodeError::Invalid(FrameError::ControlTooLong(126)))
    );
}
