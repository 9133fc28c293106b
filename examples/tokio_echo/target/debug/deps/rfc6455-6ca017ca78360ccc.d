/work/main/examples/tokio_echo/target/debug/deps/rfc6455-6ca017ca78360ccc.d: /work/main/src/lib.rs /work/main/src/connection/mod.rs /work/main/src/connection/buffer.rs /work/main/src/connection/config.rs /work/main/src/connection/error.rs /work/main/src/connection/event.rs /work/main/src/connection/message.rs /work/main/src/connection/receive.rs /work/main/src/connection/send.rs /work/main/src/connection/state.rs /work/main/src/connection/timers.rs /work/main/src/connection/utf8.rs /work/main/src/frame/mod.rs /work/main/src/frame/close.rs /work/main/src/frame/error.rs /work/main/src/frame/header.rs /work/main/src/frame/mask.rs /work/main/src/frame/opcode.rs /work/main/src/handshake/mod.rs /work/main/src/handshake/accept.rs /work/main/src/handshake/build.rs /work/main/src/handshake/error.rs /work/main/src/handshake/extension.rs /work/main/src/handshake/head.rs /work/main/src/handshake/origin.rs /work/main/src/handshake/parts.rs /work/main/src/handshake/request.rs /work/main/src/handshake/response.rs /work/main/src/random.rs /work/main/src/time.rs

/work/main/examples/tokio_echo/target/debug/deps/librfc6455-6ca017ca78360ccc.rmeta: /work/main/src/lib.rs /work/main/src/connection/mod.rs /work/main/src/connection/buffer.rs /work/main/src/connection/config.rs /work/main/src/connection/error.rs /work/main/src/connection/event.rs /work/main/src/connection/message.rs /work/main/src/connection/receive.rs /work/main/src/connection/send.rs /work/main/src/connection/state.rs /work/main/src/connection/timers.rs /work/main/src/connection/utf8.rs /work/main/src/frame/mod.rs /work/main/src/frame/close.rs /work/main/src/frame/error.rs /work/main/src/frame/header.rs /work/main/src/frame/mask.rs /work/main/src/frame/opcode.rs /work/main/src/handshake/mod.rs /work/main/src/handshake/accept.rs /work/main/src/handshake/build.rs /work/main/src/handshake/error.rs /work/main/src/handshake/extension.rs /work/main/src/handshake/head.rs /work/main/src/handshake/origin.rs /work/main/src/handshake/parts.rs /work/main/src/handshake/request.rs /work/main/src/handshake/response.rs /work/main/src/random.rs /work/main/src/time.rs

/work/main/src/lib.rs:
/work/main/src/connection/mod.rs:
/work/main/src/connection/buffer.rs:
/work/main/src/connection/config.rs:
/work/main/src/connection/error.rs:
/work/main/src/connection/event.rs:
/work/main/src/connection/message.rs:
/work/main/src/connection/receive.rs:
/work/main/src/connection/send.rs:
/work/main/src/connection/state.rs:
/work/main/src/connection/timers.rs:
/work/main/src/connection/utf8.rs:
/work/main/src/frame/mod.rs:
/work/main/src/frame/close.rs:
/work/main/src/frame/error.rs:
/work/main/src/frame/header.rs:
/work/main/src/frame/mask.rs:
/work/main/src/frame/opcode.rs:
/work/main/src/handshake/mod.rs:
/work/main/src/handshake/accept.rs:
/work/main/src/handshake/build.rs:
/work/main/src/handshake/error.rs:
/work/main/src/handshake/extension.rs:
/work/main/src/handshake/head.rs:
/work/main/src/handshake/origin.rs:
/work/main/src/handshake/parts.rs:
/work/main/src/handshake/request.rs:
/work/main/src/handshake/response.rs:
/work/main/src/random.rs:
/work/main/src/time.rs:
