//! Echoes every text and binary message back: the server Autobahn's fuzzingclient tests.
//!
//! ```sh
//! cargo run --release --example echo_server -- 127.0.0.1:9001 [--max-message-size BYTES] [--max-fragments N]
//! ```
//!
//! The defaults (64 MiB messages, 10^6 fragments) let every case of Autobahn sections
//! 1–10 pass. Blocking `std::net`, one thread per connection.

#[path = "common/mod.rs"]
mod common;

use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:9001".to_owned();
    let mut config = common::autobahn_config();
    while let Some(arg) = args.next() {
        let mut value = || -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--max-message-size" => {
                let bytes = value();
                config = config.max_message_size(bytes).max_frame_size(bytes);
            }
            "--max-fragments" => config = config.max_fragments(value() as u32),
            "-h" | "--help" => {
                println!(
                    "usage: echo_server [ADDR] [--max-message-size BYTES] [--max-fragments N]"
                );
                return Ok(());
            }
            _ => addr = arg,
        }
    }
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        std::thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            match common::accept(stream, config) {
                Ok((mut ws, _)) => {
                    if let Err(e) = ws.echo_until_closed() {
                        eprintln!("connection ended: {e}");
                    }
                }
                Err(e) => eprintln!("handshake failed: {e}"),
            }
        });
    }
    Ok(())
}
