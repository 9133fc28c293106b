//! `from_upgraded` on an in-memory pipe that takes at most 1 KiB at a time: the
//! server's zero-copy write is cut short, and the rest must be queued and follow.

mod tokio_common;

use std::time::Duration;

use rfc6455_io::rfc6455::connection::{Config, Message as Borrowed};
use rfc6455_io::tokio::{from_upgraded, from_upgraded_client};
use rfc6455_io::{CloseCode, Options};

#[test]
fn a_write_the_transport_cuts_short_is_queued_and_completed() {
    tokio_common::run(Duration::from_secs(10), async {
        let (server_io, client_io) = tokio::io::duplex(1024);
        let options = Options::default();
        let mut server = from_upgraded(server_io, Config::default(), &options);
        let mut client = from_upgraded_client(client_io, Config::default(), &options);
        let payload: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let expected = payload.clone();
        let receiving = tokio::spawn(async move {
            assert_eq!(
                client.recv().await.unwrap(),
                Some(Borrowed::Binary(&expected[..]))
            );
            assert_eq!(client.recv().await.unwrap(), Some(Borrowed::Text("after")));
            client.close(CloseCode::NORMAL, "").await.unwrap()
        });
        server.send_binary(&payload).await.unwrap();
        server.send_text("after").await.unwrap();
        match server.recv().await.unwrap() {
            Some(Borrowed::Close { code, .. }) => assert_eq!(code, CloseCode::NORMAL),
            other => panic!("expected the client's Close, got {other:?}"),
        }
        assert_eq!(server.recv().await.unwrap(), None);
        assert_eq!(receiving.await.unwrap(), CloseCode::NORMAL);
    });
}
