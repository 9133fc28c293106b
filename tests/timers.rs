//! Keepalive, close and idle deadlines on a simulated clock: a client↔server pair in
//! memory whose only time is what the test hands to `handle_timeout`.

use core::time::Duration;

use proptest::prelude::*;
use rfc6455::connection::{CloseState, Config, Connection, Event, SendError};
use rfc6455::frame::CloseCode;
use rfc6455::time::Timestamp;
use rfc6455_testkit::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn at_ms(ms: u64) -> Timestamp {
    Timestamp::from_duration(Duration::from_millis(ms))
}

fn keepalive(interval: u64, timeout: u64) -> Config {
    Config::default()
        .ping_interval(Some(secs(interval)))
        .ping_timeout(Some(secs(timeout)))
}

/// An owned copy of what `handle_timeout` reported.
fn owned(event: Option<Event<'_>>) -> Option<(u16, String)> {
    match event {
        Some(Event::Close { code, reason }) => Some((code.0, reason.to_string())),
        None => None,
        Some(other) => panic!("a timer reported {other:?}"),
    }
}

/// Runs `conn`'s timers the way an IO loop does: a call whenever `poll_timeout` comes
/// due, up to `until` (ms). Returns the time and event of the first report.
fn run_until<K: rfc6455::MaskKeySource>(
    conn: &mut Connection<K>,
    from: u64,
    until: u64,
    sent: &mut Vec<u8>,
) -> Option<(u64, (u16, String))> {
    let mut now = from;
    loop {
        let due = conn
            .poll_timeout()
            .map(|t| t.as_nanos() / 1_000_000)
            .unwrap_or(u64::MAX)
            .max(now);
        if due > until {
            return None;
        }
        now = due;
        let event = owned(conn.handle_timeout(at_ms(now)));
        sent.extend(drain(conn));
        if let Some(event) = event {
            return Some((now, event));
        }
    }
}

#[test]
fn timers_off_by_default_change_nothing() {
    let mut conn = Connection::server(Config::default());
    assert_eq!(conn.poll_timeout(), None);
    for s in [0, 20, 3600, 86_400 * 365] {
        assert_eq!(conn.handle_timeout(at_ms(s * 1000)), None);
    }
    assert!(!conn.wants_transmit());
    assert_eq!(conn.close_state(), CloseState::Open);
    assert_eq!(conn.latency(), None);
}

/// A peer that vanished is found after `ping_interval` of silence plus `ping_timeout`
/// without the Pong: not a moment earlier.
#[test]
fn keepalive_fails_a_silent_peer_at_interval_plus_timeout_never_earlier() {
    let mut server = Connection::server(keepalive(20, 10));
    let mut sent = Vec::new();
    let report = run_until(&mut server, 0, 3_600_000, &mut sent);
    assert_eq!(report, Some((30_000, (1006, "keepalive timeout".into()))));
    // One keepalive Ping went out, then the Close that fails the connection (§7.1.7).
    let ping_len = 2 + 8;
    assert_eq!(sent[0], 0x89);
    assert_eq!(sent[1], 8);
    assert_eq!(&sent[ping_len..ping_len + 4], [0x88, 19, 0x03, 0xF3]);
    assert_eq!(&sent[ping_len + 4..], b"keepalive timeout");
    assert!(server.should_close_transport());
    assert_eq!(server.poll_timeout(), None);
}

/// A peer that answers is never failed, over hours of simulated time, and the round trip
/// of the keepalive is measured on the caller's clock.
#[test]
fn keepalive_never_fails_a_live_peer_and_measures_latency() {
    let mut pair = Pair::new(keepalive(20, 20));
    let mut now = 0;
    pair.server.handle_timeout(at_ms(now));
    // Six hours: a Ping after every 20 s of silence, its Pong 35 ms later.
    for ping in 0..1080 {
        let due = pair.server.poll_timeout().unwrap().as_nanos() / 1_000_000;
        assert_eq!(due, 20_000 + ping * 20_035);
        now = due;
        assert_eq!(pair.server.handle_timeout(at_ms(now)), None, "at {now} ms");
        assert!(pair.server.wants_transmit());
        pair.to_client.extend(drain(&mut pair.server));
        now += 35;
        pair.pump();
        assert_eq!(pair.server.handle_timeout(at_ms(now)), None);
    }
    assert!(now > 6 * 3_600_000);
    assert_eq!(pair.server.latency(), Some(Duration::from_millis(35)));
    assert_eq!(pair.server.close_state(), CloseState::Open);
    let errors = pair
        .client_inbox
        .events
        .iter()
        .filter(|e| matches!(e, Owned::Error(_)));
    assert_eq!(errors.count(), 0);
}

/// Any frame resets the silence: a chatty peer is never pinged.
#[test]
fn keepalive_pings_only_after_an_interval_of_silence() {
    let mut pair = Pair::new(keepalive(20, 20));
    pair.server.handle_timeout(at_ms(0));
    for s in 1..=100 {
        pair.client_send(|c, out| c.send_text("tick", out), 64)
            .unwrap();
        pair.pump();
        assert_eq!(pair.server.handle_timeout(at_ms(s * 15_000)), None);
        assert!(!pair.server.wants_transmit(), "pinged at {s}");
    }
}

/// §5.5.3: a Pong the application did not ask for is ignored; only the keepalive's own
/// payload ends the wait.
#[test]
fn s5_5_3_an_unsolicited_pong_does_not_answer_the_keepalive_ping() {
    let mut server = Connection::server(keepalive(20, 10));
    server.handle_timeout(at_ms(0));
    server.handle_timeout(at_ms(20_000));
    assert!(server.wants_transmit());
    drain(&mut server);
    let pong = client_frame(0x8A, b"not yours");
    let events = events_split(&mut server, &pong, &[]);
    assert_eq!(events, [Owned::Pong(b"not yours".to_vec())]);
    // The Pong still counts as a sign of life, so the keepalive restarts from it, but
    // it does not end the wait for the real Pong.
    assert_eq!(
        owned(server.handle_timeout(at_ms(30_000))),
        Some((1006, "keepalive timeout".into()))
    );
}

/// Configured so, any frame answers the keepalive.
#[test]
fn keepalive_any_frame_counts_as_the_answer() {
    let config = keepalive(20, 10).keepalive_any_frame(true);
    let mut server = Connection::server(config);
    server.handle_timeout(at_ms(0));
    server.handle_timeout(at_ms(20_000));
    drain(&mut server);
    events_split(&mut server, &client_frame(0x82, b"data"), &[]);
    assert_eq!(server.handle_timeout(at_ms(25_000)), None);
    assert_eq!(server.handle_timeout(at_ms(30_000)), None);
    assert_eq!(server.poll_timeout(), Some(at_ms(45_000)));
}

/// §5.5.2: the peer's Ping is answered while our keepalive Ping is out.
#[test]
fn s5_5_2_a_peer_ping_is_answered_while_a_keepalive_ping_is_out() {
    let mut server = Connection::server(keepalive(20, 10));
    server.handle_timeout(at_ms(0));
    server.handle_timeout(at_ms(20_000));
    let keepalive_ping = drain(&mut server);
    assert_eq!(keepalive_ping[0], 0x89);
    events_split(&mut server, &client_frame(0x89, b"yours?"), &[]);
    assert_eq!(drain(&mut server), raw_frame(0x8A, None, b"yours?"));
}

/// The application's own Pings are its own: their Pongs do not end the keepalive wait,
/// and the keepalive Ping's Pong is not shown as an answer to them.
#[test]
fn application_pings_are_not_confused_with_keepalive_pings() {
    let mut pair = Pair::new(keepalive(20, 10));
    pair.server.handle_timeout(at_ms(0));
    pair.server_send(|s, out| s.send_ping(b"app", out), 64)
        .unwrap();
    pair.server.handle_timeout(at_ms(20_000));
    pair.pump();
    let pongs: Vec<_> = pair
        .server_inbox
        .events
        .iter()
        .filter_map(|e| match e {
            Owned::Pong(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(pongs.len(), 2);
    assert_eq!(pongs[0], b"app");
    assert_eq!(pongs[1].len(), 8);
    assert_eq!(pair.server.handle_timeout(at_ms(20_010)), None);
    assert_eq!(pair.server.latency(), Some(Duration::from_millis(10)));
}

/// §7.1.7: our Close unanswered for `close_timeout` ends the connection with 1006.
#[test]
fn s7_1_7_a_close_without_an_answer_ends_within_close_timeout() {
    let config = Config::default().close_timeout(Some(secs(10)));
    let mut server = Connection::server(config);
    server.handle_timeout(at_ms(1_000));
    server
        .send_close(CloseCode::NORMAL, "bye", &mut [0u8; 64])
        .unwrap();
    let mut sent = Vec::new();
    let report = run_until(&mut server, 1_500, 3_600_000, &mut sent);
    assert_eq!(report, Some((11_500, (1006, "close timeout".into()))));
    assert!(server.should_close_transport());
    assert_eq!(server.close_state(), CloseState::Closed);
    assert_eq!(
        server.send_ping(b"", &mut [0u8; 8]),
        Err(SendError::Closing)
    );
    let late = events_split(&mut server, &client_frame(0x88, &[0x03, 0xE8]), &[]);
    assert!(late.is_empty(), "{late:?}");
}

/// A close answered in time completes as usual; the timer then has nothing to do.
#[test]
fn a_close_answered_in_time_is_not_timed_out() {
    let config = Config::default().close_timeout(Some(secs(10)));
    let mut pair = Pair::new(config);
    pair.server.handle_timeout(at_ms(0));
    pair.client.handle_timeout(at_ms(0));
    pair.server_send(|s, out| s.send_close(CloseCode::NORMAL, "", out), 64)
        .unwrap();
    pair.server.handle_timeout(at_ms(100));
    pair.pump();
    assert!(pair.server.should_close_transport());
    assert_eq!(pair.server.handle_timeout(at_ms(60_000)), None);
    assert_eq!(pair.server.poll_timeout(), None);
}

/// §7.1.1: the server closes the TCP connection first; a client that has seen both
/// Close frames gives it `close_timeout` to do so, then closes itself.
#[test]
fn s7_1_1_a_client_closes_the_transport_itself_after_close_timeout() {
    let config = Config::default().close_timeout(Some(secs(5)));
    let mut pair = Pair::new(config);
    pair.client.handle_timeout(at_ms(0));
    pair.server_send(|s, out| s.send_close(CloseCode::NORMAL, "", out), 64)
        .unwrap();
    pair.pump();
    assert_eq!(pair.client.close_state(), CloseState::Closed);
    assert!(!pair.client.should_close_transport());
    assert_eq!(pair.client.handle_timeout(at_ms(1_000)), None);
    assert_eq!(pair.client.poll_timeout(), Some(at_ms(6_000)));
    assert_eq!(pair.client.handle_timeout(at_ms(5_999)), None);
    assert!(!pair.client.should_close_transport());
    assert_eq!(pair.client.handle_timeout(at_ms(6_000)), None);
    assert!(pair.client.should_close_transport());
}

/// With no data message either way for `idle_timeout`, the connection closes with 1001.
#[test]
fn idle_timeout_closes_with_1001_after_no_data_either_way() {
    let config = Config::default().idle_timeout(Some(secs(60)));
    let mut pair = Pair::new(config);
    pair.server.handle_timeout(at_ms(0));
    // Data either way keeps the connection: the server pushes, the client only reads.
    for s in 1..=10 {
        pair.server_send(|c, out| c.send_text("quote", out), 64)
            .unwrap();
        assert_eq!(pair.server.handle_timeout(at_ms(s * 50_000)), None);
        assert_eq!(pair.server.close_state(), CloseState::Open);
    }
    assert_eq!(pair.server.handle_timeout(at_ms(560_000)), None);
    assert_eq!(pair.server.close_state(), CloseState::CloseSent);
    pair.pump();
    let close = pair.client_inbox.events.last().unwrap();
    assert_eq!(close, &Owned::Close(1001, "idle timeout".into()));
}

/// A Ping from the peer is not data: it does not keep an idle connection open.
#[test]
fn idle_timeout_counts_data_messages_not_control_frames() {
    let config = Config::default().idle_timeout(Some(secs(60)));
    let mut server = Connection::server(config);
    server.handle_timeout(at_ms(0));
    events_split(&mut server, &client_frame(0x89, b""), &[]);
    drain(&mut server);
    assert_eq!(server.handle_timeout(at_ms(30_000)), None);
    assert_eq!(server.handle_timeout(at_ms(60_000)), None);
    assert_eq!(server.close_state(), CloseState::CloseSent);
}

#[test]
fn durations_round_up_to_whole_milliseconds_never_early() {
    let config = Config::default().ping_interval(Some(Duration::from_micros(1_500)));
    let mut server = Connection::server(config);
    assert_eq!(
        server.config().ping_interval,
        Some(Duration::from_millis(2))
    );
    server.handle_timeout(at_ms(0));
    assert_eq!(server.poll_timeout(), Some(at_ms(2)));
    server.handle_timeout(Timestamp::from_nanos(1_999_999));
    assert!(!server.wants_transmit());
}

/// What one step of a random schedule does.
#[derive(Debug, Clone)]
enum Step {
    /// Time passes (ms), then the loop calls `handle_timeout`, late by `lag` ms.
    Wait { ms: u64, lag: u64 },
    /// The client says something (a data message), delivered at once.
    ClientData,
    /// The peer answers what it was sent, or loses it.
    Deliver { answer: bool },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u64..30_000, prop_oneof![Just(0u64), 0u64..5_000])
            .prop_map(|(ms, lag)| Step::Wait { ms, lag }),
        Just(Step::ClientData),
        any::<bool>().prop_map(|answer| Step::Deliver { answer }),
    ]
}

/// One step of a random closing schedule.
#[derive(Debug, Clone)]
enum ClosingStep {
    /// Time passes (ms), then the loop calls `handle_timeout`, late by `lag` ms.
    Wait { ms: u64, lag: u64 },
    /// The loop sleeps until `poll_timeout`'s time, and calls `handle_timeout` then, or
    /// `lag` ms late: the deadlines are hit exactly, not only passed.
    UntilDue { lag: u64 },
    /// The client sends a data message, delivered at once.
    ClientData,
    /// The server sends a data message (delivered with the next `Deliver`).
    ServerData,
    /// The server starts the closing handshake.
    ServerClose,
    /// What the server wrote reaches the client, which answers it, or it is lost.
    Deliver { answer: bool },
}

fn closing_step() -> impl Strategy<Value = ClosingStep> {
    prop_oneof![
        3 => (0u64..20_000, prop_oneof![Just(0u64), 0u64..5_000])
            .prop_map(|(ms, lag)| ClosingStep::Wait { ms, lag }),
        2 => prop_oneof![3 => Just(0u64), 1 => 0u64..3].prop_map(|lag| ClosingStep::UntilDue { lag }),
        1 => Just(ClosingStep::ClientData),
        1 => Just(ClosingStep::ServerData),
        1 => Just(ClosingStep::ServerClose),
        1 => any::<bool>().prop_map(|answer| ClosingStep::Deliver { answer }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random schedules of silence, traffic, lost and answered Pings and late callbacks,
    /// against a model of the rules: a keepalive Ping only after `interval` with nothing
    /// heard, a failure only `timeout` after an unanswered Ping, each of them by the
    /// first call after its time, `poll_timeout` never in the past after
    /// `handle_timeout`, and the idle timer, left at an hour, never firing.
    #[test]
    fn keepalive_deadlines_hold_on_any_schedule(
        steps in prop::collection::vec(step(), 1..60),
        interval in 1u64..30,
        timeout in 1u64..30,
        idle_on in any::<bool>(),
    ) {
        let (interval, timeout) = (interval * 1000, timeout * 1000);
        let mut config = keepalive(interval / 1000, timeout / 1000);
        if idle_on {
            config = config.idle_timeout(Some(secs(3600)));
        }
        let mut pair = Pair::new(config);
        let mut now = 0u64;
        // When a frame last reached the server, and when its next call saw it.
        let (mut heard, mut heard_noted, mut fresh) = (0u64, 0u64, false);
        // When the outstanding keepalive Ping was queued, if one is out.
        let mut ping_at: Option<u64> = None;
        pair.server.handle_timeout(at_ms(now));
        for step in steps {
            match step {
                Step::Wait { ms, lag } => {
                    now += ms + lag;
                    if fresh {
                        heard_noted = now;
                        fresh = false;
                    }
                    let queued_before = pair.server.wants_transmit();
                    let event = owned(pair.server.handle_timeout(at_ms(now)));
                    let overdue = ping_at.is_some_and(|p| now >= p + timeout);
                    if let Some((code, reason)) = event {
                        prop_assert_eq!((code, reason.as_str()), (1006, "keepalive timeout"));
                        prop_assert!(overdue, "failed at {} with the Ping from {:?}", now, ping_at);
                        return Ok(());
                    }
                    prop_assert!(!overdue, "no failure at {}, Ping from {:?}", now, ping_at);
                    if !queued_before && pair.server.wants_transmit() {
                        prop_assert!(ping_at.is_none());
                        prop_assert!(now - heard >= interval, "pinged {} ms after a frame", now - heard);
                        ping_at = Some(now);
                    } else if ping_at.is_none() {
                        prop_assert!(now < heard_noted + interval, "no Ping at {}", now);
                    }
                    if let Some(due) = pair.server.poll_timeout() {
                        prop_assert!(due > at_ms(now), "deadline {:?} not after {}", due, now);
                    }
                    prop_assert_eq!(pair.server.close_state(), CloseState::Open);
                }
                Step::ClientData => {
                    pair.client_send(|c, out| c.send_binary(b"x", out), 64).unwrap();
                    pair.server_inbox.feed(&mut pair.server, &std::mem::take(&mut pair.to_server));
                    (heard, fresh) = (now, true);
                }
                Step::Deliver { answer } => {
                    let bytes = drain(&mut pair.server);
                    if answer && !bytes.is_empty() {
                        pair.client_inbox.feed(&mut pair.client, &bytes);
                        let reply = drain(&mut pair.client);
                        pair.server_inbox.feed(&mut pair.server, &reply);
                        (heard, fresh) = (now, true);
                        ping_at = None;
                    }
                }
            }
        }
    }

    /// Random schedules of data either way, our Close (asked for, or started by the idle
    /// timer), answered or lost Closes and late callbacks, against a model of §7.1.7 and
    /// the idle rule: the idle Close 1001 exactly when `idle` has passed since the last
    /// data message was noted, never earlier; the 1006 "close timeout" exactly when
    /// `close` has passed since our Close was noted without the peer's answer; neither
    /// once the closing handshake completed.
    #[test]
    fn close_and_idle_deadlines_hold_on_any_schedule(
        steps in prop::collection::vec(closing_step(), 1..60),
        idle in 1u64..30,
        close in 1u64..30,
    ) {
        let (idle, close) = (idle * 1000, close * 1000);
        let config = Config::default()
            .idle_timeout(Some(Duration::from_millis(idle)))
            .close_timeout(Some(Duration::from_millis(close)));
        let mut pair = Pair::new(config);
        let mut now = 0u64;
        pair.server.handle_timeout(at_ms(now));
        // When the last data message was noted; whether one came since the last call.
        let (mut data_noted, mut fresh) = (0u64, false);
        // When our Close was noted, and whether one was sent since the last call.
        let (mut close_at, mut close_fresh): (Option<u64>, bool) = (None, false);
        for step in steps {
            let open = pair.server.close_state() == CloseState::Open;
            let wait = match step {
                ClosingStep::Wait { ms, lag } => Some(now + ms + lag),
                ClosingStep::UntilDue { lag } => pair
                    .server
                    .poll_timeout()
                    .map(|due| (due.as_nanos() / 1_000_000).max(now) + lag),
                _ => None,
            };
            match step {
                ClosingStep::Wait { .. } | ClosingStep::UntilDue { .. } => {
                    let Some(then) = wait else { continue };
                    now = then;
                    if fresh {
                        (data_noted, fresh) = (now, false);
                    }
                    if close_fresh {
                        (close_at, close_fresh) = (Some(now), false);
                    }
                    let event = owned(pair.server.handle_timeout(at_ms(now)));
                    let waiting = pair.server.close_state() == CloseState::CloseSent;
                    if let Some((code, reason)) = event {
                        prop_assert_eq!((code, reason.as_str()), (1006, "close timeout"));
                        let since = close_at.expect("a close timeout without our Close");
                        prop_assert!(now >= since + close, "timed out at {} for a Close at {}", now, since);
                        prop_assert!(pair.server.should_close_transport());
                        return Ok(());
                    }
                    if let (Some(since), true) = (close_at, waiting) {
                        prop_assert!(now < since + close, "no close timeout at {}, Close at {}", now, since);
                    }
                    if open {
                        let idled = now >= data_noted + idle;
                        prop_assert_eq!(waiting, idled, "at {} with data noted at {}", now, data_noted);
                        if idled {
                            close_at = Some(now);
                        }
                    }
                    if let Some(due) = pair.server.poll_timeout() {
                        prop_assert!(due > at_ms(now), "deadline {:?} not after {}", due, now);
                    }
                }
                ClosingStep::ClientData => {
                    if pair.client_send(|c, out| c.send_binary(b"x", out), 64).is_ok() {
                        pair.server_inbox.feed(&mut pair.server, &std::mem::take(&mut pair.to_server));
                        fresh |= open;
                    }
                }
                ClosingStep::ServerData => {
                    if pair.server_send(|c, out| c.send_text("quote", out), 64).is_ok() {
                        fresh = true;
                    }
                }
                ClosingStep::ServerClose => {
                    if pair.server_send(|c, out| c.send_close(CloseCode::NORMAL, "", out), 64).is_ok() {
                        close_fresh = true;
                    }
                }
                ClosingStep::Deliver { answer } => {
                    let mut bytes = std::mem::take(&mut pair.to_client);
                    bytes.extend(drain(&mut pair.server));
                    if answer {
                        pair.client_inbox.feed(&mut pair.client, &bytes);
                        let reply = drain(&mut pair.client);
                        pair.server_inbox.feed(&mut pair.server, &reply);
                        if pair.server.close_state() == CloseState::Closed {
                            // The handshake completed: no timer may report anything.
                            for later in [now, now + close, now + idle + close] {
                                prop_assert_eq!(owned(pair.server.handle_timeout(at_ms(later))), None);
                            }
                            return Ok(());
                        }
                    }
                }
            }
        }
    }

    /// A peer that answers every keepalive Ping at once is never failed, however late
    /// the callbacks come.
    #[test]
    fn an_answering_peer_survives_late_callbacks(
        lags in prop::collection::vec(0u64..15_000, 1..200),
    ) {
        let mut pair = Pair::new(keepalive(20, 20));
        let mut now = 0;
        pair.server.handle_timeout(at_ms(now));
        for lag in lags {
            let due = pair.server.poll_timeout().unwrap().as_nanos() / 1_000_000;
            now = due.max(now) + lag;
            prop_assert_eq!(pair.server.handle_timeout(at_ms(now)), None);
            pair.pump();
        }
        prop_assert_eq!(pair.server.close_state(), CloseState::Open);
    }

    /// A connection whose only timer is the close timeout never pings and never idles.
    #[test]
    fn timers_left_off_never_fire(times in prop::collection::vec(0u64..10_000_000, 1..50)) {
        let config = Config::default().close_timeout(Some(secs(1)));
        let mut server = Connection::server(config);
        let mut times = times;
        times.sort_unstable();
        for t in times {
            prop_assert_eq!(server.handle_timeout(at_ms(t)), None);
            prop_assert!(!server.wants_transmit());
            prop_assert_eq!(server.close_state(), CloseState::Open);
            prop_assert_eq!(server.poll_timeout(), None);
        }
        let mut out = [0u8; 64];
        prop_assert!(server.send_binary(b"still open", &mut out).is_ok());
    }
}
