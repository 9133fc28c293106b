//! Arbitrary bytes as the server's answer to the §1.3 request, read by the client's
//! parser whole, byte by byte and in pieces (see `handshake::check_response`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::ClientRequest;

/// Offered so that the fuzzer can reach the subprotocol and extension checks.
const PROTOCOLS: [&str; 2] = ["chat", "superchat"];
const EXTENSIONS: [&str; 1] = ["permessage-deflate; client_max_window_bits"];

fuzz_target!(|data: &[u8]| {
    let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce")
        .protocols(&PROTOCOLS)
        .extensions(&EXTENSIONS);
    rfc6455_fuzz::handshake::check_response(data, &request, &PROTOCOLS);
});
