//! The ceiling: the least a WebSocket echo server can do on one thread with mio (a fixed
//! minimal parse of the upgrade, unmask, write back), so that the other servers' figures
//! can be read against what the kernel and loopback allow. Echo only: no fan-out.
//!
//! mio_ceiling ADDR

use std::collections::HashMap;
use std::io::{self, Read, Write};

use base64::Engine;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(usize::MAX);

struct Conn {
    sock: TcpStream,
    open: bool,
    inbuf: Vec<u8>,
    out: Vec<u8>,
}

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1).expect("usage: mio_ceiling ADDR");
    let mut listener = TcpListener::bind(addr.parse().expect("ADDR: ip:port"))?;
    let mut poll = Poll::new()?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    eprintln!("mio_ceiling on {addr}: echo only, fan-out (/sub, /pub) is unsupported");
    let mut conns: HashMap<usize, Conn> = HashMap::new();
    let mut next = 0;
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        poll.poll(&mut events, None)?;
        for ev in events.iter() {
            if ev.token() == LISTENER {
                while let Ok((mut sock, _)) = listener.accept() {
                    sock.set_nodelay(true)?;
                    poll.registry().register(&mut sock, Token(next), Interest::READABLE | Interest::WRITABLE)?;
                    conns.insert(next, Conn { sock, open: false, inbuf: Vec::new(), out: Vec::new() });
                    next += 1;
                }
                continue;
            }
            let id = ev.token().0;
            let Some(c) = conns.get_mut(&id) else { continue };
            if serve(c, &mut buf).is_err() {
                conns.remove(&id);
            }
        }
    }
}

/// Reads what is there, answers it, writes what the socket takes; Err drops the connection.
fn serve(c: &mut Conn, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match c.sock.read(buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                c.inbuf.extend_from_slice(&buf[..n]);
                // A short read drained the socket: asking again would only cost a
                // syscall that says WouldBlock (tokio skips it the same way; the
                // edge-triggered poll reports whatever arrives after).
                if n < buf.len() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    if !c.open {
        upgrade(c)?;
    }
    if c.open {
        let used = echo_frames(&mut c.inbuf, &mut c.out)?;
        c.inbuf.drain(..used);
    }
    let mut sent = 0;
    while sent < c.out.len() {
        match c.sock.write(&c.out[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    c.out.drain(..sent);
    Ok(())
}

fn upgrade(c: &mut Conn) -> io::Result<()> {
    let Some(end) = c.inbuf.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(()) };
    let head = String::from_utf8_lossy(&c.inbuf[..end]).into_owned();
    c.inbuf.drain(..end + 4);
    let path = head.split(' ').nth(1).unwrap_or("");
    let key = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("sec-websocket-key").then(|| value.trim())
    });
    let (Some(key), false) = (key, path == "/sub" || path == "/pub") else {
        c.out.extend_from_slice(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        return Ok(());
    };
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let accept = base64::engine::general_purpose::STANDARD.encode(sha.digest().bytes());
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    c.out.extend_from_slice(resp.as_bytes());
    c.open = true;
    Ok(())
}

/// Unmasks each complete client frame into an unmasked server frame; returns bytes used.
fn echo_frames(inbuf: &mut [u8], out: &mut Vec<u8>) -> io::Result<usize> {
    let mut pos = 0;
    loop {
        let b = &mut inbuf[pos..];
        if b.len() < 2 {
            return Ok(pos);
        }
        let (hdr, len) = match b[1] & 0x7f {
            126 if b.len() >= 4 => (4, u16::from_be_bytes([b[2], b[3]]) as usize),
            127 if b.len() >= 10 => (10, u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize),
            126 | 127 => return Ok(pos),
            n => (2, n as usize),
        };
        if b[1] & 0x80 == 0 || b[0] & 0x0f == 8 {
            // Unmasked client frames are a protocol error; a Close ends the connection.
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        if b.len() < hdr + 4 + len {
            return Ok(pos);
        }
        let key: [u8; 4] = b[hdr..hdr + 4].try_into().unwrap();
        let payload = &mut b[hdr + 4..hdr + 4 + len];
        let word = u64::from_le_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
        let mut words = payload.chunks_exact_mut(8);
        for w in &mut words {
            let v = u64::from_le_bytes(w.try_into().unwrap()) ^ word;
            w.copy_from_slice(&v.to_le_bytes());
        }
        for (i, byte) in words.into_remainder().iter_mut().enumerate() {
            *byte ^= key[i & 3];
        }
        // A Ping is answered with a Pong; data frames keep their FIN bit and opcode.
        out.push(if b[0] & 0x0f == 9 { 0x8a } else { b[0] });
        out.push(b[1] & 0x7f);
        out.extend_from_slice(&b[2..hdr]);
        out.extend_from_slice(&b[hdr + 4..hdr + 4 + len]);
        pos += hdr + 4 + len;
    }
}
