/// XORs `buf` with the masking key `key` (RFC 6455 §5.3), in place.
///
/// `phase` is the index, within the frame's payload, of `buf[0]` (only `phase % 4`
/// matters). A payload (un)masked in pieces, each with the phase of its first byte,
/// ends up the same as one (un)masked at once, so a frame can be handled as its bytes
/// arrive. Masking twice restores the original.
///
/// ```
/// use rfc6455::frame::apply_mask;
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58]; // §5.7, masked "Hello"
/// let (a, b) = payload.split_at_mut(2);
/// apply_mask(a, key, 0);
/// apply_mask(b, key, 2);
/// assert_eq!(&payload, b"Hello");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) {
    let key = rotate(key, phase);
    if buf.len() < 16 {
        return mask_bytes(buf, key);
    }
    // Whole 8-byte words go through u64 XORs, which the compiler turns into vector
    // instructions; the chunk size is a multiple of 4, so every word starts at key[0].
    let word = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut words = buf.chunks_exact_mut(8);
    for chunk in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
    mask_bytes(words.into_remainder(), key);
}

/// The key as seen from a byte `phase` positions into the payload.
#[inline]
fn rotate(key: [u8; 4], phase: usize) -> [u8; 4] {
    let p = phase % 4;
    [key[p], key[(p + 1) % 4], key[(p + 2) % 4], key[(p + 3) % 4]]
}

#[inline]
fn mask_bytes(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}
