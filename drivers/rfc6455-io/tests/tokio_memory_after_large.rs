//! A connection that once carried a large message does not keep its size while idle:
//! after a 4 MiB echo over loopback, both ends (the tokio driver on each side) go
//! back to about what an idle connection costs, counted by a global allocator that
//! tracks live heap bytes. Holding the largest message until close is what makes a
//! server with many connections run out of memory after a burst.

mod counting;
mod tokio_common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use counting::LIVE;
use rfc6455_io::tokio::{accept_with, connect_with_options};
use rfc6455_io::{CloseCode, Message, Options};

const LARGE: usize = 4 << 20;
/// What the pair may hold above its idle state once the large message is gone: the
/// room each side's reader keeps for the next message (64 KiB) and its read scratch
/// (64 KiB, per thread), with a margin; far below the 4 MiB a pinned buffer would be.
const AFTER: isize = 320 * 1024;

#[test]
fn after_a_4_mib_message_an_idle_pair_gives_the_room_back() {
    tokio_common::run(Duration::from_secs(60), async {
        let (listener, addr) = tokio_common::listener().await;
        let options = Options::default().max_message_size(2 * LARGE as u64);
        let server_options = options.clone();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (mut ws, _) = accept_with(stream, &server_options).await?;
            while let Some(message) = ws.recv_owned().await? {
                if message.is_data() {
                    ws.send(message).await?;
                }
            }
            Ok::<(), rfc6455_io::Error>(())
        });
        let mut ws = connect_with_options(&format!("ws://{addr}/"), &options)
            .await
            .unwrap();
        // A small message both ways first: the idle state includes what any message
        // sets up once (scratch, queues, tokio's tables).
        ws.send_text("small").await.unwrap();
        assert_eq!(ws.recv_owned().await.unwrap(), Some(Message::from("small")));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let idle = LIVE.load(Ordering::SeqCst);

        let large: Vec<u8> = (0..LARGE).map(|i| (i % 251) as u8).collect();
        ws.send_binary(&large).await.unwrap();
        let echoed = ws.recv_owned().await.unwrap();
        assert_eq!(echoed, Some(Message::binary(large)));
        drop(echoed);
        // The small message after it is the "next call" at which a reader gives back
        // what the large one needed; then both sides are idle again.
        ws.send_text("small again").await.unwrap();
        assert_eq!(
            ws.recv_owned().await.unwrap(),
            Some(Message::from("small again"))
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after = LIVE.load(Ordering::SeqCst) - idle;
        println!("after a {LARGE}-byte echo, the idle pair holds {after} bytes more than before");
        assert!(after <= AFTER, "{after} bytes still held, over {AFTER}");
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });
}
