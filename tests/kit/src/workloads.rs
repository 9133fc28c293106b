//! The W1–W5 inputs of issue #7: masked client frames, as a client would send them.
//! Shared by `benches/decode.rs` and `benches/compare/` so that both decode
//! byte-identical inputs, and time the same rfc6455 loop over them.

use rfc6455::connection::{Config, Connection, Event, MessageKind};

/// Room above the largest message of any workload (1 MiB), for every decoder.
pub const MAX_MESSAGE: usize = 1 << 21;

/// rfc6455's timed loop: what a caller that only looks at payloads does, like the u64
/// walk. Returns the payload bytes read.
pub fn decode_all(buf: &mut [u8]) -> u64 {
    let mut conn = Connection::server(Config::default().max_message_size(MAX_MESSAGE as u64));
    let mut at = 0;
    let mut total = 0u64;
    while at < buf.len() {
        let read = conn.read(&mut buf[at..]).expect("valid input");
        if let Some(Event::Data { payload, .. }) = read.event {
            total += payload.len() as u64;
        }
        at += read.consumed;
    }
    total
}

/// One workload: the masked bytes and what they hold.
pub struct Workload {
    pub name: &'static str,
    pub input: Vec<u8>,
    pub messages: u64,
    pub frames: u64,
    pub payload_bytes: u64,
}

/// The seed of the fixed sequence of masking keys the input is masked with, so every
/// run sees the same bytes, and a client encoder fed the same keys reproduces them.
pub const SEED: u32 = 0x9E37_79B9;

fn keys() -> rfc6455::DeterministicKeys {
    rfc6455::DeterministicKeys::sequence(SEED)
}

fn encode_messages(
    kind: MessageKind,
    payload: &[u8],
    messages: usize,
    fragments: usize,
) -> Vec<u8> {
    let mut client = Connection::client(Config::default(), keys());
    let piece = payload.len() / fragments;
    let mut out = vec![0u8; (payload.len() + 14 * fragments) * messages];
    let mut at = 0;
    for _ in 0..messages {
        for (i, chunk) in payload.chunks(piece).enumerate() {
            at += client
                .send_fragment(kind, chunk, i + 1 == fragments, &mut out[at..])
                .unwrap();
        }
    }
    out.truncate(at);
    out
}

/// 1-, 2-, 3- and 4-byte UTF-8 mixed with ASCII, cut to exactly `len` bytes on a char boundary.
fn mixed_text(len: usize) -> Vec<u8> {
    let pattern = "The quick brown fox é ü ß Ωμέγα 中文字符 日本語 🎉🚀 jumps; ";
    let mut s = String::new();
    while s.len() < len {
        s.push_str(pattern);
    }
    let mut cut = len;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut bytes = s.as_bytes()[..cut].to_vec();
    bytes.resize(len, b' ');
    bytes
}

/// W1–W5. W3 is 100 × 1 MiB rather than the 1,000, and W5 1,000 fragmented
/// messages rather than 10,000: every iteration decodes a fresh copy, and 1 GiB copies
/// would measure the allocator more than the decoder. Throughput figures are per byte
/// or per frame, so the scale does not change them.
pub fn workloads() -> Vec<Workload> {
    let binary = |len: usize| vec![0xA5u8; len];
    let mut w = Vec::new();
    let mut add = |name, kind, payload: Vec<u8>, messages: usize, fragments: usize| {
        let input = encode_messages(kind, &payload, messages, fragments);
        w.push(Workload {
            name,
            input,
            messages: messages as u64,
            frames: (messages * fragments) as u64,
            payload_bytes: (payload.len() * messages) as u64,
        });
    };
    add(
        "W1_1M_x_16B_binary",
        MessageKind::Binary,
        binary(16),
        1_000_000,
        1,
    );
    add(
        "W2_100k_x_1KiB_binary",
        MessageKind::Binary,
        binary(1024),
        100_000,
        1,
    );
    add(
        "W3_100_x_1MiB_binary",
        MessageKind::Binary,
        binary(1 << 20),
        100,
        1,
    );
    add(
        "W4_100k_x_1KiB_text",
        MessageKind::Text,
        mixed_text(1024),
        100_000,
        1,
    );
    add(
        "W5_1k_x_16x4KiB_fragments",
        MessageKind::Binary,
        binary(16 * 4096),
        1_000,
        16,
    );
    w
}
