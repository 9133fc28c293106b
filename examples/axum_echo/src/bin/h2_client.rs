//! A Rust client over HTTP/2 extended CONNECT (RFC 8441) with hyper's HTTP/2 client:
//! round-trips text, binary, a ping and the closing handshake with permessage-deflate,
//! printing one `PASS`/`FAIL` line per check, like scripts/peers.
//!
//! ```sh
//! cargo run --manifest-path examples/axum_echo/Cargo.toml --bin h2_client -- 127.0.0.1:9004 /ws
//! ```

use std::time::Duration;

use axum_echo::{connect_h2, Msg};
use rfc6455::connection::MessageKind;

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

fn expect(got: std::io::Result<Option<Msg>>, want: &Msg) -> Option<String> {
    match got {
        Ok(Some(msg)) if msg == *want => None,
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
            .compressed()
            .then_some(())
            .ok_or("not negotiated".to_owned())
            .err();
        report(&mut failures, "permessage-deflate negotiated", deflate);

        let text = "héllo over HTTP/2 ✓ ".repeat(50);
        let sent = ws.send(MessageKind::Text, text.as_bytes()).await;
        let problem = sent
            .err()
            .map(|e| e.to_string())
            .or(expect(ws.recv().await, &Msg::Text(text)));
        report(&mut failures, "text message", problem);

        let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let sent = ws.send(MessageKind::Binary, &data).await;
        let problem = sent
            .err()
            .map(|e| e.to_string())
            .or(expect(ws.recv().await, &Msg::Binary(data)));
        report(&mut failures, "binary message (70000 bytes)", problem);

        let payload: Vec<u8> = (0..125).collect();
        let sent = ws.ping(&payload).await;
        let problem = sent
            .err()
            .map(|e| e.to_string())
            .or(expect(ws.recv().await, &Msg::Pong(payload)));
        report(&mut failures, "ping answered by identical pong", problem);

        let sent = ws.close(3000, "h2 client done").await;
        // §5.5.1: the echo carries the code; its reason is the server's to choose.
        let problem = sent.err().map(|e| e.to_string()).or(match ws.recv().await {
            Ok(Some(Msg::Close(3000, _))) => None,
            other => Some(format!("expected the Close 3000 echoed, got {other:?}")),
        });
        report(&mut failures, "close 3000 echoed", problem);
        let end = ws.recv().await;
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
