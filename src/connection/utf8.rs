//! Incremental UTF-8 validation for text messages that arrive in pieces.

/// Validates a text message chunk by chunk, failing on the first chunk that holds an
/// invalid byte (§8.1: "MUST _Fail the WebSocket Connection_" as soon as it is known).
///
/// A code point split across chunks (or frames) is carried over: at most three bytes of
/// state, never a copy of the payload.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Utf8Validator {
    pending: [u8; 4],
    pending_len: u8,
}

/// The byte length of a sequence starting with `lead`, for leads that can start one.
#[inline]
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

impl Utf8Validator {
    /// Checks the next `chunk` of the message; `Err` once the text cannot be UTF-8.
    #[inline]
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) -> Result<(), ()> {
        if self.pending_len > 0 {
            chunk = self.complete_pending(chunk)?;
            if self.pending_len > 0 {
                return Ok(());
            }
        }
        match simdutf8::compat::from_utf8(chunk) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                let tail = &chunk[e.valid_up_to()..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len() as u8;
                Ok(())
            }
            Err(_) => Err(()),
        }
    }

    /// Moves bytes from `chunk` into the carried-over code point and returns the rest.
    #[cold]
    fn complete_pending<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], ()> {
        let have = self.pending_len as usize;
        let need = sequence_len(self.pending[0]) - have;
        let take = need.min(chunk.len());
        self.pending[have..have + take].copy_from_slice(&chunk[..take]);
        let len = have + take;
        match simdutf8::compat::from_utf8(&self.pending[..len]) {
            Ok(_) => self.pending_len = 0,
            Err(e) if e.error_len().is_none() => self.pending_len = len as u8,
            Err(_) => return Err(()),
        }
        Ok(&chunk[take..])
    }

    /// Whether the message may end here: no code point is left incomplete.
    #[inline]
    pub(crate) fn is_complete(&self) -> bool {
        self.pending_len == 0
    }
}
