//! An echo server on the tokio driver (`rfc6455_io::tokio`): text and binary back, on
//! any path, one task per connection on a single-threaded runtime. The driver answers
//! Pings, sends keepalive Pings, and bounds the handshake, the close and the writes.
//!
//! ```sh
//! cargo run --manifest-path examples/tokio_echo/Cargo.toml -- 127.0.0.1:9003
//! printf 'a\nb\n' | cargo run --example client -- ws://127.0.0.1:9003/
//! ```

use std::time::Duration;

use rfc6455_io::tokio::accept;
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1);
    let listener = TcpListener::bind(addr.as_deref().unwrap_or("127.0.0.1:9003")).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, accept fails at once until a connection
                // ends: wait for that instead of giving up, or spinning.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Only latency depends on it; a peer that already left fails it.
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let echo = async {
                let mut ws = accept(stream).await?;
                while let Some(message) = ws.recv_owned().await? {
                    if message.is_data() {
                        ws.send(message).await?;
                    }
                }
                Ok::<(), rfc6455_io::Error>(())
            };
            if let Err(e) = echo.await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}
