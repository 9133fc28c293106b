use super::{EncodeError, FrameError, Opcode};
use crate::{InsufficientSize, Status};

/// The longest header a frame can have: 2 fixed bytes, 8 bytes of extended length and
/// a 4-byte masking key (§5.2).
pub const MAX_HEADER_LEN: usize = 14;

/// The largest payload a control frame may carry (§5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The fixed part of a frame: everything before the payload (RFC 6455 §5.2).
///
/// RSV bits are reported as they arrived; whether they are allowed depends on the
/// extensions negotiated, which only the connection knows.
///
/// ```
/// use rfc6455::frame::{FrameHeader, Opcode};
/// use rfc6455::Status;
///
/// // §5.7: a single-frame masked text message "Hello"
/// let bytes = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let Status::Complete((header, len)) = FrameHeader::decode(&bytes)? else { panic!() };
/// assert_eq!(len, 6);
/// assert!(header.fin);
/// assert_eq!(header.opcode, Opcode::Text);
/// assert_eq!(header.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
/// assert_eq!(header.payload_len, 5);
///
/// // Missing bytes are never an error.
/// assert_eq!(FrameHeader::decode(&bytes[..3])?, Status::Partial);
/// # Ok::<(), rfc6455::frame::FrameError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The final fragment of a message.
    pub fin: bool,
    /// RSV1: meaning defined by a negotiated extension (permessage-deflate's "compressed").
    pub rsv1: bool,
    /// RSV2: reserved for extensions.
    pub rsv2: bool,
    /// RSV3: reserved for extensions.
    pub rsv3: bool,
    /// What the payload means.
    pub opcode: Opcode,
    /// The 32-bit masking key, present on every frame a client sends (§5.3).
    pub mask: Option<[u8; 4]>,
    /// Payload length in bytes; never above `i64::MAX`.
    pub payload_len: u64,
}

impl FrameHeader {
    /// A header with FIN set, no RSV bits and no mask.
    ///
    /// ```
    /// # use rfc6455::frame::{FrameHeader, Opcode};
    /// let h = FrameHeader::new(Opcode::Binary, 300);
    /// assert_eq!(h.encoded_len(), 4);
    /// ```
    pub const fn new(opcode: Opcode, payload_len: u64) -> Self {
        FrameHeader {
            fin: true,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode,
            mask: None,
            payload_len,
        }
    }

    /// Decodes a header from the start of `buf`.
    ///
    /// Returns [`Status::Partial`] while the header is incomplete, else the header and its
    /// length in bytes (the payload starts there). Rejects, per §5.2 and §5.5, reserved
    /// opcodes, a 64-bit length with its top bit set, lengths not in their minimal form,
    /// and control frames that are fragmented or longer than 125 bytes.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Status<(FrameHeader, usize)>, FrameError> {
        let [b0, b1, ..] = *buf else {
            return Ok(Status::Partial);
        };
        let opcode = Opcode::from_u4(b0)?;
        let fin = b0 & 0x80 != 0;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !fin {
                return Err(FrameError::FragmentedControl);
            }
            if len7 > 125 {
                // The extended length only matters for the error message.
                return Err(FrameError::ControlTooLong(len7 as u64));
            }
        }
        let LengthAndMask {
            payload_len,
            header_len,
            mask,
        } = match decode_length_and_mask(buf)? {
            Status::Complete(fields) => fields,
            Status::Partial => return Ok(Status::Partial),
        };
        debug_assert_eq!(mask.is_some(), masked);
        Ok(Status::Complete((
            FrameHeader {
                fin,
                rsv1: b0 & 0x40 != 0,
                rsv2: b0 & 0x20 != 0,
                rsv3: b0 & 0x10 != 0,
                opcode,
                mask: mask.map(u32::to_le_bytes),
                payload_len,
            },
            header_len,
        )))
    }

    /// How many bytes [`FrameHeader::encode`] writes: 2 to 14.
    #[inline]
    pub const fn encoded_len(&self) -> usize {
        header_len(self.payload_len, self.mask.is_some())
    }

    /// Writes the header at the start of `out`, with the payload length in its minimal
    /// form (§5.2), and returns the number of bytes written.
    ///
    /// A header the peer would have to reject is refused, as [`decode`](Self::decode)
    /// would refuse it: a control frame without FIN or with more than 125 bytes (§5.5),
    /// a length with its top bit set (§5.2). When `out` is shorter than
    /// [`FrameHeader::encoded_len`], the error carries the size needed. Either way
    /// nothing is written.
    ///
    /// ```
    /// # use rfc6455::frame::{EncodeError, FrameError, FrameHeader, Opcode};
    /// # use rfc6455::InsufficientSize;
    /// // §5.7: 256 bytes of binary data in a single unmasked frame
    /// let mut out = [0u8; 14];
    /// let n = FrameHeader::new(Opcode::Binary, 256).encode(&mut out)?;
    /// assert_eq!(&out[..n], [0x82, 0x7E, 0x01, 0x00]);
    /// assert_eq!(
    ///     FrameHeader::new(Opcode::Binary, 256).encode(&mut out[..3]),
    ///     Err(EncodeError::InsufficientSize(InsufficientSize { required: 4 }))
    /// );
    /// assert_eq!(
    ///     FrameHeader::new(Opcode::Ping, 126).encode(&mut out),
    ///     Err(EncodeError::Invalid(FrameError::ControlTooLong(126)))
    /// );
    /// # Ok::<(), EncodeError>(())
    /// ```
    #[inline]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if self.opcode.is_control() {
            if !self.fin {
                return Err(FrameError::FragmentedControl.into());
            }
            if self.payload_len > MAX_CONTROL_PAYLOAD as u64 {
                return Err(FrameError::ControlTooLong(self.payload_len).into());
            }
        }
        if self.payload_len >> 63 != 0 {
            return Err(FrameError::LengthTopBit.into());
        }
        let required = self.encoded_len();
        let Some(head) = out.get_mut(..required) else {
            return Err(InsufficientSize { required }.into());
        };
        let first = (self.fin as u8) << 7
            | (self.rsv1 as u8) << 6
            | (self.rsv2 as u8) << 5
            | (self.rsv3 as u8) << 4
            | self.opcode.as_u4();
        write_header(head, first, self.payload_len, self.mask);
        Ok(required)
    }
}

/// The length of a header for `payload_len` bytes of payload, with the length in its
/// minimal form (§5.2) and, if `masked`, the 4-byte key.
#[inline(always)]
pub(crate) const fn header_len(payload_len: u64, masked: bool) -> usize {
    let ext = if payload_len < 126 {
        0
    } else if payload_len <= u16::MAX as u64 {
        2
    } else {
        8
    };
    2 + ext + if masked { 4 } else { 0 }
}

/// Writes a header into `head`, which is exactly [`header_len`] bytes long: `first` is
/// the first byte (FIN, RSV and opcode), then the length in its minimal form and the
/// key. The one place the header's layout is written: [`FrameHeader::encode`] and the
/// connection's send path, which builds no [`FrameHeader`], both come here.
#[inline(always)]
pub(crate) fn write_header(head: &mut [u8], first: u8, payload_len: u64, mask: Option<[u8; 4]>) {
    let mask_bit = (mask.is_some() as u8) << 7;
    head[0] = first;
    if payload_len < 126 {
        head[1] = mask_bit | payload_len as u8;
    } else if payload_len <= u16::MAX as u64 {
        head[1] = mask_bit | 126;
        head[2..4].copy_from_slice(&(payload_len as u16).to_be_bytes());
    } else {
        head[1] = mask_bit | 127;
        head[2..10].copy_from_slice(&payload_len.to_be_bytes());
    }
    if let Some(key) = mask {
        let at = head.len() - 4;
        head[at..].copy_from_slice(&key);
    }
}

/// The fields after a header's first byte: the payload length, in whichever of its three
/// forms, and the masking key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LengthAndMask {
    pub(crate) payload_len: u64,
    /// The whole header's length: where the payload starts.
    pub(crate) header_len: usize,
    /// The masking key as a little-endian word, the form the unmasking loop takes.
    pub(crate) mask: Option<u32>,
}

/// Reads the length forms and the masking key of a header (§5.2), refusing a length
/// not in its minimal form or with the top bit set. The one place these rules live:
/// [`FrameHeader::decode`] and the connection's whole-message fast path both call it,
/// so they cannot disagree. Always inlined, so the fast path pays for no call and no
/// unused field.
#[inline(always)]
pub(crate) fn decode_length_and_mask(buf: &[u8]) -> Result<Status<LengthAndMask>, FrameError> {
    let [_, b1, ..] = *buf else {
        return Ok(Status::Partial);
    };
    let (payload_len, mut header_len) = match b1 & 0x7F {
        126 => {
            let &[_, _, hi, lo, ..] = buf else {
                return Ok(Status::Partial);
            };
            let len = u16::from_be_bytes([hi, lo]) as u64;
            if len < 126 {
                return Err(FrameError::NonMinimalLength(len));
            }
            (len, 4)
        }
        127 => {
            let Some(ext) = buf.get(2..10) else {
                return Ok(Status::Partial);
            };
            let mut be = [0u8; 8];
            be.copy_from_slice(ext);
            let len = u64::from_be_bytes(be);
            if len >> 63 != 0 {
                return Err(FrameError::LengthTopBit);
            }
            if len <= u16::MAX as u64 {
                return Err(FrameError::NonMinimalLength(len));
            }
            (len, 10)
        }
        short => (short as u64, 2),
    };
    let mask = if b1 & 0x80 != 0 {
        let Some(key) = buf.get(header_len..header_len + 4) else {
            return Ok(Status::Partial);
        };
        header_len += 4;
        Some(u32::from_le_bytes([key[0], key[1], key[2], key[3]]))
    } else {
        None
    };
    Ok(Status::Complete(LengthAndMask {
        payload_len,
        header_len,
        mask,
    }))
}
