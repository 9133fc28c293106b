//! An echo WebSocket at `/ws` on axum 0.8, over HTTP/1.1 (Upgrade) and over HTTP/2
//! (cleartext with prior knowledge, extended CONNECT, RFC 8441), both upgraded by
//! `rfc6455` through the `http` types, permessage-deflate included.
//!
//! ```sh
//! cargo run --manifest-path examples/axum_echo/Cargo.toml -- 127.0.0.1:9004
//! ```

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::any;
use axum::Router;

/// The whole integration: `accept_echo` validates, answers and spawns the echo loop.
async fn ws(mut request: Request) -> Response {
    axum_echo::accept_echo(&mut request).map(|()| Body::empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9004".to_owned());
    // `any`: GET for HTTP/1.1, CONNECT for HTTP/2. axum::serve speaks both on one port
    // and enables SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3).
    let app = Router::new().route("/ws", any(ws));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
