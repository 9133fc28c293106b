//! rfc6455 on its tokio driver (`rfc6455_io::tokio`), written as its README's echo
//! server is, with two things the driver makes natural: echoes are fed to the send
//! queue and written in one go when the connection runs out of input (many messages in
//! flight cost one write, not one each), and a subscriber writes every update waiting
//! in the channel with one write. Updates are `Bytes`-backed: one copy of each for all
//! subscribers.

use futures_util::SinkExt;
use rfc6455_e2e::{addr_arg, route, Route, FANOUT_CAPACITY};
use rfc6455_io::{tokio::accept_with, Error, Message, Options};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = addr_arg();
    let listener = TcpListener::bind(&addr).await.expect("bind");
    let (tx, _) = broadcast::channel::<Message>(FANOUT_CAPACITY);
    // The load generator measures throughput, not liveness: the default keepalive
    // timers stay on, as they would in production.
    let options = std::sync::Arc::new(Options::default());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (tx, options) = (tx.clone(), options.clone());
        tokio::spawn(async move {
            let _ = serve(stream, tx, &options).await;
        });
    }
}

async fn serve(
    stream: TcpStream,
    tx: broadcast::Sender<Message>,
    options: &Options,
) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let (mut ws, request) = accept_with(stream, options).await?;
    // Only the route outlives the handshake: an idle connection keeps no strings.
    let route = route(&request.path);
    drop(request);
    match route {
        Route::Echo => {
            while let Some(message) = ws.recv_owned().await? {
                if message.is_data() {
                    ws.feed(message).await?;
                }
            }
        }
        Route::Pub => {
            while let Some(message) = ws.recv_owned().await? {
                if matches!(message, Message::Text(_)) {
                    let _ = tx.send(message);
                }
            }
        }
        Route::Sub => {
            let mut rx = tx.subscribe();
            let (mut read, mut write) = ws.split();
            loop {
                tokio::select! {
                    update = rx.recv() => {
                        // Lagged: dropping the subscriber lets the generator report it.
                        let Ok(update) = update else { break };
                        write.feed(update).await?;
                        while let Ok(update) = rx.try_recv() {
                            write.feed(update).await?;
                        }
                        write.flush().await?;
                    }
                    // Cancel-safe: a dropped recv loses no bytes.
                    message = read.recv() => if !matches!(message, Ok(Some(_))) { break },
                }
            }
        }
    }
    Ok(())
}
