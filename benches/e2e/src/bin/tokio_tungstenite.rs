//! tokio-tungstenite, written as its echo-server example is (`accept_*`, `split`,
//! `forward`), with fan-out through a `broadcast` channel and a task per connection.

use futures_util::{future, SinkExt, StreamExt, TryStreamExt};
use rfc6455_e2e::{addr_arg, route, Route, FANOUT_CAPACITY};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = addr_arg();
    let listener = TcpListener::bind(&addr).await.expect("Failed to bind");
    let (tx, _) = broadcast::channel::<Message>(FANOUT_CAPACITY);
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(accept_connection(stream, tx.clone()));
    }
}

async fn accept_connection(stream: TcpStream, tx: broadcast::Sender<Message>) {
    let mut path = String::new();
    // The error type is tungstenite's `ErrorResponse`, fixed by its `Callback` trait.
    #[allow(clippy::result_large_err)]
    let keep_path = |req: &Request, resp: Response| {
        path = req.uri().path().to_owned();
        Ok(resp)
    };
    let Ok(ws_stream) = tokio_tungstenite::accept_hdr_async(stream, keep_path).await else {
        return;
    };
    let (mut write, mut read) = ws_stream.split();
    match route(&path) {
        Route::Echo => {
            let _ = read
                .try_filter(|msg| future::ready(msg.is_text() || msg.is_binary()))
                .forward(write)
                .await;
        }
        Route::Pub => {
            while let Some(Ok(msg)) = read.next().await {
                if msg.is_text() {
                    let _ = tx.send(msg);
                }
            }
        }
        Route::Sub => {
            let mut rx = tx.subscribe();
            loop {
                tokio::select! {
                    // A lagging subscriber is dropped: the generator then reports the loss.
                    msg = rx.recv() => {
                        let Ok(msg) = msg else { break };
                        if write.send(msg).await.is_err() {
                            break;
                        }
                    }
                    msg = read.next() => if !matches!(msg, Some(Ok(_))) { break },
                }
            }
        }
    }
}
