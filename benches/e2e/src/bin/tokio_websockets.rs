//! tokio-websockets, written as its echo_server example is (`ServerBuilder` with unlimited
//! limits and frame size, `unconstrained` tasks), with fan-out through a `broadcast` channel.

use futures_util::{SinkExt, StreamExt};
use rfc6455_e2e::{addr_arg, route, Route, FANOUT_CAPACITY};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_websockets::{Config, Error, Limits, Message, ServerBuilder};

async fn serve(conn: TcpStream, tx: broadcast::Sender<Message>) -> Result<(), Error> {
    let (request, mut server) = ServerBuilder::new()
        .config(Config::default().frame_size(usize::MAX))
        .limits(Limits::unlimited())
        .accept(conn)
        .await?;
    match route(request.uri().path()) {
        Route::Echo => {
            while let Some(Ok(item)) = server.next().await {
                if item.is_text() || item.is_binary() {
                    server.send(item).await?;
                }
            }
        }
        Route::Pub => {
            while let Some(Ok(item)) = server.next().await {
                if item.is_text() {
                    let _ = tx.send(item);
                }
            }
        }
        Route::Sub => {
            let mut rx = tx.subscribe();
            loop {
                tokio::select! {
                    msg = rx.recv() => match msg {
                        Ok(msg) => server.send(msg).await?,
                        // Lagged: dropping the subscriber lets the generator report the loss.
                        Err(_) => break,
                    },
                    item = server.next() => if !matches!(item, Some(Ok(_))) { break },
                }
            }
        }
    }
    Ok(())
}

async fn run() -> Result<(), Error> {
    let listener = TcpListener::bind(addr_arg()).await?;
    let (tx, _) = broadcast::channel::<Message>(FANOUT_CAPACITY);
    loop {
        let (conn, _) = listener.accept().await?;
        tokio::spawn(tokio::task::unconstrained(serve(conn, tx.clone())));
    }
}

fn main() -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    rt.block_on(run())
}
