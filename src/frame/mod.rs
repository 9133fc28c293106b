//! The stateless frame codec (RFC 6455 §5).
//!
//! Nothing here keeps state between calls or allocates: [`FrameHeader::decode`] reads a
//! header from the caller's bytes, [`FrameHeader::encode`] writes one into the caller's
//! buffer, [`apply_mask`] (un)masks a payload in place, and [`CloseFrame`] parses and
//! writes the body of a Close frame. Judging a frame against the connection's state
//! (fragmentation, negotiated extensions, masking direction) is the connection's job.

mod close;
mod error;
mod header;
mod mask;
mod opcode;

pub use close::{CloseCode, CloseFrame, MAX_CLOSE_REASON};
pub use error::{EncodeError, FrameError};
pub(crate) use header::{decode_length_and_mask, header_len, write_header, LengthAndMask};
pub use header::{FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
pub use mask::apply_mask;
pub(crate) use mask::{copy_masked, mask_with_word, rotate_key};
pub use opcode::Opcode;
