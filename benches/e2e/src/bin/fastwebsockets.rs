//! fastwebsockets, written as its echo_server example is (hyper upgrade, a
//! `FragmentCollector`, `unconstrained` tasks), with fan-out through a `broadcast` channel.

use fastwebsockets::{upgrade, FragmentCollector, Frame, OpCode, Payload, WebSocketError};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use rfc6455_e2e::{addr_arg, route, Route, FANOUT_CAPACITY};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

async fn handle_client(
    fut: upgrade::UpgradeFut,
    route: Route,
    tx: broadcast::Sender<Bytes>,
) -> Result<(), WebSocketError> {
    let mut ws = FragmentCollector::new(fut.await?);
    match route {
        Route::Echo => loop {
            let frame = ws.read_frame().await?;
            match frame.opcode {
                OpCode::Close => break,
                OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
                _ => {}
            }
        },
        Route::Pub => loop {
            let frame = ws.read_frame().await?;
            match frame.opcode {
                OpCode::Close => break,
                OpCode::Text => {
                    let _ = tx.send(Bytes::copy_from_slice(&frame.payload));
                }
                _ => {}
            }
        },
        Route::Sub => {
            let mut rx = tx.subscribe();
            loop {
                // Dropping a pending read_frame could lose a partial frame; a subscriber
                // is sent nothing but the final Close, so nothing is lost that matters.
                tokio::select! {
                    msg = rx.recv() => match msg {
                        Ok(msg) => ws.write_frame(Frame::text(Payload::Borrowed(&msg))).await?,
                        // Lagged: dropping the subscriber lets the generator report the loss.
                        Err(_) => break,
                    },
                    frame = ws.read_frame() => if frame?.opcode == OpCode::Close { break },
                }
            }
        }
    }
    Ok(())
}

async fn server_upgrade(
    mut req: Request<Incoming>,
    tx: broadcast::Sender<Bytes>,
) -> Result<Response<Empty<Bytes>>, WebSocketError> {
    let route = route(req.uri().path());
    let (response, fut) = upgrade::upgrade(&mut req)?;
    tokio::task::spawn(async move {
        if let Err(e) = tokio::task::unconstrained(handle_client(fut, route, tx)).await {
            eprintln!("Error in websocket connection: {e}");
        }
    });
    Ok(response)
}

fn main() -> Result<(), WebSocketError> {
    let addr = addr_arg();
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        let (tx, _) = broadcast::channel::<Bytes>(FANOUT_CAPACITY);
        loop {
            let (stream, _) = listener.accept().await?;
            let tx = tx.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let conn_fut = http1::Builder::new()
                    .serve_connection(io, service_fn(move |req| server_upgrade(req, tx.clone())))
                    .with_upgrades();
                if let Err(e) = conn_fut.await {
                    eprintln!("An error occurred: {e:?}");
                }
            });
        }
    })
}
