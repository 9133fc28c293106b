//! Runs every case of an Autobahn TestSuite fuzzingserver, echoing each message.
//!
//! ```sh
//! wstest -m fuzzingserver -s fuzzingserver.json -u 0 &
//! cargo run --release --example autobahn_client -- ws://127.0.0.1:9002 rfc6455
//! ```

use std::net::TcpStream;

use rfc6455_io::{blocking, Error, Message, Options};

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:9002".to_owned());
    let agent = args.next().unwrap_or_else(|| "rfc6455".to_owned());
    // Sections 1-10 send messages up to 16 MiB and in up to a million fragments.
    let mut options = Options::default().max_message_size(64 << 20);
    options.config = options.config.max_fragments(1_000_000);
    #[cfg(feature = "deflate")]
    let options = options.deflate(Some(Default::default()));

    let mut ws = connect(&format!("{base}/getCaseCount"), &options)?;
    let count: u32 = match ws.recv_owned()? {
        Some(Message::Text(t)) => t.trim().parse().expect("case count"),
        other => panic!("unexpected answer to getCaseCount: {other:?}"),
    };
    while ws.recv()?.is_some() {}
    println!("{count} cases");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        match connect(&url, &options) {
            Ok(mut ws) => {
                if let Err(e) = echo(&mut ws) {
                    eprintln!("case {case}: {e}");
                }
            }
            Err(e) => eprintln!("case {case}: connect failed: {e}"),
        }
    }

    let mut ws = connect(&format!("{base}/updateReports?agent={agent}"), &options)?;
    while ws.recv()?.is_some() {}
    println!("reports updated for {agent}");
    Ok(())
}

fn connect(
    url: &str,
    options: &Options,
) -> Result<blocking::WebSocket<TcpStream, rfc6455::OsRandom>, Error> {
    let parsed = rfc6455_io::WsUrl::parse(url)?;
    let stream = TcpStream::connect(parsed.socket_addr())?;
    stream.set_nodelay(true)?;
    blocking::connect_with(stream, url, options)
}

fn echo(ws: &mut blocking::WebSocket<TcpStream, rfc6455::OsRandom>) -> Result<(), Error> {
    while let Some(message) = ws.recv_owned()? {
        if message.is_data() {
            match ws.send(message) {
                // The echo of a message that raced the server's Close is not sent.
                Err(Error::Closed) | Ok(()) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}
