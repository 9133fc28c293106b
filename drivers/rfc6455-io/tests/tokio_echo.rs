//! Round trips through the tokio driver on loopback, both roles.

mod tokio_common;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rfc6455_io::rfc6455::connection::Message as Borrowed;
use rfc6455_io::tokio::{accept, connect, MaybeTls, WebSocket};
use rfc6455_io::{CloseCode, Message, MessageKind};
use tokio_common::{listener, run};

/// An echo server for one connection: data back, until the Close.
async fn echo_once(listener: tokio::net::TcpListener) -> Result<(), rfc6455_io::Error> {
    let (stream, _) = listener.accept().await?;
    let mut ws = accept(stream).await?;
    while let Some(message) = ws.recv_owned().await? {
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}

#[test]
fn text_binary_ping_close_round_trip() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(echo_once(listener));
        let mut ws = connect(&format!("ws://{addr}/")).await.unwrap();

        ws.send_text("hello").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Borrowed::Text("hello")));
        let big = vec![7u8; 200_000];
        ws.send_binary(&big).await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Borrowed::Binary(&big[..])));
        ws.send_ping(b"p").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Borrowed::Pong(b"p")));

        let answer = ws.close(CloseCode::NORMAL, "bye").await.unwrap();
        assert_eq!(answer, CloseCode::NORMAL);
        assert!(matches!(
            ws.send_text("late").await,
            Err(rfc6455_io::Error::Closed)
        ));
        server.await.unwrap().unwrap();
    });
}

#[test]
fn server_sends_and_closes_first() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = accept(stream).await.unwrap();
            // Large enough that the zero-copy write may not go out whole at once.
            let big = vec![3u8; 1 << 20];
            ws.send_binary(&big).await.unwrap();
            ws.send(Message::text("small")).await.unwrap();
            ws.send_ping(b"s").await.unwrap();
            let pong = ws.recv_owned().await.unwrap();
            assert_eq!(pong, Some(Message::Pong(b"s"[..].into())));
            ws.close(CloseCode::GOING_AWAY, "done").await.unwrap()
        });
        let mut ws = connect(&format!("ws://{addr}/")).await.unwrap();
        let first = ws.recv_owned().await.unwrap().unwrap();
        assert_eq!(first.payload().len(), 1 << 20);
        assert!(first.payload().iter().all(|&b| b == 3));
        assert_eq!(ws.recv_owned().await.unwrap(), Some(Message::from("small")));
        // Handed out, and answered inside recv: the server waits for that Pong.
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::Ping(b"s"[..].into()))
        );
        match ws.recv_owned().await.unwrap() {
            Some(Message::Close { code, reason }) => {
                assert_eq!(code, CloseCode::GOING_AWAY);
                assert_eq!(&*reason, "done");
            }
            other => panic!("expected the Close, got {other:?}"),
        }
        assert_eq!(ws.recv_owned().await.unwrap(), None);
        assert_eq!(server.await.unwrap(), CloseCode::GOING_AWAY);
    });
}

#[test]
fn fragmented_send_arrives_whole() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(echo_once(listener));
        let mut ws = connect(&format!("ws://{addr}/")).await.unwrap();
        ws.send_fragment(MessageKind::Text, b"frag", false)
            .await
            .unwrap();
        // A control frame may go between fragments (§5.4).
        ws.send_ping(b"mid").await.unwrap();
        ws.send_fragment(MessageKind::Text, b"men", false)
            .await
            .unwrap();
        ws.send_fragment(MessageKind::Text, b"ted", true)
            .await
            .unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Borrowed::Pong(b"mid")));
        assert_eq!(ws.recv().await.unwrap(), Some(Borrowed::Text("fragmented")));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        server.await.unwrap().unwrap();
    });
}

#[test]
fn stream_forward_echoes_and_sink_sends() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let ws = accept(stream).await.unwrap();
            let (sink, stream) = futures_util::StreamExt::split(ws);
            // Everything back, the Close included: the Stream ends after it.
            stream.forward(sink).await
        });
        let mut ws: WebSocket<MaybeTls, _> = connect(&format!("ws://{addr}/")).await.unwrap();
        ws.feed(Message::from("one")).await.unwrap();
        ws.feed(Message::binary(vec![2u8; 1000])).await.unwrap();
        ws.flush().await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::from("one"));
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::binary(vec![2u8; 1000])
        );
        SinkExt::close(&mut ws).await.unwrap();
        match ws.next().await {
            Some(Ok(Message::Close { code, .. })) => assert_eq!(code, CloseCode::NORMAL),
            other => panic!("expected the Close echo, got {other:?}"),
        }
        assert!(ws.next().await.is_none());
        server.await.unwrap().unwrap();
    });
}

#[test]
fn split_halves_echo_from_two_tasks_and_answer_pings_while_the_writer_idles() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let ws = accept(stream).await.unwrap();
            let (mut reader, mut writer) = ws.split();
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(4);
            let write_task = tokio::spawn(async move {
                while let Some(message) = rx.recv().await {
                    writer.send(message).await.unwrap();
                }
                writer
            });
            while let Some(message) = reader.recv_owned().await.unwrap() {
                if message.is_data() {
                    tx.send(message).await.unwrap();
                }
            }
            drop(tx);
            write_task.await.unwrap();
        });
        let mut ws = connect(&format!("ws://{addr}/")).await.unwrap();
        for i in 0..20 {
            ws.send_text(&format!("m{i}")).await.unwrap();
        }
        for i in 0..20 {
            assert_eq!(
                ws.recv_owned().await.unwrap(),
                Some(Message::from(format!("m{i}")))
            );
        }
        // The writer task sits idle in rx.recv(): the reader must write the Pong.
        ws.send_ping(b"idle").await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Some(Borrowed::Pong(b"idle")));
        assert_eq!(
            ws.close(CloseCode::NORMAL, "").await.unwrap(),
            CloseCode::NORMAL
        );
        server.await.unwrap();
    });
}

#[test]
fn split_client_halves_close_through_the_writer() {
    run(Duration::from_secs(10), async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(echo_once(listener));
        let ws = connect(&format!("ws://{addr}/")).await.unwrap();
        let (mut reader, mut writer) = ws.split();
        let reading = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(message) = reader.next().await {
                got.push(message.unwrap());
            }
            got
        });
        writer.send(Message::from("a")).await.unwrap();
        writer.send_binary(b"b").await.unwrap();
        // Let the echoes arrive before our Close ends the server's data.
        tokio::time::sleep(Duration::from_millis(100)).await;
        writer.close(CloseCode::NORMAL, "").await.unwrap();
        let got = reading.await.unwrap();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], Message::from("a"));
        assert_eq!(got[1], Message::binary(&b"b"[..]));
        assert!(got[2].is_close());
        server.await.unwrap().unwrap();
    });
}
