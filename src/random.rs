//! Randomness from the caller, or from the operating system with `std`.
//!
//! The protocol needs unpredictable bytes in two places: the client's masking key for
//! every frame (§5.3) and its handshake nonce (§4.1). The crate never draws them by
//! itself: a connection asks a [`MaskKeySource`] the caller handed it.

/// Where a client connection gets a fresh masking key for every frame it sends (§5.3).
///
/// With the `std` feature, [`OsRandom`] draws keys from the operating system. Without
/// it, implement this trait on the platform's random number generator: masking exists
/// so that the bytes on the wire are not the application's choice (§10.3), which only
/// holds if nobody on the path can predict the keys. [`DeterministicKeys`] is the one
/// predictable source, named so, for tests and benchmarks.
///
/// ```
/// use rfc6455::MaskKeySource;
/// struct Hardware; // a stand-in for an embedded true random number generator
/// impl MaskKeySource for Hardware {
///     fn next_mask_key(&mut self) -> [u8; 4] {
///         [0x5b, 0x0e, 0xd1, 0x73] // read the TRNG here
///     }
/// }
/// assert_eq!(Hardware.next_mask_key().len(), 4);
/// ```
pub trait MaskKeySource {
    /// A key the peer (and anyone on the path) cannot predict.
    fn next_mask_key(&mut self) -> [u8; 4];
}

/// Predictable masking keys, for tests, benchmarks, fuzzing and documentation, where
/// the bytes on the wire must be the same from run to run.
///
/// **Never use it for a real connection**: a key anyone can predict defeats masking
/// (RFC 6455 §5.3, §10.3). Use [`OsRandom`] (feature `std`) or a [`MaskKeySource`] on
/// the platform's random number generator.
///
/// ```
/// use rfc6455::{DeterministicKeys, MaskKeySource};
/// let mut fixed = DeterministicKeys::repeating([1, 2, 3, 4]);
/// assert_eq!(fixed.next_mask_key(), [1, 2, 3, 4]);
/// assert_eq!(fixed.next_mask_key(), [1, 2, 3, 4]);
/// let mut varied = DeterministicKeys::sequence(7);
/// assert_ne!(varied.next_mask_key(), varied.next_mask_key());
/// ```
#[derive(Debug, Clone)]
pub struct DeterministicKeys {
    state: u32,
    varies: bool,
}

impl DeterministicKeys {
    /// The same key for every frame.
    #[must_use]
    pub const fn repeating(key: [u8; 4]) -> Self {
        DeterministicKeys {
            state: u32::from_le_bytes(key),
            varies: false,
        }
    }

    /// A different key for every frame, the same sequence for the same `seed` (an
    /// xorshift generator: cheap, and not in the least unpredictable).
    #[must_use]
    pub const fn sequence(seed: u32) -> Self {
        DeterministicKeys {
            // xorshift never leaves 0.
            state: if seed == 0 { 0x9E37_79B9 } else { seed },
            varies: true,
        }
    }
}

/// [`DeterministicKeys::sequence`] from a fixed seed.
impl Default for DeterministicKeys {
    fn default() -> Self {
        Self::sequence(0)
    }
}

impl MaskKeySource for DeterministicKeys {
    fn next_mask_key(&mut self) -> [u8; 4] {
        if self.varies {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 17;
            self.state ^= self.state << 5;
        }
        self.state.to_le_bytes()
    }
}

/// Keys from the operating system's random source, read 64 keys at a time into one pool
/// per thread, so that small frames do not each cost a system call and a connection
/// holding an `OsRandom` holds no bytes at all (it is zero-sized).
///
/// Keys not yet used live only in the thread's pool: `Debug` has nothing to print, and
/// a clone draws fresh keys from the same pool, never the same ones again.
///
/// ```
/// use rfc6455::{MaskKeySource, OsRandom};
/// let mut rng = OsRandom::new();
/// let _key = rng.next_mask_key();
/// let mut nonce = [0u8; 16];
/// rng.fill(&mut nonce);
/// assert_eq!(core::mem::size_of::<OsRandom>(), 0);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, Default)]
pub struct OsRandom(());

#[cfg(feature = "std")]
const POOL: usize = 256;

#[cfg(feature = "std")]
std::thread_local! {
    /// Bytes drawn from the operating system and not yet handed out, from the end.
    static KEYS: core::cell::RefCell<([u8; POOL], usize)> =
        const { core::cell::RefCell::new(([0; POOL], 0)) };
}

#[cfg(feature = "std")]
impl OsRandom {
    /// A handle on the thread's pool, filled on first use.
    #[must_use]
    pub const fn new() -> Self {
        OsRandom(())
    }

    /// Fills `out` straight from the operating system.
    ///
    /// # Panics
    /// If the operating system has no random source to give: a client cannot mask
    /// frames safely without one, and there is nothing sound to fall back to.
    pub fn fill(&mut self, out: &mut [u8]) {
        // No caller input or call order reaches this: only an OS without a working
        // random source, where masking cannot be done safely at all (documented above).
        getrandom::fill(out).expect("the operating system's random source failed");
    }
}

#[cfg(feature = "std")]
impl core::fmt::Debug for OsRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OsRandom")
    }
}

#[cfg(feature = "std")]
impl MaskKeySource for OsRandom {
    fn next_mask_key(&mut self) -> [u8; 4] {
        let pooled = KEYS.try_with(|keys| {
            let (pool, left) = &mut *keys.borrow_mut();
            if *left < 4 {
                // As in `fill`: only a failing OS random source gets here, never a
                // caller's input or call order; a predictable key would be worse.
                getrandom::fill(pool).expect("the operating system's random source failed");
                *left = POOL;
            }
            *left -= 4;
            let key = [
                pool[*left],
                pool[*left + 1],
                pool[*left + 2],
                pool[*left + 3],
            ];
            // Handed out: not left behind for anything that reads the memory later.
            pool[*left..*left + 4].fill(0);
            key
        });
        // During the thread's teardown the pool is gone: ask the system directly.
        pooled.unwrap_or_else(|_| {
            let mut key = [0u8; 4];
            self.fill(&mut key);
            key
        })
    }
}
