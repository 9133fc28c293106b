//! Connects to a WebSocket server, sends each line of standard input as a text message
//! and prints every message received.
//!
//! ```sh
//! cargo run --example echo_server &
//! cargo run --example client -- ws://127.0.0.1:9001/path
//! ```
//!
//! Exits non-zero with a clear error when the handshake is refused or invalid. At the end
//! of standard input it closes with 1000 and waits for the server's Close.

#[path = "common/mod.rs"]
mod common;

use std::io::{BufRead, ErrorKind};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use common::Msg;

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".to_owned());
    let mut ws = match common::connect(&url, rfc6455::connection::Config::default()) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: cannot connect to {url}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("connected to {url}");

    // The connection has one owner: stdin is read on its own thread and handed over,
    // and the socket is polled with a short timeout in between.
    let (lines_tx, lines) = mpsc::channel::<Option<String>>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(Some(line)).is_err() {
                return;
            }
        }
        let _ = lines_tx.send(None);
    });
    if let Err(e) = ws.stream.set_read_timeout(Some(Duration::from_millis(20))) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let mut closing = false;
    loop {
        while let Ok(line) = lines.try_recv() {
            let sent = match line {
                Some(line) if !closing => ws.send_text(&line),
                None if !closing => {
                    closing = true;
                    ws.close(1000, "end of input")
                }
                _ => Ok(()),
            };
            if let Err(e) = sent {
                eprintln!("error: send failed: {e}");
                return ExitCode::FAILURE;
            }
        }
        match ws.recv() {
            Ok(Some(Msg::Text(t))) => println!("{t}"),
            Ok(Some(Msg::Binary(b))) => println!("<binary message, {} bytes>", b.len()),
            Ok(Some(Msg::Close(code, reason))) => {
                eprintln!("closed: {code} {reason}");
                if code == 1006 {
                    return ExitCode::FAILURE;
                }
            }
            Ok(Some(Msg::Ping(_) | Msg::Pong(_))) => {}
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
}
