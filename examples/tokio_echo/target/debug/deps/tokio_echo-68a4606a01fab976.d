/work/main/examples/tokio_echo/target/debug/deps/tokio_echo-68a4606a01fab976.d: src/main.rs

/work/main/examples/tokio_echo/target/debug/deps/libtokio_echo-68a4606a01fab976.rmeta: src/main.rs

src/main.rs:
