//! The differential check against real zlib, shared by `tests/deflate_zlib.rs` (proptest)
//! and the `deflate_zlib` fuzz target (arbitrary).
//!
//! Both directions of RFC 7692 §7.2, for one [`Case`]:
//!
//! - **zlib compresses, we inflate.** zlib's raw deflate makes each message with the
//!   case's flush ([`Flush`]); the payloads are framed with random fragment sizes and
//!   read by `MessageReader` in random read sizes. It must deliver exactly the
//!   original messages, and so must the zlib inflater this module models a receiver
//!   with ([`ZlibReader`]).
//! - **We compress, zlib inflates.** `DeflateSender`'s payloads, under the same window
//!   and takeover, inflate in zlib to exactly the original messages: one inflate stream
//!   across messages with context takeover, a fresh one per message without, and at
//!   windows below 15 bits an output of one byte per call, so that zlib checks every
//!   distance against its window rather than against what the call wrote.
//! - **Corrupt streams.** One of zlib's payloads is mutated; `MessageReader` and
//!   [`ZlibReader`] must agree message by message: the same bytes for each message they
//!   both accept, and the first failure at the same message, as corrupt data (1007) or
//!   as too big (1009).
//!
//! How [`ZlibReader`] reads, so that a verdict means the same for both sides: it
//! inflates each payload with the stripped `00 00 ff ff` appended (§7.2.2), raw, with
//! a 32 KiB window (zlib checks a smaller window only across its calls, which would make
//! the verdict depend on how it is called; our reader checks distances against what
//! exists, not against the agreed window). Bytes after a final block are ignored (zlib
//! stops at the stream's end), and the next message starts a new stream primed with
//! `inflateSetDictionary` with the last 32 KiB inflated, when the window is kept. A
//! stream cut short is only incomplete for zlib, not an error: both readers deliver
//! what the bytes decoded to and carry the rest into the next message. Without context
//! takeover every message gets a fresh inflater. The verdicts must be identical, with
//! one exception: we may fail a message as corrupt where zlib, at the end of that
//! message, is still inside a block or block header (an empty final block appended
//! does not end its stream): zlib rejects later what miniz_oxide rejects on sight, or
//! the stream does not end where a message may. A message whose output passes the limit
//! fails as too big even if corrupt data follows, since our reader stops inflating
//! there.

// Each includer uses its own part of the module.
#![allow(dead_code)]

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use rfc6455::connection::{
    Config, Connection, Message, MessageKind, MessageReader, ProtocolError, Received,
};
use rfc6455::extensions::deflate::{DeflateParams, DeflateSender};

/// The stripped sync tail (§7.2.1).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// The most a DEFLATE match reaches back.
const WINDOW: usize = 32 * 1024;

/// How zlib ends a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// `Z_SYNC_FLUSH`, tail stripped: the usual end (§7.2.1).
    Sync,
    /// `Z_FULL_FLUSH`, tail stripped: the dictionary is emptied as well.
    Full,
    /// `Z_FINISH`: a final block (§7.2.3.4); the next message is a new stream with no
    /// dictionary.
    Finish,
    /// `Z_FINISH`, then the next message's stream is primed with what came before
    /// (`deflateSetDictionary`), so it refers back across the end of the stream.
    FinishKeepWindow,
}

pub const FLUSHES: [Flush; 4] = [
    Flush::Sync,
    Flush::Full,
    Flush::Finish,
    Flush::FinishKeepWindow,
];

/// One connection's worth of messages in one direction.
#[derive(Debug, Clone)]
pub struct Case {
    /// The agreed window, 8–15 (zlib compresses with 9 at 8; see [`zlib_bits`]).
    pub window_bits: u8,
    /// Context takeover in the compressing direction.
    pub takeover: bool,
    /// zlib's and our level, 0 (stored blocks) to 9.
    pub level: u8,
    pub messages: Vec<(Vec<u8>, Flush)>,
    /// Drives the fragment and read sizes.
    pub seed: u64,
}

/// The window zlib can be asked for: it has no raw deflate or inflate at 8 bits (zlib
/// refuses raw deflate at 8 and flate2 both at 8), and zlib-based peers send 9-bit
/// streams when 8 was agreed.
pub fn zlib_bits(bits: u8) -> u8 {
    bits.clamp(9, 15)
}

/// A small xorshift generator: cuts that depend only on the seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// 1 to `max`, most often small.
    pub fn size(&mut self, max: usize) -> usize {
        let max = max.max(1);
        let cap = if self.next() % 4 == 0 {
            max
        } else {
            16.min(max)
        };
        1 + (self.next() % cap as u64) as usize
    }
}

/// The parameters under which the server compresses with `case`'s window and takeover.
pub fn server_params(case: &Case) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: !case.takeover,
        server_max_window_bits: Some(case.window_bits),
        ..DeflateParams::default()
    }
}

/// zlib's payloads for `case`'s messages, each as sent: sync tails stripped.
pub fn zlib_compress(case: &Case) -> Vec<Vec<u8>> {
    let new = || {
        Compress::new_with_window_bits(
            Compression::new(u32::from(case.level.min(9))),
            false,
            zlib_bits(case.window_bits),
        )
    };
    let mut c = new();
    let mut history: Vec<u8> = Vec::new();
    let mut payloads = Vec::new();
    for (i, (message, flush)) in case.messages.iter().enumerate() {
        if !case.takeover && i > 0 {
            // No context takeover: every message a stream of its own, as a peer that
            // resets its compressor sends it.
            c = new();
        }
        let mode = match flush {
            Flush::Sync => FlushCompress::Sync,
            Flush::Full => FlushCompress::Full,
            Flush::Finish | Flush::FinishKeepWindow => FlushCompress::Finish,
        };
        let mut out = run_compress(&mut c, message, mode);
        history.extend_from_slice(message);
        match flush {
            // zlib writes nothing for a flush right after a flush (Z_BUF_ERROR); a peer
            // then sends the empty stored block's first byte alone (§7.2.3.6).
            Flush::Sync | Flush::Full if out.is_empty() => out.push(0x00),
            Flush::Sync | Flush::Full => {
                assert!(out.ends_with(&TAIL), "zlib's flush ends in 00 00 ff ff");
                out.truncate(out.len() - TAIL.len());
            }
            Flush::Finish => c = new(),
            Flush::FinishKeepWindow => {
                c = new();
                if case.takeover {
                    let from = history.len().saturating_sub(WINDOW);
                    c.set_dictionary(&history[from..])
                        .expect("a raw stream takes one");
                }
            }
        }
        payloads.push(out);
    }
    payloads
}

fn run_compress(c: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + 64);
    let before = c.total_in();
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(64));
        }
        let consumed = (c.total_in() - before) as usize;
        let status = c
            .compress_vec(&input[consumed..], &mut out, flush)
            .expect("zlib compresses");
        let consumed = (c.total_in() - before) as usize;
        let room_left = out.len() < out.capacity();
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => consumed == input.len() && room_left,
        };
        if done {
            return out;
        }
    }
}

/// What went wrong with a message, in terms both readers share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not DEFLATE that can be decoded: 1007.
    Corrupt,
    /// Inflated past the limit: 1009.
    TooBig,
}

/// Each message's bytes, up to and including the first fault.
pub type Verdicts = Vec<Result<Vec<u8>, Fault>>;

/// A receiver built on zlib's inflate (see the module docs for how it reads).
pub struct ZlibReader {
    inflater: Decompress,
    bits: u8,
    keep_window: bool,
    /// The last 32 KiB inflated, for the next stream's dictionary.
    window: Vec<u8>,
    /// The last message ended its stream.
    ended: bool,
    /// Output room per call.
    chunk: usize,
}

impl ZlibReader {
    /// A reader at `bits` (see [`zlib_bits`]) that inflates at most `chunk` bytes a call.
    pub fn new(bits: u8, keep_window: bool, chunk: usize) -> Self {
        ZlibReader {
            inflater: Decompress::new_with_window_bits(false, zlib_bits(bits)),
            bits,
            keep_window,
            window: Vec::new(),
            ended: false,
            chunk: chunk.max(1),
        }
    }

    /// Inflates one message's payload, failing as too big past `limit` bytes.
    pub fn message(&mut self, payload: &[u8], limit: usize) -> Result<Vec<u8>, Fault> {
        self.inflate(payload, &[], limit)
    }

    /// Whether the stream is whole after `payload`, the next message: at the end of a
    /// block, so that an empty final block (`03 00`) appended to it ends the stream.
    /// Otherwise zlib is still inside a block or a block header, waiting for bits.
    pub fn ends_cleanly(&mut self, payload: &[u8], limit: usize) -> bool {
        self.inflate(payload, &[0x03, 0x00], limit).is_ok() && self.ended
    }

    fn inflate(&mut self, payload: &[u8], probe: &[u8], limit: usize) -> Result<Vec<u8>, Fault> {
        if !self.keep_window {
            self.inflater = Decompress::new_with_window_bits(false, zlib_bits(self.bits));
        } else if self.ended {
            self.inflater.reset(false);
            if !self.window.is_empty() {
                self.inflater
                    .set_dictionary(&self.window)
                    .map_err(|_| Fault::Corrupt)?;
            }
        }
        self.ended = false;
        let input = [payload, &TAIL, probe].concat();
        let mut out: Vec<u8> = Vec::new();
        let mut at = 0;
        let mut buf = vec![0u8; self.chunk.min(limit + 1)];
        loop {
            let room = buf.len().min(limit + 1 - out.len());
            let (in_before, out_before) = (self.inflater.total_in(), self.inflater.total_out());
            let status = self
                .inflater
                .decompress(&input[at..], &mut buf[..room], FlushDecompress::None)
                .map_err(|_| Fault::Corrupt)?;
            let consumed = (self.inflater.total_in() - in_before) as usize;
            let written = (self.inflater.total_out() - out_before) as usize;
            at += consumed;
            out.extend_from_slice(&buf[..written]);
            if out.len() > limit {
                return Err(Fault::TooBig);
            }
            if status == Status::StreamEnd {
                self.ended = true;
                break;
            }
            // Everything in and the output not full: nothing is pending. No progress at
            // all: the stream is incomplete, which is no error.
            if (at == input.len() && written < room) || (consumed == 0 && written == 0) {
                break;
            }
        }
        self.window.extend_from_slice(&out);
        let excess = self.window.len().saturating_sub(WINDOW);
        self.window.drain(..excess);
        Ok(out)
    }

    pub fn read_all(&mut self, payloads: &[Vec<u8>], limit: usize) -> Verdicts {
        let mut verdicts = Vec::new();
        for p in payloads {
            let verdict = self.message(p, limit);
            let failed = verdict.is_err();
            verdicts.push(verdict);
            if failed {
                break;
            }
        }
        verdicts
    }
}

/// `payloads` as compressed binary messages from a server, each cut into fragments,
/// read by a client's `MessageReader` in reads of random sizes, up to the first error.
/// The client's connection has the case's parameters: whether the server keeps its
/// context decides whether the reader keeps the window.
pub fn our_read(case: &Case, payloads: &[Vec<u8>], limit: usize, rng: &mut Rng) -> Verdicts {
    let reader = &mut MessageReader::new();
    let config = Config::default()
        .permessage_deflate(Some(server_params(case)))
        .max_message_size(limit as u64);
    let mut server = Connection::server(config);
    let mut wire = Vec::new();
    for p in payloads {
        let mut at = 0;
        loop {
            let take = rng.size(p.len() - at).min(p.len() - at);
            let last = at + take == p.len();
            let mut frame = vec![0u8; take + 14];
            let n = server
                .send_compressed_fragment(MessageKind::Binary, &p[at..at + take], last, &mut frame)
                .expect("room for the frame");
            wire.extend_from_slice(&frame[..n]);
            at += take;
            if last {
                break;
            }
        }
    }
    let mut client = Connection::client(config, rfc6455::DeterministicKeys::sequence(7));
    let mut verdicts = Vec::new();
    let (mut buf, mut fed) = (Vec::new(), 0);
    loop {
        let take = rng.size(wire.len() - fed).min(wire.len() - fed);
        buf.extend_from_slice(&wire[fed..fed + take]);
        fed += take;
        loop {
            match reader.read(&mut client, &mut buf) {
                Ok(Received {
                    consumed,
                    event: message,
                }) => {
                    let got = match message {
                        Some(Message::Binary(b)) => Some(b.to_vec()),
                        Some(other) => panic!("unexpected {other:?}"),
                        None => None,
                    };
                    buf.drain(..consumed);
                    let progress = consumed > 0 || got.is_some();
                    verdicts.extend(got.map(Ok));
                    if !progress {
                        break;
                    }
                }
                Err(e) => {
                    verdicts.push(Err(match e {
                        ProtocolError::Extension => Fault::Corrupt,
                        ProtocolError::MessageTooBig { .. } => Fault::TooBig,
                        other => panic!("not a deflate fault: {other:?}"),
                    }));
                    return verdicts;
                }
            }
        }
        if fed == wire.len() && buf.is_empty() {
            return verdicts;
        }
    }
}

/// Our payloads for `case`'s messages, sent by a server under its parameters.
pub fn our_compress(case: &Case) -> Vec<Vec<u8>> {
    let config = Config::default().permessage_deflate(Some(server_params(case)));
    let mut server = Connection::server(config);
    let mut sender = DeflateSender::with_level(&server, case.level).expect("configured");
    case.messages
        .iter()
        .map(|(message, _)| {
            let mut frame = vec![0u8; sender.max_send_len(message.len())];
            let n = sender
                .send(&mut server, MessageKind::Binary, message, &mut frame)
                .expect("max_send_len is enough");
            payload_of(&frame[..n]).to_vec()
        })
        .collect()
}

/// The payload of one unmasked frame.
fn payload_of(frame: &[u8]) -> &[u8] {
    match frame[1] & 0x7f {
        126 => &frame[4..],
        127 => &frame[10..],
        _ => &frame[2..],
    }
}

/// The limit both readers get: room for every message, so only mutations meet it.
pub fn limit_for(case: &Case) -> usize {
    let largest = case
        .messages
        .iter()
        .map(|(m, _)| m.len())
        .max()
        .unwrap_or(0);
    largest * 2 + 1024
}

/// Both directions on valid streams.
pub fn check_valid(case: &Case) {
    let expected: Verdicts = case.messages.iter().map(|(m, _)| Ok(m.clone())).collect();
    let limit = limit_for(case);

    let zlib_made = zlib_compress(case);
    let mut rng = Rng::new(case.seed);
    let ours = our_read(case, &zlib_made, limit, &mut rng);
    assert!(
        ours == expected,
        "{}",
        parting(&ours, &expected, "ours", case)
    );
    // The model agrees, or it is no reference for the corrupt streams.
    let theirs = ZlibReader::new(15, case.takeover, usize::MAX >> 1).read_all(&zlib_made, limit);
    assert!(
        theirs == expected,
        "{}",
        parting(&theirs, &expected, "zlib", case)
    );

    let ours_made = our_compress(case);
    let chunk = if case.window_bits < 15 { 1 } else { 1 << 16 };
    let theirs =
        ZlibReader::new(case.window_bits, case.takeover, chunk).read_all(&ours_made, limit);
    assert!(
        theirs == expected,
        "{}",
        parting(&theirs, &expected, "zlib on our stream", case)
    );
}

/// A mutation of one payload: XOR `mask` into byte `at`, or with `mask` 0, cut the
/// payload at `at` (positions wrap).
#[derive(Debug, Clone, Copy)]
pub struct Mutation {
    pub message: usize,
    pub at: usize,
    pub mask: u8,
}

/// zlib's stream for `case` with `mutation`: ours and zlib's verdicts agree.
pub fn check_corrupt(case: &Case, mutation: Mutation) {
    let mut payloads = zlib_compress(case);
    if payloads.is_empty() {
        return;
    }
    let index = mutation.message % payloads.len();
    let target = &mut payloads[index];
    if mutation.mask == 0 {
        let cut = mutation.at % (target.len() + 1);
        target.truncate(cut);
    } else if !target.is_empty() {
        let at = mutation.at % target.len();
        target[at] ^= mutation.mask;
    }
    let limit = limit_for(case);
    let theirs = ZlibReader::new(15, case.takeover, usize::MAX >> 1).read_all(&payloads, limit);
    let mut rng = Rng::new(case.seed);
    let ours = our_read(case, &payloads, limit, &mut rng);
    if ours == theirs {
        return;
    }
    // One way to part is allowed: we fail a message as corrupt that zlib leaves
    // unfinished. miniz_oxide rejects some malformed block headers as soon as it reads
    // them (a code-length code with no codes), zlib only once it has read the code
    // lengths that follow, possibly in a later message.
    let at = ours.iter().zip(&theirs).take_while(|(o, t)| o == t).count();
    let unfinished = ours.len() == at + 1
        && ours[at] == Err(Fault::Corrupt)
        && theirs.get(at).is_some_and(Result::is_ok)
        && {
            let mut zlib = ZlibReader::new(15, case.takeover, usize::MAX >> 1);
            assert!(zlib
                .read_all(&payloads[..at], limit)
                .iter()
                .all(Result::is_ok));
            !zlib.ends_cleanly(&payloads[at], limit)
        };
    assert!(
        unfinished,
        "{mutation:?}: {}",
        parting(&ours, &theirs, "ours", case)
    );
}

/// Where two runs part, briefly: messages run to kilobytes.
fn parting(got: &Verdicts, want: &Verdicts, who: &str, case: &Case) -> String {
    let at = got.iter().zip(want).take_while(|(g, w)| g == w).count();
    let show = |v: Option<&Result<Vec<u8>, Fault>>| match v {
        Some(Ok(b)) => format!("{} bytes {:?}", b.len(), &b[..b.len().min(24)]),
        Some(Err(f)) => format!("{f:?}"),
        None => "nothing".into(),
    };
    format!(
        "{who}: message {at} of {} is {}, expected {} (window {}, takeover {}, level {}, flushes {:?})",
        want.len(),
        show(got.get(at)),
        show(want.get(at)),
        case.window_bits,
        case.takeover,
        case.level,
        case.messages.iter().map(|(m, f)| (m.len(), *f)).collect::<Vec<_>>(),
    )
}
