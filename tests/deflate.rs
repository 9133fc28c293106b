//! permessage-deflate (RFC 7692): the §7.2.3 examples byte for byte, negotiation, the
//! reader's failure modes, and a decompression bomb.
#![cfg(feature = "deflate")]

use rfc6455::connection::MessageReader;
use rfc6455::connection::{
    Config, Connection, Message, MessageKind, NoMasking, ProtocolError, Received, Role,
};
use rfc6455::extensions::deflate::{DeflateConfig, DeflateParams, DeflateSender, NegotiationError};
use rfc6455::frame::CloseCode;
use rfc6455::handshake::{Limits, RequestParser};
use rfc6455_testkit::raw_frame;

fn compressed_config() -> Config {
    Config::default().compressed_messages(true)
}

fn client() -> Connection<impl rfc6455::MaskKeySource> {
    client_with(compressed_config())
}

fn client_with(config: Config) -> Connection<impl rfc6455::MaskKeySource> {
    Connection::client(
        config,
        rfc6455::DeterministicKeys::repeating([0x11, 0x22, 0x33, 0x44]),
    )
}

/// A sender for `role` under `params`: it takes both from a connection configured so.
fn sender_for(params: &DeflateParams, role: Role) -> DeflateSender {
    sender_with_level(params, role, rfc6455::extensions::deflate::DEFAULT_LEVEL)
}

fn sender_with_level(params: &DeflateParams, role: Role, level: u8) -> DeflateSender {
    let config = Config::default().permessage_deflate(Some(*params));
    match role {
        Role::Server => DeflateSender::with_level(&Connection::server(config), level),
        Role::Client => DeflateSender::with_level(&client_with(config), level),
    }
    .expect("permessage-deflate configured")
}

/// Reads every message in `wire` as a client would, one step at a time.
fn read_all<K: rfc6455::MaskKeySource>(
    reader: &mut MessageReader,
    conn: &mut Connection<K>,
    wire: &mut [u8],
) -> Result<Vec<String>, ProtocolError> {
    let mut texts = Vec::new();
    let mut start = 0;
    while start < wire.len() {
        let Received {
            consumed,
            event: message,
        } = reader.read(conn, &mut wire[start..])?;
        match message {
            Some(Message::Text(t)) => texts.push(t.to_owned()),
            Some(Message::Binary(b)) => texts.push(format!("{b:?}")),
            Some(other) => texts.push(format!("{other:?}")),
            None => {}
        }
        assert!(
            consumed > 0,
            "stalled with {} bytes left",
            wire.len() - start
        );
        start += consumed;
    }
    Ok(texts)
}

/// One compressed text frame; the bytes need not be UTF-8, for tests of the reader's
/// check. The sender refuses such text, so it goes out as binary and is relabelled.
fn server_send(
    sender: &mut DeflateSender,
    server: &mut Connection<NoMasking>,
    text: impl AsRef<[u8]>,
) -> Vec<u8> {
    let text = text.as_ref();
    let mut out = vec![0u8; sender.max_send_len(text.len())];
    let n = sender
        .send(server, MessageKind::Binary, text, &mut out)
        .unwrap();
    out.truncate(n);
    as_text(&mut out);
    out
}

/// Turns a Binary frame's opcode into Text (§5.2: the low four bits of the first byte).
fn as_text(frame: &mut [u8]) {
    frame[0] = (frame[0] & 0xF0) | 0x1;
}

#[test]
fn rfc_7_2_3_1_hello_in_one_frame() {
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let wire = server_send(&mut sender, &mut server, "Hello");
    assert_eq!(wire, [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);

    let mut reader = MessageReader::new();
    let mut wire = wire;
    assert_eq!(
        read_all(&mut reader, &mut client(), &mut wire).unwrap(),
        ["Hello"]
    );
}

#[test]
fn rfc_7_2_3_1_hello_in_two_fragments() {
    // The same compressed bytes split over two frames; RSV1 only on the first.
    let mut wire = vec![
        0x41, 0x03, 0xf2, 0x48, 0xcd, // RSV1, text, not FIN
        0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00, // FIN continuation
    ];
    let mut reader = MessageReader::new();
    assert_eq!(
        read_all(&mut reader, &mut client(), &mut wire).unwrap(),
        ["Hello"]
    );
}

#[test]
fn rfc_7_2_3_2_second_message_shares_the_context() {
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let first = server_send(&mut sender, &mut server, "Hello");
    let second = server_send(&mut sender, &mut server, "Hello");
    assert_eq!(second, [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);

    let mut wire = [first, second].concat();
    let mut reader = MessageReader::new();
    let texts = read_all(&mut reader, &mut client(), &mut wire).unwrap();
    assert_eq!(texts, ["Hello", "Hello"]);
}

#[test]
fn no_context_takeover_compresses_each_message_alone() {
    let params = DeflateParams {
        server_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&params, Role::Server);
    let first = server_send(&mut sender, &mut server, "Hello");
    let second = server_send(&mut sender, &mut server, "Hello");
    assert_eq!(first[2..], second[2..]);
    // A full flush replaces the sync flush; its stripped tail is the same 00 00 ff ff.
    let mut wire = [first, second].concat();
    let texts = read_all(&mut MessageReader::new(), &mut client(), &mut wire).unwrap();
    assert_eq!(texts, ["Hello", "Hello"]);
}

#[test]
fn rfc_7_2_3_3_stored_block_and_7_2_3_4_bfinal() {
    // "Hello" in a DEFLATE block with no compression.
    let mut stored = vec![
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    // "Hello" in a final block, then a second message in a fresh stream.
    let mut bfinal = vec![0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    bfinal.extend_from_slice(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    let mut reader = MessageReader::new();
    let mut conn = client();
    assert_eq!(
        read_all(&mut reader, &mut conn, &mut stored).unwrap(),
        ["Hello"]
    );
    let texts = read_all(&mut reader, &mut conn, &mut bfinal).unwrap();
    assert_eq!(texts, ["Hello", "Hello"]);
}

#[test]
fn empty_message_is_one_zero_byte() {
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let mut wire = server_send(&mut sender, &mut server, "");
    assert_eq!(wire, [0xc1, 0x01, 0x00]);
    assert_eq!(
        read_all(&mut MessageReader::new(), &mut client(), &mut wire).unwrap(),
        [""]
    );
}

#[test]
fn uncompressed_messages_and_control_frames_pass_through() {
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let mut out = [0u8; 64];
    let mut wire = Vec::new();
    let n = server.send_text("plain", &mut out).unwrap();
    wire.extend_from_slice(&out[..n]);
    let n = server
        .send_compressed_fragment(MessageKind::Text, &[0xf2, 0x48, 0xcd], false, &mut out)
        .unwrap();
    wire.extend_from_slice(&out[..n]);
    let n = server.send_ping(b"hi", &mut out).unwrap();
    wire.extend_from_slice(&out[..n]);
    let n = server
        .send_compressed_fragment(MessageKind::Text, &[0xc9, 0xc9, 0x07, 0x00], true, &mut out)
        .unwrap();
    wire.extend_from_slice(&out[..n]);
    wire.extend_from_slice(&server_send(&mut sender, &mut server, "again"));
    let n = server.send_binary(&[1, 2, 3], &mut out).unwrap();
    wire.extend_from_slice(&out[..n]);

    let texts = read_all(&mut MessageReader::new(), &mut client(), &mut wire).unwrap();
    assert_eq!(
        texts,
        ["plain", "Ping([104, 105])", "Hello", "again", "[1, 2, 3]"]
    );
}

fn json_message(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{i},"symbol":"S{}","price":{}.{:02},"side":"buy"}}"#,
                i % 17,
                100 + i % 13,
                i % 100
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

#[test]
fn large_message_trickled_in_small_reads_and_every_window_size() {
    let text = json_message(3000); // ~150 KB
    for bits in 8..=15u8 {
        for no_context_takeover in [false, true] {
            let params = DeflateParams {
                client_max_window_bits: Some(bits),
                client_no_context_takeover: no_context_takeover,
                ..DeflateParams::default()
            };
            let mut client = client();
            let mut sender = sender_for(&params, Role::Client);
            let mut wire = Vec::new();
            for _ in 0..2 {
                let mut out = vec![0u8; sender.max_send_len(text.len())];
                let n = sender
                    .send(&mut client, MessageKind::Text, text.as_bytes(), &mut out)
                    .unwrap();
                assert!(
                    n < text.len() / 2,
                    "window {bits}: {n} bytes for {}",
                    text.len()
                );
                wire.extend_from_slice(&out[..n]);
            }
            // A read buffer of 200 bytes that is refilled as it drains.
            let mut server = Connection::server(compressed_config().max_message_size(1 << 20));
            let mut reader = MessageReader::new();
            let (mut buf, mut got, mut fed) = (Vec::new(), Vec::new(), 0);
            while got.len() < 2 {
                let take = (200 - buf.len()).min(wire.len() - fed);
                buf.extend_from_slice(&wire[fed..fed + take]);
                fed += take;
                let Received {
                    consumed,
                    event: message,
                } = reader.read(&mut server, &mut buf).unwrap();
                if let Some(Message::Text(t)) = message {
                    got.push(t == text);
                }
                buf.drain(..consumed);
            }
            assert_eq!(
                got,
                [true, true],
                "window {bits}, no takeover {no_context_takeover}"
            );
        }
    }
}

#[test]
fn bomb_fails_with_1009_without_allocating_past_the_limit() {
    let limit: usize = 64 * 1024;
    // 16 MiB of zeros deflate to a few KiB.
    let zeros = vec![0u8; 16 << 20];
    let mut client = client();
    let mut sender = sender_for(&DeflateParams::default(), Role::Client);
    let mut wire = vec![0u8; sender.max_send_len(zeros.len())];
    let n = sender
        .send(&mut client, MessageKind::Binary, &zeros, &mut wire)
        .unwrap();
    assert!(n < 32 * 1024, "{n}");
    wire.truncate(n);
    drop(zeros);

    // Fed 64 bytes at a time: the buffer never holds more than the limit, and the
    // message fails as soon as inflating passes it, long before its 16 MiB.
    let mut server = Connection::server(compressed_config().max_message_size(limit as u64));
    let mut reader = MessageReader::new();
    let (mut buf, mut fed) = (Vec::new(), 0);
    let err = loop {
        let take = (64 - buf.len().min(64)).min(wire.len() - fed);
        buf.extend_from_slice(&wire[fed..fed + take]);
        fed += take;
        match reader.read(&mut server, &mut buf) {
            Ok(Received {
                consumed,
                event: message,
            }) => {
                assert!(message.is_none());
                assert!(reader.buffered() <= limit);
                buf.drain(..consumed);
            }
            Err(e) => break e,
        }
    };
    assert_eq!(
        err,
        ProtocolError::MessageTooBig {
            limit: limit as u64
        }
    );
    assert_eq!(err.close_code(), CloseCode::MESSAGE_TOO_BIG);
    assert!(fed < n / 8, "failed only after {fed} of {n} bytes");
    assert_eq!(reader.buffered(), 0);

    // The connection has failed: its Close carries 1009, then the transport closes.
    let mut out = [0u8; 64];
    assert!(server.wants_transmit());
    let n = server.poll_transmit(&mut out).unwrap();
    assert_eq!(out[..n], [0x88, 0x02, 0x03, 0xf1]);
    assert_eq!(server.poll_transmit(&mut out).unwrap(), 0);
    assert!(server.should_close_transport());
}

#[test]
fn invalid_utf8_fails_fast_with_1007() {
    // Text that goes bad in its first bytes, in a message of many fragments: the error
    // comes with the first fragment, before the rest arrives.
    let mut text = vec![b'a', 0xff];
    text.extend(std::iter::repeat_n(b'b', 100_000));
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let out = server_send(&mut sender, &mut server, &text);
    // Re-frame the compressed payload as 3-byte fragments.
    let payload = &out[2..];
    let mut server = Connection::server(compressed_config());
    let mut wire = Vec::new();
    let mut frame = [0u8; 16];
    let chunks: Vec<&[u8]> = payload.chunks(3).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        let k = server
            .send_compressed_fragment(MessageKind::Text, chunk, last, &mut frame)
            .unwrap();
        wire.extend_from_slice(&frame[..k]);
    }
    let mut reader = MessageReader::new();
    let mut conn = client();
    let mut start = 0;
    let err = loop {
        match reader.read(&mut conn, &mut wire[start..]) {
            Ok(Received { consumed, event: _ }) => start += consumed,
            Err(e) => break e,
        }
    };
    assert_eq!(err, ProtocolError::InvalidUtf8);
    // Only the block's Huffman tables come before the bad byte.
    assert!(
        start < 100,
        "failed only after {start} of {} bytes",
        wire.len()
    );
    let mut out = [0u8; 64];
    let k = conn.poll_transmit(&mut out).unwrap();
    assert_eq!((k, out[..2].to_vec()), (8, vec![0x88, 0x82])); // masked Close, 2 bytes: 1007
}

#[test]
fn invalid_deflate_data_fails_with_1007() {
    // BTYPE = 11 is reserved (RFC 1951 §3.2.3).
    let mut wire = vec![0xc2, 0x02, 0xff, 0xff];
    let mut reader = MessageReader::new();
    let err = read_all(&mut reader, &mut client(), &mut wire).unwrap_err();
    assert_eq!(err, ProtocolError::Extension);
    assert_eq!(err.close_code(), CloseCode::INVALID_PAYLOAD);
}

#[test]
fn nothing_is_read_after_a_rejected_message() {
    let mut wire = vec![0xc2, 0x02, 0xff, 0xff];
    let mut reader = MessageReader::new();
    let mut conn = client();
    assert!(read_all(&mut reader, &mut conn, &mut wire).is_err());
    let mut out = [0u8; 64];
    assert!(conn.poll_transmit(&mut out).unwrap() > 0);
    assert!(conn.should_close_transport());
    // The server's data still in flight, then its Close echo: all dropped.
    let mut more = vec![0x81, 0x02, b'h', b'i', 0x88, 0x02, 0x03, 0xef];
    let texts = read_all(&mut reader, &mut conn, &mut more).unwrap();
    assert!(texts.is_empty(), "{texts:?}");
}

/// Reads `wire` as a server with a `limit`-byte message limit, in one piece and a byte
/// at a time, and returns the error both must end with.
fn failure_however_cut(wire: &[u8], limit: u64) -> ProtocolError {
    let config = compressed_config().max_message_size(limit);
    let whole = read_all(
        &mut MessageReader::new(),
        &mut Connection::server(config),
        &mut wire.to_vec(),
    )
    .unwrap_err();
    let mut server = Connection::server(config);
    let mut reader = MessageReader::new();
    let mut buf = Vec::new();
    let mut bytewise = None;
    for &b in wire {
        buf.push(b);
        match reader.read(&mut server, &mut buf) {
            Ok(Received { consumed, event: _ }) => drop(buf.drain(..consumed)),
            Err(e) => {
                bytewise = Some(e);
                break;
            }
        }
    }
    assert_eq!(Some(whole), bytewise, "one piece and byte by byte disagree");
    whole
}

#[test]
fn bad_text_inflated_past_the_limit_is_still_a_utf8_error() {
    // Bad from the fourth byte, too big from byte 1025. Read in one piece, all of it
    // comes out of one call, past the limit; the bad byte must still be what fails it,
    // as it is byte by byte.
    let mut text = b"Hel\xff".to_vec();
    text.resize(2000, b'o');
    let mut sender = sender_for(&DeflateParams::default(), Role::Client);
    let mut wire = vec![0u8; sender.max_send_len(text.len())];
    let n = sender
        .send(&mut client(), MessageKind::Binary, &text, &mut wire)
        .unwrap();
    as_text(&mut wire);
    assert_eq!(
        failure_however_cut(&wire[..n], 1024),
        ProtocolError::InvalidUtf8
    );
}

#[test]
fn bad_text_ahead_of_corrupt_data_is_a_utf8_error() {
    // 17 KiB of text, bad at its end, then a block of the reserved type: more than
    // 16 KiB comes out of the one call that meets the corruption.
    let mut text = vec![b'a'; 17_000];
    text.push(0xff);
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let out = server_send(&mut sender, &mut server, &text);
    assert!(out.len() < 2 + 126, "{}", out.len());
    let mut payload = out[2..].to_vec();
    // The stripped sync tail, then BFINAL with BTYPE = 11.
    payload.extend_from_slice(&[0x00, 0x00, 0xff, 0xff, 0x07]);
    let mut frame = vec![0u8; payload.len() + 14];
    let n = client()
        .send_compressed_fragment(MessageKind::Text, &payload, true, &mut frame)
        .unwrap();
    assert_eq!(
        failure_however_cut(&frame[..n], 1 << 20),
        ProtocolError::InvalidUtf8
    );
}

#[test]
fn a_final_block_that_ends_in_the_sync_tail_still_ends_the_stream() {
    // A message whose DEFLATE stream ends (BFINAL) in a match that runs past the end of
    // the inflater's 32 KiB history, right at the end of the frame: the end of the
    // stream is only seen when the sync tail is restored. The next message must still
    // start a new stream. The first message puts the history's end where the match
    // needs it; the lengths tried include the ones that showed this.
    let mut noise = 0x2545_f491_u32;
    let first: Vec<u8> = (0..32_468)
        .map(|_| {
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            noise as u8
        })
        .collect();
    let mut sender = sender_for(&DeflateParams::default(), Role::Client);
    let mut opening = vec![0u8; sender.max_send_len(first.len())];
    let n = sender
        .send(&mut client(), MessageKind::Binary, &first, &mut opening)
        .unwrap();
    opening.truncate(n);
    for len in 280..330 {
        let mut client = client();
        let mut wire = opening.clone();
        let second = vec![b'b'; len];
        let stream = miniz_oxide::deflate::compress_to_vec(&second, 9);
        let mut frame = vec![0u8; stream.len() + 14];
        let n = client
            .send_compressed_fragment(MessageKind::Binary, &stream, true, &mut frame)
            .unwrap();
        wire.extend_from_slice(&frame[..n]);
        // A fresh context, as the inflater's is after the final block.
        let mut sender = sender_for(&DeflateParams::default(), Role::Client);
        let mut frame = vec![0u8; sender.max_send_len(5)];
        let n = sender
            .send(&mut client, MessageKind::Text, b"Hello", &mut frame)
            .unwrap();
        wire.extend_from_slice(&frame[..n]);

        let mut server = Connection::server(compressed_config());
        let texts = read_all(&mut MessageReader::new(), &mut server, &mut wire).unwrap();
        assert_eq!(texts.len(), 3, "{len}");
        assert!(texts[0] == format!("{first:?}"), "{len}");
        assert_eq!(texts[1], format!("{second:?}"), "{len}");
        assert_eq!(texts[2], "Hello", "{len}");
    }
}

// ---- negotiation ----

fn request_extensions(value: &str) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Extensions: {value}\r\n\r\n"
    )
    .into_bytes()
}

/// The server's answer to `offers`, as the response header value.
fn answer(config: DeflateConfig, offers: &str) -> Option<String> {
    let head = request_extensions(offers);
    let mut parser = RequestParser::new(Limits::default());
    let request = parser.parse(&head).unwrap().complete().unwrap();
    config
        .accept(request.extensions())
        .map(|p| p.response().as_str().to_owned())
}

/// The client's reading of a response carrying `value` (parsed with the request
/// parser, which shares the extension grammar).
fn check(config: DeflateConfig, value: &str) -> Result<Option<DeflateParams>, NegotiationError> {
    let head = request_extensions(value);
    let mut parser = RequestParser::new(Limits::default());
    let response = parser.parse(&head).unwrap().complete().unwrap();
    config.check_response(response.extensions())
}

#[test]
fn server_answers_offers() {
    let d = DeflateConfig::default();
    let cases: &[(&str, Option<&str>)] = &[
        ("permessage-deflate", Some("permessage-deflate")),
        (
            "permessage-deflate; client_max_window_bits",
            Some("permessage-deflate"),
        ),
        // The client's own limit is echoed: it compresses within it anyway.
        (
            "permessage-deflate; client_max_window_bits=10",
            Some("permessage-deflate; client_max_window_bits=10"),
        ),
        (
            "permessage-deflate; server_no_context_takeover",
            Some("permessage-deflate; server_no_context_takeover"),
        ),
        (
            "permessage-deflate; client_no_context_takeover",
            Some("permessage-deflate"),
        ),
        (
            "permessage-deflate; server_max_window_bits=8",
            Some("permessage-deflate; server_max_window_bits=8"),
        ),
        (
            "permessage-deflate; server_max_window_bits=\"12\"",
            Some("permessage-deflate; server_max_window_bits=12"),
        ),
        // Autobahn 13.5's offer.
        (
            "permessage-deflate; client_no_context_takeover; client_max_window_bits; \
             server_no_context_takeover; server_max_window_bits=9",
            Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=9"),
        ),
        // Malformed offers are declined, and the next one is taken.
        ("permessage-deflate; server_max_window_bits", None),
        ("permessage-deflate; server_max_window_bits=7", None),
        ("permessage-deflate; server_max_window_bits=16", None),
        ("permessage-deflate; server_max_window_bits=09", None),
        ("permessage-deflate; client_max_window_bits=abc", None),
        ("permessage-deflate; server_no_context_takeover=1", None),
        (
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            None,
        ),
        (
            "permessage-deflate; client_max_window_bits; client_max_window_bits=9",
            None,
        ),
        ("permessage-deflate; mystery", None),
        ("x-webkit-deflate-frame", None),
        (
            "permessage-deflate; mystery, permessage-deflate; server_max_window_bits=10",
            Some("permessage-deflate; server_max_window_bits=10"),
        ),
        ("x-other, permessage-deflate", Some("permessage-deflate")),
    ];
    for (offer, expected) in cases {
        assert_eq!(answer(d, offer).as_deref(), *expected, "offer {offer:?}");
    }
}

#[test]
fn server_policy_shapes_the_answer() {
    let config = DeflateConfig::default()
        .no_context_takeover(true)
        .peer_no_context_takeover(true)
        .max_window_bits(11)
        .peer_max_window_bits(10);
    assert_eq!(
        answer(config, "permessage-deflate; client_max_window_bits").as_deref(),
        Some(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=11; client_max_window_bits=10"
        )
    );
    // Never ask a client for a window it did not say it can limit (§7.1.2.2), nor above
    // what it offered; never answer above the client's limit for us.
    assert_eq!(
        answer(
            config,
            "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9"
        )
        .as_deref(),
        Some(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=9; client_max_window_bits=9"
        )
    );
    assert_eq!(
        answer(
            DeflateConfig::default().peer_max_window_bits(9),
            "permessage-deflate"
        )
        .as_deref(),
        Some("permessage-deflate")
    );
}

#[test]
fn client_offers() {
    assert_eq!(
        DeflateConfig::default().offer().as_str(),
        "permessage-deflate; client_max_window_bits"
    );
    let all = DeflateConfig::default()
        .no_context_takeover(true)
        .peer_no_context_takeover(true)
        .max_window_bits(12)
        .peer_max_window_bits(10);
    assert_eq!(
        all.offer().as_str(),
        "permessage-deflate; client_no_context_takeover; client_max_window_bits=12; \
         server_no_context_takeover; server_max_window_bits=10"
    );
}

#[test]
fn client_checks_answers() {
    let d = DeflateConfig::default();
    assert_eq!(check(d, "x-other").unwrap(), None);
    assert_eq!(
        check(d, "permessage-deflate").unwrap(),
        Some(DeflateParams::default())
    );
    assert_eq!(
        check(
            d,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=8"
        )
        .unwrap(),
        Some(DeflateParams {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(10),
            client_max_window_bits: Some(8),
        })
    );
    use NegotiationError::*;
    let bad: &[(DeflateConfig, &str, NegotiationError)] = &[
        (d, "permessage-deflate; mystery", UnknownParameter),
        (
            d,
            "permessage-deflate; client_max_window_bits",
            InvalidValue,
        ),
        (
            d,
            "permessage-deflate; server_max_window_bits",
            InvalidValue,
        ),
        (
            d,
            "permessage-deflate; server_max_window_bits=16",
            InvalidValue,
        ),
        (
            d,
            "permessage-deflate; client_max_window_bits=7",
            InvalidValue,
        ),
        (
            d,
            "permessage-deflate; client_no_context_takeover=yes",
            InvalidValue,
        ),
        (
            d,
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            DuplicateParameter,
        ),
        (
            d,
            "permessage-deflate, permessage-deflate",
            DuplicateExtension,
        ),
        // Above what the offer allowed.
        (
            d.peer_max_window_bits(10),
            "permessage-deflate; server_max_window_bits=11",
            InvalidValue,
        ),
        (
            d.max_window_bits(9),
            "permessage-deflate; client_max_window_bits=10",
            InvalidValue,
        ),
    ];
    for (config, value, expected) in bad {
        assert_eq!(check(*config, value), Err(*expected), "answer {value:?}");
    }
    // Our own narrower window holds when the server leaves the parameter out.
    assert_eq!(
        check(d.max_window_bits(9), "permessage-deflate")
            .unwrap()
            .unwrap()
            .client_max_window_bits,
        Some(9)
    );
}

/// Sends `payloads` with `sender` from a client and reads them back on a server.
fn round_trip(params: &DeflateParams, level: u8, payloads: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut client = client();
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_with_level(params, Role::Client, level);
    let mut wire = Vec::new();
    for p in payloads {
        let mut out = vec![0u8; sender.max_send_len(p.len())];
        let n = sender
            .send(&mut client, MessageKind::Binary, p, &mut out)
            .expect("room for the worst case");
        wire.extend_from_slice(&out[..n]);
    }
    let mut reader = MessageReader::new();
    let (mut at, mut back) = (0, Vec::new());
    while at < wire.len() {
        let Received {
            consumed,
            event: message,
        } = reader.read(&mut server, &mut wire[at..]).expect("valid");
        if let Some(Message::Binary(b)) = message {
            back.push(b.to_vec());
        }
        at += consumed;
    }
    back
}

/// Found by the deflate_connection fuzz target: miniz_oxide emits stored blocks (level 0)
/// in pieces of about 31 KiB, and a compressing call that only hands over output left
/// from an earlier call looked like the end of the flush, so the message's tail was
/// never sent. The sizes around that block boundary, and a few far from it, at every
/// level kind (stored, fast, default, best).
#[test]
fn every_level_sends_messages_whole_around_the_compressors_block_sizes() {
    let params = DeflateParams {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let payload = |len: usize, salt: usize| -> Vec<u8> {
        (0..len).map(|j| ((j * 7 + salt) % 251) as u8).collect()
    };
    for len in (31_700..31_950).step_by(3) {
        let sent = vec![payload(len, 0), payload(len, 13)];
        assert_eq!(round_trip(&params, 0, &sent), sent, "level 0, {len} bytes");
    }
    for level in [0, 1, 6, 9] {
        for len in [0, 1, 16_383, 16_384, 65_535, 65_536, 200_000] {
            let sent = vec![payload(len, 0), payload(len, 13)];
            assert_eq!(
                round_trip(&params, level, &sent),
                sent,
                "level {level}, {len} bytes"
            );
        }
    }
}

// ---- the LZ77 window across messages (§7.2.2) ----

/// A server's unmasked frame: FIN, RSV1 when `compressed`, `opcode`, `payload`.
fn frame(opcode: u8, compressed: bool, fin: bool, payload: &[u8]) -> Vec<u8> {
    raw_frame(
        u8::from(fin) << 7 | u8::from(compressed) << 6 | opcode,
        None,
        payload,
    )
}

/// §7.2.3.2's second message: "Hello" as one match five bytes back.
const HELLO_AGAIN: [u8; 5] = [0xf2, 0x00, 0x11, 0x00, 0x00];
/// §7.2.3.4: "Hello" in a final block.
const HELLO_FINAL: [u8; 7] = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

/// What a client reads from the compressed binary messages `payloads`, with `reader`.
fn client_reads(config: Config, payloads: &[&[u8]]) -> Result<Vec<String>, ProtocolError> {
    let mut wire: Vec<u8> = payloads
        .iter()
        .flat_map(|p| frame(1, true, true, p))
        .collect();
    read_all(
        &mut MessageReader::new(),
        &mut client_with(config),
        &mut wire,
    )
}

#[test]
fn rfc_7_2_3_4_a_message_after_a_final_block_may_refer_back_into_it() {
    // §7.2.2: with context takeover the receiver keeps the LZ77 window when a message
    // ends its DEFLATE stream with a final block (§7.2.3.4); the next stream may refer
    // back into it. "Hello" must come out twice, not as five NUL bytes.
    let texts = client_reads(compressed_config(), &[&HELLO_FINAL, &HELLO_AGAIN]).unwrap();
    assert_eq!(texts, ["Hello", "Hello"]);
    // Both ends of the same kind: final block after final block.
    let texts = client_reads(
        compressed_config(),
        &[&HELLO_FINAL, &[0xf3, 0x00, 0x11, 0x00, 0x00], &HELLO_AGAIN],
    )
    .unwrap();
    assert_eq!(texts, ["Hello", "Hello", "Hello"]);
}

#[test]
fn rfc_7_2_3_4_the_window_survives_a_final_block_cut_into_fragments() {
    let mut wire = frame(1, true, false, &HELLO_FINAL[..3]);
    wire.extend(frame(0, false, false, &HELLO_FINAL[3..]));
    wire.extend(frame(0, false, true, &[]));
    wire.extend(frame(1, true, false, &HELLO_AGAIN[..1]));
    wire.extend(frame(0, false, true, &HELLO_AGAIN[1..]));
    let texts = read_all(&mut MessageReader::new(), &mut client(), &mut wire).unwrap();
    assert_eq!(texts, ["Hello", "Hello"]);
}

#[test]
fn rfc_7_2_2_an_uncompressed_message_is_not_in_the_window() {
    // Only compressed messages feed the decompression context.
    let mut wire = frame(1, true, true, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    wire.extend(frame(1, false, true, b"World"));
    wire.extend(frame(1, true, true, &HELLO_AGAIN));
    let texts = read_all(&mut MessageReader::new(), &mut client(), &mut wire).unwrap();
    assert_eq!(texts, ["Hello", "World", "Hello"]);
}

/// Asserts that the last of `payloads` fails the connection with 1007 (the data is not
/// DEFLATE this side can decode) after the others read fine.
fn fails_with_1007(config: Config, payloads: &[&[u8]]) {
    let reader = &mut MessageReader::new();
    let mut conn = client_with(config);
    let (last, earlier) = payloads.split_last().unwrap();
    let mut wire: Vec<u8> = earlier
        .iter()
        .flat_map(|p| frame(2, true, true, p))
        .collect();
    read_all(reader, &mut conn, &mut wire).unwrap();
    let err = read_all(reader, &mut conn, &mut frame(2, true, true, last)).unwrap_err();
    assert_eq!(err, ProtocolError::Extension);
    let mut out = [0u8; 16];
    let n = conn.poll_transmit(&mut out).unwrap();
    assert_eq!((n, &out[..2]), (8, &[0x88, 0x82][..])); // masked Close, 2 bytes: 1007
    assert_eq!(reader.buffered(), 0);
}

#[test]
fn rfc_7_2_2_a_first_message_that_refers_before_the_stream_fails_with_1007() {
    // zlib: "invalid distance too far back". Nothing precedes the first message, so
    // there is nothing to copy; filling in zeros would deliver made-up data.
    fails_with_1007(compressed_config(), &[&HELLO_AGAIN]);
}

#[test]
fn rfc_7_2_2_a_reference_past_the_start_of_the_history_fails_with_1007() {
    // "Hi" is two bytes of history; the match reaches five back.
    let hi = [0xf2, 0xc8, 0x04, 0x00];
    assert_eq!(client_reads(compressed_config(), &[&hi]).unwrap(), ["Hi"]);
    fails_with_1007(compressed_config(), &[&hi, &HELLO_AGAIN]);
    // The same after a final block.
    fails_with_1007(
        compressed_config(),
        &[&[0xf3, 0xc8, 0x04, 0x00], &HELLO_AGAIN],
    );
}

/// A DEFLATE writer for hand-made streams: stored blocks and fixed-Huffman matches.
#[derive(Default)]
struct Deflate {
    out: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl Deflate {
    /// `len` bits of `value`, least significant first (RFC 1951 §3.1.1).
    fn bits(&mut self, value: u32, len: u32) -> &mut Self {
        self.acc |= u64::from(value) << self.bits;
        self.bits += len;
        while self.bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
        self
    }

    /// A Huffman code, most significant bit first.
    fn code(&mut self, code: u32, len: u32) -> &mut Self {
        let reversed = code.reverse_bits() >> (32 - len);
        self.bits(reversed, len)
    }

    fn align(&mut self) -> &mut Self {
        if self.bits > 0 {
            self.bits(0, 8 - self.bits);
        }
        self
    }

    /// A stored block holding `data` (at most 65535 bytes).
    fn stored(&mut self, data: &[u8]) -> &mut Self {
        let len = data.len() as u16;
        self.bits(0, 3).align();
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(&(!len).to_le_bytes());
        self.out.extend_from_slice(data);
        self
    }

    /// A fixed-Huffman block of one match of 258 bytes at `distance` (RFC 1951 §3.2.6).
    fn match_258(&mut self, last: bool, distance: u32) -> &mut Self {
        self.bits(u32::from(last), 1).bits(1, 2);
        self.code(0b1100_0101, 8); // length symbol 285: 258 bytes, no extra bits
                                   // Distance codes 0..=29: base and extra bits of RFC 1951 §3.2.5.
        let (code, base, extra) = (0..30u32)
            .map(|c| {
                let extra = c.saturating_sub(2) / 2;
                let base = if c < 4 {
                    c + 1
                } else {
                    ((2 + (c & 1)) << extra) + 1
                };
                (c, base, extra)
            })
            .rfind(|&(_, base, _)| base <= distance)
            .unwrap();
        self.code(code, 5).bits(distance - base, extra);
        self.code(0, 7) // end of block
    }

    /// The message as sent: the sync flush's empty stored block, its four bytes stripped
    /// (§7.2.1).
    fn sync_flushed(&mut self) -> Vec<u8> {
        self.stored(&[]);
        let end = self.out.len() - 4;
        self.out[..end].to_vec()
    }
}

fn patterned(len: usize, salt: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(salt) >> 24) as u8)
        .collect()
}

#[test]
fn rfc_7_2_2_a_match_reaches_back_exactly_32768_bytes_across_messages() {
    // Ten stored messages of 10,000 bytes (enough for the history to be trimmed on the
    // way), then matches at the greatest distance DEFLATE has, 32,768, which starts in
    // the message four back; the second after a final block.
    let messages: Vec<Vec<u8>> = (0..10).map(|i| patterned(10_000, i)).collect();
    let mut history: Vec<u8> = messages.concat();
    let mut payloads: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| Deflate::default().stored(m).sync_flushed())
        .collect();
    let mut expected = Vec::new();
    for last in [true, false] {
        let from = history.len() - 32_768;
        let copy = history[from..from + 258].to_vec();
        history.extend_from_slice(&copy);
        expected.push(copy);
        let mut block = Deflate::default();
        block.match_258(last, 32_768);
        payloads.push(if last {
            block.align().out.clone()
        } else {
            block.sync_flushed()
        });
    }
    let refs: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
    let config = compressed_config().max_message_size(20_000);
    let mut wire: Vec<u8> = refs.iter().flat_map(|p| frame(2, true, true, p)).collect();
    let mut conn = Connection::client(config, rfc6455::DeterministicKeys::repeating([1; 4]));
    let got = read_all(&mut MessageReader::new(), &mut conn, &mut wire).unwrap();
    assert_eq!(got.len(), 12);
    assert_eq!(got[10], format!("{:?}", expected[0]));
    assert_eq!(got[11], format!("{:?}", expected[1]));
}

#[test]
fn rfc_7_2_2_a_match_one_byte_past_the_history_fails_with_1007() {
    let first = Deflate::default()
        .stored(&patterned(32_767, 7))
        .sync_flushed();
    let second = Deflate::default().match_258(false, 32_768).sync_flushed();
    fails_with_1007(compressed_config(), &[&first, &second]);
    // 32,768 bytes are enough.
    let history = patterned(32_768, 7);
    let first = Deflate::default().stored(&history).sync_flushed();
    let mut wire = [frame(2, true, true, &first), frame(2, true, true, &second)].concat();
    let got = read_all(&mut MessageReader::new(), &mut client(), &mut wire).unwrap();
    assert_eq!(got[1], format!("{:?}", &history[..258]));
}

// ---- a reader out of step with its connection ----

#[test]
fn a_reader_that_missed_the_first_fragment_fails_with_1011() {
    let mut conn = client();
    let mut wire = frame(1, true, false, &HELLO_FINAL[..3]);
    let read = conn.read(&mut wire).unwrap();
    assert_eq!(read.consumed, wire.len());
    let mut rest = frame(0, false, true, &HELLO_FINAL[3..]);
    let mut reader = MessageReader::new();
    let err = reader.read(&mut conn, &mut rest).unwrap_err();
    assert_eq!(err, ProtocolError::ReaderOutOfStep);
    assert_eq!(err.close_code(), CloseCode::INTERNAL_ERROR);
    let mut out = [0u8; 16];
    let n = conn.poll_transmit(&mut out).unwrap();
    assert_eq!((n, &out[..2]), (8, &[0x88, 0x82][..])); // masked Close, 2 bytes: 1011
    assert!(conn.should_close_transport());
}

#[test]
fn a_reader_shared_by_two_connections_fails_with_1011() {
    // The reader sees a message begin on one connection, then is handed another whose
    // data it never saw: it must not deliver the first connection's half message.
    let mut reader = MessageReader::new();
    let (mut first, mut second) = (client(), client());
    let mut opening = frame(1, true, false, &HELLO_FINAL[..3]);
    assert_eq!(reader.read(&mut first, &mut opening).unwrap().event, None);
    let mut other = frame(1, false, true, b"plain");
    let err = reader.read(&mut second, &mut other).unwrap_err();
    assert_eq!(err, ProtocolError::ReaderOutOfStep);
    let mut out = [0u8; 16];
    assert_eq!(second.poll_transmit(&mut out).unwrap(), 8);
    assert!(second.should_close_transport());
    assert_eq!(reader.buffered(), 0);
}

/// §7.2.3.1's "Hello", sync-flushed.
const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

#[test]
fn rfc_7_1_1_1_after_server_no_context_takeover_a_reference_back_fails_with_1007() {
    // The server agreed to start every message afresh: a client that knows it drops the
    // window, and a server message that refers back anyway is corrupt for it.
    let params = DeflateParams {
        server_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let agreed = compressed_config().permessage_deflate(Some(params));
    fails_with_1007(agreed, &[&HELLO, &HELLO_AGAIN]);
    // Without negotiated parameters the reader keeps the window, and so it does when
    // only the other direction (the client's) starts afresh.
    let client_direction_only = DeflateParams {
        client_no_context_takeover: true,
        ..DeflateParams::default()
    };
    for config in [
        compressed_config(),
        compressed_config().permessage_deflate(Some(client_direction_only)),
    ] {
        let texts = client_reads(config, &[&HELLO, &HELLO_AGAIN]).unwrap();
        assert_eq!(texts, ["Hello", "Hello"]);
    }
    // Messages that stand alone read the same, a final block among them or not.
    let texts = client_reads(agreed, &[&HELLO, &HELLO_FINAL, &HELLO]);
    assert_eq!(texts.unwrap(), ["Hello", "Hello", "Hello"]);
}

#[test]
fn rfc_7_1_1_2_after_client_no_context_takeover_a_reference_back_fails_with_1007() {
    let params = DeflateParams {
        client_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let mut wire = Vec::new();
    let mut client = client();
    for payload in [&HELLO[..], &HELLO_AGAIN] {
        let mut out = [0u8; 32];
        let n = client
            .send_compressed_fragment(MessageKind::Text, payload, true, &mut out)
            .unwrap();
        wire.extend_from_slice(&out[..n]);
    }
    let read = |config: Config| {
        read_all(
            &mut MessageReader::new(),
            &mut Connection::server(config),
            &mut wire.clone(),
        )
    };
    let agreed = compressed_config().permessage_deflate(Some(params));
    assert_eq!(read(agreed).unwrap_err(), ProtocolError::Extension);
    assert_eq!(read(compressed_config()).unwrap(), ["Hello", "Hello"]);
}

#[test]
fn a_frame_header_read_without_its_payload_keeps_the_reader_in_step() {
    // The connection opens the message when it reads the header, before any payload
    // reaches the reader: that is not a message start the reader missed.
    let mut conn = client();
    let mut reader = MessageReader::new();
    let mut header = frame(1, true, true, &HELLO);
    let mut payload = header.split_off(2);
    assert!(matches!(
        reader.read(&mut conn, &mut header).unwrap(),
        Received {
            consumed: 2,
            event: None
        }
    ));
    let Received {
        consumed,
        event: message,
    } = reader.read(&mut conn, &mut payload).unwrap();
    assert_eq!(
        (consumed, message),
        (HELLO.len(), Some(Message::Text("Hello")))
    );
}

// ---- caller-built values ----

#[test]
fn a_response_with_window_bits_out_of_range_is_clamped_not_a_panic() {
    // The fields are public: a caller can build what no negotiation gives. The answer
    // must still be a §7.1.2 value (8–15), and fit the header value's fixed buffer.
    let params = DeflateParams {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: Some(200),
        client_max_window_bits: Some(100),
    };
    assert_eq!(
        params.response().as_str(),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=15; client_max_window_bits=15"
    );
    let params = DeflateParams {
        server_max_window_bits: Some(0),
        ..DeflateParams::default()
    };
    assert_eq!(
        params.response().as_str(),
        "permessage-deflate; server_max_window_bits=8"
    );
}

#[test]
fn max_send_len_saturates_for_any_length() {
    let sender = sender_for(&DeflateParams::default(), Role::Client);
    assert_eq!(sender.max_send_len(usize::MAX), usize::MAX);
    assert_eq!(sender.max_send_len(8), 14 + 8 + 1 + 64);
}

/// Text that is not UTF-8 never goes out compressed: the peer would fail the connection
/// with 1007 after inflating it (§8.1).
#[test]
fn s8_1_the_sender_refuses_text_that_is_not_utf8_before_compressing() {
    let mut server = Connection::server(compressed_config());
    let mut sender = sender_for(&DeflateParams::default(), Role::Server);
    let mut out = vec![0xAAu8; sender.max_send_len(4)];
    assert_eq!(
        sender.send(&mut server, MessageKind::Text, b"ok\xC3(", &mut out),
        Err(rfc6455::connection::SendError::InvalidUtf8)
    );
    assert!(out.iter().all(|&b| b == 0xAA));
    assert!(sender
        .send(&mut server, MessageKind::Text, "é".as_bytes(), &mut out)
        .is_ok());
}

/// The connection's negotiated parameters configure the sender: nothing to repeat.
#[test]
fn a_sender_takes_its_parameters_and_role_from_the_connection() {
    assert!(DeflateSender::new(&Connection::server(Config::default())).is_none());
    assert!(DeflateSender::new(&Connection::server(compressed_config())).is_none());
    let params = DeflateParams {
        server_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let mut server = Connection::server(Config::default().permessage_deflate(Some(params)));
    let mut sender = DeflateSender::new(&server).unwrap();
    let mut out = vec![0u8; sender.max_send_len(5)];
    let first = sender
        .send(&mut server, MessageKind::Text, b"Hello", &mut out)
        .unwrap();
    let again = sender
        .send(&mut server, MessageKind::Text, b"Hello", &mut out)
        .unwrap();
    // §7.2.3.2 with no context takeover: the second "Hello" cannot refer back.
    assert_eq!(first, again);
}
