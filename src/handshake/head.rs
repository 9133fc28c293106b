//! The incremental HTTP/1.1 head parser both sides share, the character classes of
//! RFC 7230, and the borrowed [`Headers`] view.

use core::ops::Range;

use super::error::HeadError;
use super::Limits;
use crate::Status;

const fn tchar_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
}

static TCHAR: [bool; 256] = tchar_table();

/// RFC 7230 §3.2.6 `tchar`.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// RFC 7230 §3.2.6 `token`: one or more `tchar`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// RFC 7230 §3.2 `field-vchar / SP / HTAB`, obs-text included.
#[inline]
pub(crate) fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Visible ASCII only: the request-target, Host, Origin and the like are ASCII by
/// grammar, which is what lets their views be `&str`.
pub(crate) fn ascii_str(s: &[u8]) -> Option<&str> {
    if s.iter().all(|b| b.is_ascii_graphic()) {
        core::str::from_utf8(s).ok()
    } else {
        None
    }
}

/// An authority as Host carries it: `host[:port]`, with no userinfo, path, query,
/// fragment or list separator (RFC 7230 §5.4, RFC 3986 §3.2).
pub(crate) fn is_authority(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter().all(|&b| {
            b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\' | b',')
        })
}

/// The default port of `http` and `https` (RFC 7230 §2.7.1, §2.7.2), the only schemes
/// whose URIs name an HTTP origin server; `None` for any other. Schemes compare ASCII
/// case-insensitively (RFC 3986 §3.1).
pub(crate) fn default_port(scheme: &[u8]) -> Option<&'static [u8]> {
    if scheme.eq_ignore_ascii_case(b"http") {
        Some(b"80")
    } else if scheme.eq_ignore_ascii_case(b"https") {
        Some(b"443")
    } else {
        None
    }
}

/// Whether two authorities name the same host and port, a URI's and `Host`'s: hosts
/// compare ASCII case-insensitively (RFC 3986 §6.2.2.1) and an absent or empty port is
/// `default_port`, the URI scheme's (§6.2.3), so `http://a.example:80/` agrees with
/// `Host: A.example`. Nothing else is normalized: `080` is not `80`, `a.example.` is
/// not `a.example`.
pub(crate) fn same_authority(uri: &[u8], host: &[u8], default_port: &[u8]) -> bool {
    let (uri_host, uri_port) = split_port(uri);
    let (host_host, host_port) = split_port(host);
    uri_host.eq_ignore_ascii_case(host_host)
        && port_or(uri_port, default_port) == port_or(host_port, default_port)
}

fn port_or<'a>(port: &'a [u8], default: &'a [u8]) -> &'a [u8] {
    if port.is_empty() {
        default
    } else {
        port
    }
}

/// `host[:port]` split at the port's colon. An IPv6 literal keeps its colons: a port
/// follows only its closing bracket (RFC 3986 §3.2.2).
fn split_port(authority: &[u8]) -> (&[u8], &[u8]) {
    match authority.iter().rposition(|&b| b == b':') {
        Some(colon)
            if authority[colon + 1..].iter().all(u8::is_ascii_digit)
                && (authority[..colon].ends_with(b"]") || !authority[..colon].contains(&b':')) =>
        {
            (&authority[..colon], &authority[colon + 1..])
        }
        _ => (authority, &[]),
    }
}

/// Parses `HTTP/d.d` into (major, minor).
pub(crate) fn http_version(s: &[u8]) -> Option<(u8, u8)> {
    match *s {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Some((major - b'0', minor - b'0'))
        }
        _ => None,
    }
}

/// Where one header field sits in the head. Offsets are `u16`, which is why
/// [`Limits::max_head_len`] is capped at 64 KiB.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    name_start: u16,
    name_end: u16,
    value_start: u16,
    value_end: u16,
}

impl Span {
    const EMPTY: Span = Span {
        name_start: 0,
        name_end: 0,
        value_start: 0,
        value_end: 0,
    };
}

/// The first line of a head, the one part in which a request and a response differ:
/// the request line (RFC 7230 §3.1.1) or the status line (§3.1.2).
pub(crate) trait StartLine: Sized {
    /// How the side fails; a head that breaks HTTP/1.1 or the [`Limits`] is one case.
    type Error: From<HeadError> + Copy + core::fmt::Debug;

    /// Reads the start line, which is `buf[line]` without its CRLF. Positions the result
    /// keeps are offsets into `buf`, which later calls hand in again, grown.
    fn parse(buf: &[u8], line: Range<usize>) -> Result<Self, Self::Error>;
}

/// A complete head, borrowed from the buffer it was read from.
pub(crate) struct Head<'b, L> {
    pub(crate) start_line: &'b L,
    /// The head's bytes, blank line included.
    pub(crate) bytes: &'b [u8],
    pub(crate) headers: Headers<'b>,
}

/// The start line once read, and the length of the head once its blank line is: a
/// complete head without a start line cannot be represented.
#[derive(Debug, Clone)]
struct Progress<L> {
    start_line: L,
    head_len: Option<usize>,
}

/// Reads a head from a buffer that grows between calls, whichever side sent it: finds
/// its lines, hands the first to `L`, and records where each header field's name and
/// value are.
///
/// Positions are kept in a fixed array of `N` entries inside the parser rather than in
/// a caller-supplied slice: the handshake then works without `alloc` and without the
/// caller sizing anything, and the parsed [`Headers`] borrow the array for free. 64
/// entries cost 512 bytes.
///
/// Each byte is looked at twice at most: once by the search for LF, which resumes at
/// `pos`, and once when its completed line is validated. The start line is counted as
/// validated too, since `L` reads it once.
#[derive(Debug, Clone)]
pub(crate) struct HeadParser<L: StartLine, const N: usize> {
    limits: Limits,
    pos: usize,
    line_start: usize,
    /// `None` until the start line has been read.
    progress: Option<Progress<L>>,
    count: usize,
    spans: [Span; N],
    failed: Option<L::Error>,
    scanned: usize,
}

impl<L: StartLine, const N: usize> HeadParser<L, N> {
    pub(crate) const fn new(limits: Limits) -> Self {
        HeadParser {
            limits,
            pos: 0,
            line_start: 0,
            progress: None,
            count: 0,
            spans: [Span::EMPTY; N],
            failed: None,
            scanned: 0,
        }
    }

    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.limits);
    }

    pub(crate) fn bytes_scanned(&self) -> usize {
        self.scanned
    }

    fn max_headers(&self) -> usize {
        if self.limits.max_headers < N {
            self.limits.max_headers
        } else {
            N
        }
    }

    fn is_complete(&self) -> bool {
        matches!(
            self.progress,
            Some(Progress {
                head_len: Some(_),
                ..
            })
        )
    }

    /// Reads on from where the previous call stopped and hands a complete head to
    /// `complete`, the side's own checks. An error of the head is kept and returned again
    /// by later calls.
    pub(crate) fn parse<'b, T>(
        &'b mut self,
        buf: &'b [u8],
        complete: impl FnOnce(Head<'b, L>) -> Result<T, L::Error>,
    ) -> Result<Status<T>, L::Error> {
        // A buffer shorter than what was scanned is a new one: the caller started over,
        // and the old positions would index past its end.
        if buf.len() < self.pos {
            self.reset();
        }
        if let Some(err) = self.failed {
            return Err(err);
        }
        if !self.is_complete() {
            if let Err(err) = self.scan(buf) {
                self.failed = Some(err);
                return Err(err);
            }
        }
        match &self.progress {
            Some(Progress {
                start_line,
                head_len: Some(len),
            }) => {
                let bytes = &buf[..*len];
                complete(Head {
                    start_line,
                    bytes,
                    headers: Headers::new(bytes, &self.spans[..self.count]),
                })
                .map(Status::Complete)
            }
            _ => Ok(Status::Partial),
        }
    }

    /// Reads every line `buf` completes, up to the blank line ending the head.
    fn scan(&mut self, buf: &[u8]) -> Result<(), L::Error> {
        let max = self.limits.effective_head_len();
        let end = buf.len().min(max);
        // `pos <= end`: `pos` never passes `max`, and `parse` resets a parser whose
        // buffer is shorter than `pos` before calling this.
        loop {
            let Some(off) = find_lf(&buf[self.pos..end]) else {
                self.scanned += end - self.pos;
                self.pos = end;
                if buf.len() >= max {
                    return Err(HeadError::TooLarge { limit: max }.into());
                }
                return Ok(());
            };
            let lf = self.pos + off;
            self.scanned += off + 1;
            self.pos = lf + 1;
            let start = self.line_start;
            self.line_start = lf + 1;
            if lf == start || buf[lf - 1] != b'\r' {
                return Err(HeadError::BareLf.into());
            }
            let line = start..lf - 1;
            self.scanned += line.len();
            match &mut self.progress {
                None => {
                    self.progress = Some(Progress {
                        start_line: L::parse(buf, line)?,
                        head_len: None,
                    });
                }
                Some(progress) if line.is_empty() => {
                    progress.head_len = Some(lf + 1);
                    return Ok(());
                }
                Some(_) => self.header_line(buf, line)?,
            }
        }
    }

    fn header_line(&mut self, buf: &[u8], line: Range<usize>) -> Result<(), HeadError> {
        let bytes = &buf[line.clone()];
        // Not empty: an empty line ended the head before this is called.
        if is_ows(bytes[0]) {
            return Err(HeadError::ObsFold);
        }
        let name_len = bytes
            .iter()
            .position(|&b| !is_tchar(b))
            .unwrap_or(bytes.len());
        match bytes.get(name_len) {
            Some(b':') if name_len > 0 => {}
            Some(b' ' | b'\t') => {
                let after = trim_ows(&bytes[name_len..]);
                return Err(if after.first() == Some(&b':') {
                    HeadError::WhitespaceBeforeColon
                } else {
                    HeadError::InvalidHeaderName
                });
            }
            None => return Err(HeadError::MissingColon),
            Some(_) => return Err(HeadError::InvalidHeaderName),
        }
        let raw = &bytes[name_len + 1..];
        // No early exit: the branch-free fold vectorizes, and values are short.
        if !raw.iter().fold(true, |ok, &b| ok & is_value_byte(b)) {
            return Err(HeadError::InvalidHeaderValue);
        }
        let lead = raw.len() - trim_ows_start(raw).len();
        let value = trim_ows(raw);
        if self.count == self.max_headers() {
            return Err(HeadError::TooManyHeaders {
                limit: self.max_headers(),
            });
        }
        let value_start = line.start + name_len + 1 + lead;
        // The head never exceeds `effective_head_len` (at most 65536 bytes) and a line's
        // content ends two bytes before its end, so every offset fits a u16.
        self.spans[self.count] = Span {
            name_start: line.start as u16,
            name_end: (line.start + name_len) as u16,
            value_start: value_start as u16,
            value_end: (value_start + value.len()) as u16,
        };
        self.count += 1;
        Ok(())
    }
}

/// The first LF in `s`, eight bytes per step: a word has a zero byte where it equals
/// LF after XOR with a word of LFs, and `(w - 0x01..) & !w & 0x80..` flags the first
/// zero byte exactly (a false flag can only sit above a true one).
fn find_lf(s: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const LFS: u64 = u64::from_le_bytes([b'\n'; 8]);
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word) ^ LFS;
        let zero = w.wrapping_sub(ONES) & !w & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&b| b == b'\n').map(|i| at + i)
}

fn trim_ows_start(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    s
}

/// The header fields of a handshake, borrowed: from the caller's buffer after the byte
/// parsers, from the caller's `(name, value)` pairs after
/// [`RequestParts`](super::RequestParts), or from an `http::HeaderMap` (feature `http`).
/// Names compare ASCII case-insensitively (RFC 7230 §3.2); values have their surrounding
/// whitespace removed.
///
/// A field that appears several times is one comma-separated list (RFC 7230 §3.2.2):
/// [`get_all`](Headers::get_all) yields every value, [`list`](Headers::list) every list
/// element across them.
///
/// ```
/// use rfc6455::handshake::{Limits, RequestParser};
/// let head = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Version: 13\r\nX-Custom:  v  \r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// let request = parser.parse(head)?.complete().unwrap();
/// let headers = request.headers();
/// assert_eq!(headers.get("x-custom"), Some(&b"v"[..]));
/// assert_eq!(headers.get_all("CONNECTION").count(), 2);
/// assert!(headers.contains_token("connection", "upgrade"));
/// assert_eq!(headers.iter().next(), Some(("Host", &b"a"[..])));
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Headers<'b> {
    fields: Fields<'b>,
}

/// Where the fields live. One view over all three keeps a single validator for every way
/// a handshake can arrive.
#[derive(Debug, Clone, Copy)]
enum Fields<'b> {
    /// Positions in a head the byte parser read.
    Head { buf: &'b [u8], spans: &'b [Span] },
    /// Pairs the caller holds.
    Pairs(&'b [(&'b str, &'b str)]),
    /// The map of the `http` crate, which hyper, h2 and h3 fill.
    #[cfg(feature = "http")]
    Map(&'b ::http::HeaderMap),
}

impl<'b> Headers<'b> {
    fn new(buf: &'b [u8], spans: &'b [Span]) -> Self {
        Headers {
            fields: Fields::Head { buf, spans },
        }
    }

    /// A view of `(name, value)` pairs, whitespace around values removed as a parser
    /// would.
    pub(crate) fn from_pairs(pairs: &'b [(&'b str, &'b str)]) -> Self {
        Headers {
            fields: Fields::Pairs(pairs),
        }
    }

    /// A view of an `http::HeaderMap`.
    #[cfg(feature = "http")]
    pub(crate) fn from_map(map: &'b ::http::HeaderMap) -> Self {
        Headers {
            fields: Fields::Map(map),
        }
    }

    /// How many header fields the head has.
    pub fn len(&self) -> usize {
        match self.fields {
            Fields::Head { spans, .. } => spans.len(),
            Fields::Pairs(pairs) => pairs.len(),
            #[cfg(feature = "http")]
            Fields::Map(map) => map.len(),
        }
    }

    /// Whether the head has no header fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every field as `(name, value)`, in arrival order (an `http::HeaderMap` groups
    /// the values of one name together). Names are tokens, hence ASCII.
    pub fn iter(&self) -> HeaderIter<'b> {
        HeaderIter {
            headers: *self,
            next: 0,
        }
    }

    /// The value of the first field called `name`.
    pub fn get(&self, name: &str) -> Option<&'b [u8]> {
        self.get_all(name).next()
    }

    /// The values of every field called `name`, in arrival order.
    pub fn get_all<'n>(&self, name: &'n str) -> GetAll<'b, 'n> {
        GetAll {
            headers: *self,
            next: 0,
            name,
        }
    }

    /// The field at `index` as bytes, value trimmed. Names are tokens after the byte
    /// parser, and `http::HeaderName`s are; caller pairs are checked by the validator.
    fn field(&self, index: usize) -> Option<(&'b [u8], &'b [u8])> {
        match self.fields {
            Fields::Head { buf, spans } => spans.get(index).map(|s| {
                (
                    &buf[s.name_start as usize..s.name_end as usize],
                    &buf[s.value_start as usize..s.value_end as usize],
                )
            }),
            Fields::Pairs(pairs) => pairs
                .get(index)
                .map(|(n, v)| (n.as_bytes(), trim_ows(v.as_bytes()))),
            // `HeaderMap` iterators are not `Clone`, so the public iterators walk it by
            // index: quadratic in the field count, which hyper bounds (100 by default);
            // the validator reads it with `raw`, once and linearly.
            #[cfg(feature = "http")]
            Fields::Map(map) => map
                .iter()
                .nth(index)
                .map(|(n, v)| (n.as_str().as_bytes(), trim_ows(v.as_bytes()))),
        }
    }

    /// `(name, value)` pairs as bytes, for the crate's own checks: names are tokens, so
    /// skipping the UTF-8 check of [`iter`](Self::iter) loses nothing.
    pub(crate) fn raw(&self) -> Raw<'b> {
        match self.fields {
            #[cfg(feature = "http")]
            Fields::Map(map) => Raw::Map(map.iter()),
            _ => Raw::Indexed(*self, 0),
        }
    }

    /// The non-empty elements of the comma-separated list formed by every field called
    /// `name`, whitespace removed (RFC 7230 §7). Quoted commas are not special: use it for
    /// token lists such as `Connection` or `Sec-WebSocket-Protocol`.
    pub fn list<'n>(&self, name: &'n str) -> ListItems<'b, 'n> {
        ListItems {
            values: self.get_all(name),
            rest: &[],
        }
    }

    /// Whether the list formed by the fields called `name` has an element equal to
    /// `token`, ASCII case-insensitively (`Connection: keep-alive, Upgrade`).
    pub fn contains_token(&self, name: &str, token: &str) -> bool {
        self.list(name)
            .any(|item| item.eq_ignore_ascii_case(token.as_bytes()))
    }
}

/// What the byte parser demands of every field, for fields another parser read: names
/// are tokens and values have no control character but HTAB (RFC 7230 §3.2).
pub(crate) fn check_fields(headers: &Headers<'_>) -> Result<(), HeadError> {
    for (name, value) in headers.raw() {
        if !is_token(name) {
            return Err(HeadError::InvalidHeaderName);
        }
        if !value.iter().all(|&b| is_value_byte(b)) {
            return Err(HeadError::InvalidHeaderValue);
        }
    }
    Ok(())
}

/// The fields in one pass, for the validators.
pub(crate) enum Raw<'b> {
    Indexed(Headers<'b>, usize),
    #[cfg(feature = "http")]
    Map(::http::header::Iter<'b, ::http::HeaderValue>),
}

impl<'b> Iterator for Raw<'b> {
    type Item = (&'b [u8], &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Raw::Indexed(headers, next) => {
                let field = headers.field(*next)?;
                *next += 1;
                Some(field)
            }
            #[cfg(feature = "http")]
            Raw::Map(iter) => iter
                .next()
                .map(|(n, v)| (n.as_str().as_bytes(), trim_ows(v.as_bytes()))),
        }
    }
}

/// Equal when the same fields arrived in the same order with the same values, wherever
/// they sit.
impl PartialEq for Headers<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Headers<'_> {}

impl<'b> IntoIterator for Headers<'b> {
    type Item = (&'b str, &'b [u8]);
    type IntoIter = HeaderIter<'b>;

    fn into_iter(self) -> HeaderIter<'b> {
        self.iter()
    }
}

/// Iterator over `(name, value)` pairs; see [`Headers::iter`].
#[derive(Debug, Clone)]
pub struct HeaderIter<'b> {
    headers: Headers<'b>,
    next: usize,
}

impl<'b> Iterator for HeaderIter<'b> {
    type Item = (&'b str, &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, value) = self.headers.field(self.next)?;
        self.next += 1;
        Some((core::str::from_utf8(name).unwrap_or_default(), value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.headers.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for HeaderIter<'_> {}

/// Iterator over the values of one header name; see [`Headers::get_all`].
#[derive(Debug, Clone)]
pub struct GetAll<'b, 'n> {
    headers: Headers<'b>,
    next: usize,
    name: &'n str,
}

impl<'b> Iterator for GetAll<'b, '_> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        #[cfg(feature = "http")]
        if let Fields::Map(map) = self.headers.fields {
            // The map finds a name's values directly (case-insensitively).
            let value = map.get_all(self.name).iter().nth(self.next)?;
            self.next += 1;
            return Some(trim_ows(value.as_bytes()));
        }
        let name = self.name.as_bytes();
        loop {
            let (n, value) = self.headers.field(self.next)?;
            self.next += 1;
            if n.eq_ignore_ascii_case(name) {
                return Some(value);
            }
        }
    }
}

/// Iterator over the elements of a comma-separated header list; see [`Headers::list`].
#[derive(Debug, Clone)]
pub struct ListItems<'b, 'n> {
    values: GetAll<'b, 'n>,
    rest: &'b [u8],
}

impl<'b> Iterator for ListItems<'b, '_> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        loop {
            if self.rest.is_empty() {
                self.rest = self.values.next()?;
            }
            let (item, rest) = match self.rest.iter().position(|&b| b == b',') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            let item = trim_ows(item);
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}
