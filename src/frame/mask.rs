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
    mask_with_word(buf, rotate_key(u32::from_le_bytes(key), phase));
}

/// The key, read little-endian, as seen from a byte `phase` positions into the payload:
/// byte i of the result is `key[(i + phase) % 4]`.
#[inline]
pub(crate) fn rotate_key(key: u32, phase: usize) -> u32 {
    key.rotate_right(8 * (phase % 4) as u32)
}

/// XORs `buf` with `key` (little-endian bytes) repeated, starting at key byte 0.
///
/// The key travels as a `u32` in a register: going through a `[u8; 4]` in memory
/// costs a store-forwarding stall per frame on small frames.
#[inline]
pub(crate) fn mask_with_word(buf: &mut [u8], key: u32) {
    // Whole 8-byte words go through u64 XORs, which the compiler turns into vector
    // instructions; 8 is a multiple of 4, so every word starts at key byte 0.
    let word = u64::from(key) | u64::from(key) << 32;
    let mut words = buf.chunks_exact_mut(8);
    for chunk in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_le_bytes(bytes) ^ word).to_le_bytes());
    }
    let key = key.to_le_bytes();
    for (i, b) in words.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// Writes `src` XORed with `key` (little-endian bytes, repeated from key byte 0) into
/// `dst`, of the same length: a client's copy and mask in one pass over the payload,
/// instead of a copy and a second pass in place.
#[inline]
pub(crate) fn copy_masked(dst: &mut [u8], src: &[u8], key: u32) {
    let word = u64::from(key) | u64::from(key) << 32;
    let mut to = dst.chunks_exact_mut(8);
    let mut from = src.chunks_exact(8);
    for (d, s) in (&mut to).zip(&mut from) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(s);
        d.copy_from_slice(&(u64::from_le_bytes(bytes) ^ word).to_le_bytes());
    }
    let key = key.to_le_bytes();
    for (i, (d, s)) in to
        .into_remainder()
        .iter_mut()
        .zip(from.remainder())
        .enumerate()
    {
        *d = s ^ key[i & 3];
    }
}
