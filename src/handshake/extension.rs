//! The `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1) and borrowed views of it.

use core::fmt;

use super::error::RequestError;
use super::head::{is_ows, is_tchar, GetAll, Headers};

/// A position in one header value, for the recursive-descent reading of §9.1.
#[derive(Debug, Clone)]
struct Cursor<'b> {
    s: &'b [u8],
    i: usize,
}

impl<'b> Cursor<'b> {
    fn new(s: &'b [u8]) -> Self {
        Cursor { s, i: 0 }
    }

    fn at_end(&self) -> bool {
        self.i == self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += hit as usize;
        hit
    }

    fn ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<&'b str> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        core::str::from_utf8(&self.s[start..self.i]).ok()
    }

    /// A quoted-string whose unescaped content is a token, as §9.1 demands.
    fn quoted(&mut self) -> Option<ParamValue<'b>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    if !is_tchar(self.peek()?) {
                        return None;
                    }
                }
                b if is_tchar(b) => {}
                _ => return None,
            }
            self.i += 1;
        }
        let inner = core::str::from_utf8(&self.s[start..self.i]).ok()?;
        self.i += 1;
        if inner.is_empty() {
            return None;
        }
        Some(ParamValue {
            raw: inner,
            escaped,
        })
    }

    /// `token [ "=" (token | quoted-string) ]`, whitespace allowed around `=`.
    fn param(&mut self) -> Option<ExtensionParam<'b>> {
        let name = self.token()?;
        let before = self.i;
        self.ows();
        if !self.eat(b'=') {
            self.i = before;
            return Some(ExtensionParam { name, value: None });
        }
        self.ows();
        let value = if self.peek() == Some(b'"') {
            self.quoted()?
        } else {
            ParamValue {
                raw: self.token()?,
                escaped: false,
            }
        };
        Some(ExtensionParam {
            name,
            value: Some(value),
        })
    }

    /// The next `extension` of a list, skipping empty elements. `None` at the end,
    /// `Some(None)` on a grammar violation.
    fn extension(&mut self) -> Option<Option<Extension<'b>>> {
        loop {
            self.ows();
            if !self.eat(b',') {
                break;
            }
        }
        if self.at_end() {
            return None;
        }
        Some(self.extension_body())
    }

    fn extension_body(&mut self) -> Option<Extension<'b>> {
        let name = self.token()?;
        let params_start = self.i;
        let mut params_end = self.i;
        loop {
            self.ows();
            if !self.eat(b';') {
                break;
            }
            self.ows();
            self.param()?;
            params_end = self.i;
        }
        if !(self.at_end() || self.peek() == Some(b',')) {
            return None;
        }
        Some(Extension {
            name,
            params: &self.s[params_start..params_end],
        })
    }
}

/// Whether one header value is a non-empty §9.1 `extension-list`.
pub(crate) fn is_extension_list(value: &[u8]) -> bool {
    let mut cursor = Cursor::new(value);
    let mut any = false;
    while let Some(ext) = cursor.extension() {
        if ext.is_none() {
            return false;
        }
        any = true;
    }
    any
}

/// The name of `s` if it is exactly one §9.1 `extension` (no list comma).
pub(crate) fn single_extension(s: &str) -> Option<&str> {
    let mut cursor = Cursor::new(s.as_bytes());
    cursor.ows();
    let ext = cursor.extension_body()?;
    cursor.ows();
    cursor.at_end().then_some(ext.name)
}

/// One extension offered or accepted in `Sec-WebSocket-Extensions` (RFC 6455 §9.1): a
/// name and its parameters, as in `permessage-deflate; client_max_window_bits`.
///
/// ```
/// use rfc6455::handshake::{Limits, RequestParser};
/// let head = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
///     Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, \
///     x-foo; level=\"9\"\r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// let request = parser.parse(head)?.complete().unwrap();
/// let mut offers = request.extensions();
/// let deflate = offers.next().unwrap();
/// assert_eq!(deflate.name(), "permessage-deflate");
/// let param = deflate.params().next().unwrap();
/// assert_eq!((param.name, param.value), ("client_max_window_bits", None));
/// let foo = offers.next().unwrap();
/// let level = foo.params().next().unwrap().value.unwrap();
/// assert_eq!(level.as_str(), Some("9"));
/// assert!(offers.next().is_none());
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'b> {
    name: &'b str,
    params: &'b [u8],
}

impl<'b> Extension<'b> {
    /// The extension token, e.g. `permessage-deflate`.
    pub fn name(&self) -> &'b str {
        self.name
    }

    /// The parameters in the order written.
    pub fn params(&self) -> ExtensionParams<'b> {
        ExtensionParams {
            cursor: Cursor::new(self.params),
        }
    }
}

/// Iterator over one extension's parameters; see [`Extension::params`].
#[derive(Debug, Clone)]
pub struct ExtensionParams<'b> {
    cursor: Cursor<'b>,
}

impl<'b> Iterator for ExtensionParams<'b> {
    type Item = ExtensionParam<'b>;

    fn next(&mut self) -> Option<ExtensionParam<'b>> {
        self.cursor.ows();
        if !self.cursor.eat(b';') {
            return None;
        }
        self.cursor.ows();
        self.cursor.param()
    }
}

/// One `name[=value]` parameter of an [`Extension`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionParam<'b> {
    /// The parameter token, e.g. `client_max_window_bits`.
    pub name: &'b str,
    /// The value after `=`, if any.
    pub value: Option<ParamValue<'b>>,
}

/// The value of an [`ExtensionParam`], written as a token (`15`) or a quoted string
/// (`"15"`). Either way §9.1 requires the unescaped value to be a token.
///
/// ```
/// use rfc6455::handshake::{Limits, RequestParser};
/// let head = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
///     Sec-WebSocket-Extensions: x; a=\"1\\5\"\r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// let request = parser.parse(head)?.complete().unwrap();
/// let value = request.extensions().next().unwrap().params().next().unwrap().value.unwrap();
/// assert_eq!(value.as_str(), None); // written with an escape
/// assert_eq!(value.raw(), "1\\5");
/// assert!(value == "15");
/// assert!(value.unescaped().eq(*b"15"));
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamValue<'b> {
    raw: &'b str,
    escaped: bool,
}

impl<'b> ParamValue<'b> {
    /// The value, when it was written without backslash escapes (a token, or a quoted
    /// string such as `"10"`: all a conforming peer sends). `None` only for a quoted
    /// string with escapes; use [`unescaped`](Self::unescaped) then.
    pub fn as_str(&self) -> Option<&'b str> {
        (!self.escaped).then_some(self.raw)
    }

    /// The value as written, without the surrounding quotes and with any escapes kept.
    pub fn raw(&self) -> &'b str {
        self.raw
    }

    /// The bytes of the value with quoted-pair escapes removed.
    pub fn unescaped(&self) -> impl Iterator<Item = u8> + 'b {
        let mut after_backslash = false;
        self.raw.bytes().filter(move |&b| {
            let keep = after_backslash || b != b'\\';
            after_backslash = !after_backslash && b == b'\\';
            keep
        })
    }
}

impl PartialEq<str> for ParamValue<'_> {
    fn eq(&self, other: &str) -> bool {
        self.unescaped().eq(other.bytes())
    }
}

impl PartialEq<&str> for ParamValue<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl fmt::Display for ParamValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.unescaped()
            .try_for_each(|b| fmt::Write::write_char(f, b as char))
    }
}

/// Iterator over the extensions in every `Sec-WebSocket-Extensions` field of a head, in
/// order. The fields were checked against §9.1 when the head was parsed.
#[derive(Debug, Clone)]
pub struct Extensions<'b> {
    values: GetAll<'b, 'static>,
    cursor: Cursor<'b>,
}

impl<'b> Extensions<'b> {
    pub(crate) fn new(values: GetAll<'b, 'static>) -> Self {
        Extensions {
            values,
            cursor: Cursor::new(&[]),
        }
    }

    /// The extensions of one `Sec-WebSocket-Extensions` value, for a caller holding the
    /// header itself; an error when it is not a §9.1 `extension-list` (answered with
    /// 400, as the request validators do).
    ///
    /// ```
    /// use rfc6455::handshake::{Extensions, RequestError};
    /// let offers = Extensions::parse(b"permessage-deflate; client_max_window_bits=10, x-y")?;
    /// let names: Vec<String> = offers.map(|e| e.to_string()).collect();
    /// assert_eq!(names, ["permessage-deflate; client_max_window_bits=10", "x-y"]);
    /// assert_eq!(Extensions::parse(b"a; b=\"two words\"").unwrap_err(), RequestError::InvalidExtensions);
    /// # Ok::<(), RequestError>(())
    /// ```
    pub fn parse(value: &'b [u8]) -> Result<Self, RequestError> {
        if !is_extension_list(value) {
            return Err(RequestError::InvalidExtensions);
        }
        Ok(Extensions {
            values: Headers::from_pairs(&[]).get_all(""),
            cursor: Cursor::new(value),
        })
    }
}

/// The canonical §9.1 form, `name; param=value`, to put back into a header (each value
/// unescaped, which §9.1 requires to be a token).
impl fmt::Display for Extension<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        for param in self.params() {
            write!(f, "; {}", param.name)?;
            if let Some(value) = param.value {
                write!(f, "={value}")?;
            }
        }
        Ok(())
    }
}

impl<'b> Iterator for Extensions<'b> {
    type Item = Extension<'b>;

    fn next(&mut self) -> Option<Extension<'b>> {
        loop {
            match self.cursor.extension() {
                Some(Some(ext)) => return Some(ext),
                // Unreachable for validated heads; ending the value keeps iteration total.
                Some(None) => self.cursor = Cursor::new(&[]),
                None => self.cursor = Cursor::new(self.values.next()?),
            }
        }
    }
}
