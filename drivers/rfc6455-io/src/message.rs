//! Owned messages: what [`recv_owned`](crate::blocking::WebSocket::recv_owned) returns
//! and what the send side takes.

use core::fmt;
use core::ops::Deref;

use bytes::Bytes;
use rfc6455::connection::Message as Borrowed;
use rfc6455::frame::CloseCode;

/// UTF-8 text in shared, cheaply cloned storage.
///
/// ```
/// use rfc6455_io::Text;
/// let text = Text::from("AAPL 189.84");
/// assert_eq!(&*text, "AAPL 189.84");
/// assert_eq!(text.as_bytes().len(), 11);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(Bytes);

impl Text {
    /// Text made of valid UTF-8 `bytes`, or the bytes back when they are not.
    pub fn try_from_bytes(bytes: Bytes) -> Result<Self, Bytes> {
        match core::str::from_utf8(&bytes) {
            Ok(_) => Ok(Text(bytes)),
            Err(_) => Err(bytes),
        }
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        // Every constructor checks or inherits UTF-8, so this cannot fail; without
        // `unsafe` the check runs again.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The UTF-8 bytes, shared.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Bytes::from(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<&'static str> for Message {
    fn from(s: &'static str) -> Self {
        Message::Text(Text(Bytes::from_static(s.as_bytes())))
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s.into())
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Self {
        Message::Binary(b.into())
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Self {
        Message::Binary(b)
    }
}

/// A whole message or control frame with owned data (§5.6, §5.5).
///
/// Received: the borrowed [`rfc6455::connection::Message`] made owned with
/// [`into_owned`](Message::from_borrowed). Sent: text and binary as data messages,
/// Ping and Pong as control frames (at most 125 bytes), Close as the start of the
/// closing handshake.
///
/// ```
/// use rfc6455_io::Message;
/// let m = Message::from("hi");
/// assert_eq!(m.as_text(), Some("hi"));
/// assert!(Message::binary(vec![1, 2]).is_data());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Text),
    /// A binary message.
    Binary(Bytes),
    /// A Ping (answered by the driver on its own).
    Ping(Bytes),
    /// A Pong.
    Pong(Bytes),
    /// The peer's Close (1005 when it carried no code), or 1006 when the connection
    /// ended without one (transport closed, timed out).
    Close {
        /// The status code.
        code: CloseCode,
        /// The reason, possibly empty.
        reason: Text,
    },
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Text>) -> Self {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Message::Binary(data.into())
    }

    /// An owned copy of a borrowed message from the core.
    ///
    /// ```
    /// use rfc6455::connection::Message as Borrowed;
    /// use rfc6455_io::Message;
    /// assert_eq!(Message::from_borrowed(Borrowed::Text("x")), Message::from("x"));
    /// ```
    pub fn from_borrowed(message: Borrowed<'_>) -> Self {
        match message {
            Borrowed::Text(t) => Message::Text(t.into()),
            Borrowed::Binary(b) => Message::Binary(Bytes::copy_from_slice(b)),
            Borrowed::Ping(p) => Message::Ping(Bytes::copy_from_slice(p)),
            Borrowed::Pong(p) => Message::Pong(Bytes::copy_from_slice(p)),
            Borrowed::Close { code, reason } => Message::Close {
                code,
                reason: reason.into(),
            },
        }
    }

    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Text or binary: a data message, as opposed to a control frame.
    pub fn is_data(&self) -> bool {
        matches!(self, Message::Text(_) | Message::Binary(_))
    }

    /// A Close.
    pub fn is_close(&self) -> bool {
        matches!(self, Message::Close { .. })
    }

    /// The payload bytes (for a Close, the reason).
    pub fn payload(&self) -> &[u8] {
        match self {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b,
            Message::Close { reason, .. } => reason.as_bytes(),
        }
    }
}

/// The borrowed message type of [`recv`](crate::blocking::WebSocket::recv), made owned.
pub trait IntoOwned {
    /// An owned copy.
    fn into_owned(self) -> Message;
}

impl IntoOwned for Borrowed<'_> {
    fn into_owned(self) -> Message {
        Message::from_borrowed(self)
    }
}
