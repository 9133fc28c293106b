//! permessage-deflate against real zlib: the differential check of
//! `tests/deflate_zlib/model.rs` (shared with the proptest there) on `arbitrary` cases.
//! zlib's streams, with every flush, inflate exactly through `MessageReader`
//! cut at the case's frame and read sizes; `DeflateSender`'s inflate exactly in zlib;
//! and with a mutation, ours and zlib's verdicts agree.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/deflate_zlib/model.rs"]
mod model;

use model::{check_corrupt, check_valid, Case, Mutation, FLUSHES};

/// The cap on one message after repetition, to keep each run in milliseconds.
const MAX_MESSAGE: usize = 40 * 1024;

#[derive(Debug, Arbitrary)]
struct Input {
    window_bits: u8,
    takeover: bool,
    level: u8,
    seed: u64,
    /// Each message: bytes, how often they repeat (so that they compress), the flush.
    messages: Vec<(Vec<u8>, u8, u8)>,
    /// Byte to XOR (0: cut there) in which message; none checks the valid streams.
    mutation: Option<(usize, usize, u8)>,
}

fuzz_target!(|input: Input| {
    let messages = input
        .messages
        .iter()
        .take(8)
        .map(|(bytes, repeat, flush)| {
            let times = usize::from(*repeat % 64 + 1).min(MAX_MESSAGE / bytes.len().max(1));
            let mut message = bytes.repeat(times.max(1));
            message.truncate(MAX_MESSAGE);
            (message, FLUSHES[usize::from(*flush) % FLUSHES.len()])
        })
        .collect();
    let case = Case {
        window_bits: 8 + input.window_bits % 8,
        takeover: input.takeover,
        level: input.level % 10,
        messages,
        seed: input.seed,
    };
    match input.mutation {
        None => check_valid(&case),
        Some((message, at, mask)) => check_corrupt(&case, Mutation { message, at, mask }),
    }
});
