//! What the blocking driver's test files share: a one-connection server thread and a
//! join that turns a hang into a failure.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Every test ends well within this, or fails.
pub const BOUND: Duration = Duration::from_secs(10);

/// A listener on loopback and its address; `serve` runs on its first connection, on a
/// thread of its own.
pub fn server<T: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (SocketAddr, thread::JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        serve(stream)
    });
    (addr, handle)
}

/// The server thread's result, or a failure if it runs past [`BOUND`]: a driver that
/// hangs must fail the test, not stall it.
pub fn join<T>(handle: thread::JoinHandle<T>) -> T {
    let deadline = Instant::now() + BOUND;
    while !handle.is_finished() {
        assert!(Instant::now() < deadline, "the server side hung");
        thread::sleep(Duration::from_millis(10));
    }
    handle.join().unwrap()
}
