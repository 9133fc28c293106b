/// Unmasks `buf` a u64 word at a time: the plain loop `apply_mask` is measured against.
pub fn u64_unmask(buf: &mut [u8], key: [u8; 4]) {
    let word = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let v = u64::from_ne_bytes(c.try_into().unwrap()) ^ word;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// The physical limit of decoding masked client frames in place: parse just enough of
/// each header to find the payload and unmask it with [`u64_unmask`]. Each frame's first
/// byte and unmasked payload go to `on_payload`, so a baseline can add the least work a
/// decoder must do on top; returns the payload bytes walked.
pub fn u64_walk(buf: &mut [u8], mut on_payload: impl FnMut(u8, &[u8])) -> u64 {
    let mut at = 0;
    let mut total = 0u64;
    while at < buf.len() {
        let len7 = (buf[at + 1] & 0x7F) as usize;
        let (len, mut head) = match len7 {
            126 => (u16::from_be_bytes([buf[at + 2], buf[at + 3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(buf[at + 2..at + 10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n, 2),
        };
        let key: [u8; 4] = buf[at + head..at + head + 4].try_into().unwrap();
        head += 4;
        let first = buf[at];
        let payload = &mut buf[at + head..at + head + len];
        u64_unmask(payload, key);
        on_payload(first, payload);
        total += len as u64;
        at += head + len;
    }
    total
}
