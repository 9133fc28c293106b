//! The echo server of `examples/echo_server.rs` on tokio: the same sans-IO core
//! (`RequestParser` + `AcceptResponse` for the handshake, `Connection` + `MessageReader`
//! after it), with async reads and writes around it instead of blocking ones.
//!
//! ```sh
//! cargo run --manifest-path examples/tokio_echo/Cargo.toml -- 127.0.0.1:9003
//! printf 'a\nb\n' | cargo run --example client -- ws://127.0.0.1:9003/
//! ```
//!
//! One task per connection on a single-threaded runtime; nothing in the crate blocks or
//! waits, so it needs no adapting to run here.

use std::io;

use rfc6455::connection::{Config, Connection, Message, MessageReader, SendError, Received};
use rfc6455::handshake::{AcceptResponse, Limits, RequestParser};
use rfc6455::Status;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Big enough for throughput; the connection works with any size from 131 bytes.
const READ_BUFFER: usize = 64 * 1024;

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9003".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve(stream).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn serve(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; READ_BUFFER];
    let mut out = vec![0u8; 1024];
    let mut end = 0;

    // The parser resumes where it stopped, so re-offering the grown buffer is cheap.
    let mut parser = RequestParser::new(Limits::default());
    let head_len = loop {
        let n = stream.read(&mut buf[end..]).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        end += n;
        match parser.parse(&buf[..end]) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(request)) => {
                let n = AcceptResponse::new(&request)
                    .encode(&mut out)
                    .map_err(io::Error::other)?;
                stream.write_all(&out[..n]).await?;
                break request.head_len();
            }
            Err(e) => {
                let n = e.rejection().encode(&mut out).map_err(io::Error::other)?;
                stream.write_all(&out[..n]).await?;
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        }
    };

    let mut conn = Connection::server(Config::default());
    let mut reader = MessageReader::new();
    let mut start = head_len;
    loop {
        let (consumed, echo) = match reader.read(&mut conn, &mut buf[start..end]) {
            Ok(Received { consumed, event: message }) => {
                let sent = match message {
                    Some(Message::Text(text)) => {
                        out.resize(text.len() + 14, 0);
                        conn.send_text(text, &mut out)
                    }
                    Some(Message::Binary(data)) => {
                        out.resize(data.len() + 14, 0);
                        conn.send_binary(data, &mut out)
                    }
                    _ => Ok(0),
                };
                match sent {
                    Ok(n) => (consumed, n),
                    // A message that raced the peer's Close is not echoed.
                    Err(SendError::Closing) => (consumed, 0),
                    Err(e) => return Err(io::Error::other(e)),
                }
            }
            // The connection has queued the Close for this error; drained below.
            Err(e) => {
                eprintln!("protocol error: {e} (closing with {})", e.close_code().0);
                (end - start, 0)
            }
        };
        start += consumed;
        stream.write_all(&out[..echo]).await?;
        let mut replies = [0u8; 256];
        loop {
            let n = conn
                .poll_transmit(&mut replies)
                .expect("256 bytes hold any control frame");
            if n == 0 {
                break;
            }
            stream.write_all(&replies[..n]).await?;
        }
        if conn.should_close_transport() {
            return stream.shutdown().await;
        }
        if consumed > 0 {
            continue;
        }
        buf.copy_within(start..end, 0);
        end -= start;
        start = 0;
        let n = stream.read(&mut buf[end..]).await?;
        if n == 0 {
            conn.read_eof();
            return Ok(());
        }
        end += n;
    }
}
