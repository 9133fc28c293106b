//! The stateless codec on arbitrary bytes: header decode, close payload parse, masking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::frame::{apply_mask, CloseFrame, FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use rfc6455::Status;

fuzz_target!(|data: &[u8]| {
    header(data);
    close_payload(data);
    masking(data);
});

fn header(data: &[u8]) {
    let decoded = FrameHeader::decode(data);
    // A decoder that only looks at a prefix must answer every shorter prefix with
    // Partial or the very same verdict, or feeding it in pieces would change the result.
    let decided_at = match decoded {
        Ok(Status::Complete((_, n))) => n,
        _ => data.len().min(MAX_HEADER_LEN),
    };
    for cut in 0..decided_at {
        let early = FrameHeader::decode(&data[..cut]);
        assert!(
            early == Ok(Status::Partial) || (decoded.is_err() && early == decoded),
            "prefix of {cut} gave {early:?}, whole gave {decoded:?}"
        );
    }
    match decoded {
        Ok(Status::Partial) => assert!(data.len() < MAX_HEADER_LEN),
        Ok(Status::Complete((header, n))) => {
            assert!((2..=MAX_HEADER_LEN).contains(&n) && n <= data.len());
            assert_eq!(n, header.encoded_len());
            assert!(header.payload_len >> 63 == 0);
            if header.opcode.is_control() {
                assert!(header.fin && header.payload_len <= MAX_CONTROL_PAYLOAD as u64);
            }
            // Non-minimal lengths are rejected, so there is exactly one encoding of a
            // header and re-encoding must give back the very bytes that were read.
            let mut out = [0u8; MAX_HEADER_LEN];
            assert_eq!(header.encode(&mut out), Ok(n));
            assert_eq!(&out[..n], &data[..n]);
            assert_eq!(
                FrameHeader::decode(&out[..n]),
                Ok(Status::Complete((header, n)))
            );
            let mut short = [0x5Au8; MAX_HEADER_LEN];
            let err = header.encode(&mut short[..n - 1]);
            assert_eq!(
                err,
                Err(rfc6455::frame::EncodeError::InsufficientSize(
                    rfc6455::InsufficientSize { required: n }
                ))
            );
            assert!(short.iter().all(|&b| b == 0x5A), "a refused encode wrote");
        }
        Err(e) => assert!([1002, 1007].contains(&e.close_code().0), "{e:?}"),
    }
}

fn close_payload(data: &[u8]) {
    let Some(payload) = data.get(..data.len().min(MAX_CONTROL_PAYLOAD)) else {
        return;
    };
    match CloseFrame::parse(payload) {
        Ok(None) => assert!(payload.is_empty()),
        Ok(Some(close)) => {
            assert!(close.code.is_valid_on_wire());
            assert_eq!(CloseFrame::new(close.code, close.reason), Some(close));
            let mut out = [0u8; MAX_CONTROL_PAYLOAD];
            assert_eq!(close.encode(&mut out), Ok(payload.len()));
            assert_eq!(&out[..payload.len()], payload);
        }
        Err(e) => assert!([1002, 1007].contains(&e.close_code().0), "{e:?}"),
    }
}

/// The first four bytes are a key, the fifth a cut point, the rest a payload: masking
/// in two pieces must equal masking at once, and masking twice must undo itself.
fn masking(data: &[u8]) {
    let [k0, k1, k2, k3, cut, ref payload @ ..] = *data else {
        return;
    };
    let key = [k0, k1, k2, k3];
    let mut whole = payload.to_vec();
    apply_mask(&mut whole, key, 0);
    for (i, (m, p)) in whole.iter().zip(payload).enumerate() {
        assert_eq!(*m, p ^ key[i % 4]);
    }
    let mut pieces = payload.to_vec();
    let cut = usize::from(cut).min(pieces.len());
    let (a, b) = pieces.split_at_mut(cut);
    apply_mask(a, key, 0);
    apply_mask(b, key, cut);
    assert_eq!(pieces, whole);
    apply_mask(&mut whole, key, 0);
    assert_eq!(whole, payload);
}
