//! permessage-deflate against real zlib (RFC 7692 §7.2): what zlib compresses, with
//! every flush a peer may end a message with, we inflate exactly; what we compress, zlib
//! inflates exactly; and a stream zlib rejects, we reject at the same message. The
//! comparison is defined in `deflate_zlib/model.rs`, which the `deflate_zlib` fuzz
//! target shares.
#![cfg(feature = "deflate")]

#[path = "deflate_zlib/model.rs"]
mod model;

use model::{check_corrupt, check_valid, Case, Flush, Mutation, FLUSHES};
use proptest::prelude::*;

/// Text that compresses: words from a small vocabulary, sometimes a run of one byte,
/// sometimes noise that does not.
fn message() -> impl Strategy<Value = Vec<u8>> {
    const WORDS: [&str; 8] = [
        "price",
        "symbol",
        "ACME",
        "{\"id\":",
        "12.50",
        ", ",
        "volume",
        "\u{e9}t\u{e9}",
    ];
    prop_oneof![
        4 => prop::collection::vec(0..WORDS.len(), 0..400)
            .prop_map(|w| w.into_iter().flat_map(|i| WORDS[i].bytes()).collect()),
        1 => (any::<u8>(), 0..3000usize).prop_map(|(b, n)| vec![b; n]),
        1 => prop::collection::vec(any::<u8>(), 0..600),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        8..=15u8,
        any::<bool>(),
        prop::sample::select(vec![0u8, 1, 6, 9]),
        prop::collection::vec((message(), prop::sample::select(FLUSHES.to_vec())), 1..8),
        // An earlier message repeated later, so that messages refer back to each other.
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
            0..3,
        ),
        any::<u64>(),
    )
        .prop_map(
            |(window_bits, takeover, level, mut messages, repeats, seed)| {
                for (from, to) in repeats {
                    let copy = messages[from.index(messages.len())].0.clone();
                    let to = to.index(messages.len());
                    messages[to].0.extend_from_slice(&copy);
                }
                Case {
                    window_bits,
                    takeover,
                    level,
                    messages,
                    seed,
                }
            },
        )
}

// `ZLIB_CASES=40000 cargo test --all-features --test deflate_zlib` for a longer hunt.
proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("ZLIB_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// §7.2.1, §7.2.2, §7.2.3.4: every flush zlib ends a message with, every window, with
    /// and without context takeover, cut at random frame and read boundaries.
    #[test]
    fn zlib_and_we_read_each_others_streams_exactly(case in case()) {
        check_valid(&case);
    }

    /// Whatever zlib rejects we reject, at the same message, with the same kind of fault.
    #[test]
    fn a_corrupted_stream_gets_zlibs_verdict(
        case in case(),
        message in any::<usize>(),
        at in any::<usize>(),
        mask in any::<u8>(),
    ) {
        check_corrupt(&case, Mutation { message, at, mask });
    }
}

fn case_of(window_bits: u8, takeover: bool, messages: &[(&[u8], Flush)]) -> Case {
    Case {
        window_bits,
        takeover,
        level: 6,
        messages: messages.iter().map(|&(m, f)| (m.to_vec(), f)).collect(),
        seed: 0x5eed,
    }
}

#[test]
fn rfc_7_2_3_4_zlib_finishes_a_message_and_primes_the_next_with_it() {
    // The case that came out as NUL bytes: the second stream refers back into the first.
    let hello = b"Hello, Hello, Hello";
    let case = case_of(
        15,
        true,
        &[
            (hello, Flush::FinishKeepWindow),
            (hello, Flush::FinishKeepWindow),
            (hello, Flush::Sync),
            (hello, Flush::Sync),
        ],
    );
    check_valid(&case);
    let payloads = model::zlib_compress(&case);
    assert!(payloads[1].len() < 8, "{:?}: a reference back", payloads[1]);
}

#[test]
fn the_window_is_kept_across_more_than_64_kib_of_final_blocks() {
    // Enough history for the reader to trim it, each message a stream of its own that
    // refers back to the ones before.
    let noise: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let messages: Vec<(&[u8], Flush)> = (0..8)
        .map(|_| (&noise[..], Flush::FinishKeepWindow))
        .collect();
    check_valid(&case_of(15, true, &messages));
}

#[test]
fn every_window_and_flush_with_and_without_takeover() {
    let text = b"{\"symbol\":\"ACME\",\"price\":12.5,\"volume\":1000}".repeat(40);
    for bits in 8..=15 {
        for takeover in [true, false] {
            for flush in FLUSHES {
                let messages = [(&text[..], flush), (&b""[..], flush), (&text[..], flush)];
                check_valid(&case_of(bits, takeover, &messages));
            }
        }
    }
}

#[test]
fn level_0_stored_blocks_and_empty_messages() {
    let mut case = case_of(
        15,
        true,
        &[
            (b"", Flush::Sync),
            (b"stored", Flush::Sync),
            (b"", Flush::Finish),
            (b"", Flush::Full),
        ],
    );
    case.level = 0;
    check_valid(&case);
}

#[test]
fn a_code_length_code_without_codes_fails_on_sight_where_zlib_waits() {
    // Found by the proptest above: one flipped byte turns the end of a message into a
    // dynamic block header whose code-length code has no codes. miniz_oxide rejects it
    // there; zlib reads on, one bit per code length, and would reject it only when the
    // lengths run out, after this message. Ours is the earlier verdict of the same fault.
    let case = case_of(8, false, &[(&[1; 2383], Flush::Sync)]);
    let payloads = model::zlib_compress(&case);
    assert_eq!(payloads[0].len(), 21);
    check_corrupt(
        &case,
        Mutation {
            message: 0,
            at: 15,
            mask: 72,
        },
    );
}
