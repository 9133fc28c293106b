//! Compressing and framing outgoing messages.

use crate::connection::buffer::Buf;
use crate::connection::{Connection, MessageKind, Role, SendError};
use crate::random::MaskKeySource;
use crate::InsufficientSize;

use super::codec::Deflater;

/// The default compression level (miniz_oxide's scale, 0–10): zlib's default.
pub const DEFAULT_LEVEL: u8 = 6;

/// Compresses messages with the connection's permessage-deflate parameters and frames
/// them with RSV1 set (RFC 7692 §6, §7.2.1): one per connection, for the side that
/// sends. Everything it needs (the parameters, which side this is) comes from the
/// connection it is made for.
///
/// The context is taken over from message to message unless this side agreed not to,
/// and a window narrower than 32 KiB is respected (see [`super`] for how).
///
/// ```
/// use rfc6455::connection::{Config, Connection, MessageKind};
/// use rfc6455::extensions::deflate::{DeflateParams, DeflateSender};
/// let config = Config::default().permessage_deflate(Some(DeflateParams::default()));
/// let mut server = Connection::server(config);
/// let mut sender = DeflateSender::new(&server).expect("negotiated");
/// let mut out = vec![0u8; sender.max_send_len(5)];
/// let n = sender.send(&mut server, MessageKind::Text, b"Hello", &mut out)?;
/// // RFC 7692 §7.2.3.1: RSV1 + FIN, text, 7 bytes of payload.
/// assert_eq!(&out[..n], [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
/// let n = sender.send(&mut server, MessageKind::Text, b"Hello", &mut out)?;
/// // §7.2.3.2: the second "Hello" refers back to the first.
/// assert_eq!(&out[..n], [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
/// # Ok::<(), rfc6455::connection::SendError>(())
/// ```
#[derive(Clone)]
pub struct DeflateSender {
    deflater: Deflater,
    scratch: Buf,
}

impl core::fmt::Debug for DeflateSender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeflateSender").finish_non_exhaustive()
    }
}

impl DeflateSender {
    /// A sender for `conn`, under the parameters it was configured with
    /// ([`Config::permessage_deflate`](crate::connection::Config::permessage_deflate)),
    /// at [`DEFAULT_LEVEL`]; `None` when it has none. Nothing is allocated before the
    /// first message.
    #[must_use]
    pub fn new<K: MaskKeySource>(conn: &Connection<K>) -> Option<Self> {
        Self::with_level(conn, DEFAULT_LEVEL)
    }

    /// Like [`new`](Self::new) with a compression level: 1 is fastest, 9 (or 10)
    /// smallest, 0 stores without compressing.
    #[must_use]
    pub fn with_level<K: MaskKeySource>(conn: &Connection<K>, level: u8) -> Option<Self> {
        let params = conn.permessage_deflate()?;
        let server = conn.role() == Role::Server;
        Some(DeflateSender {
            deflater: Deflater::new(
                level,
                params.window_bits(server),
                params.no_context_takeover(server),
            ),
            scratch: Buf::default(),
        })
    }

    /// The most bytes [`send`](Self::send) can write for a payload of `len` bytes: the
    /// frame header with a mask, the payload stored uncompressed in window-sized
    /// blocks (DEFLATE falls back to that when compressing does not pay), and the flush.
    pub const fn max_send_len(&self, len: usize) -> usize {
        // Saturating: no payload that long exists, but the length is the caller's.
        len.saturating_add(len / 8).saturating_add(14 + 64)
    }

    /// Compresses `payload` as one message of `kind` and writes it as a single frame
    /// into `out`. If `out` is shorter than [`max_send_len`](Self::max_send_len), nothing
    /// happens and the error says how much is needed; text that is not UTF-8 is refused
    /// ([`SendError::InvalidUtf8`]) before it is compressed. Any other error (the
    /// connection is closing, a fragmented message is being sent) leaves the peer's view
    /// of the context intact: this side resets its own.
    pub fn send<K: MaskKeySource>(
        &mut self,
        conn: &mut Connection<K>,
        kind: MessageKind,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SendError> {
        let required = self.max_send_len(payload.len());
        if out.len() < required {
            return Err(InsufficientSize { required }.into());
        }
        if kind == MessageKind::Text && simdutf8::basic::from_utf8(payload).is_err() {
            return Err(SendError::InvalidUtf8);
        }
        self.deflater.compress(payload, &mut self.scratch);
        conn.send_compressed_fragment(kind, self.scratch.message(), true, out)
            .inspect_err(|_| self.deflater.reset())
    }
}
