//! Runs every case of an Autobahn TestSuite fuzzingserver, echoing each message.
//!
//! ```sh
//! wstest -m fuzzingserver -s fuzzingserver.json -u 0 &
//! cargo run --release --example autobahn_client -- ws://127.0.0.1:9002 rfc6455
//! ```

#[path = "common/mod.rs"]
mod common;

use common::Msg;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:9002".to_owned());
    let agent = args.next().unwrap_or_else(|| "rfc6455".to_owned());
    let config = common::autobahn_config();

    let mut ws = common::connect(&format!("{base}/getCaseCount"), config)?;
    let count: u32 = match ws.recv()? {
        Some(Msg::Text(t)) => t.trim().parse().expect("case count"),
        other => panic!("unexpected answer to getCaseCount: {other:?}"),
    };
    while ws.recv()?.is_some() {}
    println!("{count} cases");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        match common::connect(&url, config) {
            Ok(mut ws) => {
                if let Err(e) = ws.echo_until_closed() {
                    eprintln!("case {case}: {e}");
                }
            }
            Err(e) => eprintln!("case {case}: connect failed: {e}"),
        }
    }

    let mut ws = common::connect(&format!("{base}/updateReports?agent={agent}"), config)?;
    while ws.recv()?.is_some() {}
    println!("reports updated for {agent}");
    Ok(())
}
