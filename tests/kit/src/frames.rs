use rfc6455::frame::{apply_mask, FrameHeader, Opcode};
use rfc6455::Status;

/// The masking key of the frames built here as a client would send them.
pub const CLIENT_KEY: [u8; 4] = [0xA1, 0xB2, 0xC3, 0xD4];

/// A frame header announcing `len` payload bytes in the shortest length form, with
/// `mask` as its key; the payload is left to the caller, or never sent, so a header can
/// announce more than a test could allocate.
pub fn frame_header(first_byte: u8, mask: Option<[u8; 4]>, len: u64) -> Vec<u8> {
    let mut out = vec![first_byte];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if len <= 0xFFFF {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend(mask.iter().flatten());
    out
}

/// Encodes one frame by hand (any opcode, flags and payload), masked with `mask`.
pub fn raw_frame(first_byte: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = frame_header(first_byte, mask, payload.len() as u64);
    let mut body = payload.to_vec();
    if let Some(key) = mask {
        apply_mask(&mut body, key, 0);
    }
    out.extend_from_slice(&body);
    out
}

/// A masked frame as a client would send it.
pub fn client_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(first_byte, Some(CLIENT_KEY), payload)
}

/// A client's header, with its key, announcing `len` bytes.
pub fn client_header(first_byte: u8, len: u64) -> Vec<u8> {
    frame_header(first_byte, Some(CLIENT_KEY), len)
}

/// Splits bytes an endpoint wrote into headers and unmasked payloads; anything but
/// whole, valid frames is the endpoint's bug.
pub fn split_frames(mut bytes: &[u8]) -> Vec<(FrameHeader, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let Status::Complete((header, n)) = FrameHeader::decode(bytes).expect("own frames decode")
        else {
            panic!("a truncated frame was written: {bytes:02x?}");
        };
        let end = n + usize::try_from(header.payload_len).expect("small");
        let mut payload = bytes[n..end].to_vec();
        if let Some(key) = header.mask {
            apply_mask(&mut payload, key, 0);
        }
        frames.push((header, payload));
        bytes = &bytes[end..];
    }
    frames
}

/// The code of the first Close frame an endpoint wrote (masked or not), if it has one.
pub fn close_code_in(bytes: &[u8]) -> Option<u16> {
    let (_, payload) = split_frames(bytes)
        .into_iter()
        .find(|(header, _)| header.opcode == Opcode::Close)?;
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}
