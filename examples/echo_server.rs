//! Echoes every text and binary message back: the server Autobahn's fuzzingclient tests.
//!
//! ```sh
//! cargo run --release --example echo_server -- 127.0.0.1:9001 [--max-message-size BYTES] [--max-fragments N]
//! ```
//!
//! The defaults (64 MiB messages, 10^6 fragments) let every case of Autobahn sections
//! 1–10 pass. The blocking driver, one thread per connection; with the examples'
//! `deflate` feature it accepts permessage-deflate.

use std::net::TcpListener;
use std::time::Duration;

use rfc6455_io::{blocking, Options};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:9001".to_owned();
    let mut options = Options::default().max_message_size(64 << 20);
    options.config = options.config.max_fragments(1_000_000);
    #[cfg(feature = "deflate")]
    let options = options.deflate(Some(Default::default()));
    let mut options = options;
    while let Some(arg) = args.next() {
        let mut value = || -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--max-message-size" => options = options.max_message_size(value()),
            "--max-fragments" => options.config = options.config.max_fragments(value() as u32),
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
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors, accept fails at once until a connection
                // ends: wait for that instead of spinning.
                eprintln!("accept failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let options = options.clone();
        std::thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            if let Err(e) = echo(stream, &options) {
                eprintln!("connection ended: {e}");
            }
        });
    }
    Ok(())
}

fn echo(stream: std::net::TcpStream, options: &Options) -> Result<(), rfc6455_io::Error> {
    let (mut ws, _) = blocking::accept_with(stream, options)?;
    while let Some(message) = ws.recv_owned()? {
        if message.is_data() {
            // A message that raced the peer's Close is not echoed: that is the protocol.
            match ws.send(message) {
                Err(rfc6455_io::Error::Closed) | Ok(()) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}
