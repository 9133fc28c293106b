//! Raw DEFLATE both ways, framed the way RFC 7692 §7.2 wants it.

use alloc::boxed::Box;
use alloc::vec::Vec;

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE;
use miniz_oxide::inflate::stream::{inflate, InflateState, MinReset};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::negotiate::MAX_WINDOW_BITS;
use crate::connection::ProtocolError;

/// The empty stored block a sync flush ends with: stripped on send, restored on receive
/// (§7.2.1, §7.2.2).
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Grown output room per compressing step while nothing says how much is coming.
const STEP: usize = 16 * 1024;

/// Initialised storage with a fill mark, so output can be written in place and the
/// zeroing is paid once per byte of capacity, not once per call.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buf {
    bytes: Vec<u8>,
    len: usize,
}

impl Buf {
    pub(crate) const fn new() -> Self {
        Buf {
            bytes: Vec::new(),
            len: 0,
        }
    }

    pub(crate) fn filled(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    pub(crate) fn release(&mut self) {
        *self = Buf::new();
    }

    /// Free room after the filled part, at least `want` bytes where `cap` allows, grown
    /// by doubling but never past `cap` bytes in all. Empty only when full to `cap`.
    fn spare(&mut self, want: usize, cap: usize) -> &mut [u8] {
        let needed = self.len.saturating_add(want).min(cap);
        if needed > self.bytes.len() {
            let target = self
                .bytes
                .len()
                .saturating_mul(2)
                .clamp(needed, cap.max(needed));
            self.bytes.reserve_exact(target - self.bytes.len());
            self.bytes.resize(target, 0);
        }
        let end = self.bytes.len().min(cap);
        &mut self.bytes[self.len..end]
    }

    /// Appends `data`, which the caller has checked against its limit.
    pub(crate) fn extend(&mut self, data: &[u8], cap: usize) {
        let start = self.len;
        self.spare(data.len(), cap.max(start + data.len()))[..data.len()].copy_from_slice(data);
        self.len = start + data.len();
    }
}

/// Our compressor. The state is allocated on the first message.
#[derive(Clone)]
pub(crate) struct Deflater {
    state: Option<Box<CompressorOxide>>,
    level: u8,
    window_bits: u8,
    no_context_takeover: bool,
}

impl Deflater {
    pub(crate) fn new(level: u8, window_bits: u8, no_context_takeover: bool) -> Self {
        Deflater {
            state: None,
            level: level.min(10),
            window_bits,
            no_context_takeover,
        }
    }

    /// Compresses one whole message into `out` (cleared first), without the sync tail.
    ///
    /// miniz_oxide always matches across its full 32 KiB dictionary, so a smaller
    /// negotiated window is kept by compressing in window-sized slices, each ended by a
    /// full flush that empties the dictionary: no back-reference can reach further than
    /// the slice it sits in. The same flush at the end of a message implements
    /// no-context-takeover.
    pub(crate) fn compress(&mut self, payload: &[u8], out: &mut Buf) {
        out.clear();
        let level = self.level;
        let state = self.state.get_or_insert_with(|| {
            Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(
                level.into(),
                -i32::from(MAX_WINDOW_BITS),
                0,
            )))
        });
        if self.window_bits >= MAX_WINDOW_BITS {
            let flush = if self.no_context_takeover {
                MZFlush::Full
            } else {
                MZFlush::Sync
            };
            run(state, payload, flush, out);
        } else if payload.is_empty() {
            run(state, payload, MZFlush::Full, out);
        } else {
            for slice in payload.chunks(1 << self.window_bits) {
                run(state, slice, MZFlush::Full, out);
            }
        }
        if out.filled().ends_with(&SYNC_TAIL) {
            out.len -= SYNC_TAIL.len();
        }
    }

    /// Forgets the context: the next message references nothing before it. Always safe,
    /// since the peer's inflater only keeps history we may or may not use.
    pub(crate) fn reset(&mut self) {
        if let Some(state) = &mut self.state {
            state.reset();
        }
    }
}

fn run(state: &mut CompressorOxide, mut input: &[u8], flush: MZFlush, out: &mut Buf) {
    // A call that found output still pending from a call that ran out of room only
    // hands that over and returns, input consumed or not, before compressing the rest
    // and flushing: it says nothing about being done. Room left over means done only
    // when the call before also had room left.
    let mut previous_filled = false;
    loop {
        let want = (input.len() / 2).clamp(64, STEP);
        let room = out.spare(want, usize::MAX);
        let room_len = room.len();
        let result = deflate(state, input, room, flush);
        out.len += result.bytes_written;
        input = &input[result.bytes_consumed..];
        if matches!(result.status, Err(MZError::Buf)) {
            return;
        }
        let filled = result.bytes_written == room_len;
        if input.is_empty() && !filled && !previous_filled {
            return;
        }
        previous_filled = filled;
    }
}

/// The peer's decompressor, allocated on the first compressed message.
#[derive(Clone, Default)]
pub(crate) struct Inflater {
    state: Option<Box<InflateState>>,
    /// The message ended its DEFLATE stream with a BFINAL block (§7.2.3.4).
    ended: bool,
}

impl Inflater {
    /// Inflates one piece of a compressed message onto `out`, failing as soon as the
    /// message would pass `limit` bytes: `out` never grows beyond `limit + 1`.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut Buf,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        let state = self
            .state
            .get_or_insert_with(|| InflateState::new_boxed(DataFormat::Raw));
        let too_big = ProtocolError::MessageTooBig {
            limit: limit as u64,
        };
        loop {
            if self.ended {
                // Bytes after the final block (padding some peers add) carry no data.
                return Ok(());
            }
            // miniz_oxide inflates into its 32 KiB dictionary and copies out what fits;
            // if the data then turns out corrupt, the rest is dropped. Room for all of it
            // lets every byte decoded ahead of the corruption meet the limit and the
            // UTF-8 check, as it would have had the frames been cut finer.
            let room = out.spare(TINFL_LZ_DICT_SIZE, limit.saturating_add(1));
            let room_len = room.len();
            let result = inflate(state, input, room, MZFlush::None);
            out.len += result.bytes_written;
            input = &input[result.bytes_consumed..];
            if out.len > limit {
                return Err(too_big);
            }
            match result.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                Ok(_) | Err(MZError::Buf) => {
                    let progress = result.bytes_written > 0 || result.bytes_consumed > 0;
                    if (input.is_empty() && result.bytes_written < room_len) || !progress {
                        return Ok(());
                    }
                }
                Err(_) => return Err(ProtocolError::Extension),
            }
        }
    }

    /// Ends a message: restores the stripped sync tail, which flushes what the inflater
    /// still holds.
    pub(crate) fn finish(&mut self, out: &mut Buf, limit: usize) -> Result<(), ProtocolError> {
        if !self.ended {
            // What the inflater still held may be the end of a final block: a match
            // that ran past the end of its history at the very end of the frame.
            self.inflate(&SYNC_TAIL, out, limit)?;
        }
        if self.ended {
            // The next message starts a new DEFLATE stream. miniz_oxide cannot carry the
            // window across streams, so this works for peers that also reset their
            // context, which is what ending a message with BFINAL amounts to in practice.
            self.ended = false;
            if let Some(state) = &mut self.state {
                state.reset_as(MinReset);
            }
        }
        Ok(())
    }
}
