//! The connection state machine against RFC 6455 §5–§7, end to end through an
//! in-memory client↔server pair and through hand-made hostile frames.

use proptest::prelude::*;
use rfc6455::connection::{
    CloseState, Config, Connection, Event, MessageKind, ProtocolError, Role, SendError,
    MIN_READ_BUFFER,
};
use rfc6455::frame::{CloseCode, FrameError};
use rfc6455_testkit::*;

fn assert_fails_with(bytes: &[u8], config: Config, error: ProtocolError, code: CloseCode) {
    let (events, mut conn) = server_events(config, bytes);
    assert_eq!(
        events.last(),
        Some(&Owned::Error(error)),
        "events: {events:?}"
    );
    assert_eq!(error.close_code(), code);
    let sent = drain(&mut conn);
    assert_eq!(
        close_code_in(&sent),
        Some(code.0),
        "queued close: {sent:02x?}"
    );
    assert!(conn.should_close_transport());
}

// §5.1: masking direction.

#[test]
fn s5_1_server_fails_on_unmasked_client_frame() {
    assert_fails_with(
        &raw_frame(0x81, None, b"hi"),
        Config::default(),
        ProtocolError::UnmaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s5_1_client_fails_on_masked_server_frame() {
    let mut client = Connection::client(Config::default(), DeterministicKeys::default());
    let events = events_split(&mut client, &client_frame(0x82, b"x"), &[]);
    assert_eq!(events, [Owned::Error(ProtocolError::MaskedFrame)]);
    let sent = drain(&mut client);
    assert!(split_frames(&sent).iter().all(|(h, _)| h.mask.is_some()));
    assert_eq!(close_code_in(&sent), Some(1002));
}

#[test]
fn s5_3_client_masks_every_frame_with_a_fresh_key() {
    let mut client = Connection::client(Config::default(), DeterministicKeys::default());
    let mut source = DeterministicKeys::default();
    let mut out = [0u8; 64];
    let mut keys = Vec::new();
    for _ in 0..3 {
        let n = client.send_binary(b"abc", &mut out).unwrap();
        let (h, _) = rfc6455::frame::FrameHeader::decode(&out[..n])
            .unwrap()
            .complete()
            .unwrap();
        keys.push(h.mask.unwrap());
    }
    // One key from the source per frame, in order.
    let expected: Vec<_> = (0..3)
        .map(|_| rfc6455::MaskKeySource::next_mask_key(&mut source))
        .collect();
    assert_eq!(keys, expected);
    assert!(keys[0] != keys[1] && keys[1] != keys[2]);
}

#[test]
fn s5_2_every_payload_length_is_framed_byte_exact_in_both_roles() {
    // The short-payload copy and the client's fused copy-and-mask take different paths
    // by length (and by 8-byte word); each length around the switches and the length
    // forms must give what the hand-made frame builder gives.
    let payload: Vec<u8> = (0..70_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let lengths = (0..=80).chain([125, 126, 127, 1023, 65_535, 65_536, 69_999]);
    let mut out = vec![0u8; 70_100];
    let mut server = Connection::server(Config::default());
    let mut client =
        Connection::client(Config::default(), DeterministicKeys::repeating(CLIENT_KEY));
    for len in lengths {
        let body = &payload[..len];
        let n = server.send_binary(body, &mut out).unwrap();
        assert_eq!(out[..n], raw_frame(0x82, None, body), "server, {len} bytes");
        let n = client.send_binary(body, &mut out).unwrap();
        assert_eq!(out[..n], client_frame(0x82, body), "client, {len} bytes");
    }
}

// §5.2: reserved opcodes and bits.

#[test]
fn s5_2_reserved_data_opcode_fails_with_1002() {
    assert_fails_with(
        &client_frame(0x83, b""),
        Config::default(),
        ProtocolError::Frame(FrameError::ReservedOpcode(3)),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s5_2_reserved_control_opcode_fails_with_1002() {
    assert_fails_with(
        &client_frame(0x8B, b""),
        Config::default(),
        ProtocolError::Frame(FrameError::ReservedOpcode(0xB)),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s5_2_rsv_bits_without_extension_fail_with_1002() {
    for (first, bits) in [
        (0xC1u8, 0b100u8),
        (0xA1, 0b010),
        (0x91, 0b001),
        (0xF1, 0b111),
    ] {
        assert_fails_with(
            &client_frame(first, b"x"),
            Config::default(),
            ProtocolError::ReservedBits(bits),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

// §5.4: fragmentation.

#[test]
fn s5_4_continuation_without_message_fails_with_1002() {
    assert_fails_with(
        &client_frame(0x80, b"x"),
        Config::default(),
        ProtocolError::UnexpectedContinuation,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s5_4_new_data_frame_inside_fragmented_message_fails_with_1002() {
    let bytes = [client_frame(0x01, b"a"), client_frame(0x81, b"b")].concat();
    assert_fails_with(
        &bytes,
        Config::default(),
        ProtocolError::MessageInProgress,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s5_4_control_frames_between_fragments_are_delivered_in_order() {
    let bytes = [
        client_frame(0x01, b"Hel"),
        client_frame(0x89, b"p1"),
        client_frame(0x00, b"l"),
        client_frame(0x8A, b"p2"),
        client_frame(0x80, b"o"),
    ]
    .concat();
    let (events, mut conn) = server_events(Config::default(), &bytes);
    assert_eq!(
        events,
        [
            Owned::Ping(b"p1".to_vec()),
            Owned::Pong(b"p2".to_vec()),
            Owned::Text("Hello".into())
        ]
    );
    assert_eq!(drain(&mut conn), raw_frame(0x8A, None, b"p1"));
}

#[test]
fn s5_5_fragmented_ping_fails_with_1002() {
    assert_fails_with(
        &client_frame(0x09, b""),
        Config::default(),
        ProtocolError::Frame(FrameError::FragmentedControl),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s5_5_ping_of_126_bytes_fails_with_1002() {
    assert_fails_with(
        &client_frame(0x89, &[0; 126]),
        Config::default(),
        ProtocolError::Frame(FrameError::ControlTooLong(126)),
        CloseCode::PROTOCOL_ERROR,
    );
}

// §5.5.2, §5.5.3: ping and pong.

#[test]
fn s5_5_2_ping_is_answered_with_the_same_payload() {
    let payload: Vec<u8> = (0..125).collect();
    let (events, mut conn) = server_events(Config::default(), &client_frame(0x89, &payload));
    assert_eq!(events, [Owned::Ping(payload.clone())]);
    assert!(conn.wants_transmit());
    assert_eq!(drain(&mut conn), raw_frame(0x8A, None, &payload));
    assert!(!conn.wants_transmit());
}

#[test]
fn s5_5_3_only_the_latest_of_several_pings_is_answered() {
    let bytes = [client_frame(0x89, b"1"), client_frame(0x89, b"2")].concat();
    let (_, mut conn) = server_events(Config::default(), &bytes);
    assert_eq!(drain(&mut conn), raw_frame(0x8A, None, b"2"));
}

#[test]
fn auto_pong_off_leaves_the_answer_to_the_caller() {
    let (events, mut conn) = server_events(
        Config::default().auto_pong(false),
        &client_frame(0x89, b"x"),
    );
    assert_eq!(events, [Owned::Ping(b"x".to_vec())]);
    assert!(drain(&mut conn).is_empty());
}

#[test]
fn unsolicited_pong_is_delivered_and_not_answered() {
    let (events, mut conn) = server_events(Config::default(), &client_frame(0x8A, b"hb"));
    assert_eq!(events, [Owned::Pong(b"hb".to_vec())]);
    assert!(drain(&mut conn).is_empty());
}

// §5.5.1, §7: closing.

#[test]
fn s5_5_1_close_is_echoed_and_server_closes_transport() {
    let mut body = 1000u16.to_be_bytes().to_vec();
    body.extend_from_slice(b"bye");
    let (events, mut conn) = server_events(Config::default(), &client_frame(0x88, &body));
    assert_eq!(events, [Owned::Close(1000, "bye".into())]);
    assert_eq!(conn.close_state(), CloseState::CloseReceived);
    assert!(!conn.should_close_transport(), "echo not drained yet");
    assert_eq!(
        drain(&mut conn),
        raw_frame(0x88, None, &1000u16.to_be_bytes())
    );
    assert_eq!(conn.close_state(), CloseState::Closed);
    assert!(conn.should_close_transport());
}

#[test]
fn s5_5_1_empty_close_reports_1005_and_is_echoed_empty() {
    let (events, mut conn) = server_events(Config::default(), &client_frame(0x88, b""));
    assert_eq!(events, [Owned::Close(1005, String::new())]);
    assert_eq!(drain(&mut conn), raw_frame(0x88, None, b""));
}

#[test]
fn s5_5_1_one_byte_close_fails_with_1002() {
    assert_fails_with(
        &client_frame(0x88, &[0x03]),
        Config::default(),
        ProtocolError::Frame(FrameError::CloseTooShort),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn s7_4_close_with_reserved_code_fails_with_1002() {
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        assert_fails_with(
            &client_frame(0x88, &code.to_be_bytes()),
            Config::default(),
            ProtocolError::Frame(FrameError::InvalidCloseCode(code)),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn s5_5_1_close_reason_not_utf8_fails_with_1007() {
    assert_fails_with(
        &client_frame(0x88, &[0x03, 0xE8, 0xFF]),
        Config::default(),
        ProtocolError::Frame(FrameError::CloseReasonNotUtf8),
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn s5_5_1_close_inside_fragmented_message_ends_the_connection() {
    let bytes = [
        client_frame(0x01, b"part"),
        client_frame(0x88, &1000u16.to_be_bytes()),
        client_frame(0x80, b"ignored"),
    ]
    .concat();
    let (events, conn) = server_events(Config::default(), &bytes);
    assert_eq!(events, [Owned::Close(1000, String::new())]);
    assert_eq!(conn.close_state(), CloseState::CloseReceived);
}

#[test]
fn s7_1_2_client_close_round_trip_through_the_pair() {
    let mut pair = Pair::new(Config::default());
    pair.client_send(|c, out| c.send_close(CloseCode::NORMAL, "done", out), 64)
        .unwrap();
    assert_eq!(pair.client.close_state(), CloseState::CloseSent);
    pair.pump();
    assert_eq!(
        pair.server_inbox.events,
        [Owned::Close(NORMAL, "done".into())]
    );
    assert_eq!(
        pair.client_inbox.events,
        [Owned::Close(NORMAL, String::new())]
    );
    assert_eq!(pair.server.close_state(), CloseState::Closed);
    assert_eq!(pair.client.close_state(), CloseState::Closed);
    assert!(pair.server.should_close_transport());
    assert!(
        !pair.client.should_close_transport(),
        "§7.1.1: the client waits for the server to close TCP"
    );
    assert_eq!(pair.client.read_eof(), None);
}

#[test]
fn s7_1_2_server_close_round_trip_through_the_pair() {
    let mut pair = Pair::new(Config::default());
    pair.server_send(
        |s, out| s.send_close(CloseCode::GOING_AWAY, "restart", out),
        64,
    )
    .unwrap();
    pair.pump();
    assert_eq!(
        pair.client_inbox.events,
        [Owned::Close(1001, "restart".into())]
    );
    assert_eq!(
        pair.server_inbox.events,
        [Owned::Close(1001, String::new())]
    );
    assert!(pair.server.should_close_transport());
}

#[test]
fn s7_1_3_simultaneous_close_completes_on_both_sides() {
    let mut pair = Pair::new(Config::default());
    pair.client_send(|c, out| c.send_close(CloseCode::NORMAL, "c", out), 64)
        .unwrap();
    pair.server_send(|s, out| s.send_close(CloseCode::GOING_AWAY, "s", out), 64)
        .unwrap();
    pair.pump();
    assert_eq!(pair.server_inbox.events, [Owned::Close(1000, "c".into())]);
    assert_eq!(pair.client_inbox.events, [Owned::Close(1001, "s".into())]);
    assert_eq!(pair.client.close_state(), CloseState::Closed);
    assert_eq!(pair.server.close_state(), CloseState::Closed);
}

#[test]
fn s7_1_5_eof_without_close_is_abnormal_1006() {
    let mut conn = Connection::server(Config::default());
    let event = conn.read_eof();
    assert_eq!(
        event,
        Some(Event::Close {
            code: CloseCode::ABNORMAL,
            reason: ""
        })
    );
    assert_eq!(conn.close_state(), CloseState::Closed);
}

#[test]
fn s5_5_1_no_data_may_be_sent_after_close() {
    let mut conn = Connection::server(Config::default());
    let mut out = [0u8; 64];
    conn.send_close(CloseCode::NORMAL, "", &mut out).unwrap();
    assert_eq!(conn.send_text("late", &mut out), Err(SendError::Closing));
    assert_eq!(
        conn.send_fragment(MessageKind::Binary, b"late", false, &mut out),
        Err(SendError::Closing)
    );
    assert_eq!(
        conn.send_close(CloseCode::NORMAL, "", &mut out),
        Err(SendError::Closing)
    );
    // §5.5.1 forbids data frames only: control frames may follow our Close.
    assert_eq!(conn.send_ping(b"", &mut out), Ok(2));
    assert_eq!(conn.send_pong(b"", &mut out), Ok(2));
}

#[test]
fn s5_5_2_ping_after_our_close_is_still_answered() {
    let mut conn = Connection::server(Config::default());
    conn.send_close(CloseCode::NORMAL, "", &mut [0u8; 16])
        .unwrap();
    let events = events_split(&mut conn, &client_frame(0x89, b"still there?"), &[]);
    assert_eq!(events, [Owned::Ping(b"still there?".to_vec())]);
    let sent = drain(&mut conn);
    assert_eq!(sent, raw_frame(0x8A, None, b"still there?"));
    // The peer's Close completes the handshake as before.
    let events = events_split(&mut conn, &client_frame(0x88, &[0x03, 0xE8]), &[]);
    assert_eq!(events, [Owned::Close(NORMAL, String::new())]);
    assert!(drain(&mut conn).is_empty());
    assert!(conn.should_close_transport());
}

#[test]
fn s5_5_2_pong_queued_before_our_close_still_goes_out() {
    let mut conn = Connection::server(Config::default());
    events_split(&mut conn, &client_frame(0x89, b"ping"), &[]);
    let mut out = [0u8; 16];
    let n = conn.send_close(CloseCode::NORMAL, "", &mut out).unwrap();
    assert_eq!(out[0], 0x88);
    assert_eq!(n, 4);
    assert_eq!(drain(&mut conn), raw_frame(0x8A, None, b"ping"));
}

#[test]
fn s5_5_2_ping_after_the_peers_close_is_not_answered() {
    let mut conn = Connection::server(Config::default());
    let mut bytes = client_frame(0x88, &[0x03, 0xE8]);
    bytes.extend(client_frame(0x89, b"late"));
    let events = events_split(&mut conn, &bytes, &[]);
    assert_eq!(events, [Owned::Close(NORMAL, String::new())]);
    assert_eq!(drain(&mut conn), raw_frame(0x88, None, &[0x03, 0xE8]));
    let mut out = [0u8; 16];
    assert_eq!(conn.send_pong(b"", &mut out), Err(SendError::Closing));
}

#[test]
fn s7_1_5_after_end_of_stream_both_roles_close_the_transport() {
    let mut server = Connection::server(Config::default());
    let mut client = Connection::client(Config::default(), DeterministicKeys::default());
    assert!(server.read_eof().is_some());
    assert!(client.read_eof().is_some());
    assert!(server.should_close_transport());
    assert!(client.should_close_transport());
    // Also after a completed closing handshake, where a client otherwise waits for the
    // server to close first (§7.1.1).
    let mut pair = Pair::new(Config::default());
    pair.server_send(|s, out| s.send_close(CloseCode::NORMAL, "", out), 64)
        .unwrap();
    pair.pump();
    assert_eq!(pair.client.close_state(), CloseState::Closed);
    assert!(!pair.client.should_close_transport());
    assert_eq!(pair.client.read_eof(), None);
    assert!(pair.client.should_close_transport());
}

#[test]
fn s5_5_1_data_after_our_close_is_still_delivered() {
    let mut conn = Connection::server(Config::default());
    conn.send_close(CloseCode::NORMAL, "", &mut [0u8; 16])
        .unwrap();
    let events = events_split(&mut conn, &client_frame(0x82, b"late"), &[]);
    assert_eq!(events, [Owned::Binary(b"late".to_vec())]);
}

#[test]
fn s7_4_local_close_with_invalid_code_or_long_reason_is_refused() {
    let mut conn = Connection::server(Config::default());
    let mut out = [0u8; 200];
    for code in [1005u16, 1006, 1015, 999, 2000, 5000] {
        assert_eq!(
            conn.send_close(CloseCode(code), "", &mut out),
            Err(SendError::InvalidClose)
        );
    }
    let long = "x".repeat(124);
    assert_eq!(
        conn.send_close(CloseCode::NORMAL, &long, &mut out),
        Err(SendError::InvalidClose)
    );
    assert_eq!(conn.close_state(), CloseState::Open);
}

#[test]
fn after_a_protocol_error_nothing_more_is_delivered() {
    let mut conn = Connection::server(Config::default());
    let bytes = [client_frame(0x83, b""), client_frame(0x81, b"after")].concat();
    let events = events_split(&mut conn, &bytes, &[]);
    assert_eq!(events.len(), 1);
    let more = events_split(&mut conn, &client_frame(0x81, b"more"), &[]);
    assert!(more.is_empty());
}

// Limits (§10.4).

#[test]
fn s10_4_message_over_the_limit_fails_with_1009_at_the_header() {
    let config = Config::default().max_message_size(100);
    let header_only = &client_frame(0x82, &[0; 101])[..8];
    assert_fails_with(
        header_only,
        config,
        ProtocolError::MessageTooBig { limit: 100 },
        CloseCode::MESSAGE_TOO_BIG,
    );
}

#[test]
fn s10_4_fragments_summing_over_the_limit_fail_with_1009() {
    let config = Config::default().max_message_size(10);
    let bytes = [client_frame(0x02, &[0; 6]), client_frame(0x80, &[0; 5])].concat();
    assert_fails_with(
        &bytes,
        config,
        ProtocolError::MessageTooBig { limit: 10 },
        CloseCode::MESSAGE_TOO_BIG,
    );
}

#[test]
fn s10_4_too_many_fragments_fail_with_1009() {
    let config = Config::default().max_fragments(3);
    let bytes = [
        client_frame(0x02, b"a"),
        client_frame(0x00, b"b"),
        client_frame(0x00, b"c"),
        client_frame(0x80, b"d"),
    ]
    .concat();
    assert_fails_with(
        &bytes,
        config,
        ProtocolError::TooManyFragments { limit: 3 },
        CloseCode::MESSAGE_TOO_BIG,
    );
}

#[test]
fn hostile_2_pow_63_minus_1_length_fails_before_any_payload() {
    let mut bytes = vec![0x82, 0xFF];
    bytes.extend_from_slice(&(i64::MAX as u64).to_be_bytes());
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    assert_fails_with(
        &bytes,
        Config::default(),
        ProtocolError::MessageTooBig { limit: 1 << 20 },
        CloseCode::MESSAGE_TOO_BIG,
    );
}

#[test]
fn frame_larger_than_the_read_buffer_arrives_in_bounded_pieces() {
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let bytes = client_frame(0x82, &payload);
    let mut conn = Connection::server(Config::default());
    let mut inbox = Inbox::default();
    inbox.feed_bounded(&mut conn, &bytes, 4096);
    assert_eq!(inbox.events, [Owned::Binary(payload)]);
    assert!(inbox.largest_piece <= 4096);
}

#[test]
fn control_frame_needs_at_most_min_read_buffer_bytes() {
    let bytes = client_frame(0x89, &[7; 125]);
    assert_eq!(bytes.len(), MIN_READ_BUFFER);
    let mut conn = Connection::server(Config::default());
    let mut inbox = Inbox::default();
    inbox.feed_bounded(&mut conn, &bytes, MIN_READ_BUFFER);
    assert_eq!(inbox.events, [Owned::Ping(vec![7; 125])]);
}

// Writing.

#[test]
fn send_into_too_small_buffer_writes_nothing_and_reports_the_size() {
    let mut conn = Connection::server(Config::default());
    let mut out = [0xEEu8; 10];
    assert_eq!(
        conn.send_binary(&[1; 200], &mut out),
        Err(SendError::InsufficientSize(rfc6455::InsufficientSize {
            required: 204
        }))
    );
    assert_eq!(out, [0xEE; 10]);
    assert_eq!(
        conn.send_message_fragmented(MessageKind::Binary, &[1; 20], 5, &mut out),
        Err(SendError::InsufficientSize(rfc6455::InsufficientSize {
            required: 28
        }))
    );
    assert_eq!(out, [0xEE; 10]);
}

#[test]
fn s5_4_a_new_message_cannot_start_inside_a_fragmented_one() {
    let mut conn = Connection::server(Config::default());
    let mut out = [0u8; 64];
    conn.send_fragment(MessageKind::Text, b"a", false, &mut out)
        .unwrap();
    assert_eq!(
        conn.send_binary(b"b", &mut out),
        Err(SendError::MessageInProgress)
    );
    assert!(conn.send_ping(b"ok between fragments", &mut out).is_ok());
    assert!(conn
        .send_fragment(MessageKind::Text, b"b", true, &mut out)
        .is_ok());
}

#[test]
fn messages_from_0_bytes_to_4_mib_cross_the_pair_both_ways() {
    let config = Config::default()
        .max_message_size(5 << 20)
        .max_frame_size(5 << 20);
    let mut pair = Pair::new(config);
    let sizes = [0usize, 1, 125, 126, 65535, 65536, 1 << 20, 4 << 20];
    for &size in &sizes {
        let data: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
        pair.client_send(|c, out| c.send_binary(&data, out), size + 14)
            .unwrap();
        pair.server_send(|s, out| s.send_binary(&data, out), size + 14)
            .unwrap();
    }
    pair.pump();
    let expected: Vec<Owned> = sizes
        .iter()
        .map(|&size| Owned::Binary((0..size).map(|i| (i * 7) as u8).collect()))
        .collect();
    assert_eq!(pair.server_inbox.events, expected);
    assert_eq!(pair.client_inbox.events, expected);
}

#[test]
fn fragmented_text_with_interleaved_pings_crosses_the_pair() {
    let mut pair = Pair::new(Config::default());
    let text = "Grüße, 世界! 🎉".repeat(50);
    let bytes = text.as_bytes();
    for (i, chunk) in bytes.chunks(7).enumerate() {
        let last = (i + 1) * 7 >= bytes.len();
        pair.client_send(
            |c, out| c.send_fragment(MessageKind::Text, chunk, last, out),
            64,
        )
        .unwrap();
        if i % 10 == 0 {
            pair.client_send(|c, out| c.send_ping(&[i as u8], out), 64)
                .unwrap();
        }
    }
    pair.pump();
    let pings = pair
        .server_inbox
        .events
        .iter()
        .filter(|e| matches!(e, Owned::Ping(_)))
        .count();
    assert_eq!(pings, bytes.len().div_ceil(70));
    assert_eq!(pair.server_inbox.events.last(), Some(&Owned::Text(text)));
    assert!(pair
        .client_inbox
        .events
        .iter()
        .all(|e| matches!(e, Owned::Pong(_))));
}

#[test]
fn role_is_reported() {
    assert_eq!(Connection::server(Config::default()).role(), Role::Server);
    assert_eq!(
        Connection::client(Config::default(), DeterministicKeys::default()).role(),
        Role::Client
    );
}

// The same bytes however they are split.

fn arb_client_stream() -> impl Strategy<Value = Vec<u8>> {
    let frame = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|p| client_frame(0x82, &p)),
        "[a-zé世🎉]{0,40}".prop_map(|s| client_frame(0x81, s.as_bytes())),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(|p| client_frame(0x89, &p)),
        "[a-zé世🎉]{0,20}".prop_map(|s| {
            let b = s.as_bytes();
            let cut = b.len() / 2;
            [
                client_frame(0x01, &b[..cut]),
                client_frame(0x8A, b"x"),
                client_frame(0x80, &b[cut..]),
            ]
            .concat()
        }),
        any::<[u8; 3]>().prop_map(|b| client_frame(0x81, &b)),
    ];
    proptest::collection::vec(frame, 1..12).prop_map(|frames| frames.concat())
}

proptest! {
    #[test]
    fn one_chunk_byte_by_byte_and_random_splits_give_the_same_events(
        stream in arb_client_stream(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..20),
    ) {
        let whole = events_split(&mut Connection::server(Config::default()), &stream, &[]);
        let every: Vec<usize> = (1..stream.len()).collect();
        let bytewise = events_split(&mut Connection::server(Config::default()), &stream, &every);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let random = events_split(&mut Connection::server(Config::default()), &stream, &points);
        prop_assert_eq!(&whole, &bytewise);
        prop_assert_eq!(&whole, &random);
    }
}

// A frame that is a whole message may be read in one step; held back until its header is
// complete, the same frame goes through the general frame-by-frame path. Both must reach
// the same verdict for any first byte, length form, mask bit, payload and limits.

fn arb_single_frame() -> impl Strategy<Value = Vec<u8>> {
    // Mostly first bytes a whole message can have, and lengths around 125/126.
    let first = prop_oneof![
        4 => prop_oneof![Just(0x81u8), Just(0x82)],
        1 => prop_oneof![Just(0x01u8), Just(0x80), Just(0xC1), Just(0x92), Just(0x89)],
        1 => any::<u8>(),
    ];
    let bytes = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(any::<u8>(), 124..128),
    ];
    (
        first,
        any::<bool>(),
        prop_oneof![Just(0u8), Just(126), Just(127)],
        bytes,
        "[a-zé世🎉]{0,40}",
        any::<bool>(),
    )
        .prop_map(|(first, masked, form, bytes, text, use_text)| {
            let payload = if use_text { text.into_bytes() } else { bytes };
            let len = payload.len();
            let mut out = vec![first];
            let mask_bit = if masked { 0x80 } else { 0 };
            // Lengths in any of the three forms, minimal or not, to reach §5.2's rule.
            match form {
                126 => {
                    out.push(mask_bit | 126);
                    out.extend_from_slice(&(len as u16).to_be_bytes());
                }
                127 => {
                    out.push(mask_bit | 127);
                    out.extend_from_slice(&(len as u64).to_be_bytes());
                }
                _ if len < 126 => out.push(mask_bit | len as u8),
                _ => {
                    out.push(mask_bit | 126);
                    out.extend_from_slice(&(len as u16).to_be_bytes());
                }
            }
            let mut body = payload;
            if masked {
                let key = [0x0F, 0xF0, 0x5A, 0xA5];
                out.extend_from_slice(&key);
                rfc6455::frame::apply_mask(&mut body, key, 0);
            }
            out.extend_from_slice(&body);
            out
        })
}

fn arb_limits() -> impl Strategy<Value = Config> {
    let limit = prop_oneof![0u64..260, 120u64..130, Just(u64::MAX)];
    (limit.clone(), limit, 0u32..3, any::<bool>()).prop_map(|(frame, message, fragments, rsv1)| {
        Config::default()
            .max_frame_size(frame)
            .max_message_size(message)
            .max_fragments(fragments)
            .compressed_messages(rsv1)
    })
}

fn header_len(frame: &[u8]) -> usize {
    let ext = match frame[1] & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if frame[1] & 0x80 != 0 { 4 } else { 0 }
}

fn read_outcome<K: rfc6455::MaskKeySource>(
    mut conn: Connection<K>,
    frame: &[u8],
    splits: &[usize],
) -> (Vec<Owned>, Vec<u8>, CloseState) {
    let events = events_split(&mut conn, frame, splits);
    let sent = drain(&mut conn);
    (events, sent, conn.close_state())
}

proptest! {
    // The interesting frames are a small corner of the space: more cases than the default.
    #![proptest_config(ProptestConfig::with_cases(4096))]
    #[test]
    fn a_whole_message_frame_reads_the_same_in_one_step_and_frame_by_frame(
        frame in arb_single_frame(),
        config in arb_limits(),
        server in any::<bool>(),
    ) {
        let split = [header_len(&frame)];
        let (whole, held_back) = if server {
            (
                read_outcome(Connection::server(config), &frame, &[]),
                read_outcome(Connection::server(config), &frame, &split),
            )
        } else {
            let client = || Connection::client(config, DeterministicKeys::default());
            (
                read_outcome(client(), &frame, &[]),
                read_outcome(client(), &frame, &split),
            )
        };
        prop_assert_eq!(whole, held_back);
    }
}

// RFC 7692 §6: the per-message compressed bit, once permessage-deflate is negotiated.

fn compressing() -> Config {
    Config::default().compressed_messages(true)
}

#[test]
fn rfc7692_6_rsv1_on_first_frame_marks_the_message_compressed() {
    let bytes = [
        client_frame(0x41, &[0xFF, 0x00]),
        client_frame(0x80, &[0xC0]),
    ]
    .concat();
    let mut conn = Connection::server(compressing());
    let mut input = bytes.clone();
    let mut flags = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let read = conn
            .read(&mut input[at..])
            .expect("compressed text is not UTF-8 checked");
        if let Some(Event::Data { compressed, .. }) = read.event {
            flags.push(compressed);
        }
        at += read.consumed;
    }
    assert_eq!(flags, [true, true]);
}

#[test]
fn rfc7692_6_1_rsv1_on_a_continuation_fails_with_1002() {
    let bytes = [client_frame(0x41, b"a"), client_frame(0xC0, b"b")].concat();
    assert_fails_with(
        &bytes,
        compressing(),
        ProtocolError::ReservedBits(0b100),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn rfc7692_6_1_rsv1_on_a_control_frame_fails_with_1002() {
    assert_fails_with(
        &client_frame(0xC9, b""),
        compressing(),
        ProtocolError::ReservedBits(0b100),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn rfc7692_rsv2_and_rsv3_stay_reserved_with_compression() {
    assert_fails_with(
        &client_frame(0xA1, b""),
        compressing(),
        ProtocolError::ReservedBits(0b010),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn rfc7692_6_compressed_send_sets_rsv1_on_the_first_fragment_only() {
    let mut conn = Connection::server(compressing());
    let mut out = [0u8; 16];
    let n = conn
        .send_compressed_fragment(MessageKind::Text, b"ab", false, &mut out)
        .unwrap();
    assert_eq!(out[..n], [0x41, 0x02, b'a', b'b']);
    let n = conn
        .send_compressed_fragment(MessageKind::Text, b"c", true, &mut out)
        .unwrap();
    assert_eq!(out[..n], [0x80, 0x01, b'c']);
    let mut plain = Connection::server(Config::default());
    assert_eq!(
        plain.send_compressed_fragment(MessageKind::Binary, b"x", true, &mut out),
        Err(SendError::CompressionNotNegotiated)
    );
}

/// Without the `deflate` feature, a compressed message cannot be inflated: 1007 (with
/// it, the reader inflates; see tests/deflate.rs).
#[cfg(all(feature = "alloc", not(feature = "deflate")))]
#[test]
fn message_reader_without_deflate_refuses_compressed_messages() {
    use rfc6455::connection::MessageReader;
    let mut conn = Connection::server(compressing());
    let mut reader = MessageReader::new();
    let mut bytes = client_frame(0xC1, &[0xF2, 0x48, 0xCD]);
    assert_eq!(
        reader
            .read(&mut conn, &mut bytes)
            .map(|step| (step.consumed, step.event.is_some())),
        Err(ProtocolError::Extension)
    );
    assert_eq!(close_code_in(&drain(&mut conn)), Some(1007));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Header-only sends write what a whole-frame send writes, without the payload copy,
    /// and `frame_len` is the exact size of a frame: no caller guesses the overhead.
    #[test]
    fn send_header_plus_payload_is_the_frame_send_fragment_writes(
        pieces in prop::collection::vec((any::<bool>(), prop::collection::vec(any::<u8>(), 0..70_000)), 1..4),
    ) {
        let mut by_frame = Connection::server(Config::default());
        let mut by_header = Connection::server(Config::default());
        let count = pieces.len();
        for (i, (_, payload)) in pieces.iter().enumerate() {
            let last = i + 1 == count;
            let mut whole = vec![0u8; by_frame.frame_len(payload.len())];
            let n = by_frame.send_fragment(MessageKind::Binary, payload, last, &mut whole).unwrap();
            prop_assert_eq!(n, whole.len());
            let mut header = [0u8; rfc6455::frame::MAX_HEADER_LEN];
            let h = by_header.send_header(MessageKind::Binary, payload, last, &mut header).unwrap();
            prop_assert_eq!(h, by_header.header_len(payload.len()));
            prop_assert_eq!(&whole[..h], &header[..h]);
            prop_assert_eq!(&whole[h..], &payload[..]);
        }
    }

    /// A client masks in place under the key it writes into the header (§5.3); the
    /// server reads back the very bytes.
    #[test]
    fn s5_3_send_header_masking_masks_the_payload_in_place(
        payload in prop::collection::vec(any::<u8>(), 0..1000),
        seed in any::<u32>(),
    ) {
        let mut client = Connection::client(Config::default(), rfc6455::DeterministicKeys::sequence(seed));
        let mut masked = payload.clone();
        let mut wire = vec![0u8; rfc6455::frame::MAX_HEADER_LEN];
        let h = client.send_header_masking(MessageKind::Binary, &mut masked, true, &mut wire).unwrap();
        prop_assert_eq!(h, client.header_len(payload.len()));
        wire.truncate(h);
        wire.extend_from_slice(&masked);
        prop_assert_eq!(wire.len(), client.frame_len(payload.len()));
        let (events, _) = server_events(Config::default(), &wire);
        prop_assert_eq!(events, vec![Owned::Binary(payload)]);
    }
}

#[test]
fn s5_3_a_client_cannot_send_a_header_for_an_unmasked_payload() {
    let mut client = Connection::client(Config::default(), DeterministicKeys::default());
    let mut header = [0u8; 14];
    assert_eq!(
        client.send_header(MessageKind::Binary, b"plain", true, &mut header),
        Err(SendError::MaskingRequired)
    );
    // Nothing changed: a whole message may still be sent.
    assert!(client.send_binary(b"x", &mut [0u8; 16]).is_ok());
}

#[test]
fn send_header_follows_the_send_fragment_rules() {
    let mut server = Connection::server(Config::default());
    let mut header = [0u8; 14];
    assert_eq!(
        server.send_header(MessageKind::Text, b"\xFF", true, &mut header),
        Err(SendError::InvalidUtf8)
    );
    server
        .send_header(MessageKind::Text, b"open", false, &mut header)
        .unwrap();
    assert_eq!(
        server.send_header(MessageKind::Binary, b"", true, &mut header),
        Err(SendError::MessageInProgress)
    );
    assert_eq!(
        server.send_header(MessageKind::Text, b"end", true, &mut header[..1]),
        Err(SendError::InsufficientSize(rfc6455::InsufficientSize {
            required: 2
        }))
    );
    let n = server
        .send_header(MessageKind::Text, b"end", true, &mut header)
        .unwrap();
    assert_eq!(&header[..n], [0x80, 0x03]);
    server
        .send_close(CloseCode::NORMAL, "", &mut [0u8; 16])
        .unwrap();
    assert_eq!(
        server.send_header(MessageKind::Text, b"late", true, &mut header),
        Err(SendError::Closing)
    );
}

/// §7.1.5: after we failed the connection, the peer's Close never came; the end of the
/// stream still reports 1006, as before the failure.
#[test]
fn s7_1_5_end_of_stream_after_a_protocol_error_is_still_1006() {
    let mut conn = Connection::server(Config::default());
    let events = events_split(&mut conn, &client_frame(0x83, b""), &[]);
    assert!(matches!(events[..], [Owned::Error(_)]));
    assert_eq!(
        conn.read_eof(),
        Some(Event::Close {
            code: CloseCode::ABNORMAL,
            reason: ""
        })
    );
    assert!(conn.should_close_transport());
}
