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

use std::io::BufRead;
use std::process::ExitCode;

use rfc6455_io::{blocking, CloseCode, Message, Options};

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".to_owned());
    let options = Options::default();
    #[cfg(feature = "deflate")]
    let options = options.deflate(Some(Default::default()));
    let connected = rfc6455_io::WsUrl::parse(&url).and_then(|parsed| {
        let stream = std::net::TcpStream::connect(parsed.socket_addr())?;
        stream.set_nodelay(true)?;
        blocking::connect_with(stream, &url, &options)
    });
    let ws = match connected {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: cannot connect to {url}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("connected to {url}");

    // Standard input goes out through the writer half while this thread prints what
    // the reader half receives; Pongs are answered through the same send queue.
    let (mut reader, mut writer) = match ws.split() {
        Ok(halves) => halves,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Err(e) = writer.send_text(&line) {
                eprintln!("error: send failed: {e}");
                return;
            }
        }
        let _ = writer.close(CloseCode::NORMAL, "end of input");
    });
    loop {
        match reader.recv_owned() {
            Ok(Some(Message::Text(t))) => println!("{t}"),
            Ok(Some(Message::Binary(b))) => println!("<binary message, {} bytes>", b.len()),
            Ok(Some(Message::Close { code, reason })) => {
                eprintln!("closed: {} {reason}", code.0);
                if code == CloseCode::ABNORMAL {
                    return ExitCode::FAILURE;
                }
            }
            Ok(Some(Message::Ping(_) | Message::Pong(_))) => {}
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
}
