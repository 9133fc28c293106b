//! Inflating compressed messages, for the [`MessageReader`](crate::connection::MessageReader).

use crate::connection::buffer::Buf;
use crate::connection::{MessageKind, ProtocolError, Role};

use super::codec::Inflater;
use super::negotiate::DeflateParams;

/// The peer's compressed messages as they are inflated into the reader's buffer, with
/// the UTF-8 check of inflated text as it comes out.
#[derive(Clone, Default)]
pub(crate) struct Inflating {
    inflater: Inflater,
    /// Bytes of the message known to be UTF-8 so far (text messages).
    utf8_checked: usize,
}

impl Inflating {
    /// Inflates one piece of a compressed message onto `buf`'s message; with the last
    /// piece, ends it. Fails at the first fault: too big (1009), text that is not UTF-8
    /// or undecodable data (1007).
    pub(crate) fn inflate(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        message_finished: bool,
        limit: usize,
        buf: &mut Buf,
    ) -> Result<(), ProtocolError> {
        let mut inflated = self.inflater.inflate(payload, buf, limit);
        if inflated.is_ok() && message_finished {
            inflated = self.inflater.finish(buf, limit);
        }
        if kind == MessageKind::Text {
            // Checked before the inflater's verdict: a bad byte inflated ahead of the
            // limit or of corrupt data is the message's first fault. Had the frames been
            // cut finer, it would have come out, and failed, in an earlier call; the
            // error must not depend on the cuts.
            let complete = message_finished && inflated.is_ok();
            // `utf8_checked` only ever counts bytes of the message.
            let fresh = &buf.message()[self.utf8_checked..];
            match simdutf8::compat::from_utf8(fresh) {
                Ok(_) => self.utf8_checked = buf.message_len(),
                // A code point cut by the end of what has been inflated so far.
                Err(e) if e.error_len().is_none() && !complete => {
                    self.utf8_checked += e.valid_up_to();
                }
                Err(_) => return Err(ProtocolError::InvalidUtf8),
            }
        }
        inflated
    }

    /// After an inflated message has been handed out: it joins the window if the peer
    /// takes its context over, else the next message starts from nothing.
    pub(crate) fn next_message(&mut self, buf: &mut Buf, keep_window: bool) {
        self.inflater.next_message(buf, keep_window);
        self.utf8_checked = 0;
    }
}

/// Whether the peer compresses each message on top of the ones before (RFC 7692 §7.1.1):
/// then its window is kept from message to message. Without negotiated parameters (the
/// caller turned `compressed_messages` on by hand) the window is kept, which accepts
/// every stream a peer with or without context takeover can send.
pub(crate) fn peer_keeps_window(params: Option<DeflateParams>, role: Role) -> bool {
    let peer_is_server = role == Role::Client;
    params.map_or(true, |p| !p.no_context_takeover(peer_is_server))
}
