//! Raw DEFLATE both ways, framed the way RFC 7692 §7.2 wants it.

use alloc::boxed::Box;

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{decompress, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::{MZError, MZFlush};

use super::negotiate::MAX_WINDOW_BITS;
use crate::connection::buffer::Buf;
use crate::connection::ProtocolError;

/// The empty stored block a sync flush ends with: stripped on send, restored on receive
/// (§7.2.1, §7.2.2).
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Grown output room per step while nothing says how much is coming.
const STEP: usize = 16 * 1024;

/// The farthest back a DEFLATE match reaches (RFC 1951 §3.2.5), whatever window the peer
/// agreed to: all the history a message can use.
const WINDOW: usize = 32 * 1024;

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
        out.drop_message();
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
        if out.message().ends_with(&SYNC_TAIL) {
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
        // miniz_oxide reports at most the room and the input it was given.
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
///
/// It inflates straight into the reader's [`Buf`] after the history, as miniz_oxide's
/// low-level decoder does with a non-wrapping output buffer: every match distance is
/// checked against the output position, so a reference into the history is a copy and
/// one before its start fails (zlib's "invalid distance too far back"). That is also
/// what lets a new DEFLATE stream, after a message ended with a final block, use the
/// window of the one before (§7.2.3.4 with context takeover).
#[derive(Clone, Default)]
pub(crate) struct Inflater {
    state: Option<Box<DecompressorOxide>>,
    /// The message ended its DEFLATE stream with a final block (§7.2.3.4).
    ended: bool,
}

/// Output, not a ring (the buffer holds the history), and input continues in the next
/// frame: a stream is only over at its final block.
const INFLATE_FLAGS: u32 = TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | TINFL_FLAG_HAS_MORE_INPUT;

impl Inflater {
    /// Inflates one piece of a compressed message onto `out`, failing as soon as the
    /// message would pass `limit` bytes: the message never grows beyond `limit + 1`.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut Buf,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        if self.ended {
            // Bytes after the final block (padding some peers add) carry no data.
            return Ok(());
        }
        let state = self.state.get_or_insert_with(Box::default);
        let cap = out.start.saturating_add(limit).saturating_add(1);
        loop {
            let end = out.reserve(STEP, cap);
            let (status, consumed, written) =
                decompress(state, input, &mut out.bytes[..end], out.len, INFLATE_FLAGS);
            // miniz_oxide reports at most the room and the input it was given.
            out.len += written;
            input = &input[consumed..];
            // Before the status: whatever was inflated ahead of corrupt data meets the
            // limit, as it would have had the frames been cut finer.
            if out.message_len() > limit {
                return Err(ProtocolError::MessageTooBig {
                    limit: limit as u64,
                });
            }
            match status {
                TINFLStatus::Done => {
                    self.ended = true;
                    return Ok(());
                }
                TINFLStatus::NeedsMoreInput if input.is_empty() => return Ok(()),
                // Output full below the limit: grow and go on.
                TINFLStatus::NeedsMoreInput | TINFLStatus::HasMoreOutput
                    if consumed > 0 || written > 0 => {}
                // Corrupt data, a distance before the history, or a decoder that makes no
                // progress (which must not become a hang).
                _ => return Err(ProtocolError::Extension),
            }
        }
    }

    /// Ends a message: restores the stripped sync tail, which flushes what the inflater
    /// still holds. What it held may be the end of a final block, seen only now.
    pub(crate) fn finish(&mut self, out: &mut Buf, limit: usize) -> Result<(), ProtocolError> {
        self.inflate(&SYNC_TAIL, out, limit)
    }

    /// After a message has been handed out: it becomes history for the next one if the
    /// peer takes its context over (`keep_window`), else everything is forgotten and the
    /// next message must stand alone.
    pub(crate) fn next_message(&mut self, out: &mut Buf, keep_window: bool) {
        if keep_window {
            out.keep_message_as_history(WINDOW);
        } else {
            out.forget_history();
        }
        if self.ended || !keep_window {
            // A new DEFLATE stream follows. Its window is what `out` kept.
            self.ended = false;
            if let Some(state) = &mut self.state {
                state.init();
            }
        }
    }
}
