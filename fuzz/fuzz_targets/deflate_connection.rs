//! Arbitrary peer bytes read through `MessageReader` with permessage-deflate
//! negotiated, then payloads from the same input compressed by `DeflateSender` and read
//! back (see `deflate::check` for the layout).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::deflate::check(data));
