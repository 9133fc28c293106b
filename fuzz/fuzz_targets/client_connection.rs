//! Arbitrary bytes from a server, read by a client (see `check_raw` for the layout).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455_fuzz::{check_raw, Side};

fuzz_target!(|data: &[u8]| check_raw(Side::Client, data));
