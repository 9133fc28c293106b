//! A Rust client over HTTP/2 extended CONNECT (RFC 8441) with hyper's HTTP/2 client:
//! round-trips text, binary, a ping and the closing handshake with permessage-deflate,
//! printing one `PASS`/`FAIL` line per check, like scripts/peers.
//!
//! ```sh
//! cargo run --manifest-path examples/axum_echo/Cargo.toml --bin h2_client -- 127.0.0.1:9004 /ws
//! ```

use std::time::Duration;

use axum_echo::connect_h2;
use bytes::Bytes;
use rfc6455_io::{CloseCode, Error, Message};

const PEER: &str = "h2-client -> axum_echo";

fn report(failures: &mut u32, name: &str, problem: Option<String>) {
    match problem {
        None => println!("PASS  {PEER}: {name}"),
        Some(p) => {
            *failures += 1;
            println!("FAIL  {PEER}: {name}: {p}");
        }
    }
}

fn expect(got: Result<Option<Message>, Error>, want: &Message) -> Option<String> {
    match got {
        Ok(Some(message)) if message == *want => None,
        other => Some(format!("expected {want:?}, got {other:?}")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9004".to_owned());
    let path = args.next().unwrap_or_else(|| "/ws".to_owned());
    let mut failures = 0;
    let run = async {
        let mut ws = match connect_h2(&addr, &path).await {
            Ok(ws) => ws,
            Err(e) => {
                report(
                    &mut failures,
                    "extended CONNECT handshake",
                    Some(e.to_string()),
                );
                return;
            }
        };
        report(
            &mut failures,
            "extended CONNECT handshake (200, :protocol websocket)",
            None,
        );
        let deflate = ws
            .connection()
            .permessage_deflate()
            .is_none()
            .then(|| "not negotiated".to_owned());
        report(&mut failures, "permessage-deflate negotiated", deflate);

        let text = "héllo over HTTP/2 ✓ ".repeat(50);
        let sent = ws.send(Message::text(text.clone())).await;
        let problem = sent
            .err()
            .map(|e| e.to_string())
            .or(expect(ws.recv_owned().await, &Message::text(text)));
        report(&mut failures, "text message", problem);

        let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let sent = ws.send(Message::binary(data.clone())).await;
        let problem = sent
            .err()
            .map(|e| e.to_string())
            .or(expect(ws.recv_owned().await, &Message::binary(data)));
        report(&mut failures, "binary message (70000 bytes)", problem);

        let payload: Vec<u8> = (0..125).collect();
        let sent = ws.send_ping(&payload).await;
        let pong = Message::Pong(Bytes::from(payload));
        let problem = sent
            .err()
            .map(|e| e.to_string())
            .or(expect(ws.recv_owned().await, &pong));
        report(&mut failures, "ping answered by identical pong", problem);

        // §5.5.1: the echo carries the code; its reason is the server's to choose.
        let problem = match ws.close(CloseCode(3000), "h2 client done").await {
            Ok(CloseCode(3000)) => None,
            other => Some(format!("expected the Close 3000 echoed, got {other:?}")),
        };
        report(&mut failures, "close 3000 echoed", problem);
        let end = ws.recv_owned().await;
        let problem = (!matches!(end, Ok(None))).then(|| format!("after the Close: {end:?}"));
        report(
            &mut failures,
            "stream ends after the closing handshake",
            problem,
        );
    };
    if tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .is_err()
    {
        report(&mut failures, "run", Some("timed out after 30 s".into()));
    }
    std::process::exit(i32::from(failures > 0));
}
