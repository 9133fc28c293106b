//! The receive path: bytes from the peer to events (§5.2–§5.5, §6.2, §7.1.5).

use super::state::{CloseInput, FrameInProgress, Incoming, MessageInProgress, Phase};
use super::timers::noted;
use super::{
    Connection, ControlPayload, Event, MessageKind, ProtocolError, QueuedClose, Received, Role,
};
use crate::frame::{
    apply_mask, decode_length_and_mask, mask_with_word, rotate_key, CloseCode, CloseFrame,
    FrameHeader, LengthAndMask, Opcode,
};
use crate::random::MaskKeySource;
use crate::Status;

/// Where a frame that is a whole message lies in the input; see
/// [`Connection::whole_message_frame`].
#[derive(Debug, Clone, Copy)]
struct WholeMessage {
    kind: MessageKind,
    start: usize,
    len: usize,
    /// The masking key, little-endian; 0 when unmasked, which unmasks to the same bytes.
    mask: u32,
}

impl<K: MaskKeySource> Connection<K> {
    /// Decodes the next event from `input`, the bytes read from the peer and not yet
    /// consumed, unmasking payloads in place.
    ///
    /// Returns how many bytes were used and the event they made, if any. No event and
    /// nothing consumed means: read more bytes first. On error the connection has failed:
    /// a Close with [`ProtocolError::close_code`] is queued for `poll_transmit`, and later
    /// calls consume everything and deliver nothing.
    // Always inlined, and small: the whole-message path is most of the work for small
    // frames, and a call into a large `read` costs more than that work.
    #[inline(always)]
    pub fn read<'b>(&mut self, input: &'b mut [u8]) -> Result<Received<Event<'b>>, ProtocolError> {
        // No message open (so no frame either), still reading.
        if matches!(self.incoming, Incoming::Idle) && self.phase.reads() {
            if let Some(whole) = self.whole_message_frame(input) {
                return self.deliver_whole_message(whole, input);
            }
        }
        self.read_frame(input)
    }

    /// Reads every event in `input`, handing each to `on_event`, and returns how many
    /// bytes were used: drop them, keep the rest (the start of a frame) for the next
    /// call. The batch form of [`read`](Self::read); drain
    /// [`poll_transmit`](Self::poll_transmit) after it, as after `read`.
    ///
    /// ```
    /// use rfc6455::connection::{Config, Connection, Event};
    /// let mut server = Connection::server(Config::default());
    /// // A masked "Hello", a masked empty Ping, and the first byte of another frame.
    /// let mut input = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ///                  0x89, 0x80, 1, 2, 3, 4, 0x81];
    /// let mut events = Vec::new();
    /// let used = server.read_all(&mut input, |e| events.push(format!("{e:?}")))?;
    /// assert_eq!(used, 17);
    /// assert_eq!(events.len(), 2);
    /// assert!(server.wants_transmit()); // the Pong
    /// # Ok::<(), rfc6455::connection::ProtocolError>(())
    /// ```
    pub fn read_all(
        &mut self,
        input: &mut [u8],
        mut on_event: impl FnMut(Event<'_>),
    ) -> Result<usize, ProtocolError> {
        let mut at = 0;
        loop {
            let step = self.read(&mut input[at..])?;
            if step.is_partial() {
                return Ok(at);
            }
            at += step.consumed;
            if let Some(event) = step.event {
                on_event(event);
            }
        }
    }

    /// The general path of [`read`](Self::read): every frame, in pieces if need be.
    #[inline(never)]
    fn read_frame<'b>(
        &mut self,
        input: &'b mut [u8],
    ) -> Result<Received<Event<'b>>, ProtocolError> {
        if !self.phase.reads() {
            return Ok(Received {
                consumed: input.len(),
                event: None,
            });
        }
        if let Incoming::Frame(message, frame) = self.incoming {
            return self.continue_frame(message, frame, input, 0);
        }
        let (header, header_len) = match FrameHeader::decode(input) {
            Ok(Status::Complete(h)) => h,
            Ok(Status::Partial) => {
                return Ok(Received {
                    consumed: 0,
                    event: None,
                })
            }
            Err(e) => return Err(self.fail(e.into())),
        };
        if let Err(e) = self.check_header(&header) {
            return Err(self.fail(e));
        }
        if header.opcode.is_control() {
            return self.control_frame(header, header_len, input);
        }
        let message = match self.start_data_frame(&header) {
            Ok(message) => message,
            Err(e) => return Err(self.fail(e)),
        };
        self.continue_frame(
            message,
            FrameInProgress {
                remaining: header.payload_len,
                mask: header.mask.map_or(0, u32::from_le_bytes),
                fin: header.fin,
            },
            input,
            header_len,
        )
    }

    /// Recognises the common case in one pass over the header: a whole unfragmented
    /// text or binary message, no extension bits, within every limit, all of it in
    /// `input`. The length forms and the masking key are read by the same
    /// [`decode_length_and_mask`] as [`FrameHeader::decode`], the masking rule is the
    /// same [`check_masking`](Self::check_masking), and the frame cap is the limits of
    /// [`start_data_frame`](Self::start_data_frame) for a message's first and only frame
    /// (the message cap is no lower, and `max_fragments` at least 1). Anything else
    /// (`None`, errors included) takes the general path, which reports it.
    #[inline(always)]
    fn whole_message_frame(&self, input: &[u8]) -> Option<WholeMessage> {
        let &[b0, ..] = input else { return None };
        // FIN set, RSV1-3 clear, Text or Binary.
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return None,
        };
        let Ok(Status::Complete(LengthAndMask {
            payload_len,
            header_len,
            mask,
        })) = decode_length_and_mask(input)
        else {
            return None;
        };
        if self.check_masking(mask.is_some()).is_err()
            || payload_len > self.limits.max_frame_size
            || ((input.len() - header_len) as u64) < payload_len
        {
            return None;
        }
        Some(WholeMessage {
            kind,
            start: header_len,
            len: payload_len as usize,
            mask: mask.unwrap_or(0),
        })
    }

    #[inline(always)]
    fn deliver_whole_message<'b>(
        &mut self,
        whole: WholeMessage,
        input: &'b mut [u8],
    ) -> Result<Received<Event<'b>>, ProtocolError> {
        let WholeMessage {
            kind,
            start,
            len,
            mask,
        } = whole;
        let end = start + len;
        let payload = &mut input[start..end];
        if mask != 0 {
            mask_with_word(payload, mask);
        }
        // The whole message is here, so one yes/no check is as fail-fast as the
        // incremental validator, and faster.
        if kind == MessageKind::Text && simdutf8::basic::from_utf8(payload).is_err() {
            return Err(self.fail(ProtocolError::InvalidUtf8));
        }
        self.timers.noted |= noted::RECEIVED | noted::DATA;
        Ok(Received {
            consumed: end,
            event: Some(Event::Data {
                kind,
                payload,
                frame_finished: true,
                message_finished: true,
                compressed: false,
            }),
        })
    }

    /// The transport reached end of stream. Returns a 1006 Close event when the peer
    /// left without completing the closing handshake (§7.1.5), else `None`.
    pub fn read_eof(&mut self) -> Option<Event<'static>> {
        // The peer's Close never came: also after we failed the connection.
        let abnormal = matches!(self.phase, Phase::Open | Phase::CloseSent | Phase::Failed);
        self.move_close_state(CloseInput::Eof);
        self.pending_pong = None;
        self.pending_close = None;
        abnormal.then_some(Event::Close {
            code: CloseCode::ABNORMAL,
            reason: "",
        })
    }

    #[inline]
    fn check_header(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        self.check_masking(header.mask.is_some())?;
        // RFC 7692 §6.1: the compressed bit only on the first frame of a data message.
        let rsv1_allowed = self.limits.compressed_messages
            && matches!(header.opcode, Opcode::Text | Opcode::Binary);
        if (header.rsv1 && !rsv1_allowed) || header.rsv2 || header.rsv3 {
            let bits = (header.rsv1 as u8) << 2 | (header.rsv2 as u8) << 1 | header.rsv3 as u8;
            return Err(ProtocolError::ReservedBits(bits));
        }
        Ok(())
    }

    /// §5.1: a server accepts only masked frames, a client only unmasked ones.
    #[inline(always)]
    fn check_masking(&self, masked: bool) -> Result<(), ProtocolError> {
        match (self.role, masked) {
            (Role::Server, false) => Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => Err(ProtocolError::MaskedFrame),
            _ => Ok(()),
        }
    }

    /// Applies the fragmentation rules and the limits to a new data frame (§5.4), and
    /// returns the message it belongs to, updated; `continue_frame` stores it.
    #[inline]
    fn start_data_frame(
        &mut self,
        header: &FrameHeader,
    ) -> Result<MessageInProgress, ProtocolError> {
        if header.payload_len > self.limits.max_frame_size {
            return Err(ProtocolError::MessageTooBig {
                limit: self.limits.max_frame_size,
            });
        }
        let open = match self.incoming {
            Incoming::Idle => None,
            Incoming::Message(message) | Incoming::Frame(message, _) => Some(message),
        };
        let mut message = match (header.opcode, open) {
            (Opcode::Continuation, Some(message)) => message,
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (_, Some(_)) => return Err(ProtocolError::MessageInProgress),
            (opcode, None) => MessageInProgress {
                kind: if opcode == Opcode::Text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                },
                compressed: header.rsv1,
                len: 0,
                frames: 0,
            },
        };
        message.len += header.payload_len;
        if message.len > self.limits.max_message_size {
            return Err(ProtocolError::MessageTooBig {
                limit: self.limits.max_message_size,
            });
        }
        if message.frames >= self.limits.max_fragments {
            return Err(ProtocolError::TooManyFragments {
                limit: self.limits.max_fragments,
            });
        }
        message.frames += 1;
        Ok(message)
    }

    /// Delivers what is in `input[start..]` of the frame in progress.
    // Inlined into `read`: a call here costs more than the rest of a small frame's work.
    #[inline(always)]
    fn continue_frame<'b>(
        &mut self,
        message: MessageInProgress,
        mut frame: FrameInProgress,
        input: &'b mut [u8],
        start: usize,
    ) -> Result<Received<Event<'b>>, ProtocolError> {
        let available = input.len() - start;
        let take = if frame.remaining < available as u64 {
            frame.remaining as usize
        } else {
            available
        };
        let frame_finished = take as u64 == frame.remaining;
        if take == 0 && !frame_finished {
            self.incoming = Incoming::Frame(message, frame);
            return Ok(Received {
                consumed: start,
                event: None,
            });
        }
        let payload = &mut input[start..start + take];
        // A zero key (or no key) leaves the bytes as they are.
        if frame.mask != 0 {
            mask_with_word(payload, frame.mask);
        }
        let message_finished = frame_finished && frame.fin;
        let MessageInProgress {
            kind, compressed, ..
        } = message;
        if kind == MessageKind::Text && !compressed {
            let valid =
                self.utf8.feed(payload).is_ok() && (!message_finished || self.utf8.is_complete());
            if !valid {
                return Err(self.fail(ProtocolError::InvalidUtf8));
            }
        }
        self.incoming = if !frame_finished {
            frame.remaining -= take as u64;
            frame.mask = rotate_key(frame.mask, take);
            Incoming::Frame(message, frame)
        } else if message_finished {
            Incoming::Idle
        } else {
            Incoming::Message(message)
        };
        self.timers.noted |= noted::RECEIVED | noted::DATA;
        Ok(Received {
            consumed: start + take,
            event: Some(Event::Data {
                kind,
                payload,
                frame_finished,
                message_finished,
                compressed,
            }),
        })
    }

    /// Handles a control frame, which is delivered whole (§5.5).
    fn control_frame<'b>(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        input: &'b mut [u8],
    ) -> Result<Received<Event<'b>>, ProtocolError> {
        let end = header_len + header.payload_len as usize;
        let Some(payload) = input.get_mut(header_len..end) else {
            return Ok(Received {
                consumed: 0,
                event: None,
            });
        };
        if let Some(key) = header.mask {
            apply_mask(payload, key, 0);
        }
        let payload: &'b [u8] = payload;
        self.timers.noted |= noted::RECEIVED;
        let event = match header.opcode {
            Opcode::Ping => {
                // §5.5.2: a Ping is answered unless the peer's Close has arrived, which
                // is never the case here; our own Close may already have gone out.
                if self.limits.auto_pong {
                    self.pending_pong = Some(ControlPayload::new(payload));
                }
                Event::Ping(payload)
            }
            Opcode::Pong => {
                // §5.5.3: a Pong nobody asked for is just noted; the keepalive's ends
                // the wait for it (only while open: closing, keepalive is over).
                if self.phase == Phase::Open {
                    self.timers.pong(payload);
                }
                Event::Pong(payload)
            }
            _ => {
                let close = match CloseFrame::parse(payload) {
                    Ok(close) => close,
                    Err(e) => return Err(self.fail(e.into())),
                };
                if self.phase == Phase::Open {
                    // §5.5.1: echo the status code; the reason is ours to choose.
                    self.queue_close(QueuedClose {
                        code: close.map(|c| c.code),
                        reason: None,
                    });
                }
                self.move_close_state(CloseInput::ReceiveClose);
                match close {
                    Some(c) => Event::Close {
                        code: c.code,
                        reason: c.reason,
                    },
                    None => Event::Close {
                        code: CloseCode::NO_STATUS_RECEIVED,
                        reason: "",
                    },
                }
            }
        };
        Ok(Received {
            consumed: end,
            event: Some(event),
        })
    }
}
