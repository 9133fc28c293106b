//! Randomness from the caller, or from the operating system with `std`.
//!
//! The protocol needs unpredictable bytes in two places: the client's masking key for
//! every frame (§5.3) and its handshake nonce (§4.1). The crate never draws them by
//! itself: a connection asks a [`MaskKeySource`] the caller handed it.

/// Where a client connection gets a fresh masking key for every frame it sends (§5.3).
///
/// Any `FnMut() -> [u8; 4]` is a source. With the `std` feature, [`OsRandom`] draws keys
/// from the operating system.
///
/// ```
/// use rfc6455::MaskKeySource;
/// let mut n = 0u32;
/// let mut counter = move || { n += 1; n.to_le_bytes() };
/// assert_eq!(counter.next_mask_key(), [1, 0, 0, 0]);
/// ```
pub trait MaskKeySource {
    /// A key the peer (and anyone on the path) cannot predict.
    fn next_mask_key(&mut self) -> [u8; 4];
}

impl<F: FnMut() -> [u8; 4]> MaskKeySource for F {
    fn next_mask_key(&mut self) -> [u8; 4] {
        self()
    }
}

/// Keys from the operating system's random source, read 64 keys at a time so that small
/// frames do not each cost a system call.
///
/// ```
/// use rfc6455::{MaskKeySource, OsRandom};
/// let mut rng = OsRandom::new();
/// let _key = rng.next_mask_key();
/// let mut nonce = [0u8; 16];
/// rng.fill(&mut nonce);
/// ```
#[cfg(feature = "std")]
#[derive(Debug, Clone)]
pub struct OsRandom {
    pool: [u8; 256],
    used: usize,
}

#[cfg(feature = "std")]
impl OsRandom {
    /// An empty pool, filled on first use.
    pub const fn new() -> Self {
        OsRandom {
            pool: [0; 256],
            used: 256,
        }
    }

    /// Fills `out` straight from the operating system.
    ///
    /// # Panics
    /// If the operating system has no random source to give: a client cannot mask
    /// frames safely without one, and there is nothing sound to fall back to.
    pub fn fill(&mut self, out: &mut [u8]) {
        getrandom::fill(out).expect("the operating system's random source failed");
    }
}

#[cfg(feature = "std")]
impl Default for OsRandom {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl MaskKeySource for OsRandom {
    fn next_mask_key(&mut self) -> [u8; 4] {
        if self.used + 4 > self.pool.len() {
            getrandom::fill(&mut self.pool).expect("the operating system's random source failed");
            self.used = 0;
        }
        let key = [
            self.pool[self.used],
            self.pool[self.used + 1],
            self.pool[self.used + 2],
            self.pool[self.used + 3],
        ];
        self.used += 4;
        key
    }
}
