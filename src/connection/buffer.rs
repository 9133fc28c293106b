//! The growing buffer a message is reassembled (and inflated) into.

use alloc::vec::Vec;

/// Initialised storage with a fill mark, so output can be written in place and the
/// zeroing is paid once per byte of capacity, not once per call.
///
/// For the [`MessageReader`](super::MessageReader) it is laid out as
/// `[history | message]`: with permessage-deflate the history is the end of the earlier
/// compressed messages, which the message being inflated may refer back to (RFC 7692
/// §7.2.2), so a back-reference is an ordinary copy within the buffer and one that
/// reaches before its start is corrupt data. Without compression the history is empty.
///
/// Every method keeps `start <= len <= bytes.len()`, which the slicing and subtractions
/// below rely on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buf {
    pub(crate) bytes: Vec<u8>,
    /// Where the message begins: the history is `bytes[..start]`.
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// Room kept from one message to the next: a larger message's room is given back once
/// it was handed out, so one large message does not pin its size for the life of the
/// connection, while messages up to this size reuse the room without reallocating.
pub(crate) const KEEP: usize = 64 * 1024;

impl Buf {
    /// The message: what has been appended since the history.
    pub(crate) fn message(&self) -> &[u8] {
        &self.bytes[self.start..self.len]
    }

    pub(crate) fn message_len(&self) -> usize {
        self.len - self.start
    }

    /// Drops the message, keeping the history.
    pub(crate) fn drop_message(&mut self) {
        self.len = self.start;
    }

    /// Gives back the room above [`KEEP`] (or above the history, if longer).
    pub(crate) fn release_room(&mut self) {
        let floor = self.len.max(KEEP);
        if self.bytes.len() > floor {
            self.bytes.truncate(floor);
            self.bytes.shrink_to(floor);
        }
    }

    /// Makes the message part of the history. Only the last `window` bytes can ever be
    /// referred to; the rest is dropped once it is at least as long as what is kept, so
    /// the move costs at most one byte per byte inflated and small messages do not pay
    /// the whole window each.
    #[cfg(feature = "deflate")]
    pub(crate) fn keep_message_as_history(&mut self, window: usize) {
        if self.len >= 2 * window {
            self.bytes.copy_within(self.len - window..self.len, 0);
            self.len = window;
        }
        self.start = self.len;
    }

    #[cfg(feature = "deflate")]
    pub(crate) fn forget_history(&mut self) {
        self.start = 0;
        self.len = 0;
    }

    /// Free room after the filled part, at least `want` bytes where `cap` allows, grown
    /// by doubling but never past `cap` bytes in all. Empty only when full to `cap`.
    pub(crate) fn spare(&mut self, want: usize, cap: usize) -> &mut [u8] {
        let end = self.reserve(want, cap);
        &mut self.bytes[self.len..end]
    }

    /// Grows the storage for [`spare`](Self::spare) and returns where its room ends.
    pub(crate) fn reserve(&mut self, want: usize, cap: usize) -> usize {
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
        self.bytes.len().min(cap).max(self.len)
    }

    /// Appends `data` to the message, which the caller has checked against its `limit`.
    pub(crate) fn extend(&mut self, data: &[u8], limit: usize) {
        let at = self.len;
        let cap = self
            .start
            .saturating_add(limit)
            .max(at.saturating_add(data.len()));
        self.spare(data.len(), cap)[..data.len()].copy_from_slice(data);
        self.len = at + data.len();
    }
}
