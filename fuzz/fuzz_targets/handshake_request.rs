//! Arbitrary bytes as a client's opening handshake, read by the server's parser whole,
//! byte by byte and in pieces (see `handshake::check_request`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rfc6455_fuzz::handshake::check_request(data);
});
