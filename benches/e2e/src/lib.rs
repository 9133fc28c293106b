//! What every server binary shares: the command line and which path does what.

/// Far above the load generator's window of 64 updates in flight, so a subscriber that
/// keeps up is never dropped from the channel as lagging.
pub const FANOUT_CAPACITY: usize = 1024;

pub enum Route {
    Echo,
    /// Receives every text message sent on `/pub`.
    Sub,
    Pub,
}

pub fn route(path: &str) -> Route {
    match path {
        "/sub" => Route::Sub,
        "/pub" => Route::Pub,
        _ => Route::Echo,
    }
}

/// `<server-bin> <addr>`, the same for every server.
pub fn addr_arg() -> String {
    let mut args = std::env::args();
    let bin = args.next().unwrap_or_default();
    args.next().unwrap_or_else(|| {
        eprintln!("usage: {bin} ADDR   (echo on any path; fan-out on /sub and /pub)");
        std::process::exit(2)
    })
}
