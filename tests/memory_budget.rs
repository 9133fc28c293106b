//! Proof of the memory promise: nothing a peer sends makes the connection allocate, and
//! nothing makes `MessageReader` hold more than the configured message limit.
//!
//! A counting global allocator, for this test binary only, keeps per-thread books, so
//! tests running in parallel do not see each other's allocations. Inputs are built
//! before the books are opened; the read loops reuse one fixed read buffer.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rfc6455::connection::{Config, Connection, Event, MessageKind, ProtocolError, Received};
use rfc6455_testkit::*;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TRANSIENT_PEAK: Cell<isize> = const { Cell::new(0) };
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

/// Records a change of `delta` live bytes; `transient` is how many bytes exist for a
/// moment on top of that, as when a reallocation copies into a new block before it
/// frees the old one.
fn book(delta: isize, transient: isize, call: bool) {
    // `try_with`: the allocator also runs while a thread's locals are torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        PEAK.with(|p| p.set(p.get().max(now)));
        TRANSIENT_PEAK.with(|p| p.set(p.get().max(now + transient)));
        if call {
            CALLS.with(|c| c.set(c.get() + 1));
        }
    });
}

fn size(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged;
// the bookkeeping touches only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        book(size(layout.size()), 0, true);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        book(size(layout.size()), 0, true);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        book(-size(layout.size()), 0, false);
        // SAFETY: `ptr` was allocated by `System` (through this type) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        book(
            size(new_size) - size(layout.size()),
            size(layout.size().min(new_size)),
            true,
        );
        // SAFETY: as for `dealloc`, and `new_size` satisfies `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What a measured closure cost this thread, above what was live when it started.
#[derive(Debug, Clone, Copy)]
struct Cost {
    /// Allocation calls, reallocations included.
    calls: usize,
    /// The most bytes held at once, a reallocation counted as resizing in place.
    peak: usize,
    /// The same, with a reallocation holding the old and the new block together.
    transient_peak: usize,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    TRANSIENT_PEAK.with(|p| p.set(base));
    let calls = CALLS.with(Cell::get);
    let out = f();
    let cost = Cost {
        calls: CALLS.with(Cell::get) - calls,
        peak: usize::try_from(PEAK.with(Cell::get) - base).unwrap_or(0),
        transient_peak: usize::try_from(TRANSIENT_PEAK.with(Cell::get) - base).unwrap_or(0),
    };
    (out, cost)
}

/// The caller's read buffer: a socket read copies into it, reads consume from it.
const READ_BUFFER: usize = 16 * 1024;

/// Feeds `input` through a fixed read buffer the way a caller's loop does, handing each
/// window of unconsumed bytes to `step`, which returns how many it consumed and whether
/// it produced anything. Stops at the first error.
fn pump(
    input: &[u8],
    buf: &mut [u8],
    mut step: impl FnMut(&mut [u8]) -> Result<(usize, bool), ProtocolError>,
) -> Result<usize, ProtocolError> {
    let (mut rest, mut start, mut filled, mut steps) = (input, 0, 0, 0);
    loop {
        if start > 0 {
            buf.copy_within(start..filled, 0);
            filled -= start;
            start = 0;
        }
        let room = (buf.len() - filled).min(rest.len());
        buf[filled..filled + room].copy_from_slice(&rest[..room]);
        filled += room;
        rest = &rest[room..];
        loop {
            steps += 1;
            let (consumed, produced) = step(&mut buf[start..filled])?;
            start += consumed;
            if consumed == 0 && !produced {
                break;
            }
        }
        if rest.is_empty() {
            return Ok(steps);
        }
    }
}

/// Reads `input` through the frame-level API with `config`, draining replies into a
/// stack buffer. Returns the first error, if any.
fn frames(config: Config, input: &[u8], buf: &mut [u8]) -> Option<ProtocolError> {
    let mut conn = Connection::server(config);
    let mut out = [0u8; 512];
    pump(input, buf, |window| {
        let Received { consumed, event } = conn.read(window)?;
        while conn.poll_transmit(&mut out).expect("room for any reply") > 0 {}
        Ok((consumed, event.is_some()))
    })
    .err()
}

/// Reads `input` through `MessageReader` with `config`. Returns the first error, if any.
#[cfg(feature = "alloc")]
fn messages(config: Config, input: &[u8], buf: &mut [u8]) -> Option<ProtocolError> {
    let mut conn = Connection::server(config);
    let mut reader = rfc6455::connection::MessageReader::new();
    let mut out = [0u8; 512];
    pump(input, buf, |window| {
        let Received {
            consumed,
            event: message,
        } = reader.read(&mut conn, window)?;
        let produced = message.is_some();
        while conn.poll_transmit(&mut out).expect("room for any reply") > 0 {}
        Ok((consumed, produced))
    })
    .err()
}

/// `count` fragments of `size` bytes forming one message of `kind`.
fn fragmented(kind: MessageKind, count: usize, size: usize) -> Vec<u8> {
    let first = if kind == MessageKind::Text {
        0x01
    } else {
        0x02
    };
    let payload = vec![b'x'; size];
    (0..count)
        .flat_map(|i| {
            let op = if i == 0 { first } else { 0x00 };
            let fin = if i + 1 == count { 0x80 } else { 0 };
            client_frame(op | fin, &payload)
        })
        .collect()
}

/// Bytes no peer should send, but any peer can: a deterministic pseudo-random stream.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct Hostile {
    name: &'static str,
    config: Config,
    bytes: Vec<u8>,
    /// What the frame-level read must end with.
    error: Option<ProtocolError>,
}

fn catalogue() -> Vec<Hostile> {
    let default = Config::default();
    let limit = default.max_message_size;
    let raised = Config::default()
        .max_fragments(1_000_000)
        .max_message_size(1_000_000);
    let mut late_invalid = vec![b'a'; 1 << 20];
    late_invalid[(1 << 20) - 10] = 0xFF;
    let mut ping_between = Vec::new();
    for i in 0..1000 {
        let op = if i == 0 { 0x01 } else { 0x00 };
        let fin = if i == 999 { 0x80 } else { 0 };
        ping_between.extend(client_frame(op | fin, b"abc"));
        ping_between.extend(client_frame(0x89, &[7; 125]));
    }
    let mut close_codes = Vec::new();
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        close_codes.push(client_frame(0x88, &code.to_be_bytes()));
    }
    vec![
        Hostile {
            name: "length 2^63",
            config: default,
            bytes: [&[0x82, 0xFF][..], &(1u64 << 63).to_be_bytes(), &CLIENT_KEY].concat(),
            error: Some(ProtocolError::Frame(
                rfc6455::frame::FrameError::LengthTopBit,
            )),
        },
        Hostile {
            name: "length 2^63 - 1",
            config: default,
            bytes: client_header(0x82, i64::MAX as u64),
            error: Some(ProtocolError::MessageTooBig { limit }),
        },
        Hostile {
            name: "a frame one byte over the limit, header only",
            config: default,
            bytes: client_header(0x82, limit + 1),
            error: Some(ProtocolError::MessageTooBig { limit }),
        },
        Hostile {
            name: "a binary message of exactly the limit in one frame",
            config: default,
            bytes: client_frame(0x82, &vec![1; limit as usize]),
            error: None,
        },
        Hostile {
            name: "a text message of exactly the limit in 4096 fragments",
            config: default,
            bytes: fragmented(MessageKind::Text, 4096, limit as usize / 4096),
            error: None,
        },
        Hostile {
            name: "fragments summing to one byte over the limit",
            config: default,
            bytes: [
                client_frame(0x02, &vec![0; limit as usize / 2]),
                client_frame(0x00, &vec![0; limit as usize / 2]),
                client_frame(0x80, b"!"),
            ]
            .concat(),
            error: Some(ProtocolError::MessageTooBig { limit }),
        },
        Hostile {
            name: "10^6 one-byte fragments",
            config: default,
            bytes: fragmented(MessageKind::Binary, 1_000_000, 1),
            error: Some(ProtocolError::TooManyFragments { limit: 4096 }),
        },
        Hostile {
            name: "10^6 one-byte fragments under a raised limit",
            config: raised,
            bytes: fragmented(MessageKind::Binary, 1_000_000, 1),
            error: None,
        },
        Hostile {
            name: "a full ping between every fragment",
            config: default,
            bytes: ping_between,
            error: None,
        },
        Hostile {
            name: "invalid UTF-8 ten bytes before the end of 1 MiB of text",
            config: default,
            bytes: client_frame(0x81, &late_invalid),
            error: Some(ProtocolError::InvalidUtf8),
        },
        Hostile {
            name: "a close inside a fragmented message",
            config: default,
            bytes: [
                client_frame(0x01, &[b'a'; 1000]),
                client_frame(0x88, &[0x03, 0xE8]),
                client_frame(0x80, &[b'b'; 1000]),
            ]
            .concat(),
            error: None,
        },
        Hostile {
            name: "a close with a code never valid on the wire",
            config: default,
            bytes: close_codes.concat(),
            error: Some(ProtocolError::Frame(
                rfc6455::frame::FrameError::InvalidCloseCode(0),
            )),
        },
        Hostile {
            name: "1 MiB of noise",
            config: default,
            bytes: noise(1 << 20),
            error: None,
        },
        Hostile {
            name: "1 MiB of masked noise behind a valid binary header",
            config: default,
            bytes: [client_header(0x02, 1 << 19), noise(1 << 20)].concat(),
            error: None,
        },
    ]
}

#[test]
fn the_frame_level_read_path_never_allocates_on_hostile_input() {
    let mut buf = vec![0u8; READ_BUFFER];
    for h in catalogue() {
        let (error, cost) = measure(|| frames(h.config, &h.bytes, &mut buf));
        if let Some(expected) = h.error {
            assert_eq!(error, Some(expected), "{}", h.name);
        }
        assert_eq!(cost.calls, 0, "{}: {cost:?}", h.name);
    }
}

#[cfg(feature = "alloc")]
#[test]
fn message_reader_stays_within_the_message_limit_on_hostile_input() {
    // The reader's own small state and the growth arithmetic's rounding, not the peer.
    const SLACK: usize = 1024;
    let mut buf = vec![0u8; READ_BUFFER];
    for h in catalogue() {
        let budget = h.config.max_message_size as usize + SLACK;
        let (error, cost) = measure(|| messages(h.config, &h.bytes, &mut buf));
        if let Some(expected) = h.error {
            assert_eq!(error, Some(expected), "{}", h.name);
        }
        assert!(cost.peak <= budget, "{}: {cost:?} over {budget}", h.name);
        // Growing a contiguous buffer may copy it, holding both blocks for an instant;
        // that is still a multiple of the caller's limit, never of the peer's claims.
        assert!(
            cost.transient_peak <= 2 * budget,
            "{}: {cost:?} over twice {budget}",
            h.name
        );
    }
}

#[test]
fn ten_thousand_frames_cost_zero_allocations() {
    let mut stream = Vec::new();
    let mut expected_frames = 0;
    for i in 0..10_000u32 {
        let bytes = i.to_be_bytes();
        stream.extend(match i % 5 {
            0 => client_frame(0x81, "héllo wörld".as_bytes()),
            1 => client_frame(0x82, &vec![i as u8; (i % 300) as usize]),
            2 => client_frame(0x89, &bytes),
            3 => client_frame(0x8A, &bytes),
            _ => [client_frame(0x01, b"frag"), client_frame(0x80, b"ment")].concat(),
        });
        expected_frames += if i % 5 == 4 { 2 } else { 1 };
    }
    let mut buf = vec![0u8; READ_BUFFER];
    let mut conn = Connection::server(Config::default());
    let mut out = [0u8; 512];
    let mut events = 0;
    let (result, cost) = measure(|| {
        pump(&stream, &mut buf, |window| {
            let Received { consumed, event } = conn.read(window)?;
            // A frame straddling two fills of the read buffer comes in two pieces;
            // count frames, not pieces.
            events += match event {
                Some(Event::Data { frame_finished, .. }) => frame_finished as usize,
                Some(_) => 1,
                None => 0,
            };
            while conn.poll_transmit(&mut out).expect("room") > 0 {}
            Ok((consumed, event.is_some()))
        })
    });
    assert!(result.is_ok());
    assert_eq!(events, expected_frames);
    assert_eq!(cost.calls, 0, "{cost:?}");
}

#[test]
fn the_books_see_an_allocation_and_a_reallocation() {
    let (v, cost) = measure(|| {
        let mut v = Vec::<u8>::with_capacity(1000);
        v.reserve_exact(3000);
        v
    });
    // The reallocation grows 1000 bytes to 3000: 3000 held, 4000 if it had to copy.
    assert_eq!(
        (cost.calls, cost.peak, cost.transient_peak),
        (2, 3000, 4000)
    );
    drop(v);
}

/// Issue #7's budget for the reassembling layer: at most one allocation per message.
/// The buffer is kept between messages and grows by doubling, so a run of messages pays
/// for the largest one once (a handful of doublings) and nothing after.
#[cfg(feature = "alloc")]
#[test]
fn message_reader_costs_at_most_one_allocation_per_message() {
    // 1,000 messages of 16 fragments x 4 KiB (W5), then sizes that grow and shrink.
    let mut stream: Vec<u8> = (0..1000)
        .flat_map(|_| fragmented(MessageKind::Binary, 16, 4096))
        .collect();
    let mut count = 1000;
    for i in 1..=200usize {
        let fragments = 1 + i % 17;
        stream.extend(fragmented(MessageKind::Text, fragments, (i * 37) % 3000));
        count += 1;
    }
    let mut buf = vec![0u8; READ_BUFFER];
    let config = Config::default();
    let (error, cost) = measure(|| messages(config, &stream, &mut buf));
    assert_eq!(error, None);
    assert!(cost.calls <= count, "{count} messages: {cost:?}");

    // Once the buffer has held the largest message, more messages cost nothing.
    let first = fragmented(MessageKind::Binary, 16, 4096);
    let (error, cost) = measure(|| {
        let mut conn = Connection::server(config);
        let mut reader = rfc6455::connection::MessageReader::new();
        let seen = Cell::new(0);
        let mut step = |window: &mut [u8]| {
            let Received {
                consumed,
                event: message,
            } = reader.read(&mut conn, window)?;
            seen.set(seen.get() + message.is_some() as usize);
            Ok((consumed, message.is_some()))
        };
        let first_error = pump(&first, &mut buf, &mut step).err();
        let calls_after_first = CALLS.with(Cell::get);
        let rest_error = pump(&stream, &mut buf, &mut step).err();
        let calls_after_rest = CALLS.with(Cell::get);
        assert_eq!(seen.get(), 1 + count);
        assert_eq!(
            calls_after_rest, calls_after_first,
            "after the first message"
        );
        first_error.or(rest_error)
    });
    assert_eq!(error, None);
    // 4 KiB doubled to 64 KiB: five calls, once.
    assert!(cost.calls <= 5, "the first 64 KiB message: {cost:?}");
}

/// A reader that reassembled one large message gives its room back at the next call:
/// an idle connection does not pin the largest message it ever saw.
#[test]
fn message_reader_lets_a_large_message_go_at_the_next_call() {
    let large = fragmented(MessageKind::Binary, 64, 64 * 1024);
    let small = fragmented(MessageKind::Text, 2, 10);
    let config = Config::default().max_message_size(8 << 20);
    let mut buf = vec![0u8; READ_BUFFER];
    let mut conn = Connection::server(config);
    let mut reader = rfc6455::connection::MessageReader::new();
    let base = LIVE.with(Cell::get);
    let mut largest_seen = 0;
    let mut step = |window: &mut [u8]| {
        let Received { consumed, event } = reader.read(&mut conn, window)?;
        let held = usize::try_from(LIVE.with(Cell::get) - base).unwrap_or(0);
        largest_seen = largest_seen.max(held);
        Ok((consumed, event.is_some()))
    };
    assert_eq!(pump(&large, &mut buf, &mut step).err(), None);
    assert_eq!(pump(&small, &mut buf, &mut step).err(), None);
    let held = usize::try_from(LIVE.with(Cell::get) - base).unwrap_or(0);
    assert!(
        largest_seen >= 4 << 20,
        "the 4 MiB message was held: {largest_seen}"
    );
    assert!(
        held <= 64 * 1024,
        "after the next message: {held} bytes held"
    );
}

/// The same for a compressed message: a 16 MiB bomb in a few KiB of deflate data is
/// inflated (the limit allows it), handed out, and its room given back at the next
/// call; what stays is the window and the inflater's state.
#[cfg(feature = "deflate")]
#[test]
fn an_inflated_bomb_is_let_go_at_the_next_call() {
    use rfc6455::extensions::deflate::{DeflateParams, DeflateSender};
    let params = Some(DeflateParams::default());
    let config = Config::default()
        .max_message_size(32 << 20)
        .permessage_deflate(params);
    let mut client = Connection::client(config, rfc6455::DeterministicKeys::default());
    let mut sender = DeflateSender::new(&client).unwrap();
    let mut wire = Vec::new();
    for payload in [vec![0u8; 16 << 20], b"small".to_vec()] {
        let mut out = vec![0u8; sender.max_send_len(payload.len())];
        let n = sender
            .send(&mut client, MessageKind::Binary, &payload, &mut out)
            .unwrap();
        wire.extend_from_slice(&out[..n]);
    }
    assert!(
        wire.len() < 64 * 1024,
        "the bomb is small on the wire: {}",
        wire.len()
    );

    let mut buf = vec![0u8; READ_BUFFER];
    let mut server = Connection::server(config);
    let mut reader = rfc6455::connection::MessageReader::new();
    let base = LIVE.with(Cell::get);
    let mut largest_seen = 0;
    let mut messages = 0;
    let mut step = |window: &mut [u8]| {
        let Received { consumed, event } = reader.read(&mut server, window)?;
        let held = usize::try_from(LIVE.with(Cell::get) - base).unwrap_or(0);
        largest_seen = largest_seen.max(held);
        messages += usize::from(event.is_some());
        Ok((consumed, event.is_some()))
    };
    assert_eq!(pump(&wire, &mut buf, &mut step).err(), None);
    // One more call, as the next read does: the bomb's room goes.
    assert_eq!(pump(&[], &mut buf, &mut step).err(), None);
    assert_eq!(messages, 2);
    let held = usize::try_from(LIVE.with(Cell::get) - base).unwrap_or(0);
    assert!(
        largest_seen >= 16 << 20,
        "the bomb was held while handed out: {largest_seen}"
    );
    assert!(held <= 192 * 1024, "after the next call: {held} bytes held");
}

/// The state a connection keeps between calls is a budget: at most 256 bytes for a
/// server, and a client masking with the operating system's keys costs no more (the
/// key pool is per thread, not per connection).
#[test]
fn a_connection_fits_in_256_bytes_and_a_client_key_source_adds_nothing() {
    let server = std::mem::size_of::<Connection>();
    assert!(server <= 256, "a server connection is {server} bytes");
    #[cfg(feature = "std")]
    assert_eq!(std::mem::size_of::<Connection<rfc6455::OsRandom>>(), server);
}
