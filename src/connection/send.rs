//! The send path: the caller's messages and the obliged replies to bytes (§5.1–§5.5, §6.1).

use super::state::{CloseInput, Phase};
use super::timers::{noted, TimedOut};
use super::utf8::Utf8Validator;
use super::{Connection, ControlPayload, MessageKind, OutgoingMessage, Role, SendError};
use crate::frame::{
    apply_mask, copy_masked, header_len, write_header, CloseCode, CloseFrame, Opcode,
    MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD,
};
use crate::random::MaskKeySource;
use crate::InsufficientSize;

/// A data frame cleared to go out: what it is on the wire, and where the outgoing text
/// stands once it is sent.
#[derive(Clone, Copy)]
struct DataFrame {
    message: OutgoingMessage,
    opcode: Opcode,
    rsv1: bool,
    /// The text's state after this frame, when the frame is checked text; other frames
    /// leave the state alone (copying it through costs a store-forwarding stall a frame).
    utf8: Option<Utf8Validator>,
}

/// Whether a text payload still has to be checked for UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf8 {
    Check,
    /// A whole message from a `str`: valid by its type, and nothing follows it.
    Known,
}

/// The first byte of a frame's header: FIN, RSV1 and the opcode (§5.2).
#[inline(always)]
fn first_byte(opcode: Opcode, fin: bool, rsv1: bool) -> u8 {
    (fin as u8) << 7 | (rsv1 as u8) << 6 | opcode.as_u4()
}

/// Copies a payload into its place after the header. Short payloads, the common case
/// for chat and quote updates, are copied with two overlapping fixed-size moves
/// instead of a call to `memcpy`, which costs more than the copy itself below ~32 bytes.
#[inline(always)]
fn copy_payload(body: &mut [u8], payload: &[u8]) {
    let n = payload.len();
    match n {
        8..=16 => {
            body[..8].copy_from_slice(&payload[..8]);
            body[n - 8..].copy_from_slice(&payload[n - 8..]);
        }
        17..=32 => {
            body[..16].copy_from_slice(&payload[..16]);
            body[n - 16..].copy_from_slice(&payload[n - 16..]);
        }
        _ => body.copy_from_slice(payload),
    }
}

impl<K: MaskKeySource> Connection<K> {
    /// Encodes the queued replies (pong, then our Close) into `out` and returns the
    /// number of bytes written; 0 when nothing waits. Frames that do not fit stay queued;
    /// if not even the first fits, `out` is untouched and the error gives its size.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        let mut written = 0;
        while let Some((opcode, payload)) = self.next_queued() {
            match self.encode_frame(opcode, true, false, payload.as_slice(), &mut out[written..]) {
                Ok(n) => written += n,
                Err(e) => return if written == 0 { Err(e) } else { Ok(written) },
            }
            match opcode {
                Opcode::Pong => self.pending_pong = None,
                Opcode::Ping => self.timers.ping_queued = false,
                _ => {
                    self.pending_close = None;
                    self.move_close_state(CloseInput::SendClose);
                }
            }
        }
        Ok(written)
    }

    /// The next queued frame, in the order they go out: the Pong first, since the Close
    /// is the last frame this side sends.
    fn next_queued(&self) -> Option<(Opcode, ControlPayload)> {
        if let Some(pong) = self.pending_pong {
            return Some((Opcode::Pong, pong));
        }
        if self.timers.ping_queued {
            let ping = self.timers.keepalive_payload();
            return Some((Opcode::Ping, ControlPayload::new(&ping)));
        }
        let close = self.pending_close?;
        let mut body = [0u8; 2 + MAX_CLOSE_REASON];
        let len = match close.code {
            None => 0,
            Some(code) => {
                let reason = close.reason.map_or("", TimedOut::reason);
                CloseFrame { code, reason }
                    .encode(&mut body)
                    .unwrap_or_default()
            }
        };
        Some((Opcode::Close, ControlPayload::new(&body[..len])))
    }

    /// Whether the caller may send a frame now. Data only while open (§5.5.1: none
    /// after our Close); control frames also after our Close, while the peer's has not
    /// arrived. Nothing while a Close of ours waits in the queue: it goes out last.
    fn may_send(&self, data: bool) -> Result<(), SendError> {
        let allowed = match self.phase {
            Phase::Open => true,
            Phase::CloseSent => !data,
            Phase::CloseReceived
            | Phase::Closed
            | Phase::Failed
            | Phase::TransportEnded
            | Phase::TimedOut => false,
        };
        if allowed && self.pending_close.is_none() {
            Ok(())
        } else {
            Err(SendError::Closing)
        }
    }

    /// Encodes a whole text message as one frame into `out`. Refused with
    /// [`SendError::MessageInProgress`] while a fragmented message is being sent.
    pub fn send_text(&mut self, text: &str, out: &mut [u8]) -> Result<usize, SendError> {
        // A `str` is UTF-8 already: no need to look at it again.
        self.send_whole(MessageKind::Text, text.as_bytes(), Utf8::Known, out)
    }

    /// Encodes a whole binary message as one frame into `out`. Refused with
    /// [`SendError::MessageInProgress`] while a fragmented message is being sent.
    pub fn send_binary(&mut self, data: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_whole(MessageKind::Binary, data, Utf8::Check, out)
    }

    /// A message that begins and ends here may not land inside an open one (§5.4).
    fn send_whole(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        utf8: Utf8,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.sending.is_some() {
            return Err(SendError::MessageInProgress);
        }
        self.send_data(kind, payload, true, false, utf8, out)
    }

    /// Encodes one frame of a message, so a large message can be sent in pieces without
    /// being held whole (§5.4). The first call opens the message with `kind`; later calls
    /// (with the same `kind`) continue it; `last` ends it. Control frames may be sent
    /// between the pieces. Text pieces need not split at code point boundaries, but
    /// together they must be UTF-8: a piece that makes them invalid, or a last piece
    /// that leaves a code point unfinished, is refused with [`SendError::InvalidUtf8`]
    /// and nothing is written.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, MessageKind};
    /// let mut server = Connection::server(Config::default());
    /// let mut out = [0u8; 16];
    /// let n = server.send_fragment(MessageKind::Text, b"Hel", false, &mut out)?;
    /// assert_eq!(&out[..n], [0x01, 0x03, b'H', b'e', b'l']);
    /// let n = server.send_fragment(MessageKind::Text, b"lo", true, &mut out)?;
    /// assert_eq!(&out[..n], [0x80, 0x02, b'l', b'o']);
    /// # Ok::<(), rfc6455::connection::SendError>(())
    /// ```
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        self.send_data(kind, payload, last, false, Utf8::Check, out)
    }

    /// Like [`send_fragment`](Connection::send_fragment), for a message whose payload
    /// an extension compressed: its first frame carries RSV1 (RFC 7692 §6), and every
    /// piece of it comes through this call (a plain piece cannot continue it, nor can
    /// this continue a plain message: [`SendError::MessageInProgress`]). Needs
    /// [`Config::compressed_messages`](super::Config::compressed_messages).
    pub fn send_compressed_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if !self.limits.compressed_messages {
            return Err(SendError::CompressionNotNegotiated);
        }
        self.send_data(kind, payload, last, true, Utf8::Check, out)
    }

    #[inline]
    fn send_data(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        compressed: bool,
        utf8: Utf8,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let frame = self.data_frame(kind, payload, last, compressed, utf8)?;
        let n = self.encode_frame(frame.opcode, last, frame.rsv1, payload, out)?;
        self.sent_data(last, frame);
        Ok(n)
    }

    /// The bytes one frame with `payload_len` bytes of payload takes on the wire from
    /// this side: the header (masking key included for a client) and the payload. What
    /// `send_text`, `send_binary` and `send_fragment` write, exactly.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection};
    /// let server = Connection::server(Config::default());
    /// assert_eq!(server.frame_len(5), 2 + 5);
    /// assert_eq!(server.frame_len(70_000), 10 + 70_000);
    /// let client = Connection::client(Config::default(), rfc6455::DeterministicKeys::sequence(1));
    /// assert_eq!(client.frame_len(5), 2 + 4 + 5);
    /// ```
    pub fn frame_len(&self, payload_len: usize) -> usize {
        self.header_len(payload_len).saturating_add(payload_len)
    }

    /// The header alone of such a frame: what [`send_header`](Self::send_header) and
    /// [`send_header_masking`](Self::send_header_masking) write. At most
    /// [`MAX_HEADER_LEN`](crate::frame::MAX_HEADER_LEN).
    pub fn header_len(&self, payload_len: usize) -> usize {
        header_len(payload_len as u64, self.role == Role::Client)
    }

    /// Writes only the header of the data frame [`send_fragment`](Self::send_fragment)
    /// would write, so a server can hand header and payload to one vectored write and
    /// never copy the payload. The rules (and errors) are `send_fragment`'s; the
    /// payload is looked at, for UTF-8, but not copied.
    ///
    /// A client masks every payload (§5.3), which changes its bytes: it uses
    /// [`send_header_masking`](Self::send_header_masking), and gets
    /// [`SendError::MaskingRequired`] here.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, MessageKind};
    /// let mut server = Connection::server(Config::default());
    /// let payload = b"a quote for every subscriber";
    /// let mut header = [0u8; rfc6455::frame::MAX_HEADER_LEN];
    /// let n = server.send_header(MessageKind::Text, payload, true, &mut header)?;
    /// assert_eq!(&header[..n], [0x81, payload.len() as u8]);
    /// // writev(&[&header[..n], payload])
    /// # Ok::<(), rfc6455::connection::SendError>(())
    /// ```
    pub fn send_header(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.role == Role::Client {
            return Err(SendError::MaskingRequired);
        }
        let frame = self.data_frame(kind, payload, last, false, Utf8::Check)?;
        let (n, _) = self.header_only(frame, last, payload.len(), out)?;
        self.sent_data(last, frame);
        Ok(n)
    }

    /// Like [`send_header`](Self::send_header), for either role: a client masks
    /// `payload` in place with the key it writes into the header, so the payload is
    /// still not copied. A server leaves `payload` as it is.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, MessageKind};
    /// let mut client = Connection::client(Config::default(), rfc6455::DeterministicKeys::repeating([1, 2, 3, 4]));
    /// let mut payload = *b"hi";
    /// let mut header = [0u8; rfc6455::frame::MAX_HEADER_LEN];
    /// let n = client.send_header_masking(MessageKind::Binary, &mut payload, true, &mut header)?;
    /// assert_eq!(&header[..n], [0x82, 0x82, 1, 2, 3, 4]);
    /// assert_eq!(payload, [b'h' ^ 1, b'i' ^ 2]);
    /// # Ok::<(), rfc6455::connection::SendError>(())
    /// ```
    pub fn send_header_masking(
        &mut self,
        kind: MessageKind,
        payload: &mut [u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let frame = self.data_frame(kind, payload, last, false, Utf8::Check)?;
        let (n, key) = self.header_only(frame, last, payload.len(), out)?;
        if let Some(key) = key {
            apply_mask(payload, key, 0);
        }
        self.sent_data(last, frame);
        Ok(n)
    }

    /// Checks that a data frame may go out now, and works out its opcode, RSV1 and the
    /// text's UTF-8 state after it. Nothing changes until [`sent_data`](Self::sent_data).
    fn data_frame(
        &self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        compressed: bool,
        utf8_known: Utf8,
    ) -> Result<DataFrame, SendError> {
        self.may_send(true)?;
        let message = OutgoingMessage { kind, compressed };
        // A continuation must be of the message's kind, and compressed exactly when the
        // message is: its first frame's RSV1 decides for all of them (RFC 7692 §6.1).
        let (opcode, rsv1) = match self.sending {
            None => (kind.opcode(), compressed),
            Some(open) if open == message => (Opcode::Continuation, false),
            Some(_) => return Err(SendError::MessageInProgress),
        };
        // Compressed text is checked by the extension before it compresses.
        let mut utf8 = None;
        if kind == MessageKind::Text && !compressed && utf8_known == Utf8::Check {
            let mut text = if opcode == Opcode::Continuation {
                self.sending_utf8
            } else {
                Utf8Validator::default()
            };
            if text.feed(payload).is_err() || (last && !text.is_complete()) {
                return Err(SendError::InvalidUtf8);
            }
            utf8 = Some(text);
        }
        Ok(DataFrame {
            message,
            opcode,
            rsv1,
            utf8,
        })
    }

    /// Records a data frame written.
    fn sent_data(&mut self, last: bool, frame: DataFrame) {
        self.timers.noted |= noted::DATA;
        self.sending = if last { None } else { Some(frame.message) };
        if let Some(utf8) = frame.utf8 {
            self.sending_utf8 = utf8;
        }
    }

    /// Encodes a whole message as fragments of at most `fragment_size` payload bytes
    /// (0 counts as 1). If `out` cannot hold them all, nothing is written. Refused with
    /// [`SendError::MessageInProgress`] while a fragmented message is being sent.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, MessageKind};
    /// let mut server = Connection::server(Config::default());
    /// let mut out = [0u8; 32];
    /// let n = server.send_message_fragmented(MessageKind::Binary, &[7; 10], 4, &mut out)?;
    /// assert_eq!(n, 3 * 2 + 10);
    /// # Ok::<(), rfc6455::connection::SendError>(())
    /// ```
    pub fn send_message_fragmented(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        fragment_size: usize,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if self.sending.is_some() {
            return Err(SendError::MessageInProgress);
        }
        if payload.is_empty() {
            return self.send_whole(kind, payload, Utf8::Check, out);
        }
        let size = fragment_size.clamp(1, payload.len());
        let frames = payload.len().div_ceil(size);
        let last_len = payload.len() - (frames - 1) * size;
        // Saturating: no buffer holds `usize::MAX` bytes, so a sum that would overflow
        // is simply too large for `out`.
        let required = (frames - 1)
            .saturating_mul(self.frame_len(size))
            .saturating_add(self.frame_len(last_len));
        if out.len() < required {
            return Err(InsufficientSize { required }.into());
        }
        if kind == MessageKind::Text && simdutf8::basic::from_utf8(payload).is_err() {
            return Err(SendError::InvalidUtf8);
        }
        let mut written = 0;
        let mut chunks = payload.chunks(size).peekable();
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            written += self.send_fragment(kind, chunk, last, &mut out[written..])?;
        }
        Ok(written)
    }

    /// Encodes a Ping with up to 125 bytes of application data.
    pub fn send_ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_control(Opcode::Ping, payload, out)
    }

    /// Encodes an unsolicited Pong (a heartbeat that asks no answer, §5.5.3).
    pub fn send_pong(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, SendError> {
        self.send_control(Opcode::Pong, payload, out)
    }

    fn send_control(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong);
        }
        self.may_send(false)?;
        Ok(self.encode_frame(opcode, true, false, payload, out)?)
    }

    /// Starts the closing handshake (§7.1.2): encodes a Close with `code` and `reason`.
    /// After this, no data may be sent; incoming data is delivered until the peer's
    /// Close arrives. Answering the peer's Close is automatic (see `poll_transmit`).
    pub fn send_close(
        &mut self,
        code: CloseCode,
        reason: &str,
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let close = CloseFrame::new(code, reason).ok_or(SendError::InvalidClose)?;
        // Only one Close per connection: the same rule as for data.
        self.may_send(true)?;
        let mut body = [0u8; 2 + MAX_CLOSE_REASON];
        let len = close
            .encode(&mut body)
            .map_err(|_| SendError::InvalidClose)?;
        let n = self.encode_frame(Opcode::Close, true, false, &body[..len], out)?;
        // A Pong still queued goes out after our Close: control frames may follow it.
        self.move_close_state(CloseInput::SendClose);
        Ok(n)
    }

    /// Writes one frame, masked for a client; nothing is written if it does not fit.
    #[inline(always)]
    fn encode_frame(
        &mut self,
        opcode: Opcode,
        fin: bool,
        rsv1: bool,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, InsufficientSize> {
        let header_len = self.header_len(payload.len());
        let required = header_len + payload.len();
        let Some(out) = out.get_mut(..required) else {
            return Err(InsufficientSize { required });
        };
        let (head, body) = out.split_at_mut(header_len);
        let key = self.write_frame_header(first_byte(opcode, fin, rsv1), payload.len(), head);
        match key {
            Some(key) => copy_masked(body, payload, u32::from_le_bytes(key)),
            None => copy_payload(body, payload),
        }
        Ok(required)
    }

    /// The header of a data frame whose payload stays where it is, and the key a client
    /// must mask that payload with.
    fn header_only(
        &mut self,
        frame: DataFrame,
        last: bool,
        len: usize,
        out: &mut [u8],
    ) -> Result<(usize, Option<[u8; 4]>), InsufficientSize> {
        let header_len = self.header_len(len);
        let Some(head) = out.get_mut(..header_len) else {
            return Err(InsufficientSize {
                required: header_len,
            });
        };
        let key = self.write_frame_header(first_byte(frame.opcode, last, frame.rsv1), len, head);
        Ok((header_len, key))
    }

    /// Writes a frame's header into `head`, exactly [`header_len`](Self::header_len)
    /// bytes that the caller checked there is room for, and returns the key a client
    /// masks the payload with. Drawn only once the frame is known to fit: a refused
    /// frame uses up no key.
    #[inline(always)]
    fn write_frame_header(&mut self, first: u8, len: usize, head: &mut [u8]) -> Option<[u8; 4]> {
        let key = (self.role == Role::Client).then(|| self.keys.next_mask_key());
        write_header(head, first, len as u64, key);
        key
    }
}
