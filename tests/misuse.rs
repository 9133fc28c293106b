//! A careless or mistaken caller: every misuse of the public API is an error, never a
//! panic, a corrupted frame or a leaked secret.

mod support;

use rfc6455::{DeterministicKeys, MaskKeySource};

/// §10.3: masking keys must be unpredictable, so the pool of keys not yet used must not
/// be printed (logs would reveal the next frames' keys).
#[cfg(feature = "std")]
#[test]
fn s10_3_os_random_debug_does_not_print_future_mask_keys() {
    let mut rng = rfc6455::OsRandom::new();
    let _ = rng.next_mask_key();
    let printed = format!("{rng:?}");
    assert_eq!(printed, "OsRandom { .. }");
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
