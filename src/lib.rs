//! A sans-IO WebSocket protocol core (RFC 6455).
//!
//! The crate turns bytes into events and intents into bytes. It never opens a socket,
//! reads a clock or draws randomness by itself, and it builds without `std`.
//!
//! - [`frame`]: the stateless frame codec (§5).
//! - [`connection`]: the state machine after the handshake (§5–§7).
//! - [`handshake`]: the opening handshake, server and client (§4).
//!
//! Incomplete input is never an error: decoders answer [`Status::Partial`] until they
//! have enough bytes. Encoders write into a caller's `&mut [u8]`; a buffer too small is
//! left untouched and the error says how many bytes are needed ([`InsufficientSize`]).
#![no_std]
#![warn(missing_docs)]
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod connection;
pub mod frame;
pub mod handshake;
mod random;

pub use random::MaskKeySource;
#[cfg(feature = "std")]
pub use random::OsRandom;

/// The result of a decoder that may need more bytes.
///
/// ```
/// use rfc6455::Status;
/// let s: Status<u8> = Status::Complete(7);
/// assert_eq!(s.complete(), Some(7));
/// assert!(Status::<u8>::Partial.is_partial());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The input ends before the item does: call again with more bytes.
    Partial,
    /// The item, decoded.
    Complete(T),
}

impl<T> Status<T> {
    /// The decoded item, if complete.
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial => None,
        }
    }

    /// Whether more bytes are needed.
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }
}

/// The caller's output buffer is too small; nothing was written.
///
/// ```
/// use rfc6455::frame::{FrameHeader, Opcode};
/// let err = FrameHeader::new(Opcode::Text, 70_000).encode(&mut [0u8; 4]).unwrap_err();
/// assert_eq!(err.required, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("output buffer too small: {required} bytes required")]
pub struct InsufficientSize {
    /// The size the buffer must have for the call to succeed.
    pub required: usize,
}
